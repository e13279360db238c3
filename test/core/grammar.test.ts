import { describe, expect, it } from 'vitest';
import { parseInvocation, parseList } from '../../src/core/grammar.js';
import { UsageError } from '../../src/core/errors.js';

describe('parseInvocation (Fabric 1 grammar)', () => {
  it('a bare name has no arguments', () => {
    expect(parseInvocation('deploy')).toEqual({ token: 'deploy', name: 'deploy', args: [], kwargs: {} });
  });

  it('the name ends at the first colon; later colons belong to values', () => {
    const inv = parseInvocation('deploy:ref=v1:2,host=web-0');
    expect(inv.name).toBe('deploy');
    expect(inv.kwargs).toEqual({ ref: 'v1:2' });
    expect(inv.hosts).toEqual(['web-0']);
  });

  it('positional then keyword arguments, all strings', () => {
    const inv = parseInvocation('t:a,b,key=value,n=3');
    expect(inv.args).toEqual(['a', 'b']);
    expect(inv.kwargs).toEqual({ key: 'value', n: '3' });
  });

  it('dotted namespace names', () => {
    expect(parseInvocation('proxy.flip').name).toBe('proxy.flip');
  });

  it('\\, escapes a comma and \\= escapes an equals sign', () => {
    expect(parseInvocation('t:a\\,b').args).toEqual(['a,b']);
    expect(parseInvocation('t:a\\=b').args).toEqual(['a=b']);
    expect(parseInvocation('t:k=a\\,b\\=c').kwargs).toEqual({ k: 'a,b=c' });
    expect(parseInvocation('t:k\\=x=1').kwargs).toEqual({ 'k=x': '1' });
    expect(parseInvocation('t:back\\\\slash').args).toEqual(['back\\slash']);
  });

  it('value keeps everything after the first unescaped =', () => {
    expect(parseInvocation('t:q=a=b').kwargs).toEqual({ q: 'a=b' });
  });

  it('empty positional arguments are empty strings; a trailing colon means none', () => {
    expect(parseInvocation('t:a,,b').args).toEqual(['a', '', 'b']);
    expect(parseInvocation('t:').args).toEqual([]);
  });

  it('special keys: host, hosts, role, roles, exclude_hosts', () => {
    const inv = parseInvocation('t:x,host=h1,hosts=h2;h3,role=web,roles=db;cache,exclude_hosts=h2;h9');
    expect(inv.args).toEqual(['x']);
    expect(inv.kwargs).toEqual({});
    expect(inv.hosts).toEqual(['h1', 'h2', 'h3']);
    expect(inv.roles).toEqual(['web', 'db', 'cache']);
    expect(inv.excludeHosts).toEqual(['h2', 'h9']);
  });

  it.each([
    [':x', /missing task name/],
    ['t:a,k=v,b', /positional argument "b" after key=value/],
    ['t:=v', /empty name before "="/],
    ['t:k=1,k=2', /"k" given twice/],
    ['t:a\\', /trailing "\\" escapes nothing/],
    ['t:host=a;b', /takes one name/],
    ['t:hosts=', /needs a value/],
    ['bad name!', /is not a task name/],
  ])('refuses %j', (token, message) => {
    expect(() => parseInvocation(token)).toThrow(UsageError);
    expect(() => parseInvocation(token)).toThrow(message);
  });

  it('parseList splits -H style lists', () => {
    expect(parseList(' a, b,,c ')).toEqual(['a', 'b', 'c']);
    expect(parseList(undefined)).toEqual([]);
  });
});
