// The journal and history shell on a real full disk (a tmpfs filled to its last page),
// run by the real /bin/sh: a write that fails must fail the script and leave the
// journal as it was. A journal replaced by an empty file would hide the decision to
// switch from the next dpl; a history line lost while the journal is cleared would
// finish a host without a record, and nobody would be told.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendSnippet, newRecord } from '../../src/deploy/history.js';
import { layoutOf } from '../../src/deploy/layout.js';
import { clearJournalSnippet, parseJournal, writeJournalSnippet, type Journal } from '../../src/pipeline/journal.js';
import { recordSnippet } from '../../src/pipeline/steps.js';

const isRoot = process.getuid?.() === 0;
const base = mkdtempSync(path.join(tmpdir(), 'dpl-journal-full-'));
const root = path.join(base, 'deploy');
const l = layoutOf(root);
const j: Journal = { v: 1, id: 'run-1', action: 'deploy', release: '20261205T120000Z', flow: 'all', recover: 'forward', targets: ['web-0'], state: 'prepared', ref: { ref: 'v2', sha: 'abc' }, by: 'alice@laptop (pid 1)', time: 'T' };
/** Exit code and stderr of a script run by /bin/sh. */
const run = (script: string): { code: number; stderr: string } => {
  try {
    execFileSync('/bin/sh', ['-c', script], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    return { code: 0, stderr: '' };
  } catch (e) {
    const err = e as { status: number; stderr: string };
    return { code: err.status, stderr: err.stderr };
  }
};
const fill = () => run(`dd if=/dev/zero of=${root}/filler bs=4k 2>/dev/null; true`);
const unfill = () => rmSync(path.join(root, 'filler'), { force: true });

describe.skipIf(!isRoot)('journal and history writes on a full disk (real tmpfs)', () => {
  beforeAll(() => {
    mkdirSync(root);
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', root]);
  });
  afterAll(() => {
    execFileSync('umount', ['-l', root]);
    rmSync(base, { recursive: true, force: true });
  });

  it('the decision that cannot be written fails the script, and the journal before it stays whole', () => {
    expect(run(writeJournalSnippet(l, j)).code).toBe(0);
    fill();
    const r = run(writeJournalSnippet(l, { ...j, decision: 'commit' }));
    unfill();
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/No space left on device/);
    expect(parseJournal(readFileSync(l.journal, 'utf8'))).toEqual(j);
    expect(readdirSync(root).sort()).toEqual(['.dpl-journal.json']);
  });

  it('a history line that cannot be appended fails the record, and the journal is kept for the next dpl', () => {
    writeFileSync(l.history, '');
    fill();
    const rec = newRecord('20261205T120000Z', 'deployed', { reason: 'x'.repeat(8000) });
    const r = run(recordSnippet(l, [rec], 'run-1'));
    unfill();
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/No space left on device/);
    expect(parseJournal(readFileSync(l.journal, 'utf8'))?.id).toBe('run-1');
    // With room again, the same script records and then clears the journal.
    expect(run(recordSnippet(l, [rec], 'run-1')).code).toBe(0);
    // The line torn by the full disk costs only itself: the record after it parses.
    const last = readFileSync(l.history, 'utf8').trimEnd().split('\n').pop()!;
    expect(JSON.parse(last)).toMatchObject({ release: '20261205T120000Z', status: 'deployed' });
    expect(readdirSync(root)).not.toContain('.dpl-journal.json');
  });

  it("clearing another run's journal is no failure, and leaves it", () => {
    expect(run(writeJournalSnippet(l, j)).code).toBe(0);
    expect(run(clearJournalSnippet(l, 'run-2')).code).toBe(0);
    expect(parseJournal(readFileSync(l.journal, 'utf8'))?.id).toBe('run-1');
    expect(run(appendSnippet(l, [newRecord('r', 'deployed')]) + '\n' + clearJournalSnippet(l, 'run-2')).code).toBe(0);
  });

  it('a line torn by an earlier full disk is ended before the next record, which then parses', () => {
    writeFileSync(l.history, '{"release":"a","status":"deployed"}\n{"release":"b","sta');
    expect(run(recordSnippet(l, [newRecord('c', 'deployed')])).code).toBe(0);
    const lines = readFileSync(l.history, 'utf8').trimEnd().split('\n');
    expect(lines).toHaveLength(3);
    expect(JSON.parse(lines[2]!)).toMatchObject({ release: 'c', status: 'deployed' });
  });
});
