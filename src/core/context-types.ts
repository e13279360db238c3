// The shapes tasks program against. Implementations: context.ts (Context) and
// run.ts (Run). Kept apart so domain modules import types without the executor.
import type { Host, HostSpec } from './host.js';
import type { EventMap, EventType, EventBus } from './events.js';
import type { GetOptions, Transport, TransferResult } from '../transport/types.js';

export interface CommandResult {
  host: string;
  command: string;
  stdout: string;
  stderr: string;
  code: number | null;
  signal: string | null;
  durationMs: number;
  ok: boolean;
  failed: boolean;
}

export interface RunOptions {
  /** Do not throw on a non-zero exit; the result says ok: false. */
  warnOnly?: boolean;
  /** Do not emit output lines (the result still holds them). */
  hide?: boolean;
  timeoutMs?: number;
  stdin?: string | Buffer;
  pty?: boolean;
  /** Shown instead of the command in events (e.g. when it embeds something long). */
  display?: string;
  /** Kill the command when this aborts (e.g. `c.session.signal` for `tail -F` until Ctrl-C). */
  signal?: AbortSignal;
}

export interface SudoOptions extends RunOptions {
  /** Run as this user instead of root. */
  user?: string;
}

export interface HostResult<T = unknown> {
  host: string;
  ok: boolean;
  skipped?: boolean;
  value?: T;
  error?: Error;
}

export interface Selection {
  hosts?: HostSpec[];
  roles?: string[];
  exclude?: string[];
}

export interface Prompter {
  /**
   * Ask once per run for a secret (cached by key), one question at a time, and
   * register the answer for redaction before returning it. Errors when not
   * interactive and no env fallback.
   */
  secret(key: string, question: string): Promise<string>;
  confirm(question: string): Promise<boolean>;
  readonly interactive: boolean;
}

export interface CliFlags {
  parallel: boolean;
  poolSize?: number;
  warnOnly: boolean;
  skipBadHosts: boolean;
  dryRun: boolean;
  json: boolean;
  quiet: boolean;
  verbose: boolean;
  yes: boolean;
  /** Failed rollouts stop without rolling back (for inspection). */
  noRollback?: boolean;
  /** Extra options the SSH layer reads (identity, known hosts policy, timeouts). */
  ssh: Record<string, unknown>;
  [extra: string]: unknown;
}

/** Run-scoped state: one per `dpl` invocation, shared by every task and host. */
export interface Run {
  readonly id: string;
  readonly flags: CliFlags;
  readonly events: EventBus;
  readonly prompter: Prompter;
  readonly signal: AbortSignal;
  /** Deployfile-level config (the `config` key of the deployfile). */
  readonly config: Readonly<Record<string, unknown>>;
  /** Directory holding the deployfile (project root). */
  readonly root: string;
  /** What later tasks run on unless they name their own hosts (Fabric's env.hosts/roles). */
  use(selection: Selection): void;
  readonly selection: Readonly<Selection>;
  /** Free-form state shared between tasks of this run (`prod` → environment name, ...). */
  get<T>(key: string): T | undefined;
  set(key: string, value: unknown): void;
  /** Resolve role names (static or generated) and host names to hosts. */
  resolveHosts(selection: Selection): Promise<Host[]>;
  roleNames(): string[];
  knownHost(name: string): Host | undefined;
  transport(host: Host): Promise<Transport>;
}

export interface Context {
  readonly host: Host;
  /** True when this context runs on the local machine (no hosts selected). */
  readonly isLocal: boolean;
  readonly session: Run;
  readonly taskName: string;
  readonly cwd?: string;
  /** Hosts chosen for this invocation: just `host`, or all of them for an `orchestrator` task. */
  readonly targets: Host[];
  /** Run `fn` on another host (same task, scope reset): how orchestrators reach their targets. */
  on(host: Host): Context;

  run(command: string, options?: RunOptions): Promise<CommandResult>;
  sudo(command: string, options?: SudoOptions): Promise<CommandResult>;
  local(command: string, options?: RunOptions): Promise<CommandResult>;
  put(localPath: string, remotePath: string, options?: { mode?: number }): Promise<TransferResult>;
  /**
   * Download a file, or a directory's contents into `localPath`. Like `sftp get -R`:
   * symlinks are skipped (with a warning) unless `followLinks`; names and modes from
   * the host are not trusted (docs/ssh.md "File transfer"). The first Ctrl-C stops it.
   */
  get(remotePath: string, localPath: string, options?: GetOptions): Promise<TransferResult>;

  /** Derived contexts: without fn they return the new context, with fn they call it. */
  cd(dir: string): Context;
  cd<T>(dir: string, fn: (c: Context) => Promise<T>): Promise<T>;
  withEnv(env: Record<string, string>): Context;
  withEnv<T>(env: Record<string, string>, fn: (c: Context) => Promise<T>): Promise<T>;
  prefix(command: string): Context;
  prefix<T>(command: string, fn: (c: Context) => Promise<T>): Promise<T>;
  warnOnly(): Context;
  warnOnly<T>(fn: (c: Context) => Promise<T>): Promise<T>;

  /** Run another task on its own hosts (or `on`), returning a per-host result map. */
  execute<T = unknown>(
    taskName: string,
    args?: Record<string, string> | string[],
    on?: Selection,
  ): Promise<Map<string, HostResult<T>>>;

  log(message: string, data?: Record<string, unknown>): void;
  warn(message: string, data?: Record<string, unknown>): void;
  emit<K extends EventType>(type: K, payload: EventMap[K]): void;
  transport(): Promise<Transport>;
}
