// How promptly dpl exits at scale (issue #18, "exit is prompt at any size"): one simple
// command (`true`) on N real OpenSSH sshd hosts on loopback (bench/fleet.mjs, one sshd
// per host), `dpl --json -z Z`. Per size: the wall time, and the time from the run's end
// to the process gone, two ways: from `run.end`'s own timestamp, and from the last byte
// dpl wrote (what a user waiting at the prompt sees). Figures, not a test.
// Each size runs twice: "shared", everything on every CPU as usual; then "split", the
// sshds pinned to CPU 1 and dpl to CPU 0 (taskset). At exit the kernel closes every
// connection, and on loopback each close wakes its sshd, which tears its session down
// and preempts dpl on a shared CPU: "split" shows dpl's own exit, without the hosts'.
//   node bench/exit-time.mjs [--hosts 50,200,500] [--z 50] [--rounds 3] [--json]
// Needs `npm run build`. 500 sshds take ~1.5 GB of memory (check `free -m`).
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { benchArgs } from './args.mjs';
import { startBed, stopBed } from './fleet.mjs';

const ROOT = resolve(import.meta.dirname, '..');
const args = process.argv.slice(2);
const { opt } = benchArgs(args);
const SIZES = String(opt('hosts', '50,200,500')).split(',').map(Number);
const Z = Number(opt('z', 50));
const ROUNDS = Number(opt('rounds', 3));
const JSON_OUT = args.includes('--json');
const MAX = Math.max(...SIZES);
const say = (...a) => !JSON_OUT && console.log(...a);
const load = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');

/** Hosts x001.. on 127.0.60.1 onwards (250 addresses per /24), one port each. */
const layout = {
  kind: 'bench-exit',
  basePort: 30001,
  slotStride: 1000,
  slots: 4,
  hosts: Array.from({ length: MAX }, (_, i) => ({ name: `x${String(i + 1).padStart(3, '0')}`, address: `127.0.${60 + Math.floor(i / 250)}.${(i % 250) + 1}` })),
  files: { prefix: 'dpl-bench-exit-', info: 'bed.json', locks: 'dpl-fleet-locks' },
};

/** One run on the first `n` hosts: wall s, run.end → exit ms, last output → exit ms. */
function runOnce(bed, dir, n, split) {
  return new Promise((done, fail) => {
    const started = process.hrtime.bigint();
    let lastOutput = started;
    let out = '';
    const child = spawn(split ? 'taskset' : process.execPath, [...(split ? ['-c', '0', process.execPath] : []), join(ROOT, 'bin/dpl.js'), '-F', bed.configFile, '-z', String(Z), '--json', 'ping'], {
      cwd: dir,
      env: { ...process.env, BENCH_HOSTS: String(n), NO_COLOR: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const seen = (b) => {
      lastOutput = process.hrtime.bigint();
      out += b;
    };
    child.stdout.on('data', seen);
    child.stderr.on('data', seen);
    // 'exit', not 'close': the process is gone (its pipes may close a little later).
    child.on('exit', (code) => {
      const gone = process.hrtime.bigint();
      const goneAt = Date.now();
      if (code !== 0) return fail(new Error(`dpl failed on ${n} hosts (exit ${code}):\n${out.slice(-2000)}`));
      const end = out.split('\n').find((l) => l.startsWith('{"type":"run.end"'));
      if (!end) return fail(new Error(`no run.end in dpl's output on ${n} hosts`));
      done({ s: Number(gone - started) / 1e9, runEndToExitMs: goneAt - Date.parse(JSON.parse(end).time), lastOutputToExitMs: Number(gone - lastOutput) / 1e6 });
    });
  });
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fix = (x, p = 1) => Math.round(x * 10 ** p) / 10 ** p;
const dir = mkdtempSync(join(tmpdir(), 'dpl-bench-exit-'));
writeFileSync(
  join(dir, 'deployfile.ts'),
  `import { deployfile, task } from 'dpl-deploy';
const n = Number(process.env.BENCH_HOSTS);
export default deployfile({
  roles: { all: Array.from({ length: n }, (_, i) => 'x' + String(i + 1).padStart(3, '0')) },
  tasks: { ping: task({ run: 'parallel', roles: ['all'] }, (c) => c.run('true')) },
});
`,
);
say(`starting ${MAX} sshd hosts (load average ${load()})`);
const t0 = Date.now();
const bed = await startBed(layout, { purpose: 'exit-time bench' });
const results = [];
try {
  say(`started in ${fix((Date.now() - t0) / 1000)} s; \`true\` on N hosts, -z ${Z}, ${ROUNDS} round(s), median; load average ${load()}`);
  say('| CPUs | hosts | wall s | run.end → exit, ms (each round) | last output → exit, ms |');
  say('| --- | --- | --- | --- | --- |');
  for (const cpus of ['shared', 'split']) {
    // Every sshd's threads, and the session processes each will fork, on CPU 1.
    if (cpus === 'split') for (const h of Object.values(bed.hosts)) execFileSync('taskset', ['-a', '-p', '-c', '1', readFileSync(h.pidFile, 'utf8').trim()], { stdio: 'ignore' });
    for (const n of SIZES) {
      const rs = [];
      for (let r = 0; r < ROUNDS; r++) rs.push(await runOnce(bed, dir, n, cpus === 'split'));
      const row = { cpus, hosts: n, s: fix(median(rs.map((x) => x.s)), 2), runEndToExitMs: fix(median(rs.map((x) => x.runEndToExitMs))), lastOutputToExitMs: fix(median(rs.map((x) => x.lastOutputToExitMs))), all: rs };
      results.push(row);
      say(`| ${cpus} | ${n} | ${row.s} | ${row.runEndToExitMs} (${rs.map((x) => fix(x.runEndToExitMs)).join(', ')}) | ${row.lastOutputToExitMs} |`);
    }
  }
  say(`load average after: ${load()}`);
  if (JSON_OUT) console.log(JSON.stringify({ z: Z, rounds: ROUNDS, load: load(), results }));
} finally {
  await stopBed(bed);
  rmSync(dir, { recursive: true, force: true });
}
