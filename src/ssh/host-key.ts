// Host key policy: known → connect; unknown → refuse (or record with accept-new);
// changed or revoked → always refuse, loudly. Errors name the file and line and
// say how to proceed.
import { HostKeyError } from '../core/errors.js';
import type { EventBus } from '../core/events.js';
import { quote } from '../core/quote.js';
import { fingerprint, keyTypeOf, type KnownHostsStore } from './known-hosts.js';

export type HostKeyMode = 'strict' | 'accept-new' | 'off';

export interface HostKeyPolicy {
  display: string;
  /** The name known_hosts records for the host: HostKeyAlias, or `host` / `[host]:port`. */
  name: string;
  mode: HostKeyMode;
  /** User files first: the first one is where accept-new writes. */
  userFiles: string[];
  globalFiles: string[];
  hashKnownHosts: boolean;
  store: KnownHostsStore;
  events: EventBus;
}

export interface HostKeyVerifier {
  verify(key: Buffer, done: (ok: boolean) => void): void;
  /** Why the key was refused, once verify() said no. */
  readonly failure: HostKeyError | undefined;
}

export function createHostKeyVerifier(p: HostKeyPolicy): HostKeyVerifier {
  const name = p.name;
  const files = [...p.userFiles, ...p.globalFiles];
  const writeTo = p.userFiles[0];
  let failure: HostKeyError | undefined;
  const log = (level: 'info' | 'warn' | 'debug', message: string): void =>
    p.events.emit('log', { host: p.display, level, message, topic: 'ssh' });

  const decide = async (key: Buffer): Promise<boolean> => {
    const type = keyTypeOf(key);
    const fp = fingerprint(key);
    const check = await p.store.check(files, name, key);
    switch (check.status) {
      case 'known':
        return true;
      case 'revoked':
        failure = new HostKeyError(
          p.display,
          `host key ${type} ${fp} of ${name} is marked @revoked in ${check.entry.file} line ${check.entry.line}; refusing to connect`,
          { hint: 'the host must get a new host key; ask its administrator' },
        );
        return false;
      case 'changed': {
        const was = fingerprint(check.entry.key);
        if (p.mode === 'off') {
          log('warn', `host key of ${name} changed (${was} -> ${fp}); accepted because host key checking is off`);
          return true;
        }
        failure = new HostKeyError(
          p.display,
          `HOST KEY CHANGED for ${name}: possible man-in-the-middle attack (or the host was reinstalled).\n` +
            `The server presented ${type} ${fp}, but ${check.entry.file} line ${check.entry.line} records ${was}. Refusing to connect.`,
          {
            hint:
              `only if you know why the key changed, remove the old entry with ` +
              `ssh-keygen -R ${quote(name)} -f ${quote(check.entry.file)} and connect again`,
          },
        );
        return false;
      }
      case 'unknown': {
        if (p.mode === 'off') {
          log('debug', `accepting unknown host key ${type} ${fp} for ${name} (host key checking is off)`);
          return true;
        }
        if (p.mode === 'accept-new' && writeTo) {
          await p.store.add(writeTo, name, key, p.hashKnownHosts);
          log('info', `recorded new host key ${type} ${fp} for ${name} in ${writeTo}`);
          return true;
        }
        const other = check.otherTypes.length
          ? ` (known_hosts has a ${check.otherTypes.join('/')} key for it, but the server offered ${type})`
          : '';
        failure = new HostKeyError(
          p.display,
          `unknown host key for ${name}: the server presented ${type} ${fp}, which is not in ${p.userFiles.join(', ') || 'any known_hosts file'}${other}; ` +
            `refusing to connect (once verified, accept it with --accept-new-host-keys)`,
          {
            hint:
              `check that fingerprint with the host's administrator, then rerun with --accept-new-host-keys ` +
              `(or set "StrictHostKeyChecking accept-new" for this host in your ssh config) to record it` +
              (writeTo ? ` in ${writeTo}` : ''),
          },
        );
        return false;
      }
    }
  };

  return {
    verify(key, done) {
      decide(key).then(done, (err: Error) => {
        failure = new HostKeyError(p.display, `cannot check the host key of ${name}: ${err.message}`);
        done(false);
      });
    },
    get failure() {
      return failure;
    },
  };
}
