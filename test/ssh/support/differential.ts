// One corpus case end to end: lay out its files, run ssh -G, hold the pinned values to it,
// then (when `dpl ssh-config` exists) run dpl on the same files and compare. Problems come
// back as readable lines so a failing case says what differs without a debugger.
import { readFileSync } from 'node:fs';
import { prepareCase, type ConfigCase, type PreparedCase } from './config-case.js';
import type { DplSideState } from './dpl-side.js';
import { BASE_KEYS, compareDumps, failureProblems, normaliseValue, parseDump, replacesKexList, runSshG, valuesOf, type Dump, type Run } from './ssh-g.js';

export interface CaseContext {
  root: string;
  side: DplSideState;
  /** Run both commands with no network (unshare -n). */
  isolate: boolean;
}

export interface CaseOutcome {
  problems: string[];
  /** True when dpl's output was compared too (not only ssh -G). */
  compared: boolean;
}

function pinnedProblems(c: ConfigCase, p: PreparedCase, dump: Dump): string[] {
  const problems: string[] = [];
  for (const [key, want] of Object.entries(c.expect ?? {})) {
    const got = valuesOf(dump, key);
    const shown = got === undefined ? '(absent)' : JSON.stringify(got);
    if (want === null) {
      if (got !== undefined) problems.push(`pinned ${key}: ssh -G prints ${shown}, the case expects no such line`);
    } else if (want instanceof RegExp) {
      if (got === undefined || !want.test(got.join('\n'))) problems.push(`pinned ${key}: ssh -G prints ${shown}, the case expects ${want}`);
    } else {
      const lines = (Array.isArray(want) ? want : [want]).map((w) => normaliseValue(p.fill(w)));
      if (JSON.stringify(got) !== JSON.stringify(lines)) problems.push(`pinned ${key}: ssh -G prints ${shown}, the case expects ${JSON.stringify(lines)}`);
    }
  }
  return problems;
}

const tail = (r: Run) => `exit ${r.code}\n--- stdout\n${r.stdout.slice(-2000)}\n--- stderr\n${r.stderr.slice(-2000)}`;

export function runCase(c: ConfigCase, ctx: CaseContext): CaseOutcome {
  const p = prepareCase(c, ctx.root);
  try {
    const ssh = runSshG(p, ctx.isolate);
    const dpl = ctx.side.kind === 'cli' ? ctx.side.side : null;
    if (c.fails) {
      const problems: string[] = [];
      if (ssh.code === 0) problems.push(`ssh -G accepted the config, the case expects it to fail:\n${tail(ssh)}`);
      else if (!c.fails.ssh.test(ssh.stderr)) problems.push(`ssh -G failed with another message than ${c.fails.ssh}:\n${tail(ssh)}`);
      if (!dpl) return { problems, compared: false };
      let where: Parameters<typeof failureProblems>[1] = { mentions: 'mentions' in c.fails ? c.fails.mentions : '' };
      if ('file' in c.fails) {
        const file = p.paths[c.fails.file];
        if (!file) return { problems: [...problems, `fails.file "${c.fails.file}" is not one of the case's files`], compared: false };
        where = { file, line: c.fails.line };
      }
      const r = dpl.run(p, ctx.isolate);
      const bad = failureProblems(r, where);
      if (bad.length) problems.push(`dpl ssh-config must fail like ssh -G: ${bad.join('; ')}\n${tail(r)}`);
      return { problems, compared: true };
    }
    if (ssh.code !== 0) return { problems: [`ssh -G failed:\n${tail(ssh)}`], compared: false };
    const sshDump = parseDump(ssh.stdout);
    const problems = pinnedProblems(c, p, sshDump);
    if (!dpl) return { problems, compared: false };
    const r = dpl.run(p, ctx.isolate);
    if (c.refused) {
      if (r.code !== 2) problems.push(`dpl refuses this case (${c.refused}) and must exit 2 with an error:\n${tail(r)}`);
      return { problems, compared: true };
    }
    if (r.code !== 0) return { problems: [...problems, `dpl ssh-config failed where ssh -G did not:\n${tail(r)}`], compared: true };
    const keys = [...new Set([...BASE_KEYS, ...(c.keys ?? []), ...Object.keys(c.expect ?? {})])];
    const texts = Object.values(p.paths).map((f) => readFileSync(f, 'utf8'));
    const diffs = compareDumps(sshDump, parseDump(r.stdout), keys, { supported: dpl.supported, kexFromDefaults: !replacesKexList(texts) });
    problems.push(...diffs.map((d) => `differs from ssh -G: ${d}`));
    return { problems, compared: true };
  } finally {
    p.cleanup();
  }
}
