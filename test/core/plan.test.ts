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
  it('none anywhere: the task runs once, locally', async () => {
    expect(await names(noop.options, 't')).toEqual({ mode: 'local', hosts: [], source: 'none' });
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

  it('modes: local tasks ignore hosts; runsOnce takes the first; parallel by option or -P; serial wins', async () => {
    const { run } = localRun({ hosts, roles, tasks: {} }, { selection: { roles: ['web'] }, flags: { parallel: true } });
    expect((await planTask('t', undefined, { local: true }, run)).mode).toBe('local');
    expect((await planTask('t', undefined, { runsOnce: true }, run)).hosts.map((h) => h.name)).toEqual(['a']);
    expect((await planTask('t', undefined, {}, run)).mode).toBe('parallel');
    expect((await planTask('t', undefined, { serial: true }, run)).mode).toBe('serial');
    expect((await planTask('t', undefined, { parallel: 3 }, run)).poolSize).toBe(3);
    const orchestrated = await planTask('t', undefined, { orchestrator: true }, run);
    expect(orchestrated).toMatchObject({ mode: 'local' });
    expect(orchestrated.hosts.map((h) => h.name)).toEqual(['a', 'b']);
  });
});
