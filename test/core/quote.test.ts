import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { envPrefix, quote, quoteArgs, raw, sh } from '../../src/core/quote.js';

/** What /bin/sh really sees: printf each argument on its own line. */
function roundTrip(words: string[]): string[] {
  const script = `printf '%s\\0' ${quoteArgs(words)}`;
  const out = execFileSync('/bin/sh', ['-c', script]).toString('utf8');
  return out.split('\0').slice(0, -1);
}

describe('quote', () => {
  const nasty = [
    "it's",
    '$HOME',
    '`id`',
    '$(rm -rf /)',
    'a\nb',
    '*',
    '?[a-z]',
    '~',
    'ünïcødé ✓',
    '',
    ' leading and trailing ',
    '"double"',
    '\\back\\slash',
    "''",
    '-n',
    ';|&<>',
    '!bang',
    '\t',
  ];

  it.each(nasty)('survives a real shell unchanged: %j', (word) => {
    expect(roundTrip([word])).toEqual([word]);
  });

  it('keeps all of them apart in one command', () => {
    expect(roundTrip(nasty)).toEqual(nasty);
  });

  it('leaves safe words bare and quotes empty strings', () => {
    expect(quote('web-0.example.com:22/path')).toBe('web-0.example.com:22/path');
    expect(quote('')).toBe("''");
    expect(quote(42)).toBe('42');
    expect(quote("it's")).toBe(`'it'"'"'s'`);
  });

  it('sh quotes every interpolation, expands arrays and passes raw through', () => {
    const dir = '/srv/my app';
    const files = ['a b', "c'd"];
    expect(sh`cd ${dir} && ls ${files} ${raw('| wc -l')}`).toBe(`cd '/srv/my app' && ls 'a b' 'c'"'"'d' | wc -l`);
    const out = execFileSync('/bin/sh', ['-c', sh`printf '%s|' ${files}`]).toString();
    expect(out).toBe("a b|c'd|");
  });

  it('envPrefix quotes values and refuses bad names', () => {
    const line = envPrefix({ A: 'x y', B: '$NOPE' }) + 'printf "%s|%s" "$A" "$B"';
    expect(execFileSync('/bin/sh', ['-c', line]).toString()).toBe('x y|$NOPE');
    expect(() => envPrefix({ 'BAD-NAME': '1' })).toThrow(/invalid environment variable name/);
    expect(envPrefix({})).toBe('');
  });
});
