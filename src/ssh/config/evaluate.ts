// One pass over the config files for a host, as read_config_file_depth() does:
// `Host` and `Match` switch the blocks on and off, Include splices files in and
// restores the including file's state after them (an Include in an inactive
// block is read but can match nothing), and settings apply where active.
import { hostname as localHostname, userInfo } from 'node:os';
import { UsageError } from '../../core/errors.js';
import { nodeCrypto } from '../../core/random.js';
import { passwdHome, percentExpand } from './expand.js';
import { unknownKeyword } from './keywords.js';
import type { Directive } from './load.js';
import { evaluateMatch, type MatchContext } from './match.js';
import type { SshOptions } from './options.js';
import { matchPattern, matchPatternList } from './patterns.js';

export interface PassInput {
  /** Pass 1: the host as given; final pass: the final host name. */
  host: string;
  originalHost: string;
  finalPass: boolean;
  options: SshOptions;
  /** Called when a `Match final` is seen. */
  wantFinalPass(): void;
}

export async function runPass(files: Directive[][], p: PassInput): Promise<void> {
  for (const f of files) await read(f, p, { active: true }, false);
}

async function read(ds: Directive[], p: PassInput, state: { active: boolean }, neverMatch: boolean): Promise<void> {
  for (const d of ds) {
    switch (d.kind) {
      case 'host':
        state.active = false;
        if (neverMatch) break;
        for (const pattern of d.patterns) {
          const negated = pattern.startsWith('!');
          if (!matchPattern(p.host, negated ? pattern.slice(1) : pattern)) continue;
          if (negated) {
            state.active = false;
            break;
          }
          state.active = true;
        }
        break;
      case 'match': {
        const hit = await evaluateMatch(d.criteria, matchContext(p));
        state.active = neverMatch ? false : hit;
        break;
      }
      case 'include': {
        const was = state.active;
        for (const file of d.files) {
          await read(file, p, state, neverMatch || !was);
          state.active = was;
        }
        break;
      }
      case 'set':
        if (state.active) d.apply(p.options);
        break;
      case 'unknown': {
        const ignore = p.options.ignoreUnknown;
        if (!(ignore !== undefined && matchPatternList(d.keyword, ignore, true) === 1)) {
          throw new UsageError(`ssh config: ${unknownKeyword(d, d.keyword).message}`, {
            code: 'ssh-config.invalid',
            hint: 'fix the keyword, or list it in IgnoreUnknown before this line, as ssh requires',
          });
        }
        break;
      }
    }
  }
}

function matchContext(p: PassInput): MatchContext {
  const o = p.options;
  const host = p.finalPass ? o.hostname! : o.hostname !== undefined ? percentExpand(o.hostname, { h: () => p.host }, 'HostName') : p.host;
  const localUser = userInfo().username;
  const user = o.user ?? localUser;
  return {
    host,
    originalHost: p.originalHost,
    user,
    localUser,
    finalPass: p.finalPass,
    wantFinalPass: p.wantFinalPass,
    expandExec: (command) => {
      const port = String(o.port ?? 22);
      return percentExpand(command, {
        C: () => connectionHash(localHostname(), host, port, user),
        L: () => localHostname().split('.')[0]!,
        d: passwdHome,
        h: () => host,
        k: () => o.hostKeyAlias ?? host,
        l: localHostname,
        n: () => p.originalHost,
        p: () => port,
        r: () => user,
        u: () => localUser,
        i: () => String(userInfo().uid),
      }, 'Match exec');
    },
  };
}

/** %C: ssh_connection_hash(), SHA-1 of local host, host, port and user. */
export function connectionHash(thisHost: string, host: string, port: string, user: string): string {
  return nodeCrypto().createHash('sha1').update(thisHost + host + port + user).digest('hex');
}
