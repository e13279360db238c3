// The bench's hosts: a fleet of real sshd hosts on loopback from dist/fleet (the same
// code as the test bed, the sandbox and dpl-deploy/testing). Needs `npm run build`.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const ROOT = resolve(import.meta.dirname, '..');
const FLEET = join(ROOT, 'dist/fleet/index.js');
if (!existsSync(FLEET)) {
  console.error('bench: dist/fleet is missing; run `npm run build` first');
  process.exit(2);
}
const fleet = await import(pathToFileURL(FLEET).href);

export const { processTable, sshdPid } = fleet;

/** `count` hosts named h01.. on 127.0.11.x; the info file is bed.json (bench/bare-ssh2.mjs reads it). */
export function benchLayout(count) {
  return {
    kind: 'bench',
    basePort: 3001,
    slotStride: 100,
    hosts: Array.from({ length: count }, (_, i) => ({ name: `h${String(i + 1).padStart(2, '0')}`, address: `127.0.11.${i + 1}` })),
    files: { prefix: 'dpl-bench-', info: 'bed.json', locks: 'dpl-fleet-locks' },
  };
}

/** `o`: more launchFleet options (the deploy bench lets in one user per host: extraUsers). */
export const startBed = (layout, o = {}) => fleet.launchFleet(layout, { keyComment: 'dpl-bench', purpose: 'bench fleet', ...o });
export const stopBed = (info) => fleet.stopFleet(info);
