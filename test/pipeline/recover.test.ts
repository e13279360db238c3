// The recovery decision (src/pipeline/recover.ts `decide`), from the facts a later
// dpl command reads on every target host of an unfinished run: its journals, the
// live release and the history. Each case is a moment a deploy can die at.
import { describe, expect, it } from 'vitest';
import { decide } from '../../src/pipeline/recover.js';
import type { Journal } from '../../src/pipeline/journal.js';
import type { HistoryRecord, HostState } from '../../src/deploy/history.js';

const R = '20261205T120000Z';
const OLD = '20261204T120000Z';
const targets = ['web-0', 'web-1', 'web-2'];

function journal(patch: Partial<Journal> = {}): Journal {
  return {
    v: 1, id: 'run1', action: 'deploy', release: R, flow: 'all', recover: 'forward', targets, previous: `releases/${OLD}`,
    state: 'prepared', ref: { ref: 'v2', sha: 'abc' }, by: 'alice@laptop (pid 1)', time: '2026-12-05T12:00:00Z', ...patch,
  };
}
const rec = (release: string, status: HistoryRecord['status']): HistoryRecord => ({ release, status, time: 't', user: 'u', machine: 'm' });
function host(o: { current?: string; journal?: Journal; history?: HistoryRecord[] }): HostState {
  return { current: o.current ?? OLD, currentLink: `releases/${o.current ?? OLD}`, releases: [R, OLD], history: o.history ?? [rec(OLD, 'deployed')], journal: o.journal };
}
const states = (...hosts: HostState[]) => new Map(hosts.map((h, i) => [targets[i]!, h]));
const none = new Map<string, HostState | undefined>();

describe('what the next dpl command does with an unfinished run', () => {
  it('killed during prepare (no decision anywhere): remove what was prepared', () => {
    expect(decide(journal(), states(host({ journal: journal() }), host({ journal: journal() }), host({})), none)).toBe('abort');
  });

  it('the decision on every host, nothing switched yet: finish it', () => {
    const j = journal({ decision: 'commit' });
    expect(decide(j, states(host({ journal: j }), host({ journal: j }), host({ journal: j })), none)).toBe('forward');
  });

  it('the decision on some hosts only, none switched: the decision was never made, so abort', () => {
    const j = journal({ decision: 'commit' });
    expect(decide(j, states(host({ journal: j }), host({ journal: journal() }), host({ journal: journal() })), none)).toBe('abort');
  });

  it('the decision here, another target out of reach and nothing switched: undecidable, do nothing', () => {
    const j = journal({ decision: 'commit' });
    const here = new Map([['web-0', host({ journal: j })]]);
    expect(decide(j, here, new Map([['web-1', host({ journal: j })], ['web-2', undefined]]))).toBe('unknown');
  });

  it('one host already switched (partition during the switch): finish the others', () => {
    const j = journal({ decision: 'commit' });
    const left = host({ current: R, journal: { ...j, state: 'switched' } });
    expect(decide(j, states(left, host({ journal: j }), host({ journal: j })), none)).toBe('forward');
  });

  it('the others finished and recorded it deployed, one kept its journal: finish that one', () => {
    const j = journal({ decision: 'commit' });
    const done = host({ current: R, history: [rec(OLD, 'deployed'), rec(R, 'deployed')] });
    expect(decide(j, new Map([['web-2', host({ journal: j })]]), new Map([['web-0', done], ['web-1', done]]))).toBe('forward');
  });

  it('the run was undoing (a journal says revert, or a host recorded it failed): undo', () => {
    const j = journal({ decision: 'commit' });
    expect(decide(j, states(host({ current: R, journal: { ...j, decision: 'revert', state: 'switched' } }), host({ journal: j }), host({ journal: j })), none)).toBe('back');
    const reverted = host({ history: [rec(OLD, 'deployed'), rec(R, 'failed')] });
    expect(decide(j, new Map([['web-2', host({ current: R, journal: { ...j, state: 'switched' } })]]), new Map([['web-0', reverted], ['web-1', reverted]]))).toBe('back');
  });

  it('a canary with a decision is undone, never finished unjudged', () => {
    const j = journal({ decision: 'commit', flow: 'canary', recover: 'back' });
    expect(decide(j, states(host({ current: R, journal: { ...j, state: 'switched' } }), host({ journal: { ...j, state: 'pending' } }), host({ journal: { ...j, state: 'pending' } })), none)).toBe('back');
  });
});
