// dpl bench: per-command latency on one host and 50-host fan-out, against
// OpenSSH ControlMaster, Fabric 2 and parallel-ssh, on real sshd hosts on
// loopback (started here with the test bed code). Not part of the tests.
//   npm run bench            human-readable figures and ratios
//   npm run bench -- --json  one JSON object
//   options: --hosts N (default 50), --commands N (default 100), --rounds N (default 7: this is a shared VM, medians need rounds),
//            --seq-rounds N (rounds of (a), default 5)
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { benchLayout, startBed, stopBed } from './fleet.mjs';
import { benchArgs } from './args.mjs';
import { measureStartup } from './startup.mjs';
import { controlMasterPerCommand, fabricAvailable, fabricGroup, fabricSequential, parallelSsh, psshBinary, settle, timeProcess } from './peers.js';

const ROOT = resolve(import.meta.dirname, '..');
const args = process.argv.slice(2);
const { num: opt } = benchArgs(args);
const JSON_OUT = args.includes('--json');
const HOSTS = opt('hosts', 50);
const COMMANDS = opt('commands', 100);
const ROUNDS = opt('rounds', 7);
const SEQ_ROUNDS = opt('seq-rounds', 5);
const say = (...a) => {
  if (!JSON_OUT) console.log(...a);
};
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const round = (x, d = 2) => (x === null || x === undefined ? null : Math.round(x * 10 ** d) / 10 ** d);

function ensureBuilt() {
  if (existsSync(join(ROOT, 'dist/ssh/pool.js')) && existsSync(join(ROOT, 'dist/bundle/main.js')) && !args.includes('--build')) return;
  say('building dist/ (npm run build) ...');
  spawnSync('npm', ['run', 'build'], { cwd: ROOT, stdio: JSON_OUT ? 'ignore' : 'inherit' });
  if (!existsSync(join(ROOT, 'dist/ssh/pool.js'))) throw new Error('dist/ssh/pool.js missing after the build');
}

/** dpl's pool in-process: ms per sequential `true` on one host. */
async function dplSequential(bed, host) {
  const { createSshPool } = await import(pathToFileURL(join(ROOT, 'dist/ssh/pool.js')).href);
  const { EventBus } = await import(pathToFileURL(join(ROOT, 'dist/core/events.js')).href);
  const prompter = { interactive: false, secret: async () => Promise.reject(new Error('no prompts in the bench')), confirm: async () => false };
  const pool = createSshPool({ events: new EventBus(), prompter, configFile: bed.configFile, agentSocket: null });
  try {
    const t = await pool.get({ name: host, hostname: host, vars: {} });
    for (let i = 0; i < 10; i++) await t.exec('true');
    const started = performance.now();
    for (let i = 0; i < COMMANDS; i++) {
      const r = await t.exec('true');
      if (r.code !== 0) throw new Error(`true exited ${r.code}`);
    }
    return (performance.now() - started) / COMMANDS;
  } finally {
    await pool.closeAll();
  }
}

function dplFanOut(bed, names) {
  return timeProcess(join(ROOT, 'bin/dpl.js'), ['-F', bed.configFile, '-P', '-H', names.join(','), '--', 'true'], {
    env: { ...process.env, NO_COLOR: '1' },
  });
}

async function main() {
  // Node 20 parses NODE_EXTRA_CA_CERTS at every start-up (~95 ms with OpenSSL 3,
  // nodejs/node#40524). bin/dpl.js moves it aside, the bare ssh2 script would pay it:
  // every tool runs without it, so the figures are the tools' own.
  delete process.env.NODE_EXTRA_CA_CERTS;
  ensureBuilt();
  const hasFabric = fabricAvailable();
  const pssh = psshBinary();
  say(`starting ${HOSTS} sshd hosts on 127.0.11.x (one sshd process per host) ...`);
  const bed = await startBed(benchLayout(HOSTS));
  const names = Object.keys(bed.hosts);
  const first = names[0];
  const result = {
    machine: { cpus: (await import('node:os')).cpus().length, node: process.version, loadavg: (await import('node:os')).loadavg().map((x) => round(x)) },
    hosts: { count: HOSTS, sshdProcesses: HOSTS, addresses: `127.0.11.1-${HOSTS}` },
    sequential: { commands: COMMANDS, msPerCommand: {} },
    fanOut: { hosts: HOSTS, rounds: ROUNDS, wallMs: {} },
    ratios: {},
    targets: {},
  };
  try {
    // Like (b): interleaved rounds and medians, as one batch on a shared VM can land in a slow spell.
    say(`\n(a) ${COMMANDS} sequential \`true\` on one host (ms per command, median of ${SEQ_ROUNDS} rounds)`);
    const seq = result.sequential.msPerCommand;
    const seqRuns = (result.sequential.allRoundsMsPerCommand = { dpl: [], controlMaster: [], fabric: [] });
    for (let r = 0; r < SEQ_ROUNDS; r++) {
      seqRuns.dpl.push(round(await dplSequential(bed, first)));
      seqRuns.controlMaster.push(round(await controlMasterPerCommand(bed, first, COMMANDS)));
      if (hasFabric) seqRuns.fabric.push(round(fabricSequential(bed, first, COMMANDS)));
    }
    seq.dpl = median(seqRuns.dpl);
    seq.controlMaster = median(seqRuns.controlMaster);
    seq.fabric = hasFabric ? median(seqRuns.fabric) : null;
    say(`  dpl pool (ssh2, TCP_NODELAY)        ${seq.dpl.toFixed(2)} ms`);
    say(`  OpenSSH ControlMaster (ssh per cmd) ${seq.controlMaster.toFixed(2)} ms`);
    say(`  Fabric 2 Connection.run             ${seq.fabric === null ? 'not installed' : `${seq.fabric.toFixed(2)} ms`}`);

    say(`\n(b) \`true\` on ${HOSTS} hosts, whole process wall time (median of ${ROUNDS})`);
    const runs = { dpl: [], fabric: [], pssh: [], bare: [] };
    const tools = [
      ['dpl', () => dplFanOut(bed, names)],
      ['bare', () => timeProcess(process.execPath, [join(ROOT, 'bench/bare-ssh2.mjs'), join(bed.dir, 'bed.json')])],
      ...(hasFabric ? [['fabric', () => fabricGroup(bed, names)]] : []),
      ...(pssh ? [['pssh', () => parallelSsh(bed, names)]] : []),
    ];
    for (let r = 0; r < ROUNDS; r++) {
      // Each round starts with a different tool, and every tool starts on a quiet bed:
      // the sshds of the previous tool's 50 logins must have exited first.
      for (let i = 0; i < tools.length; i++) {
        const [name, run] = tools[(r + i) % tools.length];
        await settle(bed);
        runs[name].push(await run());
      }
    }
    const fan = result.fanOut.wallMs;
    const cpu = (result.fanOut.cpuMs = {});
    const med = (xs, k) => (xs.length && xs[0][k] !== null ? round(median(xs.map((x) => x[k])), 0) : null);
    fan.dpl = med(runs.dpl, 'wallMs');
    fan.fabric = med(runs.fabric, 'wallMs');
    fan.parallelSsh = med(runs.pssh, 'wallMs');
    fan.bareSsh2 = med(runs.bare, 'wallMs');
    cpu.dpl = med(runs.dpl, 'cpuMs');
    cpu.fabric = med(runs.fabric, 'cpuMs');
    cpu.parallelSsh = med(runs.pssh, 'cpuMs');
    result.fanOut.allRunsWallMs = Object.fromEntries(Object.entries(runs).map(([k, v]) => [k, v.map((x) => round(x.wallMs, 0))]));
    const show = (w, c) => (w === null ? 'not installed' : `${String(w).padStart(5)} ms wall${c === null ? '' : `, ${c} ms client CPU`}`);
    say(`  dpl CLI (node bin/dpl.js -P)        ${show(fan.dpl, cpu.dpl)}`);
    say(`  Fabric 2 ThreadingGroup             ${show(fan.fabric, cpu.fabric)}`);
    say(`  parallel-ssh -p ${String(HOSTS).padEnd(20)}${show(fan.parallelSsh, cpu.parallelSsh)}`);
    say(`  bare ssh2 script (the floor)        ${show(fan.bareSsh2, null)}`);

    const ratio = (a, b) => (a === null || b === null ? null : round(a / b));
    Object.assign(result.ratios, {
      fabricOverDplPerCommand: ratio(seq.fabric, seq.dpl),
      controlMasterOverDplPerCommand: ratio(seq.controlMaster, seq.dpl),
      dplOverFabricFanOut: ratio(fan.dpl, fan.fabric),
      // Rounds interleave the tools, so a round's ratio compares runs made seconds apart.
      dplOverFabricFanOutPerRoundMedian: runs.fabric.length ? round(median(runs.dpl.map((d, i) => d.wallMs / runs.fabric[i].wallMs))) : null,
      dplOverParallelSshFanOut: ratio(fan.dpl, fan.parallelSsh),
      bareSsh2OverFabricFanOut: ratio(fan.bareSsh2, fan.fabric),
      dplOverBareSsh2FanOut: ratio(fan.dpl, fan.bareSsh2),
      dplOverFabricFanOutCpu: ratio(cpu.dpl, cpu.fabric),
      dplOverParallelSshFanOutCpu: ratio(cpu.dpl, cpu.parallelSsh),
    });
    const check = (ok) => (ok === null ? 'n/a' : ok ? 'met' : 'MISSED');
    Object.assign(result.targets, {
      'a: <= 5 ms per command': check(seq.dpl <= 5),
      'a: >= 8x faster than Fabric': check(result.ratios.fabricOverDplPerCommand === null ? null : result.ratios.fabricOverDplPerCommand >= 8),
      'a: faster than ControlMaster': check(seq.dpl < seq.controlMaster),
      "b: <= 0.75x Fabric's wall time": check(result.ratios.dplOverFabricFanOut === null ? null : result.ratios.dplOverFabricFanOut <= 0.75),
      "b: <= 0.35x parallel-ssh's wall time": check(result.ratios.dplOverParallelSshFanOut === null ? null : result.ratios.dplOverParallelSshFanOut <= 0.35),
    });
    say('\n(c) start-up: `dpl --list` on deployfile.example.ts vs bare `node -e 0` (median of 21)');
    await settle(bed);
    const st = (result.startup = measureStartup(ROOT));
    result.ratios.dplListOverNode = round(st.dplListMs / st.nodeMs);
    result.targets['c: dpl --list <= 1.5x node -e'] = check(result.ratios.dplListOverNode <= 1.5);
    say(`  node -e 0                           ${st.nodeMs.toFixed(0)} ms`);
    say(`  dpl --list                          ${st.dplListMs.toFixed(0)} ms  (${result.ratios.dplListOverNode}x)`);
    say('\nratios');
    say(`  Fabric / dpl per command            ${result.ratios.fabricOverDplPerCommand ?? 'n/a'}x`);
    say(`  ControlMaster / dpl per command     ${result.ratios.controlMasterOverDplPerCommand}x`);
    say(`  dpl / Fabric fan-out                ${result.ratios.dplOverFabricFanOut ?? 'n/a'}`);
    say(`  dpl / Fabric fan-out, per round     ${result.ratios.dplOverFabricFanOutPerRoundMedian ?? 'n/a'} (median of each round's ratio)`);
    say(`  dpl / parallel-ssh fan-out          ${result.ratios.dplOverParallelSshFanOut ?? 'n/a'}`);
    say(`  bare ssh2 / Fabric fan-out         ${result.ratios.bareSsh2OverFabricFanOut ?? 'n/a'}`);
    say(`  dpl / bare ssh2 fan-out             ${result.ratios.dplOverBareSsh2FanOut ?? 'n/a'}`);
    say(`  dpl / Fabric fan-out, client CPU    ${result.ratios.dplOverFabricFanOutCpu ?? 'n/a'}`);
    say(`  dpl / parallel-ssh, client CPU      ${result.ratios.dplOverParallelSshFanOutCpu ?? 'n/a'}`);
    say('\ntargets');
    for (const [k, v] of Object.entries(result.targets)) say(`  ${v.padEnd(7)} ${k}`);
    say(`\n(load average at start: ${result.machine.loadavg.join(' ')} on ${result.machine.cpus} cores)`);
  } finally {
    await stopBed(bed);
  }
  if (JSON_OUT) console.log(JSON.stringify(result));
}

main().catch((err) => {
  console.error(`bench failed: ${err.message}`);
  process.exit(1);
});
