// Runs deployfile tasks in this process with every host reached through the
// LocalTransport (each "host" is a deploy path on this machine): fast checks of the
// deploy logic on the shared in-process harness; the SSH behaviour is proven by the
// CLI tests on the bed.
import path from 'node:path';
import type { DplEvent } from '../../src/core/events.js';
import { deployfile } from '../../src/core/deployfile.js';
import { releaseTasks, type ReleaseConfig } from '../../src/deploy/tasks.js';
import type { AnyDeployfile } from '../../src/core/deployfile.js';
import type { CliFlags, Prompter } from '../../src/core/context-types.js';
import { PrettyReporter } from '../../src/reporters/pretty.js';
import { harness } from '../helpers/in-process.js';
import { openTmp, type AppRepo } from './fixtures.js';

export interface InProcessResult {
  events: DplEvent[];
  error?: Error;
  /** The lines the terminal would show (no colour, -v), from every event's format. */
  logs: string[];
}

export interface RunOptions {
  hosts?: string[];
  roles?: string[];
  /** `yes` is on unless given. */
  flags?: Partial<CliFlags>;
  controller?: AbortController;
  /** Default: not a terminal, every confirmation answered yes. */
  prompter?: Prompter;
  onEvent?: (e: DplEvent) => void;
}

export async function runInProcess(
  definition: AnyDeployfile,
  root: string,
  tokens: string[],
  o: RunOptions = {},
): Promise<InProcessResult> {
  const h = harness({
    definition,
    root,
    flags: { yes: true, ...o.flags },
    signal: (o.controller ?? new AbortController()).signal,
    prompter: o.prompter ?? { interactive: false, secret: async () => '', confirm: async () => true },
    selection: { hosts: o.hosts, roles: o.roles },
    onEvent: o.onEvent,
  });
  const error = await h.dpl(tokens);
  return { events: h.events, error, logs: shownLines(h.events, o.flags?.dryRun === true) };
}

export function shownLines(events: readonly DplEvent[], dryRun = false): string[] {
  const lines: string[] = [];
  const pretty = new PrettyReporter({ write: (t) => lines.push(...t.replace(/\n$/, '').split('\n')), color: false, quiet: false, verbose: true, dryRun });
  for (const e of events) pretty.handle(e);
  return lines;
}

export interface LocalProjectOptions {
  /** Default: web-0, web-1. */
  hosts?: string[];
  /** Roles besides `web` (every host). */
  roles?: Record<string, string[]>;
  /** Define the roles in this environment instead: runs then name it first and select no role themselves. */
  environment?: string;
}

/**
 * Release tasks on local "hosts" (deploy paths `<base>/<host>/app` under a new temp dir)
 * deploying `repo`. The `config` it returns is the object releaseTasks keeps: change its hooks between runs.
 */
export function localReleaseProject(repo: AppRepo, prefix: string, release: ReleaseConfig = {}, o: LocalProjectOptions = {}) {
  const hosts = o.hosts ?? ['web-0', 'web-1'];
  const base = openTmp(prefix);
  const paths = Object.fromEntries(hosts.map((h) => [h, path.join(base, h, 'app')]));
  const config: ReleaseConfig = { repoDir: repo.work, ...release };
  const roles = { web: hosts, ...o.roles };
  const def = deployfile({
    hosts: Object.fromEntries(hosts.map((h) => [h, { hostname: 'localhost', vars: { deployPath: paths[h] } }])),
    ...(o.environment ? { environments: { [o.environment]: { roles } } } : { roles }),
    tasks: { deploy: releaseTasks(config) },
  });
  const selection = o.environment ? {} : { roles: ['web'] };
  return { base, paths, config, run: (tokens: string[], r: RunOptions = {}) => runInProcess(def, repo.work, tokens, { ...selection, ...r }) };
}
