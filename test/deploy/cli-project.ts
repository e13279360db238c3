// A temp project with a deployfile.ts for the real `dpl` CLI against the sshd bed:
// hosts web-0..2 (role web), each with its own deploy path under its bed root.
import type { ChildProcess } from 'node:child_process';
import { startDpl, type CliRun } from '../helpers/cli.js';
import { existsSync, readFileSync, readdirSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BedInfo } from '../support/bed.js';
import { afterAll, beforeAll, expect } from 'vitest';
import { appRepo, gitEnv, openTmp, type AppRepo } from './fixtures.js';

export const MAIN = fileURLToPath(new URL('../..', import.meta.url));
export const HOSTS = ['web-0', 'web-1', 'web-2'];

/** Until src/api.ts exports releaseTasks and serviceTasks, the deployfile takes it from the source (see the report). */
function apiExportsDeploy(): boolean {
  const api = readFileSync(path.join(MAIN, 'src', 'api.ts'), 'utf8');
  const exported = (name: string) => new RegExp(`export\\s*\\{[^}]*\\b${name}\\b[^}]*\\}\\s*from`).test(api);
  return exported('releaseTasks') && exported('serviceTasks');
}

function releaseTasksImport(): string {
  if (apiExportsDeploy()) return `import { deployfile, releaseTasks, serviceTasks } from 'dpl-deploy';`;
  return `import { deployfile } from 'dpl-deploy';\nimport { releaseTasks, serviceTasks } from ${JSON.stringify(path.join(MAIN, 'src', 'deploy', 'tasks.ts'))};`;
}

export type { CliRun };

export interface CliProject {
  dir: string;
  /**
   * The deployfile imports from 'dpl-deploy', so its errors are the CLI's own classes:
   * exit codes (130, 2) and hints reach the terminal. False while it carries its own copy.
   */
  unified: boolean;
  paths: Record<string, string>;
  dpl(args: string[], env?: Record<string, string>): Promise<CliRun>;
  spawn(args: string[], env?: Record<string, string>): { child: ChildProcess; done: Promise<CliRun>; output: () => string };
  releases(host: string): string[];
  current(host: string): string | undefined;
  history(host: string): Array<Record<string, string>>;
  locked(host: string): boolean;
  cleanup(): void;
}

/**
 * `config` is the text of the releaseTasks({...}) argument (TypeScript), so hooks
 * can be real functions; it may read process.env (tests pass env per run).
 * `extraTasks` is more entries for the tasks object (e.g. `...serviceTasks({...}).tasks`).
 * `hostNames`: the bed hosts of role web (default web-0..2).
 */
export function cliProject(bed: BedInfo, name: string, config: string, extraTasks = '', hostNames: string[] = HOSTS): CliProject {
  const dir = openTmp(`dpl-deploy-cli-${name}-`);
  // The deployfile's bundle resolves simple-git/ssh2 from here when it carries its own copy.
  symlinkSync(path.join(MAIN, 'node_modules'), path.join(dir, 'node_modules'));
  const paths = Object.fromEntries(hostNames.map((h) => [h, path.join(bed.hosts[h]!.root, `deploy-${name}`)]));
  const hosts = hostNames.map((h) => `    ${JSON.stringify(h)}: { vars: { deployPath: ${JSON.stringify(paths[h])} } },`).join('\n');
  writeFileSync(
    path.join(dir, 'deployfile.ts'),
    `${releaseTasksImport()}

export default deployfile({
  hosts: {
${hosts}
  },
  roles: { web: ${JSON.stringify(hostNames)}, db: ['web-1'] },
  tasks: { deploy: releaseTasks(${config}), ${extraTasks} },
});
`,
  );
  const start = (args: string[], env: Record<string, string> = {}) => startDpl(['-F', bed.configFile, ...args], { cwd: dir, env: { ...gitEnv, ...env } });
  const rel = (h: string, ...p: string[]) => path.join(paths[h]!, ...p);
  return {
    dir,
    unified: apiExportsDeploy(),
    paths,
    dpl: (args, env) => start(args, env).done,
    spawn: start,
    releases: (h) => (existsSync(rel(h, 'releases')) ? readdirSync(rel(h, 'releases')).sort() : []),
    current: (h) => (existsSync(rel(h, 'current')) ? path.basename(readlinkSync(rel(h, 'current'))) : undefined),
    history: (h) => readFileSync(rel(h, 'history.jsonl'), 'utf8').trim().split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l) as Record<string, string>),
    locked: (h) => existsSync(rel(h, '.dpl-lock')),
    cleanup: () => {
      rmSync(dir, { recursive: true, force: true });
      for (const p of Object.values(paths)) rmSync(p, { recursive: true, force: true });
    },
  };
}

/** Wait until `check()` holds, polling. */
export async function until(check: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Asserts a dpl run exited 0, showing its output when it did not. */
export const ok = (r: CliRun) => expect(r.code, `dpl failed:\n${r.stdout}\n${r.stderr}`).toBe(0);

/**
 * A test file's app repo (bare origin with tags) and the projects made from it,
 * all removed after the file's tests. `use` receives the repo once it exists.
 */
export function deployFixtures(bed: BedInfo, use: (repo: AppRepo) => void): { track: (p: CliProject) => CliProject } {
  let repo: AppRepo | undefined;
  const projects: CliProject[] = [];
  beforeAll(() => {
    repo = appRepo({ uid: bed.uid, gid: bed.gid });
    use(repo);
  });
  afterAll(() => {
    for (const p of projects) p.cleanup();
    repo?.cleanup();
  });
  return { track: (p) => (projects.push(p), p) };
}
