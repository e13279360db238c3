// Fabric 1's own cases (cases.ts) run against dpl: the grammar (parseInvocation, escapeSplit,
// parseList), host-list construction (chooseSelection, planTask → Inventory.resolve), c.execute's
// host lists, runs_once, serial/parallel and task lookup, one test per case.
import { describe, expect, it } from 'vitest';
import { escapeSplit, parseInvocation, parseList, type Invocation } from '../../../src/core/grammar.js';
import { chooseSelection, planTask } from '../../../src/core/plan.js';
import { Registry } from '../../../src/core/registry.js';
import { namespace, task, type CollectionEntries, type TaskOptions } from '../../../src/core/task.js';
import { DplError } from '../../../src/core/errors.js';
import type { HostResult, Selection } from '../../../src/core/context-types.js';
import type { DeployfileDefinition } from '../../../src/core/deployfile.js';
import { localRun } from '../../helpers/local-run.js';
import {
  escapeSplitCases,
  executeCases,
  hostListCases,
  lazyRoleCases,
  listCases,
  lookupCases,
  modeCases,
  parseCases,
  runsOnceCases,
  type EnvLists,
  type HostListCase,
  type LookupTree,
  type Parsed,
  type Ran,
  type Refused,
} from './cases.js';


function isRefused(x: unknown): x is Refused {
  return !!x && typeof x === 'object' && 'error' in x;
}

/** dpl's Invocation as Fabric's parse_arguments tuple (no hosts = empty list). */
function asParsed(inv: Invocation): Parsed {
  return [inv.name, inv.args, { ...inv.kwargs }, inv.hosts ?? [], inv.roles ?? [], inv.excludeHosts ?? []];
}

function parsedOrRefused(token: string): Parsed | { error: string } {
  try {
    return asParsed(parseInvocation(token));
  } catch (e) {
    if (e instanceof DplError) return { error: e.message };
    throw e;
  }
}

describe('Fabric 1 parse_arguments', () => {
  for (const c of parseCases) {
    const label = `${c.origin}: ${JSON.stringify(c.token)}` + (c.differs ? ` (differs: ${c.differs.why})` : '');
    it(label, () => {
      const got = parsedOrRefused(c.token);
      if (!c.differs) {
        expect(got).toEqual(c.fabric);
        return;
      }
      // A deliberate difference: dpl does what the table says, which is not what Fabric does.
      expect(got).not.toEqual(c.fabric);
      if (isRefused(c.differs.dpl)) {
        expect(isRefused(got), JSON.stringify(got)).toBe(true);
        expect((got as { error: string }).error).toMatch(c.differs.dpl.error);
      } else {
        expect(got).toEqual(c.differs.dpl);
      }
    });
  }
});

describe('Fabric 1 _escape_split', () => {
  for (const c of escapeSplitCases) {
    it(`${c.origin}: _escape_split(${JSON.stringify(c.sep)}, ${JSON.stringify(c.input)})`, () => {
      expect(escapeSplit(c.sep, c.input)).toEqual(c.fabric);
    });
  }
});

function selection(env: EnvLists | undefined): Selection | undefined {
  return env && ({ hosts: env.hosts, roles: env.roles, exclude: env.exclude_hosts } as Selection);
}

/** What Fabric's get_hosts_and_effective_roles + execute would run on, computed by dpl. */
async function hostList(c: HostListCase): Promise<{ hosts: string[] | { error: string }; roles: string[] }> {
  const def = { hosts: c.inventory, roles: c.roledefs, tasks: {} } as Omit<DeployfileDefinition, 'kind'>;
  const { run } = localRun(def, { selection: selection(c.env) });
  const options = { hosts: c.task?.hosts, roles: c.task?.roles } as TaskOptions<any>;
  const inv = c.args && { hosts: c.args.hosts as string[] | undefined, roles: c.args.roles as string[] | undefined, excludeHosts: c.args.exclude_hosts as string[] | undefined };
  const roles = chooseSelection(inv, options, run).selection.roles ?? [];
  try {
    const plan = await planTask('t', inv, options, run);
    return { hosts: plan.mode === 'local' ? ['<local-only>'] : plan.hosts.map((h) => h.name), roles };
  } catch (e) {
    if (e instanceof DplError) return { hosts: { error: e.message }, roles };
    throw e;
  }
}

function expectRan(got: string[] | { error: string }, want: Ran, ordered = true): void {
  if (isRefused(want)) {
    expect(isRefused(got), JSON.stringify(got)).toBe(true);
    expect((got as { error: string }).error).toMatch(want.error);
    return;
  }
  expect(Array.isArray(got), JSON.stringify(got)).toBe(true);
  if (ordered) expect(got).toEqual(want);
  else expect([...(got as string[])].sort()).toEqual([...want].sort());
}

describe('Fabric 1 host lists (get_hosts_and_effective_roles, merge)', () => {
  for (const c of hostListCases) {
    it(c.origin + (c.differs ? ` (differs: ${c.differs.why})` : ''), async () => {
      const got = await hostList(c);
      if (c.differs) {
        expectRan(got.hosts, c.differs.dpl, true);
        expect(got.hosts).not.toEqual(c.fabric.hosts);
      } else {
        expectRan(got.hosts, c.fabric.hosts, !!c.fabric.ordered);
      }
      if (c.fabric.roles) expect(got.roles).toEqual(c.fabric.roles);
    });
  }
});

describe('Fabric 1 execute() host lists, through c.execute', () => {
  for (const c of executeCases) {
    it(c.origin, async () => {
      const ran: string[] = [];
      const { executor } = localRun({
        roles: c.roledefs,
        tasks: {
          t: task({ hosts: c.task?.hosts, roles: c.task?.roles }, (cx) => void ran.push(cx.host.name)),
          main: task({ run: 'local' }, async (cx) => {
            const k = c.kwargs;
            await cx.execute('t', [], k && { hosts: k.hosts, roles: k.roles, exclude: k.exclude_hosts });
          }),
        },
      });
      await executor.runAll(executor.prepare([parseInvocation('main')]));
      if (c.ordered) expect(ran).toEqual(c.fabric);
      else expect([...ran].sort()).toEqual([...c.fabric].sort());
    });
  }
});

describe('Fabric 1 @runs_once', () => {
  for (const c of runsOnceCases) {
    it(c.origin, async () => {
      let body = 0;
      const values: unknown[] = [];
      const { executor } = localRun(
        {
          tasks: {
            once: task({ run: 'once' }, () => ++body),
            main: task({ run: 'local' }, async (cx) => {
              for (let i = 0; i < c.calls; i++) {
                const results: Map<string, HostResult> = await cx.execute('once');
                values.push(...[...results.values()].map((r) => r.value));
              }
            }),
          },
        },
        // Fabric ran a task without hosts locally; dpl refuses it, so the run has hosts.
        { selection: { hosts: c.hosts ?? ['a', 'b'] }, flags: { parallel: !!c.parallel } },
      );
      const tokens = c.via === 'cli' ? Array.from({ length: c.calls }, () => 'once') : ['main'];
      await executor.runAll(executor.prepare(tokens.map(parseInvocation)));
      expect(body).toBe(c.fabricBodyRuns);
      if (c.sameValue) {
        expect(values.length).toBeGreaterThanOrEqual(c.calls);
        expect(new Set(values)).toEqual(new Set([1]));
      }
    });
  }
});

describe('Fabric 1 @serial / @parallel / -P', () => {
  for (const c of modeCases) {
    it(c.origin + (c.differs ? ` (differs: ${c.differs.why})` : ''), async () => {
      if (!c.dpl) {
        expect(c.differs?.dpl).toBe('unwritable');
        const both = { run: 'parallel', serial: true };
        expect(() => task(both as TaskOptions, () => {})).toThrow(/"serial" is gone/);
        return;
      }
      const { run } = localRun({ tasks: {} }, { selection: { hosts: ['a', 'b'] }, flags: { parallel: !!c.P } });
      const { limit } = await planTask('t', undefined, c.dpl, run);
      const mode = limit > 1 ? 'parallel' : 'serial';
      expect(mode).toBe(c.differs ? c.differs.dpl : c.fabric);
    });
  }
});

describe('Fabric 1 -H / -R / -x lists', () => {
  for (const c of listCases) {
    it(`${c.origin}: ${JSON.stringify(c.input)}` + (c.differs ? ` (differs: ${c.differs.why})` : ''), () => {
      const got = parseList(c.input);
      expect(got).toEqual(c.differs ? c.differs.dpl : c.fabric);
      if (c.differs) expect(got).not.toEqual(c.fabric);
    });
  }
});

describe('Fabric 1 lazy roles', () => {
  for (const c of lazyRoleCases) {
    it(c.origin + (c.differs ? ` (differs: ${c.differs.why})` : ''), async () => {
      let calls = 0;
      const { run } = localRun({ roles: { r1: () => (calls++, ['a', 'b']) }, tasks: {} });
      for (let i = 0; i < c.tasks; i++) expect((await planTask(`t${i}`, undefined, { roles: ['r1'] }, run)).hosts.map((h) => h.name)).toEqual(['a', 'b']);
      expect(calls).toBe(c.differs ? c.differs.dpl : c.fabricCalls);
      if (c.differs) expect(calls).not.toBe(c.fabricCalls);
    });
  }
});

function collection(tree: LookupTree): CollectionEntries {
  const out: Record<string, CollectionEntries[string]> = {};
  for (const [name, entry] of Object.entries(tree)) {
    out[name] = 'tasks' in entry ? namespace(collection(entry.tasks), { default: entry.default }) : task({ aliases: entry.aliases }, () => {});
  }
  return out;
}

describe('Fabric 1 task lookup (crawl, aliases, default tasks)', () => {
  for (const c of lookupCases) {
    it(`${c.origin}: ${c.name}` + (c.differs ? ` (differs: ${c.differs.why})` : ''), () => {
      if (c.differs) {
        expect(() => new Registry(collection(c.tree))).toThrow(c.differs.dpl.error);
        return;
      }
      const registry = new Registry(collection(c.tree));
      expect(registry.find(c.name)?.name ?? null).toBe(c.fabric);
    });
  }
});
