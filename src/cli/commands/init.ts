// `dpl init [--hosts a,b]`: writes a commented starter deployfile.ts here. Never
// overwrites; asks for host names only when someone is at a terminal.
import { constants } from 'node:fs';
import { access, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline/promises';
import { DplError, InterruptedError, UsageError } from '../../core/errors.js';
import { parseList } from '../../core/grammar.js';
import { DEPLOYFILE_NAMES } from '../../loader/find.js';
import type { Io } from '../app.js';
import { starterDeployfile, starterHosts, type StarterHost } from './starter.js';

export interface InitTerminal {
  interactive: boolean;
  ask(question: string): Promise<string>;
}

const USAGE = 'usage: dpl init [--hosts user@host[:port],...]\n\nWrites a commented starter deployfile.ts in this directory (never overwrites one).\n';

export async function runInit(args: string[], io: Io, term: InitTerminal = processTerminal()): Promise<number> {
  let hostsArg: string | undefined;
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '-h' || a === '--help') {
      io.out(USAGE);
      return 0;
    }
    if (a === '--hosts' || a === '-H') hostsArg = args[++i] ?? '';
    else if (a.startsWith('--hosts=')) hostsArg = a.slice('--hosts='.length);
    else throw new UsageError(`dpl init: unexpected argument "${a}"`, { hint: 'dpl init [--hosts user@host,...]' });
  }
  for (const name of DEPLOYFILE_NAMES) {
    const existing = join(io.cwd, name);
    if (await exists(existing)) {
      throw new UsageError(`${existing} already exists; dpl init never overwrites a deployfile`, {
        hint: 'edit it, or move it away and run `dpl init` again',
      });
    }
  }
  const hosts = hostsArg !== undefined ? toHosts(parseList(hostsArg)) : term.interactive ? await askHosts(term, io) : [];
  const withOps = 'opsTasks' in (await import('../../api.js'));
  const path = join(io.cwd, DEPLOYFILE_NAMES[0]!);
  try {
    await writeFile(path, starterDeployfile({ hosts, withOps }), { flag: 'wx' });
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    if (err.code === 'EEXIST') throw new UsageError(`${path} already exists; dpl init never overwrites a deployfile`);
    throw new DplError(`could not write ${path}: ${err.message}`, { hint: 'check that the directory exists and is writable' });
  }
  const what = hosts.length ? `${hosts.length} host${hosts.length === 1 ? '' : 's'}: ${hosts.map((h) => h.name).join(', ')}` : 'an example host to replace';
  io.out(
    `Wrote ${path} (${what}).\n` +
      'Next:\n  dpl --list          see the tasks\n  dpl prod uptime     run a task on the production hosts\n  dpl -H web-0 uptime run it on one host\n' +
      'dpl keeps run logs and a compile cache in .dpl/: add it to .gitignore.\n',
  );
  return 0;
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
