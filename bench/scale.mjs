// dpl at scale (issue #18): deploy-like runs against 10…1000 hosts with `-z 50`, the
// hosts simulated by one light ssh2 server process (bench/scale-server.mjs: real SSH,
// host keys checked against known_hosts, commands answered without running them), so
// every figure is dpl's own. A run is four phases, each a task on every host with a
// barrier between them, as a deploy has: lock, prepare, switch (two round trips),
// unlock. Printed per size: wall time, peak RSS of the dpl process, dpl's CPU
// (user+sys) per host, and the time from the run's last output to the process exit.
//   node bench/scale.mjs [--hosts 10,50,100,200,500,1000] [--z 50] [--rounds 1]
//                        [--compare /path/to/other/bin/dpl.js] [--exit-lag] [--floor] [--json] [-- extra dpl flags]
// --floor adds a row for bench/scale-floor.mjs: ssh2 as dpl tunes it doing the same work
// with nothing of dpl around it, so "dpl ÷ floor" is what dpl's own code costs on this machine.
// BENCH_NODE_OPTIONS: NODE_OPTIONS for the dpl processes (lines they print starting
// with PROBE are shown); BENCH_NODE_ARGS: node flags NODE_OPTIONS refuses, e.g.
// "--cpu-prof --cpu-prof-dir=/tmp/prof". Needs `npm run build`. Not part of the tests.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { benchArgs } from './args.mjs';

const ROOT = resolve(import.meta.dirname, '..');
const dash = process.argv.indexOf('--');
const args = dash >= 0 ? process.argv.slice(2, dash) : process.argv.slice(2);
const extra = dash >= 0 ? process.argv.slice(dash + 1) : [];
const { opt } = benchArgs(args);
const SIZES = String(opt('hosts', '10,50,100,200,500,1000')).split(',').map(Number);
const Z = Number(opt('z', 50));
const ROUNDS = Number(opt('rounds', 1));
const JSON_OUT = args.includes('--json');
/** One more run per size and dpl with --json: time from the last task's end to the process exit. */
const EXIT_LAG = args.includes('--exit-lag');
const FLOOR = args.includes('--floor');
const PORT = Number(opt('port', 2290));
const dpls = [{ label: 'this', bin: join(ROOT, 'bin/dpl.js'), flags: extra }];
if (opt('compare')) dpls.unshift({ label: 'compare', bin: resolve(opt('compare')), flags: [] });
const NODE_ARGS = (process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean);
const say = (...a) => !JSON_OUT && console.log(...a);

for (const d of dpls) if (!existsSync(join(resolve(d.bin, '../..'), 'dist/bundle/main.js'))) throw new Error(`${d.bin}: dist/ is missing (npm run build there)`);
const addressOf = (i) => `127.1.${Math.floor(i / 250)}.${(i % 250) + 1}`;
const MAX = Math.max(...SIZES);

// Keys, known_hosts (every host, by its own [address]:port), ssh config, deployfile.
const dir = mkdtempSync(join(tmpdir(), 'dpl-bench-scale-'));
for (const k of ['host', 'id']) spawnSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'dpl-bench-scale', '-f', join(dir, k)], { stdio: 'ignore' });
const hostPub = readFileSync(join(dir, 'host.pub'), 'utf8').split(' ').slice(0, 2).join(' ');
writeFileSync(join(dir, 'known_hosts'), Array.from({ length: MAX }, (_, i) => `[${addressOf(i)}]:${PORT} ${hostPub}\n`).join(''));
writeFileSync(
  join(dir, 'ssh_config'),
  `Host *\n  User bench\n  Port ${PORT}\n  IdentityFile ${join(dir, 'id')}\n  IdentitiesOnly yes\n  UserKnownHostsFile ${join(dir, 'known_hosts')}\n  GlobalKnownHostsFile /dev/null\n  StrictHostKeyChecking yes\n`,
);
writeFileSync(
  join(dir, 'deployfile.ts'),
  `import { deployfile, task } from 'dpl-deploy';
const n = Number(process.env.BENCH_HOSTS);
const hosts = Array.from({ length: n }, (_, i) => \`127.1.\${Math.floor(i / 250)}.\${(i % 250) + 1}\`);
const phase = (...commands: string[]) => task({ run: 'parallel', roles: ['app'] }, async (c) => {
  for (const command of commands) await c.run(command);
});
export default deployfile({
  roles: { app: hosts },
  tasks: { lock: phase('mkdir .lock'), prepare: phase('prepare'), switch: phase('link', 'record'), unlock: phase('rmdir .lock') },
});
`,
);

const server = spawn(process.execPath, [join(import.meta.dirname, 'scale-server.mjs'), String(MAX), String(PORT), join(dir, 'host'), join(dir, 'id.pub')], {
  stdio: ['ignore', 'pipe', 'inherit'],
  env: { ...process.env, NODE_PATH: join(ROOT, 'node_modules') },
  cwd: ROOT,
});
await new Promise((resolve, reject) => {
  server.stdout.on('data', (b) => String(b).startsWith('ready') && resolve());
  server.once('exit', (code) => reject(new Error(`the scale server exited (${code})`)));
});

/** One dpl run on the first `n` hosts: wall s, peak RSS MB, CPU ms per host, exit lag ms. */
function runOnce(d, n, json = false) {
  return new Promise((resolvePromise, reject) => {
    const timeFile = join(dir, 'time');
    const started = process.hrtime.bigint();
    let lastOutput = started;
    let output = '';
    const child = spawn('/usr/bin/time', ['-o', timeFile, '-f', '%e %M %U %S', process.execPath, ...NODE_ARGS, d.bin, '-F', join(dir, 'ssh_config'), '-z', String(Z), json ? '--json' : '-q', ...d.flags, 'lock', 'prepare', 'switch', 'unlock'], {
      cwd: dir,
      env: { ...process.env, BENCH_HOSTS: String(n), NO_COLOR: '1', ...(process.env.BENCH_NODE_OPTIONS ? { NODE_OPTIONS: process.env.BENCH_NODE_OPTIONS } : {}) },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const seen = (b) => {
      lastOutput = process.hrtime.bigint();
      output += b;
    };
    child.stdout.on('data', seen);
    child.stderr.on('data', seen);
    child.on('close', (code) => {
      const ended = process.hrtime.bigint();
      if (code !== 0) return reject(new Error(`dpl (${d.label}) failed on ${n} hosts (exit ${code}):\n${output.slice(-2000)}`));
      for (const l of output.split('\n')) if (l.startsWith('PROBE')) say(`  ${d.label} ${n}: ${l} (closed at ${ended === started ? '' : Date.now()})`);
      const { rssMb, cpuMsPerHost } = timed(timeFile, n);
      // --json: from the last task's end (its event time) to the process gone (wall clocks of one machine).
      const ends = json ? output.split('\n').filter((l) => l.startsWith('{"type":"task.end"')).map((l) => Date.parse(JSON.parse(l).time)) : [];
      resolvePromise({
        ...(ends.length ? { endToExitMs: Date.now() - Math.max(...ends), closeMs: Date.parse(JSON.parse(output.split('\n').find((l) => l.startsWith('{"type":"run.end"'))).time) - Math.max(...ends) } : {}),
        s: Number(ended - started) / 1e9,
        rssMb,
        cpuMsPerHost,
        exitLagMs: Number(ended - lastOutput) / 1e6,
      });
    });
  });
}

/** The floor's run on the first `n` hosts: CPU ms per host, wall s, peak RSS MB. */
function floorOnce(n) {
  const timeFile = join(dir, 'time-floor');
  const r = spawnSync('/usr/bin/time', ['-o', timeFile, '-f', '%e %M %U %S', process.execPath, join(import.meta.dirname, 'scale-floor.mjs'), String(n), String(PORT), join(dir, 'id'), join(dir, 'host.pub'), String(Z)], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`the floor failed on ${n} hosts (exit ${r.status}):\n${r.stderr.slice(-2000)}`);
  return timed(timeFile, n);
}

/** What /usr/bin/time -f '%e %M %U %S' wrote for a run on `n` hosts: wall s, peak RSS MB, CPU ms per host. */
function timed(timeFile, n) {
  const [wall, maxKb, user, sys] = readFileSync(timeFile, 'utf8').trim().split('\n').pop().split(' ').map(Number);
  return { s: wall, rssMb: maxKb / 1024, cpuMsPerHost: ((user + sys) * 1000) / n };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fix = (x, p = 2) => Math.round(x * 10 ** p) / 10 ** p;
const results = [];
try {
  say(`dpl at scale: 4 phases (5 round trips) per host, -z ${Z}, ${ROUNDS} round(s), load average ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`);
  say(`| dpl | hosts | time s | s per 100 hosts | peak RSS MB | CPU ms/host | last output → exit, ms |${EXIT_LAG ? ' last task end → exit, ms |' : ''}`);
  say(`| --- | --- | --- | --- | --- | --- | --- |${EXIT_LAG ? ' --- |' : ''}`);
  for (const n of SIZES) {
    const per = new Map(dpls.map((d) => [d.label, []]));
    // Interleaved, and the order flips every round: the second run of a pair measured a few % more CPU with two identical builds.
    const floors = [];
    for (let r = 0; r < ROUNDS; r++) {
      for (const d of r % 2 ? [...dpls].reverse() : dpls) per.get(d.label).push(await runOnce(d, n));
      if (FLOOR) floors.push(floorOnce(n));
    }
    const lags = new Map();
    if (EXIT_LAG) for (const d of dpls) lags.set(d.label, await runOnce(d, n, true));
    for (const d of dpls) {
      const rs = per.get(d.label);
      const row = { dpl: d.label, hosts: n, s: fix(median(rs.map((x) => x.s))), rssMb: fix(median(rs.map((x) => x.rssMb)), 0), cpuMsPerHost: fix(median(rs.map((x) => x.cpuMsPerHost))), exitLagMs: fix(median(rs.map((x) => x.exitLagMs)), 0), ...(EXIT_LAG ? { endToExitMs: lags.get(d.label).endToExitMs, closeMs: lags.get(d.label).closeMs } : {}) };
      results.push(row);
      say(`| ${d.label} | ${n} | ${row.s} | ${fix((row.s / n) * 100)} | ${row.rssMb} | ${row.cpuMsPerHost} | ${row.exitLagMs} |${EXIT_LAG ? ` ${row.endToExitMs} (closing ${row.closeMs}) |` : ''}`);
    }
    if (FLOOR) {
      const row = { dpl: 'floor', hosts: n, s: fix(median(floors.map((x) => x.s))), rssMb: fix(median(floors.map((x) => x.rssMb)), 0), cpuMsPerHost: fix(median(floors.map((x) => x.cpuMsPerHost))) };
      const mine = per.get('this').map((x, i) => fix(x.cpuMsPerHost / floors[i].cpuMsPerHost));
      results.push(row, { hosts: n, cpuOverFloorPerRound: mine });
      say(`| floor (ssh2 as dpl tunes it) | ${n} | ${row.s} | ${fix((row.s / n) * 100)} | ${row.rssMb} | ${row.cpuMsPerHost} | |`);
      say(`|  | ${n} | CPU per host, this ÷ floor per round: ${mine.join(', ')} (median ${median(mine)}) |`);
    }
    // On a shared machine the medians drift with the load: the per-round pairs say more.
    if (dpls.length === 2) {
      const [a, b] = dpls.map((d) => per.get(d.label).map((x) => x.cpuMsPerHost));
      const ratios = b.map((x, i) => fix(x / a[i]));
      results.push({ hosts: n, cpuRatioPerRound: ratios });
      say(`|  | ${n} | CPU per host, this ÷ compare per round: ${ratios.join(', ')} (median ${median(ratios)}) |`);
    }
  }
  say(`load average after: ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`);
  if (JSON_OUT) console.log(JSON.stringify({ z: Z, rounds: ROUNDS, results }));
} finally {
  server.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
}
