// The per-host Context handed to tasks. Immutable: cd/withEnv/prefix/warnOnly
// return a derived context, so concurrent work inside a task cannot leak a cwd
// into another. Every command string is composed here with the quote module.
import type { Host } from './host.js';
import { CommandError } from './errors.js';
import { envPrefix, quote } from './quote.js';
import { LineSplitter } from './lines.js';
import type { EventMap, EventType } from './events.js';
import type { CommandResult, Context, HostResult, RunOptions, Selection, SudoOptions } from './context-types.js';
import type { RunImpl } from './run.js';
import type { ExecOptions, GetOptions, TransferResult, Transport } from '../transport/types.js';
import { LOCAL_HOST } from '../transport/local.js';
import { sudoCommand, sudoMarkers } from '../transport/sudo-protocol.js';

export interface ContextScope {
  cwd?: string;
  env: Record<string, string>;
  prefixes: string[];
  warnOnly: boolean;
}

/** How a context asks the executor to run another task (set by the executor). */
export type ExecuteFn = (
  taskName: string,
  args: Record<string, string> | string[] | undefined,
  on: Selection | undefined,
) => Promise<Map<string, HostResult<any>>>;

export class HostContext implements Context {
  constructor(
    readonly host: Host,
    readonly session: RunImpl,
    readonly taskName: string,
    private readonly executeFn: ExecuteFn,
    readonly targets: Host[] = [host],
    private readonly scope: ContextScope = { env: {}, prefixes: [], warnOnly: session.flags.warnOnly },
  ) {}

  on(host: Host): Context {
    return new HostContext(host, this.session, this.taskName, this.executeFn, this.targets);
  }

  get isLocal(): boolean {
    return this.host === LOCAL_HOST;
  }

  get cwd(): string | undefined {
    return this.scope.cwd;
  }

  run(command: string, options: RunOptions = {}): Promise<CommandResult> {
    return this.exec('run', this.host, this.compose(command), command, options);
  }

  async sudo(command: string, options: SudoOptions = {}): Promise<CommandResult> {
    // The transport answers sudo's own prompt once, before the command starts
    // (src/transport/sudo-protocol.ts); the command prints `started` first.
    const markers = sudoMarkers();
    const full = sudoCommand(this.compose(command), markers, options.user);
    // If the password cannot be had (no terminal, no DPL_SUDO_PASSWORD), that is the
    // error to report, not sudo's "no password was provided" that follows it.
    let askError: unknown;
    const sudo = {
      ...markers,
      password: () =>
        this.session.prompter.secret('sudo.password', `sudo password for ${this.host.name}: `).catch((e: unknown) => {
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
    return this.exec('local', LOCAL_HOST, this.compose(command), command, options);
  }

  async put(localPath: string, remotePath: string, options?: { mode?: number }): Promise<TransferResult> {
    const remote = this.resolve(remotePath);
    const r = await (await this.transport()).put(localPath, remote, options);
    this.emit('transfer', { host: this.host.name, direction: 'put', local: localPath, remote, bytes: r.bytes, files: r.files });
    return r;
  }

  async get(remotePath: string, localPath: string, options: GetOptions = {}): Promise<TransferResult> {
    const remote = this.resolve(remotePath);
    // Unlike a command, a get stops at the first Ctrl-C: a host may stall it or feed it forever.
    const run = this.session.signal;
    const signal = options.signal ? AbortSignal.any([run, options.signal]) : run;
    const r = await (await this.transport()).get(remote, localPath, { ...options, signal });
    this.emit('transfer', { host: this.host.name, direction: 'get', local: localPath, remote, bytes: r.bytes, files: r.files });
    return r;
  }

  cd(dir: string): Context;
  cd<T>(dir: string, fn: (c: Context) => Promise<T>): Promise<T>;
  cd<T>(dir: string, fn?: (c: Context) => Promise<T>): Context | Promise<T> {
    return this.derive({ cwd: this.resolve(dir) }, fn);
  }

  withEnv(env: Record<string, string>): Context;
  withEnv<T>(env: Record<string, string>, fn: (c: Context) => Promise<T>): Promise<T>;
  withEnv<T>(env: Record<string, string>, fn?: (c: Context) => Promise<T>): Context | Promise<T> {
    envPrefix(env); // validates names now, where the mistake is
    return this.derive({ env: { ...this.scope.env, ...env } }, fn);
  }

  prefix(command: string): Context;
  prefix<T>(command: string, fn: (c: Context) => Promise<T>): Promise<T>;
  prefix<T>(command: string, fn?: (c: Context) => Promise<T>): Context | Promise<T> {
    return this.derive({ prefixes: [...this.scope.prefixes, command] }, fn);
  }

  warnOnly(): Context;
  warnOnly<T>(fn: (c: Context) => Promise<T>): Promise<T>;
  warnOnly<T>(fn?: (c: Context) => Promise<T>): Context | Promise<T> {
    return this.derive({ warnOnly: true }, fn);
  }

  execute<T = unknown>(taskName: string, args?: Record<string, string> | string[], on?: Selection): Promise<Map<string, HostResult<T>>> {
    return this.executeFn(taskName, args, on) as Promise<Map<string, HostResult<T>>>;
  }

  log(message: string, data?: Record<string, unknown>): void {
    this.emit('log', { host: this.label(), level: 'info', message, data });
  }

  warn(message: string, data?: Record<string, unknown>): void {
    this.emit('log', { host: this.label(), level: 'warn', message, data });
  }

  emit<K extends EventType>(type: K, payload: EventMap[K]): void {
    this.session.events.emit(type, payload);
  }

  transport(): Promise<Transport> {
    return this.session.transport(this.host);
  }

  private label(): string | undefined {
    return this.isLocal ? undefined : this.host.name;
  }

  private derive<T>(patch: Partial<ContextScope>, fn?: (c: Context) => Promise<T>): Context | Promise<T> {
    const next = new HostContext(this.host, this.session, this.taskName, this.executeFn, this.targets, { ...this.scope, ...patch });
    return fn ? fn(next) : next;
  }

  private resolve(path: string): string {
    if (path.startsWith('/') || path.startsWith('~') || !this.scope.cwd) return path;
    return `${this.scope.cwd.replace(/\/$/, '')}/${path}`;
  }

  /** cd, env and prefixes applied in that order; `&&` so a failed cd stops the command. */
  private compose(command: string): string {
    const parts: string[] = [];
    if (this.scope.cwd) parts.push(`cd ${quoteDir(this.scope.cwd)}`);
    parts.push(...this.scope.prefixes);
    parts.push(command);
    return envPrefix(this.scope.env) + parts.join(' && ');
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
    const transport = await this.session.transport(target);
    this.emit('command.start', { host, command: shown, kind, full });
    const emitLines = !options.hide;
    const out = new LineSplitter((line) => emitLines && this.emit('output', { host, stream: 'out', line }));
    const err = new LineSplitter((line) => emitLines && this.emit('output', { host, stream: 'err', line }));
    const r = await transport.exec(full, {
      timeoutMs: options.timeoutMs ?? (this.session.flags.commandTimeoutMs as number | undefined),
      stdin: options.stdin,
      pty: options.pty,
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
      if (!(options.warnOnly ?? this.scope.warnOnly)) throw error;
      this.emit('log', { host, level: 'warn', message: `ignoring failure (warn only): ${error.message.slice(host.length + 3)}` });
    }
    return result;
  }
}

/** `~` must stay unquoted for the shell to expand it. */
function quoteDir(dir: string): string {
  if (dir === '~') return '~';
  if (dir.startsWith('~/')) return `~/${quote(dir.slice(2))}`;
  return quote(dir);
}
