// What an upload ships, compressed or not (`build.compress`): by default a plain
// tar (no host has to inflate it), with compress a gzip stream; either way GNU tar
// on this machine extracts the build and the manifest from it.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MANIFEST_NAME, parseManifest, planUpload, scanTree } from '../../src/deploy/manifest.js';
import { Shipment } from '../../src/deploy/shipment.js';
import { openTmp } from './fixtures.js';

const tmp = openTmp('dpl-upload-compress-');
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const src = path.join(tmp, 'build');
mkdirSync(path.join(src, 'lib'), { recursive: true });
writeFileSync(path.join(src, 'lib', 'app.js'), 'export const answer = 42;\n'.repeat(2000));
writeFileSync(path.join(src, 'run'), '#!/bin/sh\n', { mode: 0o755 });

async function shipped(s: Shipment): Promise<Buffer> {
  const { tar, gzip } = s.pack(planUpload(s.entries), undefined);
  expect(gzip).toBe(s.gzip > 0);
  const chunks: Buffer[] = [];
  for await (const c of tar.reader()) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

function extract(bytes: Buffer, gzip: boolean, name: string): string {
  const out = path.join(tmp, name);
  mkdirSync(out);
  execFileSync('tar', ['-x', '-p', ...(gzip ? ['-z'] : []), '-f', '-', '-C', out], { input: bytes });
  return out;
}

describe('build.compress', () => {
  it('is off by default: a plain ustar stream that tar extracts without -z', async () => {
    const s = await Shipment.scan(src);
    expect(s.gzip).toBe(0);
    const bytes = await shipped(s);
    expect(bytes.subarray(257, 262).toString('latin1')).toBe('ustar');
    const out = extract(bytes, false, 'plain');
    expect(readFileSync(path.join(out, 'lib', 'app.js'), 'utf8')).toBe(readFileSync(path.join(src, 'lib', 'app.js'), 'utf8'));
    expect(parseManifest(readFileSync(path.join(out, MANIFEST_NAME), 'utf8'))?.get('run')).toMatchObject({ type: 'f', mode: 0o755 });
  });

  it('on: a gzip stream, smaller, with the same tree inside', async () => {
    const plain = await shipped(await Shipment.scan(src));
    const s = await Shipment.scan(src, { compress: true });
    expect(s.gzip).toBeGreaterThan(0);
    const bytes = await shipped(s);
    expect([bytes[0], bytes[1]]).toEqual([0x1f, 0x8b]);
    expect(bytes.length).toBeLessThan(plain.length / 4);
    const out = extract(bytes, true, 'gzipped');
    expect(parseManifest(readFileSync(path.join(out, MANIFEST_NAME), 'utf8'))?.size).toBe(s.entries.length);
    rmSync(path.join(out, MANIFEST_NAME));
    expect(await scanTree(out)).toEqual(s.entries);
  });
});

describe('a tar that links files', () => {
  it('is gzipped with compress off: it is mostly link headers and the manifest', async () => {
    const s = await Shipment.scan(src);
    const manifest = new Map(s.entries.map((e) => [e.path, e]));
    const stat = new Map(s.entries.flatMap((e) => (e.type === 'f' ? [[e.path, { type: 'f', mode: e.mode, size: e.size, mtime: `${e.mtime}.0000000000` }] as const] : [])));
    const plan = planUpload(s.entries, { manifest, stat });
    expect(plan.linked.map((e) => e.path).sort()).toEqual(['lib/app.js', 'run']);
    const { tar, gzip } = s.pack(plan, '20261205T000000Z');
    expect(gzip).toBe(true);
    const chunks: Buffer[] = [];
    for await (const c of tar.reader()) chunks.push(c as Buffer);
    const listing = execFileSync('tar', ['-t', '-v', '-P', '-z', '-f', '-'], { input: Buffer.concat(chunks), encoding: 'utf8' });
    expect(listing).toContain('lib/app.js link to ../20261205T000000Z/lib/app.js');
  });
});
