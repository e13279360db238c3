// `dpl init [--hosts a,b] [--example] [--yes]`: writes a commented starter
// deployfile.ts here (or, with --example, dpl's example deployfile for the
// sandbox), and makes it a TypeScript project: a tsconfig.json, and dpl-deploy
// in package.json's devDependencies (asked first). Never overwrites a
// deployfile; asks questions only when someone is at a terminal.
import { constants } from 'node:fs';
import { access, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline/promises';
import { DplError, InterruptedError, UsageError } from '../../core/errors.js';
import { parseList } from '../../core/grammar.js';
import { DEPLOYFILE_NAMES } from '../../loader/find.js';
import type { Io } from '../io.js';
import { PACKAGE_ROOT } from '../../paths.js';
import { starterDeployfile, starterHosts, type StarterHost } from './starter.js';
import { ensureTsconfig } from './init-tsconfig.js';
import { addPackages, listed, planPackages } from './init-package.js';
import { EXAMPLE_NAME } from './sandbox-hint.js';

export interface InitTerminal {
  interactive: boolean;
  ask(question: string): Promise<string>;
}

const USAGE = `usage: dpl init [--hosts user@host[:port],...] [--example] [--yes]

Writes a commented starter deployfile.ts in this directory (never overwrites one),
and a tsconfig.json for it (or adds it to the one here). With a package.json,
offers to add dpl-deploy, typescript and @types/node to its devDependencies.

  --hosts H,...  the production hosts (asked for on a terminal)
  --example      dpl's example deployfile instead, written for \`dpl sandbox up\`
  -y, --yes      change package.json without asking
`;

export async function runInit(args: string[], io: Io, term: InitTerminal = processTerminal()): Promise<number> {
  let hostsArg: string | undefined;
  let example = false;
  let yes = false;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '-h' || a === '--help') {
      io.out(USAGE);
      return 0;
    }
    if (a === '--hosts' || a === '-H') hostsArg = args[++i] ?? '';
    else if (a.startsWith('--hosts=')) hostsArg = a.slice('--hosts='.length);
    else if (a === '--example') example = true;
    else if (a === '--yes' || a === '-y') yes = true;
    else throw new UsageError(`dpl init: unexpected argument "${a}"`, { hint: 'dpl init [--hosts user@host,...] [--example] [--yes]' });
  }
  if (example && hostsArg !== undefined) throw new UsageError('dpl init: --example brings its own hosts (the sandbox\'s); leave out --hosts');
  for (const name of DEPLOYFILE_NAMES) {
    const existing = join(io.cwd, name);
    if (await exists(existing)) {
      throw new UsageError(`${existing} already exists; dpl init never overwrites a deployfile`, {
        code: 'init.failed',
        hint: 'edit it, or move it away and run `dpl init` again',
      });
    }
  }
  const hosts = example ? [] : hostsArg !== undefined ? toHosts(parseList(hostsArg)) : term.interactive ? await askHosts(term, io) : [];
  const path = join(io.cwd, DEPLOYFILE_NAMES[0]!);
  const text = example ? await exampleDeployfile() : starterDeployfile({ hosts, withOps: 'opsTasks' in (await import('../../api.js')) });
  try {
    await writeFile(path, text, { flag: 'wx' });
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'EEXIST') throw new UsageError(`${path} already exists; dpl init never overwrites a deployfile`, { code: 'init.failed' });
    throw new DplError(`could not write ${path}: ${err.message}`, { code: 'init.failed', hint: 'check that the directory exists and is writable' });
  }
  const what = example
    ? "dpl's example deployfile; it drives `dpl sandbox up`"
    : hosts.length
      ? `${hosts.length} host${hosts.length === 1 ? '' : 's'}: ${hosts.map((h) => h.name).join(', ')}`
      : 'an example host to replace';
  io.out(`Wrote ${path} (${what}).\n`);
  io.out(ensureTsconfig(io.cwd, DEPLOYFILE_NAMES[0]!).join('\n') + '\n');
  const types = await packages(io, term, yes);
  io.out(
    'Next:\n' +
      (example
        ? '  dpl sandbox up      start the local fleet this deployfile drives\n  dpl --list          see the tasks (the top of deployfile.ts says what to try)\n'
        : '  dpl --list          see the tasks\n  dpl prod uptime     run a task on the production hosts\n' +
          `  ${`dpl -H ${hosts[0]?.name ?? 'web-0'} uptime`.padEnd(19)} run it on one host\n`) +
      (types ? `  ${types}${types.length < 20 ? ' '.repeat(20 - types.length) : '  '}the types for tsc and your editor\n` : '') +
      '  dpl check           type-check the deployfile\n' +
      'dpl keeps run logs and a compile cache in .dpl/: add it to .gitignore.\n',
  );
  return 0;
}

/** Offers dpl-deploy (and TypeScript) for package.json; returns the command still to run, if any. */
async function packages(io: Io, term: InitTerminal, yes: boolean): Promise<string | undefined> {
  const plan = planPackages(io.cwd);
  if (!plan) {
    const hasPackageJson = await exists(join(io.cwd, 'package.json'));
    return hasPackageJson ? undefined : 'npm init -y && npm i -D dpl-deploy typescript @types/node';
  }
  const names = listed(plan.missing);
  let add = yes;
  if (!yes && !term.interactive) {
    io.out(`package.json: left unchanged (no terminal to ask on). Run: ${plan.installCommand}   (or dpl init --yes)\n`);
    return plan.installCommand;
  }
  if (!yes) add = /^y(es)?$/i.test((await term.ask(`Add ${names} to devDependencies in package.json? [y/N] `)).trim());
  if (!add) {
    io.out(`package.json: left unchanged. Run: ${plan.installCommand}\n`);
    return plan.installCommand;
  }
  addPackages(plan);
  io.out(`Added ${names} to devDependencies in ${plan.path}; install them: ${plan.syncCommand}\n`);
  return plan.syncCommand;
}

/** dpl's example deployfile, its instructions rewritten for a copy named deployfile.ts (no -f). */
async function exampleDeployfile(): Promise<string> {
  const source = join(PACKAGE_ROOT, EXAMPLE_NAME);
  let text: string;
  try {
    text = await readFile(source, 'utf8');
  } catch (e) {
    throw new DplError(`dpl's example deployfile is missing from this install (${source}): ${(e as Error).message}`, { code: 'init.failed', hint: 'reinstall dpl-deploy' });
  }
  return text
    .replace(/^\/\/ {3}dpl -f deployfile\.example\.ts --list.*\n(?:\/\/ {4,}#.*\n)*/m, '//   dpl --list                              # the tasks, with their arguments\n')
    .replaceAll(`dpl -f ${EXAMPLE_NAME} `, 'dpl ')
    .replaceAll(EXAMPLE_NAME, DEPLOYFILE_NAMES[0]!);
}

function toHosts(specs: string[]): StarterHost[] {
  try {
    return starterHosts(specs);
  } catch (e) {
    throw new UsageError(`dpl init: ${(e as Error).message}`, { hint: 'hosts look like web-0.example.com, deploy@10.0.0.5 or deploy@web-0:2222' });
  }
}

async function askHosts(term: InitTerminal, io: Io): Promise<StarterHost[]> {
  for (let attempt = 0; attempt < 3; attempt++) {
    const answer = await term.ask('Production hosts, comma-separated (user@host[:port]; empty for an example): ');
    try {
      return starterHosts(parseList(answer));
    } catch (e) {
      io.err(`dpl init: ${(e as Error).message}; try again\n`);
    }
  }
  throw new UsageError('dpl init: no valid host list given', { hint: 'or pass them: dpl init --hosts web-0.example.com,web-1.example.com' });
}

function processTerminal(): InitTerminal {
  return {
    interactive: !!process.stdin.isTTY && !!process.stderr.isTTY,
    ask(question) {
      const rl = createInterface({ input: process.stdin, output: process.stderr, terminal: true });
      return new Promise<string>((resolve, reject) => {
        rl.once('SIGINT', () => {
          rl.close();
          process.stderr.write('\n');
          reject(new InterruptedError('dpl init: cancelled; nothing was written'));
        });
        rl.question(question).then((answer) => {
          rl.close();
          resolve(answer);
        }, reject);
      });
    },
  };
}

async function exists(path: string): Promise<boolean> {
  try {
    await access(path, constants.F_OK);
    return true;
  } catch {
    return false;
  }
}
