import { describe, expect, it } from 'vitest';
import { task, namespace } from '../../src/core/task.js';
import { parseInvocation } from '../../src/core/grammar.js';
import { HostsFailedError, CommandError, UsageError } from '../../src/core/errors.js';
import { localRun } from '../helpers/local-run.js';
import { offSchema, warningsOf, wordsOf } from '../helpers/words.js';

const hosts = { h1: 'h1', h2: 'h2', h3: 'h3', h4: 'h4' };

describe('executor', () => {
  it('runs tasks in command-line order and later tasks see what earlier ones set on the run', async () => {
    const order: string[] = [];
    const { executor } = localRun({
      hosts,
      roles: { prod: ['h1', 'h2'], staging: ['h3'] },
      tasks: {
        prod: task({ run: 'local', args: { group: { default: 'all' } } }, (c, { group }) => {
          order.push('prod');
          c.session.set('env', `prod:${group}`);
          c.session.use({ roles: ['prod'] });
        }),
        deploy: task(async (c) => {
          order.push(`deploy@${c.host.name}=${c.session.get('env')}`);
        }),
      },
    });
    await executor.runAll(executor.prepare(['prod:out', 'deploy'].map(parseInvocation)));
    expect(order).toEqual(['prod', 'deploy@h1=prod:out', 'deploy@h2=prod:out']);
  });

  it('each task finishes on all hosts before the next starts', async () => {
    const log: string[] = [];
    const { executor } = localRun(
      {
        hosts,
        tasks: {
          one: task({ run: 'parallel' }, async (c) => {
            await c.run(`sleep 0.0${c.host.name.slice(1)}`);
            log.push(`one@${c.host.name}`);
          }),
          two: task(async (c) => void log.push(`two@${c.host.name}`)),
        },
      },
      { selection: { hosts: ['h3', 'h1', 'h2'] } },
    );
    await executor.runAll(executor.prepare(['one', 'two'].map(parseInvocation)));
    expect(log.slice(0, 3).sort()).toEqual(['one@h1', 'one@h2', 'one@h3']);
    expect(log.slice(3)).toEqual(['two@h3', 'two@h1', 'two@h2']);
  });

  it('parallel: every host in flight finishes, then one error lists every failed host', async () => {
    const finished: string[] = [];
    const { executor } = localRun(
      {
        hosts,
        tasks: {
          work: task({ run: 'parallel' }, async (c) => {
            if (c.host.name === 'h1' || c.host.name === 'h3') await c.run(`echo broken on ${c.host.name} >&2; exit 4`);
            await c.run('sleep 0.2');
            finished.push(c.host.name);
          }),
        },
      },
      { selection: { hosts: ['h1', 'h2', 'h3', 'h4'] } },
    );
    const err = await executor.runAll(executor.prepare([parseInvocation('work')])).catch((e) => e);
    expect(err).toBeInstanceOf(HostsFailedError);
    expect(err.failures.map((f: { host: string }) => f.host).sort()).toEqual(['h1', 'h3']);
    expect(err.message).toMatch(/work failed on 2 hosts/);
    expect(err.message).toMatch(/h1: command exited with code 4: echo broken on h1/);
    expect(err.message).toMatch(/broken on h3/);
    expect(finished.sort()).toEqual(['h2', 'h4']);
  });

  it('serial: stops at the first failed host and does not start the rest', async () => {
    const started: string[] = [];
    const { executor } = localRun(
      { hosts, tasks: { work: task(async (c) => { started.push(c.host.name); await c.run(c.host.name === 'h2' ? 'false' : 'true'); }) } },
      { selection: { hosts: ['h1', 'h2', 'h3'] } },
    );
    const err = await executor.runAll(executor.prepare([parseInvocation('work')])).catch((e) => e);
    expect(err).toBeInstanceOf(HostsFailedError);
    expect(started).toEqual(['h1', 'h2']);
  });

  it('a failed task stops the chain', async () => {
    const ran: string[] = [];
    const { executor } = localRun(
      { hosts, tasks: { bad: task(async (c) => void (await c.run('exit 1'))), after: task(() => void ran.push('after')) } },
      { selection: { hosts: ['h1'] } },
    );
    await expect(executor.runAll(executor.prepare(['bad', 'after'].map(parseInvocation)))).rejects.toThrow(HostsFailedError);
    expect(ran).toEqual([]);
  });

  it('--skip-bad-hosts skips unreachable hosts and goes on', async () => {
    const done: string[] = [];
    const { executor, events } = localRun(
      { hosts, tasks: { work: task(async (c) => { await c.run('true'); done.push(c.host.name); }) } },
      { selection: { hosts: ['h1', 'h2', 'h3'] }, unreachable: ['h2'], flags: { skipBadHosts: true } },
    );
    await executor.runAll(executor.prepare([parseInvocation('work')]));
    expect(done).toEqual(['h1', 'h3']);
    const skipped = events.flatMap((e) => (e.type === 'host.skipped' ? [e] : []));
    expect(skipped).toMatchObject([{ task: 'work', host: 'h2', error: expect.stringMatching(/connection refused/) }]);
    expect(warningsOf(events)).toEqual([`skipping bad host: ${skipped[0]!.error}`]);
    expect(offSchema(events)).toEqual([]);
  });

  it('-w (warn only) turns a failing command into a warning and a result with ok: false', async () => {
    let code: number | null = null;
    const { executor, events } = localRun({ hosts, tasks: { t: task(async (c) => void (code = (await c.run('exit 5')).code)) } }, { selection: { hosts: ['h1'] }, flags: { warnOnly: true } });
    await executor.runAll(executor.prepare([parseInvocation('t')]));
    expect(code).toBe(5);
    expect(events.filter((e) => e.type === 'command.ignored')).toMatchObject([{ host: 'h1', command: 'exit 5', code: 5, signal: null }]);
    expect(wordsOf(events.filter((e) => e.type === 'command.ignored'))).toEqual(['[h1] ignoring failure (warn only): command exited with code 5: exit 5']);
    expect(offSchema(events)).toEqual([]);
  });

  it('command errors name host, command, exit code and output tail', async () => {
    const { executor } = localRun(
      { hosts, tasks: { t: task(async (c) => void (await c.run('for i in 1 2 3 4 5 6 7 8 9 10 11 12; do echo line$i; done; exit 2'))) } },
      { selection: { hosts: ['h1'] } },
    );
    const err = await executor.runAll(executor.prepare([parseInvocation('t')])).catch((e) => e);
    expect(err).toBeInstanceOf(HostsFailedError);
    const cause = (err as HostsFailedError).failures[0]!.error as CommandError;
    expect(cause).toBeInstanceOf(CommandError);
    expect(cause.status).toBe(2);
    expect(cause.code).toBe('command.failed');
    expect(cause.host).toBe('h1');
    expect(cause.message).toMatch(/^command exited with code 2: for i in/);
    expect(cause.message).toMatch(/line12/);
    expect(cause.message).not.toMatch(/line2\n/);
  });

  it('c.execute runs another task on its hosts and returns a per-host result map', async () => {
    let results: Map<string, { ok: boolean; value?: unknown }> | undefined;
    const { executor } = localRun({
      hosts,
      tasks: {
        ns: namespace({ uname: task({ roles: ['all'] }, async (c) => (await c.run(`echo ${c.host.name}`)).stdout.trim()) }),
        main: task({ run: 'local' }, async (c) => void (results = await c.execute('ns.uname', [], { hosts: ['h1', 'h2'] }))),
      },
      roles: { all: ['h4'] },
    });
    await executor.runAll(executor.prepare([parseInvocation('main')]));
    expect([...results!.entries()].map(([h, r]) => [h, r.ok, r.value])).toEqual([
      ['h1', true, 'h1'],
      ['h2', true, 'h2'],
    ]);
  });

  it('context scopes: cd, withEnv and prefix compose, and never leak into the parent', async () => {
    let seen = '';
    let parentCwd: string | undefined = 'x';
    const { executor } = localRun({
      hosts,
      tasks: {
        t: task({ hosts: ['h1'] }, async (c) => {
          seen = await c.cd('/tmp', (c2) => c2.withEnv({ GREETING: "it's me" }).prefix('export B=2').run('echo "$PWD|$GREETING|$B"')).then((r) => r.stdout.trim());
          parentCwd = c.cwd;
        }),
      },
    });
    await executor.runAll(executor.prepare([parseInvocation('t')]));
    expect(seen).toBe("/tmp|it's me|2");
    expect(parentCwd).toBeUndefined();
  });

  it('prepare refuses unknown tasks and bad arguments before anything runs', () => {
    const ran: string[] = [];
    const { executor } = localRun({ tasks: { t: task({ args: { n: { type: 'number' } } }, () => void ran.push('t')) } });
    expect(() => executor.prepare(['t', 'nope'].map(parseInvocation))).toThrow(UsageError);
    expect(() => executor.prepare([parseInvocation('t:n=abc')])).toThrow(/must be a number/);
    expect(() => executor.prepare([parseInvocation('t:zz=1')])).toThrow(/takes no argument "zz"; it takes: n/);
    expect(ran).toEqual([]);
  });

  it('built-in host: selects hosts for later tasks', async () => {
    const on: string[] = [];
    const { executor } = localRun({ hosts, tasks: { t: task((c) => void on.push(c.host.name)) } });
    await executor.runAll(executor.prepare(['host:h2;h3', 't'].map(parseInvocation)));
    expect(on).toEqual(['h2', 'h3']);
  });
});
