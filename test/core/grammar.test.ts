import { describe, expect, it } from 'vitest';
import { escapeSplit, parseInvocation, parseList } from '../../src/core/grammar.js';
import { bindArgs } from '../../src/core/args.js';
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
  });

  it('issue #15 finding 7: any other backslash is part of the value (Fabric keeps it)', () => {
    expect(parseInvocation(String.raw`t:C:\temp`).args).toEqual([String.raw`C:\temp`]);
    expect(parseInvocation(String.raw`t:^v\d+$`).args).toEqual([String.raw`^v\d+$`]);
    expect(parseInvocation(String.raw`t:re=^v\d+\.\d+$`).kwargs).toEqual({ re: String.raw`^v\d+\.\d+$` });
    expect(parseInvocation(String.raw`t:back\\slash`).args).toEqual([String.raw`back\\slash`]);
    expect(parseInvocation('t:C:\\temp\\').args).toEqual(['C:\\temp\\']);
  });

  it('value keeps everything after the first unescaped =', () => {
    expect(parseInvocation('t:q=a=b').kwargs).toEqual({ q: 'a=b' });
  });

  it('empty positional arguments are empty strings; a trailing colon means none', () => {
    expect(parseInvocation('t:a,,b').args).toEqual(['a', '', 'b']);
    expect(parseInvocation('t:').args).toEqual([]);
  });

  it('special keys: host, hosts, role, roles, exclude_hosts', () => {
    const inv = parseInvocation('t:x,host=h1,roles=db;cache,exclude_hosts=h2;h9');
    expect(inv.args).toEqual(['x']);
    expect(inv.kwargs).toEqual({});
    expect(inv.hosts).toEqual(['h1']);
    expect(inv.roles).toEqual(['db', 'cache']);
    expect(inv.excludeHosts).toEqual(['h2', 'h9']);
  });

  it('issue #15 finding 7: each host key replaces the list it sets, as in Fabric (host=a,hosts=b;c is b, c)', () => {
    expect(parseInvocation('t:host=a,hosts=b;c').hosts).toEqual(['b', 'c']);
    expect(parseInvocation('t:hosts=b;c,host=a').hosts).toEqual(['a']);
    expect(parseInvocation('t:role=web,roles=db;cache').roles).toEqual(['db', 'cache']);
    expect(parseInvocation('t:exclude_hosts=a,exclude_hosts=b').excludeHosts).toEqual(['b']);
  });

  it('a positional argument after key=value ones is still positional (Fabric: a:b=c,d)', () => {
    const inv = parseInvocation('t:a,k=v,b');
    expect(inv.args).toEqual(['a', 'b']);
    expect(inv.kwargs).toEqual({ k: 'v' });
  });

  it('"__proto__" and other Object.prototype names are arguments like any other', () => {
    expect(Object.keys(parseInvocation('t:__proto__=x').kwargs)).toEqual(['__proto__']);
    expect(parseInvocation('t:constructor=1,toString=2').kwargs).toEqual({ constructor: '1', toString: '2' });
  });

  it('escapeSplit is Fabric\'s _escape_split', () => {
    expect(escapeSplit(',', String.raw`a\,b,c`)).toEqual(['a,b', 'c']);
    expect(escapeSplit(',', String.raw`a\=b,c`)).toEqual([String.raw`a\=b`, 'c']);
    expect(escapeSplit('=', String.raw`k=a\=b`)).toEqual(['k', 'a=b']);
  });

  it.each([
    [':x', /missing task name/],
    ['t:=v', /empty name before "="/],
    ['t:k=1,k=2', /"k" given twice/],
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

describe('bindArgs', () => {
  const specs = { ref: { default: 'stable' }, retries: { type: 'number' as const, default: 1 } };

  it('positional arguments fill the declared ones in order, wherever they stood', () => {
    const inv = parseInvocation('deploy:retries=3,v2');
    expect(bindArgs('deploy', specs, inv.args, inv.kwargs, inv.token)).toEqual({ ref: 'v2', retries: 3 });
  });

  it('one argument by position and by name is refused', () => {
    const inv = parseInvocation('deploy:ref=a,b');
    expect(() => bindArgs('deploy', specs, inv.args, inv.kwargs, inv.token)).toThrow(/"deploy:ref=a,b": argument "ref" given both by position and by name/);
  });

  it('names from Object.prototype are neither given nor taken unless declared', () => {
    const inv = parseInvocation('t:__proto__=x');
    expect(() => bindArgs('t', specs, inv.args, inv.kwargs, inv.token)).toThrow(/takes no argument "__proto__"/);
    expect(bindArgs('t', { constructor: { default: 'd' }, toString: {} }, [], {})).toEqual({ constructor: 'd', toString: undefined });
  });
});
