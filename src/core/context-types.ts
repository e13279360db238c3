// The shapes a deployfile programs against: Context (per host) and Session (per
// run). Implementations: context.ts and run.ts. Raw transports, the event bus and
// the prompter stay internal (internal.ts): a task only runs commands, moves
// files, picks hosts and reports.
import type { Host, HostSpec, HostVars } from './host.js';
import type { FanOut } from './fanout.js';
import type { GetOptions, TransferResult } from '../transport/types.js';

export type { FanOut };

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
  /** A pseudo-terminal (stdout and stderr merged; no EOF on stdin). Default: the host's `pty`. */
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

/** The environment a run is in (`dpl production ...`, `-E production`). */
export interface EnvironmentInfo<EV = Record<string, unknown>> {
  readonly name: string;
  readonly vars: EV;
  /** Deploys to it ask for confirmation (issue #19). */
  readonly confirm: boolean;
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
  /** --force: take over a stale deploy lock (its dpl ran on this machine and is gone). */
  force?: boolean;
  /** --lock-wait: wait this long for a deploy lock held by a live deploy instead of failing. */
  lockWaitMs?: number;
  /** -E: the environment to start in. */
  environment?: string;
  /** Extra options the SSH layer reads (identity, known hosts policy, timeouts). */
  ssh: Record<string, unknown>;
  [extra: string]: unknown;
}

/** Run-scoped: one per `dpl` invocation, shared by every task and host. */
export interface Session<EV = Record<string, unknown>> {
  readonly id: string;
  readonly flags: Readonly<CliFlags>;
  /** Aborted at the first Ctrl-C. */
  readonly signal: AbortSignal;
  /** Deployfile-level config (the `config` key of the deployfile). */
  readonly config: Readonly<Record<string, unknown>>;
  /** Directory holding the deployfile (project root). */
  readonly root: string;
  /** The environment chosen (an environment task or -E), if any. */
  readonly environment: EnvironmentInfo<EV> | undefined;
  /** The command-line tasks that chose this run's environment or hosts (`prod:out`, `host:web-0`), in order:
   *  what a hint's next command starts with, so it runs where this one did. */
  readonly scope: readonly string[];
  /** -H/-R/-x as given on the command line (`['-R', 'web']`), for the same purpose. */
  readonly hostFlags: readonly string[];
  /** The host keys of the command-line task running now (`hosts=web-0;web-1`, `exclude_hosts=web-2`). */
  readonly hostKeys: readonly string[];
  /** Switch to a declared environment: its roles, and its hosts for the tasks that follow. */
  useEnvironment(name: string): void;
  /** What later tasks run on unless they name their own hosts (Fabric's env.hosts/roles). */
  use(selection: Selection): void;
  readonly selection: Readonly<Selection>;
  /** Free-form state shared between tasks of this run. */
  get<T>(key: string): T | undefined;
  set(key: string, value: unknown): void;
  /** Resolve role names (of the current environment) and host names to hosts. */
  resolveHosts(selection: Selection): Promise<Host[]>;
  roleNames(): string[];
  knownHost(name: string): Host | undefined;
  /** Ask the person at the terminal: true with --yes, false without a terminal. */
  confirm(question: string): Promise<boolean>;
  /**
   * A secret of the deployfile's own (an API token): asked once per run on the terminal, or
   * read from `DPL_<KEY>` without one, and masked in everything dpl writes from then on.
   */
  secret(key: string, question: string): Promise<string>;
}

export interface TargetsEachOptions {
  /** At most this many hosts at once (default: the task's limit, -z, or all). */
  limit?: number;
  /** Default true: after Ctrl-C no further host starts. Undo steps pass false to reach every host. */
  interruptible?: boolean;
}

/** The hosts a task was chosen to run on, and the one way to fan out to them. */
export interface Targets<V extends HostVars = HostVars> {
  readonly hosts: readonly Host<V>[];
  /** `fn` with a context per host, `limit` at a time; one result shape (succeeded, failed, not started). */
  each<T>(fn: (c: Context<V>) => Promise<T>, options?: TargetsEachOptions): Promise<FanOut<T>>;
}

export interface Context<V extends HostVars = HostVars, EV = Record<string, unknown>> {
  readonly host: Host<V>;
  /** True when this context runs on the local machine (a `local` or `targets` task). */
  readonly isLocal: boolean;
  readonly session: Session<EV>;
  /** The run's environment (`session.environment`). */
  readonly environment: EnvironmentInfo<EV> | undefined;
  readonly taskName: string;
  readonly cwd?: string;
  /** The hosts chosen for this task: just `host`, or all of them for a `targets` task. */
  readonly targets: Targets<V>;
  /** The same task on another host (scope reset): how `targets` tasks reach one host. */
  on(host: Host<V>): Context<V, EV>;

  run(command: string, options?: RunOptions): Promise<CommandResult>;
  sudo(command: string, options?: SudoOptions): Promise<CommandResult>;
  /** On this machine, always (the only way a host task runs something here). */
  local(command: string, options?: RunOptions): Promise<CommandResult>;
  put(localPath: string, remotePath: string, options?: { mode?: number }): Promise<TransferResult>;
  /**
   * Download a file, or a directory's contents into `localPath`. Like `sftp get -R`:
   * symlinks are skipped (with a warning) unless `followLinks`; names and modes from
   * the host are not trusted (docs/ssh.md "File transfer"). The first Ctrl-C stops it.
   */
  get(remotePath: string, localPath: string, options?: GetOptions): Promise<TransferResult>;

  /**
   * Scoped settings, as Fabric's `with` blocks: inside `fn`, every command issued
   * through this context (and those derived from it) gets them. Without `fn`, a
   * derived context is returned and this one is unchanged.
   */
  cd(dir: string): Context<V, EV>;
  cd<T>(dir: string, fn: (c: Context<V, EV>) => Promise<T>): Promise<T>;
  withEnv(env: Record<string, string>): Context<V, EV>;
  withEnv<T>(env: Record<string, string>, fn: (c: Context<V, EV>) => Promise<T>): Promise<T>;
  prefix(command: string): Context<V, EV>;
  prefix<T>(command: string, fn: (c: Context<V, EV>) => Promise<T>): Promise<T>;
  warnOnly(): Context<V, EV>;
  warnOnly<T>(fn: (c: Context<V, EV>) => Promise<T>): Promise<T>;

  /**
   * Run another task, as Fabric's execute(): on `on` if given, else on the task's own
   * hosts or roles, else on this host (a `once` task runs once per run; later calls
   * get its first result).
   */
  execute<T = unknown>(taskName: string, args?: Record<string, string> | string[], on?: Selection): Promise<Map<string, HostResult<T>>>;

  log(message: string, data?: Record<string, unknown>): void;
  warn(message: string, data?: Record<string, unknown>): void;
}
