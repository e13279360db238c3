// The per-host Context handed to tasks. `cd`, `withEnv`, `prefix` and `warnOnly`
// either return a derived context or, given a callback, scope the setting like
// Fabric's `with` blocks: every command issued through this context, or one
// derived from it, inside the callback gets it (run.ts keeps the scopes per async
// flow, so parallel work in a task never sees another's). Every command string is
// composed here with the quote module.
import type { Host } from './host.js';
import { CommandError } from './errors.js';
import { envPrefix } from './quote.js';
import { composeCommand, describePatch, resolvePath, scopeOf, type Scope } from './context-scope.js';
import { LineSplitter } from './lines.js';
import type { EventMap, EventType } from './events.js';
import type { CommandResult, Context, EnvironmentInfo, HostResult, RunOptions, Selection, SudoOptions, Targets, TargetsEachOptions } from './context-types.js';
import { fanOut, type FanOut } from './fanout.js';
import { DPL_CONTEXT } from './context-mark.js';
import type { RunImpl, ScopePatch } from './run.js';
import type { ExecOptions, GetOptions, TransferResult, Transport } from '../transport/types.js';
import { LOCAL_HOST } from '../transport/local.js';
import { sudoCommand, sudoMarkers } from '../transport/sudo-protocol.js';
import type {} from './notices.js'; // the EventMap entries this file emits

/** One task on one host (or the local machine): what every context derived for it shares. */
export interface TaskOnHost {
  name: string;
  /** Identity of this task-on-host for scoped settings (a fresh one per host). */
  readonly root: object;
  /** The hosts chosen for the task (a `targets` task's, or just the host). */
  targets: readonly Host[];
  /** The task's `limit`, the default for `c.targets.each`. */
  limit?: number;
  /** How a context asks the executor to run another task (Fabric's execute). */
  execute(taskName: string, args: Record<string, string> | string[] | undefined, on: Selection | undefined, caller: Host): Promise<Map<string, HostResult<unknown>>>;
}

export class HostContext implements Context {
  readonly targets: Targets;
  readonly [DPL_CONTEXT] = true;
  // Fabric habit: `c.cd('/var')` alone, as if it changed c. It returns a context instead;
  // when c runs something while that context was never used, a warning says so.
  private derived: { what: string; ctx: HostContext }[] = [];
  private used = false;

  constructor(
    readonly host: Host,
    readonly runImpl: RunImpl,
    private readonly task: TaskOnHost,
    /** This context's own settings, applied after the scoped ones. */
    private readonly own: readonly ScopePatch[] = [],
  ) {
    this.targets = { hosts: task.targets, each: (fn, o) => this.each(fn, o) };
  }

  get session(): RunImpl {
    return this.runImpl;
  }

  get environment(): EnvironmentInfo | undefined {
    return this.runImpl.environment;
  }

  get taskName(): string {
    return this.task.name;
  }

  on(host: Host): HostContext {
    return new HostContext(host, this.runImpl, { ...this.task, root: {} });
  }

  get isLocal(): boolean {
    return this.host === LOCAL_HOST;
  }

  get cwd(): string | undefined {
    return this.scope().cwd;
  }

  run(command: string, options: RunOptions = {}): Promise<CommandResult> {
    this.touch(command);
    return this.exec('run', this.host, this.compose(command, true), command, options);
  }

  async sudo(command: string, options: SudoOptions = {}): Promise<CommandResult> {
    // The transport answers sudo's own prompt once, before the command starts
    // (src/transport/sudo-protocol.ts); the command prints `started` first.
    this.touch(command);
    const markers = sudoMarkers();
    const full = sudoCommand(this.compose(command, true), markers, options.user);
    // If the password cannot be had (no terminal, no DPL_SUDO_PASSWORD), that is the
    // error to report, not sudo's "no password was provided" that follows it.
    let askError: unknown;
    const sudo = {
      ...markers,
      password: () =>
        this.runImpl.prompter.secret('sudo.password', `sudo password for ${this.host.name}: `).catch((e: unknown) => {
          askError = e;
          throw e;
        }),
    };
    const shown = options.user ? `(as ${options.user}) ${command}` : command;
    const result = await this.exec('sudo', this.host, full, shown, { ...options, sudo }).catch((e: unknown) => {
      throw askError ?? e;
    });
    if (askError) throw askError;
    return result;
  }

  local(command: string, options: RunOptions = {}): Promise<CommandResult> {
    this.touch(command);
    return this.exec('local', LOCAL_HOST, this.compose(command, false), command, options);
  }

  async put(localPath: string, remotePath: string, options?: { mode?: number }): Promise<TransferResult> {
    this.touch(`put ${remotePath}`);
    const remote = this.resolve(remotePath);
    const r = await (await this.transport()).put(localPath, remote, options);
    this.emit('transfer', { host: this.host.name, direction: 'put', local: localPath, remote, bytes: r.bytes, files: r.files });
    return r;
  }

  async get(remotePath: string, localPath: string, options: GetOptions = {}): Promise<TransferResult> {
    this.touch(`get ${remotePath}`);
    const remote = this.resolve(remotePath);
    // Unlike a command, a get stops at the first Ctrl-C: a host may stall it or feed it forever.
    const stop = this.runImpl.signal;
    const signal = options.signal ? AbortSignal.any([stop, options.signal]) : stop;
    const r = await (await this.transport()).get(remote, localPath, { ...options, signal });
    this.emit('transfer', { host: this.host.name, direction: 'get', local: localPath, remote, bytes: r.bytes, files: r.files });
    return r;
  }

  cd(dir: string): HostContext;
  cd<T>(dir: string, fn: (c: Context) => Promise<T>): Promise<T>;
  cd<T>(dir: string, fn?: (c: Context) => Promise<T>): HostContext | Promise<T> {
    return this.with({ cwd: dir }, fn);
  }

  withEnv(env: Record<string, string>): HostContext;
  withEnv<T>(env: Record<string, string>, fn: (c: Context) => Promise<T>): Promise<T>;
  withEnv<T>(env: Record<string, string>, fn?: (c: Context) => Promise<T>): HostContext | Promise<T> {
    envPrefix(env); // validates names now, where the mistake is
    return this.with({ env }, fn);
  }

  prefix(command: string): HostContext;
  prefix<T>(command: string, fn: (c: Context) => Promise<T>): Promise<T>;
  prefix<T>(command: string, fn?: (c: Context) => Promise<T>): HostContext | Promise<T> {
    return this.with({ prefix: command }, fn);
  }

  warnOnly(): HostContext;
  warnOnly<T>(fn: (c: Context) => Promise<T>): Promise<T>;
  warnOnly<T>(fn?: (c: Context) => Promise<T>): HostContext | Promise<T> {
    return this.with({ warnOnly: true }, fn);
  }

  execute<T = unknown>(taskName: string, args?: Record<string, string> | string[], on?: Selection): Promise<Map<string, HostResult<T>>> {
    return this.task.execute(taskName, args, on, this.host) as Promise<Map<string, HostResult<T>>>;
  }

  log(message: string, data?: Record<string, unknown>): void {
    this.emit('log', { host: this.label(), level: 'info', message, data });
  }

  warn(message: string, data?: Record<string, unknown>): void {
    this.emit('log', { host: this.label(), level: 'warn', message, data });
  }

  /** Internal (not on the public Context): modules report through typed events. */
  emit<K extends EventType>(type: K, payload: EventMap[K]): void {
    this.runImpl.events.emit(type, payload);
  }

  /** Internal: the raw transport to this context's host. */
  transport(): Promise<Transport> {
    return this.runImpl.transport(this.host);
  }

  private each<T>(fn: (c: Context) => Promise<T>, o: TargetsEachOptions = {}): Promise<FanOut<T>> {
    const hosts = this.task.targets;
    const limit = o.limit ?? this.task.limit ?? this.runImpl.flags.poolSize ?? hosts.length;
    const interruptible = o.interruptible ?? true;
    return fanOut(hosts, (h) => fn(this.on(h)), { limit, stop: () => interruptible && this.runImpl.signal.aborted });
  }

  /** This context does something: warn once if a context derived from it was left unused. */
  private touch(what: string): void {
    this.used = true;
    const unused = this.derived.filter((d) => !d.ctx.used).map((d) => d.what);
    this.derived = [];
    if (!unused.length) return;
    const call = unused[0]!;
    this.emit('context.unused', { host: this.label(), call, command: what });
  }

  private label(): string | undefined {
    return this.isLocal ? undefined : this.host.name;
  }

  /** Derived context (no fn), or `fn` run with the setting scoped for this task on this host. */
  private with<T>(patch: ScopePatch, fn?: (c: Context) => Promise<T>): HostContext | Promise<T> {
    this.used = true;
    if (!fn) {
      const ctx = new HostContext(this.host, this.runImpl, this.task, [...this.own, patch]);
      this.derived.push({ what: describePatch(patch), ctx });
      return ctx;
    }
    const scoped = [...this.runImpl.scoped(this.task.root), ...this.own, patch];
    return this.runImpl.withScoped(this.task.root, scoped, () => fn(new HostContext(this.host, this.runImpl, this.task)));
  }

  private scope(): Scope {
    return scopeOf([...this.runImpl.scoped(this.task.root), ...this.own], this.runImpl.flags.warnOnly);
  }

  private resolve(path: string): string {
    return resolvePath(this.scope(), path);
  }

  private compose(command: string, remote: boolean): string {
    return composeCommand(this.scope(), command, remote ? (this.host.shell ?? this.runImpl.defaults.shell) : undefined);
  }

  private async exec(
    kind: 'run' | 'sudo' | 'local',
    target: Host,
    full: string,
    shown: string,
    options: RunOptions & { sudo?: ExecOptions['sudo'] },
  ): Promise<CommandResult> {
    const host = target.name;
    shown = options.display ?? shown;
    const transport = await this.runImpl.transport(target);
    this.emit('command.start', { host, command: shown, kind, full });
    const emitLines = !options.hide;
    const out = new LineSplitter((line) => emitLines && this.emit('output', { host, stream: 'out', line }));
    const err = new LineSplitter((line) => emitLines && this.emit('output', { host, stream: 'err', line }));
    const r = await transport.exec(full, {
      timeoutMs: options.timeoutMs ?? (this.runImpl.flags.commandTimeoutMs as number | undefined),
      stdin: options.stdin,
      pty: options.pty ?? (kind === 'local' ? undefined : (target.pty ?? this.runImpl.defaults.pty)),
      sudo: options.sudo,
      // Not the run's signal: a first Ctrl-C lets running commands finish.
      signal: options.signal,
      onStdout: (b) => out.push(b),
      onStderr: (b) => err.push(b),
    });
    out.flush();
    err.flush();
    this.emit('command.end', { host, command: shown, code: r.code, signal: r.signal, durationMs: r.durationMs });
    const ok = r.code === 0 && !r.signal;
    const result: CommandResult = { host, command: shown, ...r, ok, failed: !ok };
    if (!ok) {
      const error = new CommandError(host, shown, r.code, r.signal, r.stdout, r.stderr);
      if (!(options.warnOnly ?? this.scope().warnOnly)) throw error;
      this.emit('command.ignored', { host, command: shown, code: r.code, signal: r.signal, error: error.message });
    }
    return result;
  }
}
