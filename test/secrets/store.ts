// A throwaway password store for the tests: Debian's `pass` and `gnupg`, a GPG key
// made here without a passphrase in a temp GNUPGHOME, and a temp PASSWORD_STORE_DIR.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

export interface PassStore {
  dir: string;
  /** GNUPGHOME and PASSWORD_STORE_DIR: the environment `pass` needs. */
  env: Record<string, string>;
  insert(name: string, value: string): void;
  cleanup(): void;
}

export function passStore(): PassStore {
  const dir = mkdtempSync(path.join(tmpdir(), 'dpl-pass-'));
  const env = { GNUPGHOME: path.join(dir, 'gnupg'), PASSWORD_STORE_DIR: path.join(dir, 'store') };
  const run = (cmd: string, args: string[], input?: string) =>
    execFileSync(cmd, args, { env: { ...process.env, ...env }, input, stdio: ['pipe', 'pipe', 'pipe'], encoding: 'utf8' });
  execFileSync('mkdir', ['-m', '700', env.GNUPGHOME]);
  const batch = path.join(dir, 'key.batch');
  writeFileSync(
    batch,
    ['%no-protection', 'Key-Type: EDDSA', 'Key-Curve: ed25519', 'Subkey-Type: ECDH', 'Subkey-Curve: cv25519', 'Name-Real: dpl test', 'Name-Email: dpl-test@example.invalid', 'Expire-Date: 0', '%commit', ''].join('\n'),
  );
  run('gpg', ['--batch', '--gen-key', batch]);
  run('pass', ['init', 'dpl-test@example.invalid']);
  return {
    dir,
    env,
    insert: (name, value) => void run('pass', ['insert', '-m', name], `${value}\n`),
    cleanup: () => {
      try {
        run('gpgconf', ['--kill', 'gpg-agent']);
      } catch {
        // no agent was started
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
