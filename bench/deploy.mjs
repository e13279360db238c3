// The deploy bench (issue #18): a whole git release deploy with dpl against Capistrano 3,
// a Fabric 2 recipe, Shipit and the floor script, on N real sshd hosts on loopback, each
// host with its own login user and tree, from one origin, a new tag each round, rounds
// interleaved, every host verified after every deploy. Not part of the tests.
//   npm run bench:setup                     once: Capistrano, Fabric 2 (apt), Shipit (npm, into bench/peers)
//   npm run bench:deploy -- [--hosts N] [--rounds R] [--tools dpl,floor,fabric,cap,shipit,dpl-full] [--base DIR] [--load] [--json]
//   --base DIR: also deploys with the dpl built in checkout DIR (tool dpl-base), to compare two builds in one run
//   dpl runs with `reuse: true`; tool dpl-full (only in --tools): this build as by default, every release exported in full
//   BENCH_EVENTS_DIR=DIR: keep each dpl run's --json events there (DIR/<tool>-<tag>.jsonl)
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { hostCpuMs, settle } from './peers.js';
import { startWorld, seedShared, verify } from './deploy-fleet.mjs';
import { resolve } from 'node:path';
import { EXTRA_TOOLS, TOOLS, dplTool } from './deploy-tools.mjs';
import { phasesOf, report } from './deploy-report.mjs';

const USAGE = 'usage: npm run bench:deploy -- [--hosts N] [--rounds R] [--tools dpl,floor,fabric,cap,shipit,dpl-full] [--base DIR] [--load] [--json]';

function usage(message) {
  console.error(`bench:deploy: ${message}\n${USAGE}`);
  process.exit(2);
}

function parseArgs(argv) {
  const o = { hosts: 50, rounds: 6, tools: Object.keys(TOOLS), load: false, json: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = () => (i + 1 < argv.length ? argv[++i] : usage(`${a} needs a value`));
    const count = (max) => {
      const v = value();
      const n = Number(v);
      if (!Number.isInteger(n) || n < 1 || n > max) usage(`${a} must be a whole number from 1 to ${max}, not ${JSON.stringify(v)}`);
      return n;
    };
    if (a === '--hosts') o.hosts = count(99);
    else if (a === '--rounds') o.rounds = count(100);
    else if (a === '--tools') {
      o.tools = value().split(',').filter(Boolean);
      for (const t of o.tools) if (EXTRA_TOOLS[t]) TOOLS[t] = EXTRA_TOOLS[t];
      const unknown = o.tools.filter((t) => !TOOLS[t]);
      if (unknown.length || !o.tools.length) usage(`unknown tool ${unknown.join(', ') || '(none)'}; known: ${Object.keys(TOOLS).join(', ')}`);
    } else if (a === '--base') {
      TOOLS['dpl-base'] = dplTool('dpl-base', resolve(value()));
      o.base = true;
    } else if (a === '--load') o.load = true;
    else if (a === '--json') o.json = true;
    else usage(`unknown option ${a}`);
  }
  // dpl is what the ratios divide by.
  if (!o.tools.includes('dpl')) o.tools.unshift('dpl');
  if (o.base && !o.tools.includes('dpl-base')) o.tools.splice(1, 0, 'dpl-base');
  return o;
}

/** One core kept busy by a second process, for the whole of the timed rounds. */
function startLoad() {
  const child = spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' });
  return () => child.kill('SIGKILL');
}

async function main() {
  const o = parseArgs(process.argv.slice(2));
  const tools = o.tools.map((t) => TOOLS[t]);
  const missing = tools.map((t) => [t.name, t.available()]).filter(([, ok]) => ok !== true);
  if (missing.length) {
    console.error(missing.map(([n, why]) => `bench:deploy: ${n}: ${why}`).join('\n'));
    process.exit(2);
  }
  const say = (...a) => o.json || console.log(...a);
  const load0 = loadavg().map((x) => x.toFixed(2));
  say(`bench:deploy: ${o.hosts} hosts, ${o.rounds} rounds, tools ${o.tools.join(', ')}${o.load ? ', one core loaded' : ''}; load average ${load0.join(' ')} on ${cpus().length} cores`);
  const { bed, world, stop } = await startWorld(o.hosts);
  let unload = () => {};
  const runs = Object.fromEntries(o.tools.map((t) => [t, []]));
  try {
    say(`  ${o.hosts} hosts up${world.perHostUsers ? ', each with its own login user' : ' (one login user: per-host users need root)'}; warm-up deploy (not timed) ...`);
    const first = world.tag(0);
    for (const t of tools) {
      seedShared(world, t.dir);
      t.prepare?.(world);
      await deployAndVerify(world, t, first.tag);
    }
    if (o.load) unload = startLoad();
    for (let r = 1; r <= o.rounds; r++) {
      const { tag } = world.tag(r);
      // Each round starts with another tool, and every tool starts on a quiet bed.
      for (let i = 0; i < tools.length; i++) {
        const t = tools[(r + i) % tools.length];
        await settle(bed);
        // A peer that fails (a crash, a host left wrong) is reported with its round, and the
        // bench goes on; dpl failing ends it: it is what every ratio divides by.
        const cpu0 = hostCpuMs(bed);
        const run = await deployAndVerify(world, t, tag).catch((e) => {
          if (t.name === 'dpl') throw e;
          return { failed: e.message };
        });
        // The deploy's logins gone and reaped, its work on the hosts is counted.
        await settle(bed, { quietMs: 0 });
        if (!run.failed) run.hostCpuMs = hostCpuMs(bed) - cpu0;
        runs[t.name].push(run);
      }
      const shown = (x) => (x.failed ? 'FAILED' : `${(x.wallMs / 1000).toFixed(2)} s`);
      say(`  round ${r} (${tag}): ${o.tools.map((t) => `${t} ${shown(runs[t].at(-1))}`).join(', ')}`);
    }
    unload();
    // Before the teardown, which takes a while at 50 hosts (gigabytes of releases to delete).
    const result = report({ ...o, loadavg: { start: load0, end: loadavg().map((x) => x.toFixed(2)) }, cores: cpus().length, perHostUsers: world.perHostUsers }, runs, say);
    if (o.json) console.log(JSON.stringify(result));
  } finally {
    unload();
    for (const t of tools) t.dispose?.();
    await stop();
  }
}

/** Deploy `tag` with `tool`, then check every host; the timing, with dpl's phases. */
async function deployAndVerify(world, tool, tag) {
  const run = await tool.run(world, tag, tool).catch((e) => {
    throw new Error(`${tool.name} failed to deploy ${tag}: ${e.message}`);
  });
  const bad = verify(world, tool.dir, tag);
  if (bad.length) throw new Error(`${tool.name} deployed ${tag} but ${bad.length} check(s) failed:\n  ${bad.slice(0, 10).join('\n  ')}`);
  const { stdout, ...timing } = run;
  if (process.env.BENCH_EVENTS_DIR && stdout) writeFileSync(`${process.env.BENCH_EVENTS_DIR}/${tool.name}-${tag}.jsonl`, stdout);
  return tool.name.startsWith('dpl') ? { ...timing, phases: phasesOf(stdout) } : timing;
}

main().catch((err) => {
  console.error(`bench:deploy failed: ${err.message}`);
  process.exit(1);
});
