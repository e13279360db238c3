// `Match` lines as OpenSSH 9.2's match_cfg_line(): criteria are checked when the
// file is read and evaluated per host; `!` negates a criterion; `final` and
// `canonical` hold only in the second pass; `exec` runs (through the shell, as
// ssh runs it) only when every criterion before it matched.
import { spawn } from 'node:child_process';
import { ConfigSyntaxError, strdelim } from './lexer.js';
import { matchHostname, matchPatternList } from './patterns.js';

export type Attribute = 'all' | 'canonical' | 'final' | 'host' | 'originalhost' | 'user' | 'localuser' | 'exec';

export interface Criterion {
  attr: Attribute;
  negate: boolean;
  arg?: string;
}

const WITH_ARG = new Set<Attribute>(['host', 'originalhost', 'user', 'localuser', 'exec']);

export function parseMatch(rest: string, where: string): Criterion[] {
  const bad = (message: string): ConfigSyntaxError => new ConfigSyntaxError(`${where}: ${message}\n${where}: Bad Match condition`);
  const out: Criterion[] = [];
  let s: string | null = rest;
  const next = (): string | null => {
    if (s === null) return null;
    const d = strdelim(s);
    if (!d) throw new ConfigSyntaxError(`${where}: invalid quotes`);
    s = d.rest;
    return d.token;
  };
  for (let word = next(); word !== null && word !== ''; word = next()) {
    if (word.startsWith('#')) break;
    const negate = word.startsWith('!');
    const attr = (negate ? word.slice(1) : word).toLowerCase() as Attribute;
    if (attr === 'all') {
      const after = next();
      if (out.length > 1 || (after !== null && after !== '' && !after.startsWith('#'))) throw bad(`'${word}' cannot be combined with other Match attributes`);
      out.push({ attr, negate });
      break;
    }
    if (attr === 'canonical' || attr === 'final') {
      out.push({ attr, negate });
      continue;
    }
    if (!WITH_ARG.has(attr)) throw bad(`Unsupported Match attribute ${word.replace(/^!/, '')}`);
    const arg = next();
    if (arg === null || arg === '' || arg.startsWith('#')) throw bad(`Missing Match criteria for ${attr}`);
    out.push({ attr, negate, arg });
  }
  if (out.length === 0) throw bad('One or more attributes required for Match');
  return out;
}

export interface MatchContext {
  /** HostName (with %h) as known so far, or the host as given; in the final pass, the final host name. */
  host: string;
  originalHost: string;
  /** The remote user as known so far (given or configured), else the local user. */
  user: string;
  localUser: string;
  finalPass: boolean;
  /** Set when a `final` criterion is seen: the config asks for a second pass. */
  wantFinalPass(): void;
  /** %-tokens for `exec`. */
  expandExec(command: string): string;
}

export async function evaluateMatch(criteria: Criterion[], c: MatchContext): Promise<boolean> {
  let result = true;
  for (const k of criteria) {
    let hit: boolean;
    switch (k.attr) {
      case 'all':
        return result && !k.negate;
      case 'canonical':
      case 'final':
        if (k.attr === 'final') c.wantFinalPass();
        hit = c.finalPass;
        break;
      case 'host':
        hit = matchHostname(c.host, k.arg!) === 1;
        break;
      case 'originalhost':
        hit = matchHostname(c.originalHost, k.arg!) === 1;
        break;
      case 'user':
        hit = matchPatternList(c.user, k.arg!, false) === 1;
        break;
      case 'localuser':
        hit = matchPatternList(c.localUser, k.arg!, false) === 1;
        break;
      case 'exec':
        if (!result) continue; // ssh skips the command once an earlier criterion failed
        hit = await runExec(c.expandExec(k.arg!));
        break;
    }
    if (hit === k.negate) result = false;
  }
  return result;
}

/**
 * Exit status 0 of the command under the user's shell, stdin and stdout closed, as
 * ssh's execute_in_shell(). Not spawnSync: other hosts' connects go on meanwhile.
 */
function runExec(command: string): Promise<boolean> {
  const shell = process.env['SHELL'] || '/bin/sh';
  return new Promise((resolve) => {
    const child = spawn(shell, ['-c', command], { stdio: ['ignore', 'ignore', 'inherit'] });
    child.on('error', () => resolve(false));
    child.on('close', (code) => resolve(code === 0));
  });
}
