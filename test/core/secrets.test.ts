// The process's secret registry: which variables it takes out of the environment,
// how it masks, and the refusal of a secret of several lines.
import { describe, expect, it } from 'vitest';
import { ExitCode, UsageError } from '../../src/core/errors.js';
import { EventBus } from '../../src/core/events.js';
import { isSecretEnvName, Secrets, secretEnvNames } from '../../src/core/secrets.js';

describe('Secrets', () => {
  it('takes every secret variable (per-user and per-key ones too) out of the environment, and only those', () => {
    const env: NodeJS.ProcessEnv = {
      DPL_SUDO_PASSWORD: 'sudo-pw',
      DPL_SSH_PASSWORD: 'ssh-pw',
      DPL_SSH_PASSWORD_DEPLOY: 'deploy-pw',
      DPL_SSH_PASSPHRASE_HOME_ME_SSH_ID_ED25519: 'key-pw',
      DPL_SSH_PASSPHRASE: '',
      DPL_USER: 'alice',
      DPL_SUDO_PASSWORDS_FILE: 'kept',
      PATH: '/bin',
    };
    const s = new Secrets();
    s.takeEnv(env);
    expect(env).toEqual({ DPL_USER: 'alice', DPL_SUDO_PASSWORDS_FILE: 'kept', PATH: '/bin' });
    expect(s.envValue('DPL_SSH_PASSWORD_DEPLOY')).toBe('deploy-pw');
    expect(s.envValue('DPL_SSH_PASSPHRASE')).toBeUndefined();
    expect(s.scrub('sudo-pw ssh-pw deploy-pw key-pw alice')).toBe('*** *** *** *** alice');
  });

  it('derives the variable names from the prompt keys, the specific one first', () => {
    expect(secretEnvNames('sudo.password')).toEqual(['DPL_SUDO_PASSWORD']);
    expect(secretEnvNames('ssh.password:deploy')).toEqual(['DPL_SSH_PASSWORD_DEPLOY', 'DPL_SSH_PASSWORD']);
    const key = secretEnvNames('ssh.passphrase:/home/me/.ssh/id_ed25519')[0]!;
    expect(isSecretEnvName(key)).toBe(true);
  });

  it('masks a secret that contains another one whole, and leaves short ones alone', () => {
    const s = new Secrets();
    s.add('abc');
    s.add('abcdef');
    s.add('ok');
    expect(s.scrub('abcdef abc ok')).toBe('*** *** ok');
  });

  it('a multi-line variable: refused with exit 2, naming it, never showing it; masked line by line meanwhile', () => {
    const s = new Secrets();
    s.takeEnv({ DPL_SUDO_PASSWORD: 'first-line\r\nsecond-line' });
    const err = (() => {
      try {
        s.checkEnv();
      } catch (e) {
        return e as UsageError;
      }
    })();
    expect(err).toBeInstanceOf(UsageError);
    expect(err!.exitCode).toBe(ExitCode.usage);
    expect(err!.message).toMatch(/^DPL_SUDO_PASSWORD holds more than one line/);
    expect(`${err!.message} ${err!.hint}`).not.toMatch(/first-line|second-line/);
    expect(s.scrub('got second-line')).toBe('got ***');
  });

  it('the event bus masks with the registry it was given, also where JSON escapes the secret', () => {
    const s = new Secrets();
    s.add('pa"ss\\word');
    const events = new EventBus(s);
    const seen: string[] = [];
    events.on((e) => seen.push(JSON.stringify(e)));
    events.emit('log', { level: 'info', message: 'x pa"ss\\word y', data: { nested: ['pa"ss\\word'] } });
    events.emit('log', { level: 'info', message: 'nothing secret' });
    expect(seen[0]).toContain('x *** y');
    expect(seen[0]).toContain('"nested":["***"]');
    expect(seen.join('')).not.toContain('ss\\\\word');
  });
});
