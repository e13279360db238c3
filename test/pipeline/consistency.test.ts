// When is a fleet mixed (src/pipeline/consistency.ts `mixedFleet`, what deploy.check fails on)?
import { describe, expect, it } from 'vitest';
import { mixedFleet } from '../../src/pipeline/consistency.js';
import type { HistoryRecord, HostState } from '../../src/deploy/history.js';
import type { Journal } from '../../src/pipeline/journal.js';

const rec = (release: string, status: HistoryRecord['status']): HistoryRecord => ({ release, status, time: 't', user: 'u', machine: 'm' });
const host = (current: string | undefined, history: HistoryRecord[], journal?: Journal): HostState => ({ current, currentLink: current && `releases/${current}`, releases: [], history, journal });
const A = '20261204T120000Z';
const B = '20261205T120000Z';

describe('mixedFleet', () => {
  it('every host on one deployed release: not mixed (a host with nothing live yet neither)', () => {
    expect(mixedFleet(new Map([['web-0', host(A, [rec(A, 'deployed')])], ['web-1', host(A, [rec(A, 'deployed')])], ['new-0', host(undefined, [])]]))).toEqual([]);
  });

  it('hosts on different releases, a live release only prepared, an unfinished journal: each said', () => {
    const j = { v: 1, id: 'x', action: 'deploy', release: B, flow: 'all', recover: 'forward', targets: ['web-1'], state: 'switched', ref: { ref: 'v', sha: 's' }, by: 'alice@laptop (pid 9)', time: 'T' } as Journal;
    const lines = mixedFleet(new Map([['web-0', host(A, [rec(A, 'deployed')])], ['web-1', host(B, [rec(A, 'deployed'), rec(B, 'prepared')], j)]]));
    expect(lines).toEqual([
      `mixed: the hosts run different releases: ${A} on web-0; ${B} on web-1`,
      `web-1: unfinished deploy of ${B} (by alice@laptop (pid 9), T)`,
      `web-1: the live release ${B} is recorded prepared, never deployed`,
    ]);
  });
});
