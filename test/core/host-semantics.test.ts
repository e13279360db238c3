// Who runs what, where (issue #15 findings 1-6): nothing runs on this machine
// unless a task says so; c.execute runs a sub-task on the calling host; once
// means once per run; roles follow the environment; an override is said aloud;
// c.cd(dir, fn) scopes every command issued through c, as Fabric's `with cd()`.
import { describe, expect, it } from 'vitest';
import { task } from '../../src/core/task.js';
import { parseInvocation } from '../../src/core/grammar.js';
import { UsageError } from '../../src/core/errors.js';
import { localRun } from '../helpers/local-run.js';
import { warningsOf, wordsOf } from '../helpers/words.js';

const hosts = { 'web-0': 'web-0', 'web-1': 'web-1', 'web-2': 'web-2', train: 'train' };
const tokens = (...t: string[]) => t.map(parseInvocation);

describe('a task that runs on hosts gets some, or is refused (finding 1)', () => {
  it('dpl restart with no hosts chosen: exit 2 naming the task and the ways to choose, before anything runs', async () => {
    const ran: string[] = [];
    const { executor } = localRun({ hosts, tasks: { restart: task(async (c) => void ran.push(c.host.name)), prep: task({ run: 'local' }, () => void ran.push('prep')) } });
    let err: unknown;
    try {
      executor.prepare(tokens('restart'));
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(UsageError);
    expect((err as UsageError).exitCode).toBe(2);
    expect((err as Error).message).toContain('task "restart" runs on hosts, and none are chosen');
    expect((err as UsageError).hint).toMatch(/-H .*-R .*host:NAME.*run: 'local'/);
    expect(ran).toEqual([]);
  });

  it('a local task that chooses no hosts: the next task is refused when it would run, and never runs here', async () => {
    const ran: string[] = [];
    const { executor } = localRun({ hosts, tasks: { prep: task({ run: 'local' }, () => void ran.push('prep')), restart: task(async (c) => void ran.push(c.host.name)) } });
    await expect(executor.runAll(executor.prepare(tokens('prep', 'restart')))).rejects.toThrow(/task "restart" runs on hosts, and none are chosen/);
    expect(ran).toEqual(['prep']);
  });

  it('running here is explicit: run: local, or c.local', async () => {
    const { executor, events: seen } = localRun({ hosts, tasks: { here: task({ run: 'local' }, async (c) => (await c.local('echo here')).stdout) } });
    await executor.runAll(executor.prepare(tokens('here')));
    expect(seen.some((e) => e.type === 'output' && e.line === 'here')).toBe(true);
  });
});

describe('c.execute runs a sub-task on the calling host (finding 2)', () => {
  it('a sub-task with no hosts of its own runs where its caller runs', async () => {
    const where: string[] = [];
    const { executor } = localRun({
      hosts,
      tasks: {
        migrate: task(async (c) => void where.push(`migrate@${c.host.name}`)),
        release: task({ hosts: ['web-1'] }, async (c) => {
          await c.execute('migrate');
        }),
      },
    });
    await executor.runAll(executor.prepare(tokens('release')));
    expect(where).toEqual(['migrate@web-1']);
  });

  it('with -H web-0,web-1, each caller runs the sub-task on its own host, not on every -H host', async () => {
    const where: string[] = [];
    const { executor } = localRun(
      {
        hosts,
        tasks: {
          migrate: task(async (c) => void where.push(`migrate@${c.host.name}`)),
          update: task(async (c) => void (await c.execute('migrate'))),
        },
      },
      { selection: { hosts: ['web-0', 'web-1'] } },
    );
    await executor.runAll(executor.prepare(tokens('update')));
    expect(where).toEqual(['migrate@web-0', 'migrate@web-1']);
  });

  it('a sub-task with its own hosts runs on them; `on` wins over both', async () => {
    const where: string[] = [];
    const { executor } = localRun({
      hosts,
      tasks: {
        own: task({ hosts: ['web-2'] }, async (c) => void where.push(`own@${c.host.name}`)),
        plain: task(async (c) => void where.push(`plain@${c.host.name}`)),
        caller: task({ hosts: ['web-0'] }, async (c) => {
          await c.execute('own');
          await c.execute('plain', [], { hosts: ['web-1'] });
        }),
      },
    });
    await executor.runAll(executor.prepare(tokens('caller')));
    expect(where).toEqual(['own@web-2', 'plain@web-1']);
  });
});

describe("once means once per run (finding 3)", () => {
  it('dpl once once runs it once; the second call gets the first result', async () => {
    let runs = 0;
    const { executor, events: seen } = localRun({ hosts, tasks: { once: task({ run: 'once', hosts: ['web-0'] }, () => ++runs) } });
    await executor.runAll(executor.prepare(tokens('once', 'once')));
    expect(runs).toBe(1);
    expect(seen.filter((e) => e.type === 'task.once')).toMatchObject([{ task: 'once' }]);
    expect(wordsOf(seen)).toContain('once runs once per run: it ran already, its result stands');
  });

  it('c.execute of a once task from a task on N hosts runs it once, and every caller gets its result', async () => {
    let runs = 0;
    const got: unknown[] = [];
    const { executor } = localRun({
      hosts,
      roles: { web: ['web-0', 'web-1', 'web-2'] },
      tasks: {
        migrate: task({ run: 'once' }, () => ++runs),
        deploy: task({ roles: ['web'], run: 'parallel' }, async (c) => {
          const r = await c.execute('migrate');
          got.push([...r.values()][0]?.value);
        }),
      },
    });
    await executor.runAll(executor.prepare(tokens('deploy')));
    expect(runs).toBe(1);
    expect(got).toEqual([1, 1, 1]);
  });
});

describe('environments are first class; roles follow them (finding 4)', () => {
  const def = () => ({
    hosts,
    environments: {
      training: { roles: { web: async () => ['train'], media: ['train'] }, vars: { dbName: 'training' } },
      production: { roles: { web: async () => ['web-0', 'web-1'], media: ['web-2'] }, vars: { dbName: 'prod' } },
    },
    tasks: { releases: task(async (c) => `${c.host.name}:${(c.environment?.vars as { dbName: string }).dbName}`) },
  });

  it('training T production T: the second T runs on production, its role functions evaluated again', async () => {
    const seen: string[] = [];
    const { executor, events } = localRun(def());
    await executor.runAll(executor.prepare(tokens('training', 'releases', 'production', 'releases')));
    for (const e of events) if (e.type === 'host.end' && e.task === 'releases') seen.push(e.host);
    expect(seen).toEqual(['train', 'web-0', 'web-1', 'web-2']);
  });

  it('-E production is the same as the environment task; c.environment is set', async () => {
    const { executor, run } = localRun(def(), { flags: { environment: 'production' } });
    run.useEnvironment('production');
    const results = await executor.runTask(executor.prepare(tokens('releases'))[0]!.task, {});
    expect([...results.values()].map((r) => r.value)).toEqual(['web-0:prod', 'web-1:prod', 'web-2:prod']);
    expect(run.environment).toMatchObject({ name: 'production', vars: { dbName: 'prod' }, confirm: false });
  });

  it('an unknown environment is a usage error naming the declared ones', () => {
    const { run } = localRun(def());
    expect(() => run.useEnvironment('staging')).toThrow(/unknown environment "staging"; environments: training, production/);
  });
});

describe('a task that overrides what the operator chose says so (finding 5)', () => {
  it('host:web-0 T, where T has its own roles: one line before it runs', async () => {
    const where: string[] = [];
    const { executor, events: seen } = localRun({ hosts, roles: { web: ['web-1', 'web-2'] }, tasks: { t: task({ roles: ['web'] }, async (c) => void where.push(c.host.name)) } });
    await executor.runAll(executor.prepare(tokens('host:web-0', 't')));
    expect(where).toEqual(['web-1', 'web-2']);
    expect(seen.filter((e) => e.type === 'task.override')).toMatchObject([{ task: 't', own: { hosts: [], roles: ['web'] }, chosen: { hosts: ['web-0'], roles: [] } }]);
    expect(warningsOf(seen)).toEqual(['t runs on its own role web, not on what was chosen before it (web-0)']);
  });

  it('-H web-0 T says so too; with nothing chosen, or T run where chosen, no line', async () => {
    const run = (selection: { hosts: string[] } | undefined, ...t: string[]) => {
      const { executor, events: seen } = localRun({ hosts, roles: { web: ['web-1'] }, tasks: { t: task({ roles: ['web'] }, () => {}), u: task(() => {}) } }, { selection });
      return executor.runAll(executor.prepare(tokens(...t))).then(() => warningsOf(seen));
    };
    expect(await run({ hosts: ['web-0'] }, 't')).toEqual(['t runs on its own role web, not on what was chosen before it (web-0)']);
    expect(await run(undefined, 't')).toEqual([]);
    expect(await run({ hosts: ['web-0'] }, 'u')).toEqual([]);
  });
});

describe("c.cd(dir, fn) scopes every command issued through c (finding 6)", () => {
  it('the outer c, a context derived inside, and nested blocks all run in the right directory', async () => {
    const { executor, events: seen } = localRun({
      hosts,
      tasks: {
        t: task({ hosts: ['web-0'] }, async (c) => {
          await c.cd('/tmp', async () => {
            await c.run('pwd');
            await c.cd('..', async () => void (await c.run('pwd')));
            await c.withEnv({ DPL_X: 'in' }, async () => void (await c.run('echo $DPL_X; pwd')));
          });
          await c.run('echo outside-$DPL_X');
        }),
      },
    });
    await executor.runAll(executor.prepare(tokens('t')));
    const out = seen.flatMap((e) => (e.type === 'output' ? [e.line] : []));
    expect(out).toEqual(['/tmp', '/', 'in', '/tmp', 'outside-']);
  });

  it('a bare c.cd(dir) changes nothing on c; its returned context runs there', async () => {
    const { executor, events: seen } = localRun({
      hosts,
      tasks: {
        t: task({ hosts: ['web-0'] }, async (c) => {
          const there = c.cd('/tmp');
          await there.run('pwd');
          await c.run('pwd');
        }),
      },
    });
    await executor.runAll(executor.prepare(tokens('t')));
    const out = seen.flatMap((e) => (e.type === 'output' ? [e.line] : []));
    expect(out[0]).toBe('/tmp');
    expect(out[1]).toBe(process.cwd());
    // The returned context was used: nothing to warn about.
    expect(warningsOf(seen)).toEqual([]);
  });

  it("a bare c.cd('/var') whose context is never used: the next command on c says it runs elsewhere", async () => {
    const { executor, events: seen } = localRun({
      hosts,
      tasks: {
        t: task({ hosts: ['web-0'] }, async (c) => {
          c.cd('/var');
          await c.run('pwd');
          await c.run('true');
        }),
      },
    });
    await executor.runAll(executor.prepare(tokens('t')));
    const warnings = warningsOf(seen);
    expect(seen.filter((e) => e.type === 'context.unused')).toMatchObject([{ host: 'web-0', call: 'cd("/var")', command: 'pwd' }]);
    expect(warnings).toEqual([
      'c.cd("/var") returned a new context that was not used, and c is unchanged: "pwd" runs without it. Run commands on the context it returns, or pass a function: c.cd("/var", async () => { ... })',
    ]);
  });

  it('parallel hosts never see each other’s scope', async () => {
    const { executor, events: seen } = localRun({
      hosts,
      roles: { web: ['web-0', 'web-1'] },
      tasks: {
        t: task({ roles: ['web'], run: 'parallel' }, async (c) => {
          const dir = c.host.name === 'web-0' ? '/tmp' : '/';
          await c.cd(dir, async () => {
            await new Promise((r) => setTimeout(r, c.host.name === 'web-0' ? 50 : 0));
            await c.run('pwd');
          });
        }),
      },
    });
    await executor.runAll(executor.prepare(tokens('t')));
    const byHost = Object.fromEntries(seen.flatMap((e) => (e.type === 'output' ? [[e.host, e.line]] : [])));
    expect(byHost).toEqual({ 'web-0': '/tmp', 'web-1': '/' });
  });
});
