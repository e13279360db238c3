// OpenSSH's lexical rules: wildcard patterns, line splitting, tilde and %-token expansion.
import { userInfo } from 'node:os';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/core/errors.js';
import { dollarExpand, percentExpand, tildeExpand } from '../../src/ssh/config/expand.js';
import { argvSplit, strdelim } from '../../src/ssh/config/lexer.js';
import { globRegExp, matchPattern, matchPatternList } from '../../src/ssh/config/patterns.js';

describe('ssh config syntax', () => {
  it('globRegExp: * any run, ? exactly one character, everything else literal', () => {
    expect(globRegExp('web-?.example.com').test('web-1.example.com')).toBe(true);
    expect(globRegExp('web-?.example.com').test('web-10.example.com')).toBe(false);
    expect(globRegExp('web?').test('web')).toBe(false);
    expect(globRegExp('[10.0.0.*]:22').test('[10.0.0.7]:22')).toBe(true);
    expect(globRegExp('a.b').test('axb')).toBe(false);
    expect(globRegExp('WEB*', 'i').test('web-1')).toBe(true);
  });

  it('match_pattern is case-sensitive; pattern lists negate with ! and lower-case when asked', () => {
    expect(matchPattern('Web', 'web')).toBe(false);
    expect(matchPatternList('db-1', 'web-*,db-?', false)).toBe(1);
    expect(matchPatternList('db-1', '!db-1,*', false)).toBe(-1);
    expect(matchPatternList('WEB', 'web', true)).toBe(0);
    expect(matchPatternList('web', 'WEB', true)).toBe(1);
  });

  it('strdelim takes the keyword (one = may replace the space); argvSplit keeps quoted spaces and escapes', () => {
    expect(strdelim('Port=22')).toEqual({ token: 'Port', rest: '22' });
    expect(strdelim('Port = 22')).toEqual({ token: 'Port', rest: '22' });
    expect(strdelim('Port == 22')).toEqual({ token: 'Port', rest: '= 22' });
    expect(argvSplit('"/a b/c" d\\ e # comment')).toEqual(['/a b/c', 'd e']);
    expect(argvSplit("it's")).toBeNull();
    expect(argvSplit('a#b')).toEqual(['a#b']);
  });

  it('tilde from the password database, %-tokens strict (as ssh), ${VAR} from the environment', () => {
    expect(tildeExpand('~/x')).toBe(`${userInfo().homedir}/x`);
    expect(tildeExpand('~root/x')).toMatch(/^\/.*\/x$/);
    let asked = 0;
    const t = { h: () => 'web', u: () => (asked++, 'me') };
    expect(percentExpand('%h:%%p', t, 'test')).toBe('web:%p');
    expect(asked).toBe(0);
    expect(() => percentExpand('%x', t, 'IdentityFile')).toThrow(UsageError);
    expect(() => percentExpand('trailing %', t, 'IdentityFile')).toThrow(/lone %/);
    expect(dollarExpand('${HOME}/k', 'IdentityFile', { HOME: '/h' })).toBe('/h/k');
    expect(() => dollarExpand('${NOPE_DPL}', 'IdentityFile', {})).toThrow(/NOPE_DPL/);
  });
});
