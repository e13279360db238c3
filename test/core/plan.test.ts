import { describe, expect, it } from 'vitest';
import { task } from '../../src/core/task.js';
import { planTask } from '../../src/core/plan.js';
import { parseInvocation } from '../../src/core/grammar.js';
import { localRun } from '../helpers/local-run.js';

const hosts = { a: { hostname: '10.0.0.1' }, b: { hostname: '10.0.0.2' }, c: { hostname: '10.0.0.3' }, d: 'd.example' };
const roles = { web: ['a', 'b'], db: ['c'], gen: async () => ['d', 'x.example'] };
const noop = task(() => {});
const own = task({ hosts: ['c'] }, () => {});
const ownRole = task({ roles: ['db'] }, () => {});

async function names(taskOpts: object, token: string, selection?: object) {
  const { run } = localRun({ hosts, roles, tasks: {} }, { selection });
  const plan = await planTask('t', parseInvocation(token), taskOpts, run);
  return { mode: plan.mode, hosts: plan.hosts.map((h) => h.name), source: plan.source };
}

describe('host precedence', () => {
  it('none anywhere: a task that runs on hosts is refused (it would run on this machine)', async () => {
    await expect(names(noop.options, 't')).rejects.toThrow(/task "t" runs on hosts, and none are chosen/);
  });

  it('run selection (-H/-R or an earlier task) is used when nothing else says', async () => {
    expect(await names(noop.options, 't', { roles: ['web'] })).toMatchObject({ hosts: ['a', 'b'], source: 'run' });
  });

  it("the task's own hosts/roles beat the run selection", async () => {
    expect(await names(own.options, 't', { roles: ['web'] })).toMatchObject({ hosts: ['c'], source: 'task' });
    expect(await names(ownRole.options, 't', { hosts: ['a'] })).toMatchObject({ hosts: ['c'], source: 'task' });
  });

  it('per-invocation keys beat everything', async () => {
    expect(await names(own.options, 't:host=a', { roles: ['web'] })).toMatchObject({ hosts: ['a'], source: 'invocation' });
    expect(await names(own.options, 't:roles=web;db')).toMatchObject({ hosts: ['a', 'b', 'c'] });
  });

  it('exclusions from the run (-x) and from exclude_hosts= always apply', async () => {
    expect(await names(noop.options, 't:exclude_hosts=b', { roles: ['web', 'db'], exclude: ['c'] })).toMatchObject({ hosts: ['a'] });
  });

  it('generated roles are resolved (async) and unknown names are used as host strings', async () => {
    expect(await names(noop.options, 't:role=gen')).toMatchObject({ hosts: ['d', 'x.example'] });
  });

  it('unknown roles are a usage error naming the known ones', async () => {
    await expect(names(noop.options, 't:role=nope')).rejects.toThrow(/unknown role "nope"; roles: web, db, gen/);
  });

  it('modes: local ignores hosts; once takes the first; each is one at a time unless -P; parallel and targets take limit', async () => {
    const plain = localRun({ hosts, roles, tasks: {} }, { selection: { roles: ['web'] } }).run;
    const dashP = localRun({ hosts, roles, tasks: {} }, { selection: { roles: ['web'] }, flags: { parallel: true } }).run;
    expect(await planTask('t', undefined, { run: 'local' }, plain)).toMatchObject({ mode: 'local', hosts: [] });
    expect((await planTask('t', undefined, { run: 'once' }, plain)).hosts.map((h) => h.name)).toEqual(['a']);
    expect(await planTask('t', undefined, {}, plain)).toMatchObject({ mode: 'each', limit: 1 });
    expect(await planTask('t', undefined, {}, dashP)).toMatchObject({ mode: 'each', limit: 2 });
    expect(await planTask('t', undefined, { run: 'parallel', limit: 3 }, plain)).toMatchObject({ mode: 'parallel', limit: 3 });
    const targets = await planTask('t', undefined, { run: 'targets' }, plain);
    expect(targets).toMatchObject({ mode: 'targets', limit: 2 });
    expect(targets.hosts.map((h) => h.name)).toEqual(['a', 'b']);
  });

  it('impossible combinations cannot be written, and the old options say what replaced them', () => {
    // @ts-expect-error a local task names no hosts
    expect(() => task({ run: 'local', hosts: ['a'] }, () => {})).toThrow(/cannot name hosts or roles/);
    // @ts-expect-error once has no limit
    expect(() => task({ run: 'once', limit: 2 }, () => {})).toThrow(/limit has no meaning/);
    // @ts-expect-error the old boolean is gone
    expect(() => task({ orchestrator: true }, () => {})).toThrow(/"orchestrator" is gone: write run: 'targets'/);
  });
});
