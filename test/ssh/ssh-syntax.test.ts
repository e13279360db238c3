// OpenSSH config syntax helpers: wildcard patterns, paths, %-tokens.
import { homedir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { expandTokens, globRegExp, sshPath } from '../../src/ssh/ssh-syntax.js';

describe('ssh config syntax', () => {
  it('globRegExp: * any run, ? exactly one character, everything else literal', () => {
    expect(globRegExp('web-?.example.com').test('web-1.example.com')).toBe(true);
    expect(globRegExp('web-?.example.com').test('web-10.example.com')).toBe(false);
    expect(globRegExp('[10.0.0.*]:22').test('[10.0.0.7]:22')).toBe(true);
    expect(globRegExp('a.b').test('axb')).toBe(false);
    expect(globRegExp('WEB*', 'i').test('web-1')).toBe(true);
  });

  it('sshPath: ~ is home, relative paths are under ~/.ssh', () => {
    expect(sshPath('~')).toBe(homedir());
    expect(sshPath('~/keys/id')).toBe(join(homedir(), 'keys/id'));
    expect(sshPath('config.d/x')).toBe(join(homedir(), '.ssh', 'config.d/x'));
    expect(sshPath('/etc/ssh/x')).toBe('/etc/ssh/x');
  });

  it('expandTokens: %% and the given tokens, computed only when used; others stay', () => {
    let asked = 0;
    const t = { h: () => 'web', u: () => (asked++, 'me') };
    expect(expandTokens('%h:%%p %x', t)).toBe('web:%p %x');
    expect(asked).toBe(0);
    expect(expandTokens('%u', t)).toBe('me');
  });
});
