// Start-up of two dpl checkouts side by side (issue #17: the V8 snapshot's worth):
//   node bench/startup-compare.mjs [BEFORE_DIR] [RUNS]
// BEFORE_DIR is a built checkout (default /tmp/pkg-main; main at f918ee3 ran
// bin/dpl, the snapshot launcher), this checkout is "after" (bin/dpl.js). Each is
// run as users run it, a file on PATH, for `--help`, `--list` and a one-host
// `--dry-run`, with and without NODE_EXTRA_CA_CERTS; runs interleaved, medians in ms.
// 2026-12-05, node 20.20.2, 2-core VM under load, 41 runs, before/after/`node bin/dpl.js` with the CA set:
// --help 49/60/104, --list 57/76/119, dry run 70/96/141 (unset: 51/63/60, 55/75/73, 69/97/101).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const AFTER = resolve(import.meta.dirname, '..');
const BEFORE = resolve(process.argv[2] ?? '/tmp/pkg-main');
const RUNS = Number(process.argv[3] ?? 21);
const CA = ['/etc/ssl/certs/ca-certificates.crt', '/etc/pki/tls/certs/ca-bundle.crt'].find(existsSync);

// [command, ...args]; `node bin/dpl.js` does not move NODE_EXTRA_CA_CERTS aside: what it costs.
const launchers = {
  before: [existsSync(join(BEFORE, 'bin/dpl')) ? join(BEFORE, 'bin/dpl') : join(BEFORE, 'bin/dpl.js')],
  after: [join(AFTER, 'bin/dpl.js')],
  'node after': [process.execPath, join(AFTER, 'bin/dpl.js')],
};
const project = mkdtempSync(join(tmpdir(), 'dpl-startup-'));
writeFileSync(
  join(project, 'deployfile.ts'),
  `import { deployfile, task } from 'dpl-deploy';\nexport default deployfile({\n  hosts: { web: { hostname: '127.0.0.1' } },\n` +
    `  tasks: { hello: task({ desc: 'Say hello' }, async (c) => { await c.run('echo hi'); }) },\n});\n`,
);
const commands = { help: ['--help'], list: ['--list'], dryRun: ['-H', 'web', 'hello', '--dry-run'] };
const envs = { plain: { NODE_EXTRA_CA_CERTS: '' }, ...(CA ? { extraCa: { NODE_EXTRA_CA_CERTS: CA } } : {}) };

function time([bin, ...pre], args, env) {
  const started = performance.now();
  const r = spawnSync(bin, [...pre, ...args], { cwd: project, env: { ...process.env, NO_COLOR: '1', ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
  if (r.status !== 0) throw new Error(`${bin} ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
  return performance.now() - started;
}

const samples = {};
for (const bin of Object.values(launchers)) time(bin, commands.list, envs.plain); // warm the deployfile caches
for (let i = 0; i < RUNS; i++) {
  for (const [cmd, args] of Object.entries(commands)) {
    for (const [envName, env] of Object.entries(envs)) {
      for (const [w, bin] of Object.entries(launchers)) (samples[`${cmd} ${envName} ${w}`] ??= []).push(time(bin, args, env));
    }
  }
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const who = Object.keys(launchers);
console.log(`node ${process.version}, ${RUNS} runs each, medians in ms; CA bundle: ${CA ?? 'none found'}`);
for (const [w, l] of Object.entries(launchers)) console.log(`  ${w}: ${l.join(' ')}`);
console.log(`command  NODE_EXTRA_CA_CERTS  ${who.map((w) => w.padStart(10)).join(' ')}`);
for (const cmd of Object.keys(commands)) {
  for (const envName of Object.keys(envs)) {
    const ms = who.map((w) => median(samples[`${cmd} ${envName} ${w}`]).toFixed(0).padStart(10));
    console.log(`${cmd.padEnd(8)} ${(envName === 'plain' ? 'unset' : 'set').padEnd(20)} ${ms.join(' ')}`);
  }
}
