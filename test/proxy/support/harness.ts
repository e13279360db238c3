// Drives proxy tasks the way the CLI does: a real Run/Registry/Executor whose
// hosts are all this machine (LocalTransport: the LB "host" reaches the admin
// socket with net.connect, exactly where the SSH layer would forward it).
import { parseInvocation } from '../../../src/core/grammar.js';
import { HostsFailedError } from '../../../src/core/errors.js';
import { HostContext } from '../../../src/core/context.js';
import { LOCAL_HOST } from '../../../src/transport/local.js';
import type { DplEvent } from '../../../src/core/events.js';
import type { HostSpecObject } from '../../../src/core/host.js';
import type { CollectionEntries } from '../../../src/core/task.js';
import type { CliFlags } from '../../../src/core/context-types.js';
import { proxyTasks, type ProxyConfig } from '../../../src/proxy/tasks.js';
import { localRun } from '../../helpers/local-run.js';
import type { Backend } from './backends.js';
import { saidLines } from '../../helpers/words.js';

/** Inventory: lb0 plus app0..appN, each carrying `vars.lbServer` = its backend's name. */
export function inventory(backends: readonly Backend[], lbVars: Record<string, unknown> = {}): Record<string, HostSpecObject> {
  const hosts: Record<string, HostSpecObject> = { lb0: { hostname: '127.0.0.1', vars: lbVars } };
  backends.forEach((b, i) => (hosts[`app${i}`] = { hostname: b.ip, vars: { lbServer: b.name } }));
  return hosts;
}

export function proxyRun(
  config: ProxyConfig,
  hosts: Record<string, HostSpecObject>,
  roles: Record<string, string[]> = {},
  opts: { tasks?: CollectionEntries; flags?: Partial<CliFlags>; unreachable?: string[] } = {},
) {
  const { run, executor, events } = localRun(
    { hosts, roles, tasks: { proxy: proxyTasks(config), ...opts.tasks } },
    { flags: opts.flags, unreachable: opts.unreachable },
  );
  /** Run one CLI token (`proxy.only:group2,force=true`); a task's own error is rethrown unwrapped. */
  const invoke = async (token: string): Promise<unknown> => {
    const [prepared] = executor.prepare([parseInvocation(token)]);
    try {
      const results = await executor.runTask(prepared!.task, prepared!.args, prepared!.inv);
      return results.get('local')?.value;
    } catch (e) {
      // Older executors wrapped a local task's error; unwrap only that wrapper.
      if (e instanceof HostsFailedError && e.task === prepared!.task.name && e.failures.length === 1) throw e.failures[0]!.error;
      throw e;
    }
  };
  const context = () => new HostContext(LOCAL_HOST, run, { name: 'test', root: {}, targets: [], execute: (name, args, on, caller) => executor.executeFrom(name, args, on, caller) });
  /** What was said, line by line (typed events rendered through the reporters' formats, and 'log' lines). */
  const logs = (level?: string) => saidLines(events).filter((l) => !level || l.level === level);
  /** Several tokens in command-line order, like `dpl prod:out deploy`. */
  const invokeAll = (...tokens: string[]) => executor.runAll(executor.prepare(tokens.map(parseInvocation)));
  return { run, invoke, invokeAll, context, events, logs };
}

export function groupsConfig(adminSock: string, over: Partial<ProxyConfig> = {}): ProxyConfig {
  return {
    lb: 'lb0',
    backends: ['app'],
    groups: { group1: ['app0', 'app1'], group2: ['app2', 'app3'] },
    haproxy: { socket: adminSock, timeoutMs: 5000 },
    health: { path: '/health', intervalMs: 100, passes: 2, timeoutMs: 3000, requestTimeoutMs: 1000 },
    drainTimeoutMs: 5000,
    pollMs: 100,
    ...over,
  };
}
