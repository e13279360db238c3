// One Run per `dpl` invocation: flags, events, run-scoped state that tasks share
// (what `prod` chose), the inventory and the transport pool. Nothing here is
// module-level: tests create as many runs as they like.
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomHex } from './random.js';
import type { Host } from './host.js';
import { EventBus } from './events.js';
import { UsageError } from './errors.js';
import { Inventory } from './inventory.js';
import type { CliFlags, EnvironmentInfo, HostResult, Prompter, Selection, Session } from './context-types.js';
import type { AnyDeployfile, DeployfileDefaults } from './deployfile.js';
import type { CloseHow, Transport, TransportPool } from '../transport/types.js';
import { LOCAL_HOST, LocalTransport } from '../transport/local.js';
import { DryRunTransport } from '../transport/dry-run.js';
import type { Invocation } from './grammar.js';
import { hostFlagWords, hostKeys } from './host-choice.js';

export interface RunInit {
  flags: CliFlags;
  definition: AnyDeployfile;
  root: string;
  prompter: Prompter;
  events?: EventBus;
  signal?: AbortSignal;
  /** Initial selection from -H/-R/-x. */
  selection?: Selection;
  /** Injected for tests; default: the ssh2 pool, loaded on first remote use. */
  createPool?: (run: RunImpl) => Promise<TransportPool>;
}

/** One scoped setting (`c.cd(dir, fn)` and friends), applied in order. */
export type ScopePatch = { cwd: string } | { env: Record<string, string> } | { prefix: string } | { warnOnly: true };

export class RunImpl implements Session {
  private runId?: string;
  get id(): string {
    return (this.runId ??= randomHex(4));
  }
  readonly flags: CliFlags;
  readonly events: EventBus;
  readonly prompter: Prompter;
  readonly signal: AbortSignal;
  readonly config: Readonly<Record<string, unknown>>;
  readonly root: string;
  readonly definition: AnyDeployfile;
  readonly inventory: Inventory;
  private current: Selection;
  private readonly state = new Map<string, unknown>();
  private pool?: Promise<TransportPool>;
  private readonly createPool: (run: RunImpl) => Promise<TransportPool>;
  private readonly dryRun = new Map<string, DryRunTransport>();
  private readonly local = new LocalTransport();
  private env: EnvironmentInfo | undefined;
  /** The command-line task running now, and those that chose the environment or hosts (`scope`). */
  private invocation?: string;
  private invocationKeys: readonly string[] = [];
  private readonly chose: string[] = [];
  /** -H/-R/-x as given (`['-R', 'web']`): what a hint's next command starts with. */
  readonly hostFlags: readonly string[];
  /** Scoped settings per task-on-host, per async flow (parallel work never sees another's). */
  private readonly scopes = new AsyncLocalStorage<ReadonlyMap<object, readonly ScopePatch[]>>();
  /** `once` tasks: their first result, for every later call this run. */
  readonly once = new Map<string, Promise<Map<string, HostResult>>>();

  constructor(init: RunInit) {
    this.flags = init.flags;
    this.events = init.events ?? new EventBus();
    this.prompter = init.prompter;
    this.signal = init.signal ?? new AbortController().signal;
    this.definition = init.definition;
    this.config = init.definition.config ?? {};
    this.root = init.root;
    this.inventory = new Inventory(init.definition);
    this.current = { ...(init.selection ?? {}) };
    this.hostFlags = hostFlagWords(init.selection);
    this.createPool = init.createPool ?? defaultPool;
  }

  get selection(): Readonly<Selection> {
    return this.current;
  }

  get defaults(): Readonly<DeployfileDefaults> {
    return this.definition.defaults ?? {};
  }

  get environment(): EnvironmentInfo | undefined {
    return this.env;
  }

  get scope(): readonly string[] {
    return this.chose;
  }

  get hostKeys(): readonly string[] {
    return this.invocationKeys;
  }

  /** The executor names each command-line task as it starts, so `use` knows which token chose the hosts. */
  startInvocation(inv: Pick<Invocation, 'token' | 'hosts' | 'roles' | 'excludeHosts'>): void {
    this.invocation = inv.token;
    this.invocationKeys = hostKeys(inv);
  }

  useEnvironment(name: string): void {
    const spec = this.definition.environments?.[name];
    if (!spec) {
      const known = Object.keys(this.definition.environments ?? {});
      throw new UsageError(`unknown environment "${name}"` + (known.length ? `; environments: ${known.join(', ')}` : '; the deployfile declares no environments'), { code: 'usage.environment' });
    }
    this.env = { name, vars: (spec.vars ?? {}) as Record<string, unknown>, confirm: !!spec.confirm };
    // -E chooses before any task runs: its environment task says the same on a command line.
    if (this.invocation === undefined && !this.chose.includes(name)) this.chose.push(name);
    // Its hosts, or every host of its roles, for the tasks that follow.
    this.use(spec.hosts ? { hosts: spec.hosts } : { roles: Object.keys(spec.roles ?? {}) });
  }

  confirm(question: string): Promise<boolean> {
    return this.flags.yes ? Promise.resolve(true) : this.prompter.confirm(question);
  }

  secret(key: string, question: string): Promise<string> {
    return this.prompter.secret(key, question);
  }

  scoped(root: object): readonly ScopePatch[] {
    return this.scopes.getStore()?.get(root) ?? [];
  }

  withScoped<T>(root: object, patches: readonly ScopePatch[], fn: () => Promise<T>): Promise<T> {
    const next = new Map(this.scopes.getStore() ?? []);
    next.set(root, patches);
    return this.scopes.run(next, fn);
  }

  use(selection: Selection): void {
    if (this.invocation !== undefined && !this.chose.includes(this.invocation)) this.chose.push(this.invocation);
    // Hosts/roles replace the earlier choice; exclusions accumulate.
    const exclude = [...(this.current.exclude ?? []), ...(selection.exclude ?? [])];
    const replaces = selection.hosts !== undefined || selection.roles !== undefined;
    this.current = replaces ? { hosts: selection.hosts, roles: selection.roles, exclude } : { ...this.current, exclude };
  }

  get<T>(key: string): T | undefined {
    return this.state.get(key) as T | undefined;
  }

  set(key: string, value: unknown): void {
    this.state.set(key, value);
  }

  resolveHosts(selection: Selection): Promise<Host[]> {
    return this.inventory.resolve(selection, this, this.env?.name);
  }

  roleNames(): string[] {
    return this.inventory.roleNames(this.env?.name);
  }

  knownHost(name: string): Host | undefined {
    return this.inventory.host(name);
  }

  async transport(host: Host): Promise<Transport> {
    if (this.flags.dryRun) {
      let t = this.dryRun.get(host.name);
      if (!t) this.dryRun.set(host.name, (t = new DryRunTransport(host)));
      return t;
    }
    if (host === LOCAL_HOST) return this.local;
    this.pool ??= this.createPool(this);
    return (await this.pool).get(host);
  }

  /** Let the pool start connecting to hosts the next step will use (no-op in dry-run). */
  warm(hosts: Host[]): void {
    const remote = hosts.filter((h) => h !== LOCAL_HOST);
    if (this.flags.dryRun || !remote.length) return;
    this.pool ??= this.createPool(this);
    this.pool.then((p) => p.warm?.(remote)).catch(() => undefined);
  }

  /** Close every connection; safe to call more than once. */
  async close(how?: CloseHow): Promise<void> {
    const pool = this.pool;
    this.pool = undefined;
    if (pool) await (await pool).closeAll(how);
  }
}

async function defaultPool(run: RunImpl): Promise<TransportPool> {
  // Loaded lazily so commands that touch no host never load ssh2.
  const { createSshPool } = await import('../ssh/pool.js');
  const d = run.definition.defaults ?? {};
  const ssh = run.flags.ssh as Record<string, any>;
  return createSshPool({
    events: run.events,
    prompter: run.prompter,
    // No signal: after a first Ctrl-C, connections stay up so locks can be released;
    // run.close() ends them.
    configFile: ssh.configFile ?? d.sshConfig,
    knownHostsFile: ssh.knownHostsFile ?? d.knownHosts,
    acceptNewHostKeys: ssh.acceptNewHostKeys,
    insecureIgnoreHostKeys: ssh.insecureIgnoreHostKeys,
    identityFiles: ssh.identityFiles,
    user: ssh.user,
    port: ssh.port,
    defaultUser: d.user,
    defaultPort: d.port,
    jump: ssh.jump,
    connectTimeoutMs: ssh.connectTimeoutMs ?? d.connectTimeoutMs,
    maxConnections: ssh.maxConnections ?? d.maxConnections,
    commandTimeoutMs: ssh.commandTimeoutMs ?? d.commandTimeoutMs,
  });
}
