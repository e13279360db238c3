// The words that chose a run's hosts (src/core/host-choice.ts) read back by the grammar
// as the same choice: a hint built from them acts on the same hosts.
import { describe, expect, it } from 'vitest';
import { hostFlagWords, hostKeys } from '../../src/core/host-choice.js';
import { parseInvocation } from '../../src/core/grammar.js';

describe('the host choice as command-line words', () => {
  it('-H/-R/-x from the run\'s first selection, in that order; nothing when none was given', () => {
    expect(hostFlagWords({ hosts: ['web-0', { name: 'web-1' }], roles: ['web', 'db'], exclude: ['web-2'] })).toEqual(['-H', 'web-0,web-1', '-R', 'web,db', '-x', 'web-2']);
    expect(hostFlagWords(undefined)).toEqual([]);
    expect(hostFlagWords({ hosts: [], roles: [] })).toEqual([]);
  });

  it('an invocation\'s host keys parse back to the same lists, separators escaped', () => {
    const keys = hostKeys({ hosts: ['web-0', 'a=b,c'], roles: ['web'], excludeHosts: ['web-2'] });
    expect(keys).toEqual(['hosts=web-0;a\\=b\\,c', 'roles=web', 'exclude_hosts=web-2']);
    const back = parseInvocation(`deploy.recover:${keys.join(',')}`);
    expect([back.hosts, back.roles, back.excludeHosts, back.kwargs]).toEqual([['web-0', 'a=b,c'], ['web'], ['web-2'], {}]);
    expect(hostKeys(undefined)).toEqual([]);
  });
});
