// Runs deployfile tasks in this process with every host reached through the
// LocalTransport (each "host" is a deploy path on this machine): fast checks of the
// deploy logic on the shared in-process harness; the SSH behaviour is proven by the
// CLI tests on the bed.
import path from 'node:path';
import type { DplEvent } from '../../src/core/events.js';
import { deployfile } from '../../src/core/deployfile.js';
import { releaseTasks, type ReleaseConfig } from '../../src/deploy/tasks.js';
import type { AnyDeployfile } from '../../src/core/deployfile.js';
import type { CliFlags } from '../../src/core/context-types.js';
import { PrettyReporter } from '../../src/reporters/pretty.js';
import { harness } from '../helpers/in-process.js';
import { openTmp, type AppRepo } from './fixtures.js';

export interface InProcessResult {
  events: DplEvent[];
  error?: Error;
  /** The lines the terminal would show (no colour, -v), from every event's format. */
  logs: string[];
}

export async function runInProcess(
  definition: AnyDeployfile,
  root: string,
  tokens: string[],
  o: { hosts?: string[]; roles?: string[]; flags?: Partial<CliFlags>; controller?: AbortController; onEvent?: (e: DplEvent) => void } = {},
): Promise<InProcessResult> {
  const h = harness({
    definition,
    root,
    flags: { yes: true, ...o.flags },
    signal: (o.controller ?? new AbortController()).signal,
    prompter: { interactive: false, secret: async () => '', confirm: async () => true },
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

/** Release tasks on two local "hosts" (web-0, web-1: deploy paths under a new temp dir) deploying `repo`. */
export function localReleaseProject(repo: AppRepo, prefix: string, config: ReleaseConfig = {}) {
  const hosts = ['web-0', 'web-1'];
  const base = openTmp(prefix);
  const paths = Object.fromEntries(hosts.map((h) => [h, path.join(base, h, 'app')]));
  const def = deployfile({
    hosts: Object.fromEntries(hosts.map((h) => [h, { hostname: 'localhost', vars: { deployPath: paths[h] } }])),
    roles: { web: hosts },
    tasks: { deploy: releaseTasks({ repoDir: repo.work, ...config }) },
  });
  return { base, paths, run: (tokens: string[], flags: Partial<CliFlags> = {}) => runInProcess(def, repo.work, tokens, { roles: ['web'], flags }) };
}
