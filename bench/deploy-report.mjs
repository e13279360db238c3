// What the deploy bench prints: medians, per-round ratios (tool ÷ dpl in the same round),
// CPU (the tool's, and its deploy's on the hosts per host) and peak RSS per tool, the targets of issue #18, and dpl's time per phase, read
// from its --json events (the commands each phase sends, in order).

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const r2 = (x) => Math.round(x * 100) / 100;

/** dpl's phases in the order a deploy runs them; a command belongs to the first whose pattern names it. */
const PHASES = [
  ['connect+lock', /^take deploy lock|^check the deploy lock/],
  ['prepare', /^prepare /],
  ['decision', /^record the decision/],
  ['switch', /^switch current/],
  ['restart', null],
  // 'and end': the record script also cleaned up and released the lock (src/pipeline/host-end.ts).
  ['record', /^record .* deployed( and end)?$/],
  ['cleanup', /^read releases|^remove |^cleanup|^record .* removed$/],
  ['unlock', /^release deploy lock/],
];

/**
 * One dpl run's phases (ms) from its --json lines. Each phase ends at its last command's
 * end and starts where the previous ended, so the phases add up to the run; `resolve`
 * is run.start → git.resolved; `trips` is commands per host in each phase.
 */
export function phasesOf(stdout) {
  const events = (stdout ?? '')
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l));
  const at = (e) => Date.parse(e.time);
  const start = events.find((e) => e.type === 'run.start');
  const end = events.find((e) => e.type === 'run.end');
  if (!start || !end) return null;
  // The typed git.resolved event (before 0.2: a log line starting "resolved ").
  const resolved = events.find((e) => e.type === 'git.resolved' || (e.type === 'log' && e.data?.ref && /^resolved /.test(e.message)));
  const hosts = new Set(events.filter((e) => e.type === 'command.end').map((e) => e.host));
  const ends = new Map(PHASES.map(([p]) => [p, { end: 0, count: 0 }]));
  for (const e of events.filter((x) => x.type === 'command.end')) {
    const p = PHASES.find(([, re]) => re?.test(e.command))?.[0] ?? 'restart';
    const slot = ends.get(p);
    slot.end = Math.max(slot.end, at(e));
    slot.count++;
  }
  const ms = { resolve: resolved ? at(resolved) - at(start) : 0 };
  const trips = {};
  let prev = resolved ? at(resolved) : at(start);
  for (const [p] of PHASES) {
    const { end: t, count } = ends.get(p);
    if (!count) continue;
    ms[p] = t - prev;
    trips[p] = r2(count / hosts.size);
    prev = t;
  }
  ms['to run.end'] = at(end) - prev;
  ms.run = end.durationMs;
  return { ms, trips, connects: events.filter((e) => e.type === 'log' && e.topic === 'ssh' && /^connected /.test(e.message)).length };
}

/** Print the tables (through `say`) and return them as one object. */
export function report(o, runs, say) {
  const tools = Object.keys(runs);
  const rounds = runs.dpl.length;
  // A failed peer run ({ failed }) has no time: its round has no ratio for that tool.
  const ok = (t) => runs[t].filter((x) => !x.failed);
  const ratio = (t, i) => (runs[t][i].failed ? null : runs[t][i].wallMs / runs.dpl[i].wallMs);
  const rows = tools.map((t) => {
    const rs = runs[t].map((_, i) => ratio(t, i)).filter((x) => x !== null);
    const cpu = ok(t).map((x) => x.cpuMs).filter((x) => x !== null);
    const rss = ok(t).map((x) => x.maxRssKb).filter((x) => x !== null);
    const onHosts = ok(t).map((x) => x.hostCpuMs).filter((x) => x !== undefined);
    const some = rs.length > 0;
    return {
      tool: t,
      medianS: some ? r2(median(ok(t).map((x) => x.wallMs)) / 1000) : null,
      ratio: some ? r2(median(rs)) : null,
      ratioMin: some ? r2(Math.min(...rs)) : null,
      ratioMax: some ? r2(Math.max(...rs)) : null,
      cpuS: cpu.length ? r2(median(cpu) / 1000) : null,
      peakRssMb: rss.length ? Math.round(Math.max(...rss) / 1024) : null,
      hostCpuMsPerHost: onHosts.length ? Math.round((median(onHosts) / o.hosts) * 10) / 10 : null,
      wallS: runs[t].map((x) => (x.failed ? null : r2(x.wallMs / 1000))),
      failed: runs[t].map((x, i) => (x.failed ? { round: i + 1, error: x.failed } : null)).filter(Boolean),
    };
  });
  const f2 = (x) => (x === null ? '-' : x.toFixed(2));
  say(`\n${o.hosts} hosts, ${rounds} rounds${o.load ? ', one core loaded by a second process' : ''}; ratio = tool ÷ dpl in the same round (median, min–max)`);
  say('| tool | median s | ratio | range | CPU s | host CPU ms per host | peak RSS MB |');
  say('| --- | --- | --- | --- | --- | --- | --- |');
  for (const r of rows) say(`| ${r.tool} | ${f2(r.medianS)} | ${f2(r.ratio)} | ${f2(r.ratioMin)}–${f2(r.ratioMax)} | ${r.cpuS ?? '-'} | ${r.hostCpuMsPerHost ?? '-'} | ${r.peakRssMb ?? '-'} |`);
  say('\nper round, s (ratio)');
  const cell = (t, i) => (runs[t][i].failed ? `${t} FAILED` : `${t} ${(runs[t][i].wallMs / 1000).toFixed(2)}${t === 'dpl' ? '' : ` (${ratio(t, i).toFixed(2)})`}`);
  for (let i = 0; i < rounds; i++) say(`  ${i + 1}: ${tools.map((t) => cell(t, i)).join(', ')}`);
  for (const r of rows) for (const f of r.failed) say(`  ${r.tool} failed in round ${f.round}: ${f.error.split('\n').slice(0, 6).join('\n    ')}`);

  const targets = {};
  const goal = (t, max) => {
    const row = rows.find((r) => r.tool === t);
    if (row?.ratio) targets[`dpl ≤ ${max}× ${t}`] = { dplOverTool: r2(1 / row.ratio), met: 1 / row.ratio <= max };
  };
  goal('floor', 1.3);
  goal('fabric', 0.7);
  goal('cap', 0.4);
  if (Object.keys(targets).length) {
    say('\ntargets (issue #18, dpl ÷ tool, from the median per-round ratio)');
    for (const [k, v] of Object.entries(targets)) say(`  ${v.met ? 'met   ' : 'MISSED'} ${k}: ${v.dplOverTool}`);
  }

  // dpl's phases, and those of the build it is compared with (--base) when there is one.
  const breakdowns = Object.fromEntries(Object.keys(runs).filter((t) => t.startsWith('dpl')).map((t) => [t, phaseTable(t, runs[t], say)]));
  say(`\nload average: ${o.loadavg.start.join(' ')} at start, ${o.loadavg.end.join(' ')} at end, on ${o.cores} cores${o.perHostUsers ? '' : ' (one login user for every host: per-host users need root)'}`);
  return { hosts: o.hosts, rounds, load: o.load, loadavg: o.loadavg, cores: o.cores, perHostUsers: o.perHostUsers, tools: rows, targets, dplPhases: breakdowns.dpl ?? null, ...(breakdowns['dpl-base'] ? { basePhases: breakdowns['dpl-base'] } : {}) };
}

/** One dpl build's median time per phase, printed and returned. */
function phaseTable(name, list, say) {
  const phases = list.map((x) => x.phases).filter(Boolean);
  if (!phases.length) return null;
  const names = [...new Set(phases.flatMap((p) => Object.keys(p.ms)))];
  const wall = median(list.map((x) => x.wallMs));
  const ms = Object.fromEntries(names.map((n) => [n, Math.round(median(phases.map((p) => p.ms[n] ?? 0)))]));
  ms['start-up + exit'] = Math.round(median(list.map((x) => x.wallMs - (x.phases?.ms.run ?? x.wallMs))));
  const trips = phases.at(-1).trips;
  say(`\n${name} per phase, ms (median of ${phases.length} runs; whole process ${Math.round(wall)} ms; commands per host in brackets; ${phases.at(-1).connects} logins)`);
  for (const [n, v] of Object.entries(ms)) if (n !== 'run') say(`  ${n.padEnd(16)} ${String(v).padStart(6)}${trips[n] !== undefined ? `  [${trips[n]}]` : ''}`);
  return { ms, commandsPerHost: trips };
}
