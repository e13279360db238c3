// History log lines as the deploy module writes them (src/deploy/history.ts).
import { recordLine, type HistoryRecord } from '../../../src/deploy/history.js';

const sha = (ch: string) => ch.repeat(40);

export const HISTORY: HistoryRecord[] = [
  { release: '20261120T100000Z', status: 'prepared', time: '2026-11-20T10:00:00.000Z', user: 'alice', machine: 'lap1', action: 'deploy', ref: 'stable', tag: 'v1.0.0', sha: sha('a') },
  { release: '20261120T100000Z', status: 'deployed', time: '2026-11-20T10:00:05.000Z', user: 'alice', machine: 'lap1', action: 'deploy', ref: 'stable', tag: 'v1.0.0', sha: sha('a') },
  { release: '20261121T100000Z', status: 'prepared', time: '2026-11-21T10:00:00.000Z', user: 'bob', machine: 'lap2', action: 'deploy', ref: 'main', sha: sha('b') },
  { release: '20261121T100000Z', status: 'deployed', time: '2026-11-21T10:00:09.000Z', user: 'bob', machine: 'lap2', action: 'deploy', ref: 'main', sha: sha('b') },
  { release: '20261121T110000Z', status: 'failed', time: '2026-11-21T11:00:00.000Z', user: 'carol', machine: 'lap3', action: 'deploy', ref: 'feature/x', sha: sha('c'), reason: 'npm ci failed\nexit 1' },
];

/** The history file's text; a torn line at the end, as a crash mid-append could leave. */
export function historyLines(records: HistoryRecord[] = HISTORY): string {
  return records.map(recordLine).join('\n') + '\n{"release":"2026112';
}
