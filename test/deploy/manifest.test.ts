// The pieces of an upload without hosts: the manifest (damage is detected, a file
// is linked only when content, mode and the host's stat all match) and the tar
// writer, read back by GNU tar (pax records, long names, newlines, modes, symlinks).
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { formatManifest, parseManifest, planUpload, scanTree, type Entry, type HostStat } from '../../src/deploy/manifest.js';
import { packTar, paxRecord } from '../../src/deploy/tar-pack.js';
import { openTmp } from './fixtures.js';

const tmp = openTmp('dpl-manifest-');
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const file = (p: string, o: Partial<Extract<Entry, { type: 'f' }>> = {}): Extract<Entry, { type: 'f' }> => ({ path: p, type: 'f', mode: 0o644, size: 3, mtime: 1000, hash: 'a'.repeat(64), ...o });
const stat = (o: Partial<HostStat> = {}): HostStat => ({ type: 'f', mode: 0o644, size: 3, mtime: '1000.0000000000', ...o });

describe('manifest', () => {
  it('reads back what it wrote, and reports any damage as undefined', () => {
    const entries: Entry[] = [{ path: 'd', type: 'd', mode: 0o755 }, file('d/new\nline'), { path: 'l', type: 'l', target: 'd/new\nline' }];
    const text = formatManifest(entries);
    expect([...parseManifest(text)!.values()]).toEqual(entries);
    expect(parseManifest(text.replace('0644', '0645').replace('420', '421'))).toBeUndefined();
    expect(parseManifest(text.slice(0, -5))).toBeUndefined();
    expect(parseManifest('')).toBeUndefined();
    expect(parseManifest('garbage\n[1,2]\n')).toBeUndefined();
  });

  it('links a file only when content, mode and the host stat all match', () => {
    const old = new Map<string, Entry>([['a', file('a')], ['b', file('b')], ['c', file('c')], ['d', file('d')], ['e', file('e')]]);
    const hostStat = new Map([['a', stat()], ['b', stat({ mtime: '1000.5000000000' })], ['c', stat({ mode: 0o600 })], ['d', stat()], ['e', stat()]]);
    const local = [file('a', { mtime: 2000 }), file('b'), file('c'), file('d', { hash: 'b'.repeat(64) }), file('e', { mode: 0o755 }), file('f')];
    const plan = planUpload(local, { manifest: old, stat: hostStat });
    expect(plan.linked.map((e) => e.path)).toEqual(['a']);
    expect(plan.entries.find((e) => e.path === 'a')).toMatchObject({ mtime: 1000 }); // the linked inode's mtime
    expect(planUpload(local).linked).toEqual([]);
  });
});

describe('tar writer', () => {
  it('pax records count their own length at every digit boundary', () => {
    for (let n = 1; n < 1200; n++) {
      const rec = paxRecord('path', 'x'.repeat(n));
      expect(Number(rec.split(' ')[0]), rec.slice(0, 12)).toBe(Buffer.byteLength(rec));
    }
  });

  it('GNU tar extracts the same tree: long and odd names, modes, symlinks, empty dirs', async () => {
    const src = path.join(tmp, 'src');
    const names = ['plain.txt', 'name with spaces', 'new\nline', 'ünïcödé', 'x'.repeat(99), 'y'.repeat(100), 'z'.repeat(101), `${'d'.repeat(80)}/${'e'.repeat(120)}`];
    // Names whose pax record lands on 99/100 and 999/1000 bytes.
    names.push(`${'p'.repeat(85)}/${'q'.repeat(4)}`, `${'r'.repeat(200)}/${'s'.repeat(200)}/${'t'.repeat(200)}/${'u'.repeat(200)}/${'v'.repeat(180)}`);
    for (const [i, n] of names.entries()) {
      mkdirSync(path.dirname(path.join(src, n)), { recursive: true });
      writeFileSync(path.join(src, n), `file ${i}\n`.repeat(i * 100), { mode: i % 2 ? 0o755 : 0o640 });
    }
    mkdirSync(path.join(src, 'empty'), { mode: 0o700 });
    symlinkSync('plain.txt', path.join(src, 'link'));
    const entries = await scanTree(src);
    const tar = packTar({ root: src, entries, linked: new Set(), extra: [], gzip: 1 });
    const bytes = Buffer.concat(await (async () => {
      const chunks: Buffer[] = [];
      for await (const c of tar.reader()) chunks.push(c as Buffer);
      return chunks;
    })());
    expect(await tar.done).toBe(bytes.length);
    const out = path.join(tmp, 'out');
    mkdirSync(out);
    execFileSync('tar', ['-x', '-p', '-z', '-f', '-', '-C', out], { input: bytes });
    expect(await scanTree(out)).toEqual(entries);
  });
});
