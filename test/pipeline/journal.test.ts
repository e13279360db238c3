// The journal's shell (src/pipeline/journal.ts) run by the real /bin/sh in a path
// with spaces and quotes: written whole (no temp file left), read back, and removed
// only by the run that wrote it.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { clearJournalSnippet, parseJournal, writeJournalSnippet, type Journal } from '../../src/pipeline/journal.js';
import { layoutOf } from '../../src/deploy/layout.js';

const root = path.join(mkdtempSync(path.join(tmpdir(), 'dpl-journal-')), `it's a "deploy" path`);
execFileSync('mkdir', ['-p', root]);
afterAll(() => rmSync(path.dirname(root), { recursive: true, force: true }));
const l = layoutOf(root);
const sh = (script: string) => execFileSync('/bin/sh', ['-c', script], { encoding: 'utf8' });
const j: Journal = { v: 1, id: 'run-1', action: 'deploy', release: '20261205T120000Z', flow: 'all', recover: 'forward', targets: ['web-0', "o'brien"], previous: 'releases/20261204T120000Z', decision: 'commit', state: 'prepared', ref: { ref: 'v2', tag: 'v2', sha: 'abc', subject: `it's "quoted" $(nope)` }, by: 'alice@laptop (pid 1)', time: 'T' };

describe('the journal on a host', () => {
  it('is written whole and read back exactly, leaving no temp file', () => {
    sh(writeJournalSnippet(l, j));
    expect(parseJournal(readFileSync(l.journal, 'utf8'))).toEqual(j);
    expect(readdirSync(root)).toEqual(['.dpl-journal.json']);
    sh(writeJournalSnippet(l, { ...j, state: 'switched' }));
    expect(parseJournal(readFileSync(l.journal, 'utf8'))?.state).toBe('switched');
  });

  it("is removed by its own run, never by another's", () => {
    sh(clearJournalSnippet(l, 'run-2'));
    expect(existsSync(l.journal)).toBe(true);
    sh(clearJournalSnippet(l, 'run-1'));
    expect(existsSync(l.journal)).toBe(false);
  });

  it('a torn or foreign file is no journal', () => {
    expect(parseJournal('{"v":1,"id":"x"')).toBeUndefined();
    expect(parseJournal('{"v":2,"id":"x","release":"r","targets":[]}')).toBeUndefined();
    expect(parseJournal('')).toBeUndefined();
  });
});
