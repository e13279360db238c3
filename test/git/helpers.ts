// Real git fixtures: a bare origin plus working clones, isolated from the machine's
// git config, and a real local Context for calling task definitions directly.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Context } from '../../src/core/context-types.js';
import type { DplEvent } from '../../src/core/events.js';
import { HostContext } from '../../src/core/context.js';
import { deployfile } from '../../src/core/deployfile.js';
import { LOCAL_HOST } from '../../src/transport/local.js';
import { harness } from '../helpers/in-process.js';
import { saidLines } from '../helpers/words.js';
import { bindArgs } from '../../src/core/args.js';
import type { NamespaceDefinition, TaskDefinition } from '../../src/core/task.js';

// Neither ~/.gitconfig nor /etc/gitconfig may change what the tests see.
export const gitEnv: Record<string, string> = {
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_TERMINAL_PROMPT: '0',
};
Object.assign(process.env, gitEnv);

export function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).replace(/\n$/, '');
}

export function configureUser(dir: string, name = 'Dev'): void {
  git(dir, 'config', 'user.name', name);
  git(dir, 'config', 'user.email', `${name.toLowerCase()}@example.com`);
}

export const VERSION_INI =
  '; OpenSky version file -- edited by the release tooling\r\n' +
  '[parameters]\n' +
  'opensky.name     = OpenSky   ; product name\n' +
  'opensky.version  = 3.0.0\n' +
  '\n' +
  '# database\n' +
  '[database]\n' +
  'host = "db.local"\n' +
  'version = 9.9.9\n';

export const VERSION_FILE = { path: 'opensky/config/version.ini', section: 'parameters', key: 'opensky.version' };

export function write(dir: string, file: string, text: string): void {
  mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
  writeFileSync(path.join(dir, file), text);
}

export function commitFile(dir: string, file: string, text: string, message: string): string {
  write(dir, file, text);
  git(dir, 'add', '--', file);
  git(dir, 'commit', '-q', '-m', message);
  return git(dir, 'rev-parse', 'HEAD');
}

export interface Fixture {
  tmp: string;
  origin: string;
  work: string;
  clone(name: string): string;
  cleanup(): void;
}

/** OpenSky 3.0.0 released on master (tag v3.0.0), develop branched off it, all pushed. */
export function openSky(options: { production?: string } = {}): Fixture {
  const production = options.production ?? 'master';
  const tmp = mkdtempSync(path.join(tmpdir(), 'dpl-git-'));
  const origin = path.join(tmp, 'origin.git');
  git(tmp, 'init', '-q', '--bare', '-b', production, origin);
  const seed = path.join(tmp, 'seed');
  git(tmp, 'init', '-q', '-b', production, seed);
  configureUser(seed, 'Seed');
  git(seed, 'remote', 'add', 'origin', origin);
  write(seed, 'app.txt', 'line 1\nline 2\nline 3\n');
  git(seed, 'add', 'app.txt');
  commitFile(seed, VERSION_FILE.path, VERSION_INI, 'OpenSky 3.0.0');
  git(seed, 'tag', '-a', '-m', 'Release 3.0.0', 'v3.0.0');
  git(seed, 'branch', 'develop');
  git(seed, 'push', '-q', 'origin', production, 'develop', '--tags');
  const clone = (name: string): string => {
    const dir = path.join(tmp, name);
    git(tmp, 'clone', '-q', origin, dir);
    configureUser(dir, name);
    return dir;
  };
  const work = clone('work');
  git(work, 'branch', '-q', '--track', 'develop', 'origin/develop');
  return { tmp, origin, work, clone, cleanup: () => rmSync(tmp, { recursive: true, force: true }) };
}

/** Everything a refusal must leave untouched. */
export function snapshot(dir: string) {
  return {
    head: git(dir, 'rev-parse', 'HEAD'),
    branch: git(dir, 'rev-parse', '--abbrev-ref', 'HEAD'),
    refs: git(dir, 'for-each-ref', '--format=%(refname) %(objectname)'),
    status: git(dir, 'status', '--porcelain'),
    stash: git(dir, 'stash', 'list'),
  };
}

export function tags(dir: string): string[] {
  return git(dir, 'tag', '--list').split('\n').filter(Boolean);
}

export function branches(dir: string): string[] {
  return git(dir, 'for-each-ref', '--format=%(refname:short)', 'refs/heads').split('\n').filter(Boolean);
}

export function parents(dir: string, rev: string): string[] {
  return git(dir, 'rev-list', '--parents', '-n', '1', rev).split(' ').slice(1);
}

export interface FakeContext {
  c: Context;
  /** The info lines the run said (typed events in their words, and c.log lines), as they were said. */
  logs: string[];
  warnings: string[];
  events: DplEvent[];
}

/** A real local context (this machine) of a run rooted at `root`, recording what it says. */
export function fakeContext(root: string): FakeContext {
  const logs: string[] = [];
  const warnings: string[] = [];
  const { run, executor, events } = harness({
    definition: deployfile({ tasks: {} }),
    root,
    onEvent: (e) => {
      for (const l of saidLines([e])) (l.level === 'warn' ? warnings : l.level === 'info' ? logs : []).push(l.message);
    },
  });
  const c = new HostContext(LOCAL_HOST, run, { name: 'test', root: {}, targets: [], execute: (name, args, on, caller) => executor.executeFrom(name, args, on, caller) });
  return { c, logs, warnings, events };
}

/** Call a task the way the CLI would: `hotfix.start:3.0.1` → positional ['3.0.1']. */
export async function runTask(
  ns: NamespaceDefinition,
  name: string,
  c: Context,
  positional: string[] = [],
  named: Record<string, string> = {},
): Promise<any> {
  const def = ns.tasks[name] as TaskDefinition;
  if (!def || def.kind !== 'task') throw new Error(`no task ${name}`);
  const args = bindArgs(name, def.options.args, positional, named);
  return def.fn(c, args as never);
}
