// opsTasks() is imported by every deployfile that uses it, so it must stay cheap:
// the follow/status/history code (and the deploy module's readers) load only
// when one of the tasks runs. Also: the task shapes the deployfile spreads.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { opsTasks } from '../../src/ops/index.js';
import { serviceJobs, tailCommand } from '../../src/ops/follow.js';
import { pickServices } from '../../src/ops/config.js';
import { mergeHistory } from '../../src/ops/history.js';
import { HISTORY } from './support/history.js';

const SRC = path.resolve(import.meta.dirname, '../../src');
const STATIC = /^\s*import\s+(?!type\b)[^'"]*?from\s+['"]([^'"]+)['"]|^\s*export\s+(?!type\b)[^'"]*?from\s+['"]([^'"]+)['"]/gm;

function closure(file: string, seen = new Set<string>()): Set<string> {
  if (seen.has(file)) return seen;
  seen.add(file);
  for (const m of readFileSync(file, 'utf8').matchAll(STATIC)) {
    const spec = (m[1] ?? m[2])!;
    if (spec.startsWith('.')) closure(path.resolve(path.dirname(file), spec.replace(/\.js$/, '.ts')), seen);
    else seen.add(spec);
  }
  return seen;
}

describe('opsTasks', () => {
  it('statically loads only its config and core task definitions', () => {
    const loaded = [...closure(path.join(SRC, 'ops/index.ts'))].map((m) => (path.isAbsolute(m) ? path.relative(SRC, m) : m)).sort();
    expect(loaded).toEqual(['core/context-mark.ts', 'core/errors.ts', 'core/internal.ts', 'core/task.ts', 'ops/config.ts', 'ops/index.ts']);
  });

  it('gives monitor, logs, status and history; status and history orchestrate their hosts', () => {
    const t = opsTasks({ services: { airship: { log: '/var/log/airship.log', status: 'supervisorctl status airship' } } }).tasks;
    expect(Object.keys(t)).toEqual(['monitor', 'logs', 'status', 'history']);
    expect(t.monitor.options).toMatchObject({ run: 'parallel', args: { service: { choices: ['airship'] } } });
    expect(t.logs.options.run).toBe('parallel');
    expect(t.status.options.run).toBe('targets');
    expect(t.history.options.run).toBe('targets');
    expect(opsTasks({ poolSize: 4 }).tasks.monitor.options).toMatchObject({ run: 'parallel', limit: 4 });
  });

  it('builds tail commands with every path quoted, ~/ left to the shell', () => {
    expect(tailCommand(['/var/log/a b.log', "it's.log", '~/app/x y.log'], { lines: 5, follow: true })).toBe(
      `tail -n 5 -F '/var/log/a b.log' 'it'"'"'s.log' ~/'app/x y.log'`,
    );
    expect(tailCommand(['/x;rm -rf /'], { lines: 1, follow: false })).toBe(`tail -n 1 '/x;rm -rf /'`);
  });

  it('follows the logs of all chosen services in one tail per sudo setting, plus their follow commands', () => {
    const config = {
      services: {
        web: { log: ['/l/web.log', '/l/shared.log'] },
        db: { log: '/l/db.log', sudo: true, follow: 'journalctl -fu db' },
        cron: { log: '/l/shared.log' },
      },
    };
    const jobs = serviceJobs(pickServices(config, undefined, 'monitor'), { lines: 10, follow: true }, 'monitor');
    expect(jobs).toEqual([
      { command: 'tail -n 10 -F /l/web.log /l/shared.log', sudo: false },
      { command: 'tail -n 10 -F /l/db.log', sudo: true },
      { command: 'journalctl -fu db', sudo: true },
    ]);
    expect(() => serviceJobs(pickServices({ services: { x: { status: 'true' } } }, 'x', 'monitor'), { lines: 1, follow: true }, 'monitor')).toThrow(
      /monitor: nothing to follow/,
    );
  });

  it('history: a rollback marks the abandoned release and keeps who deployed each one', () => {
    const rollback = [
      { ...HISTORY[3]!, status: 'rolled-back' as const, time: '2026-11-21T12:00:00.000Z', user: 'dave', action: 'rollback' as const },
      { ...HISTORY[1]!, time: '2026-11-21T12:00:01.000Z', user: 'dave', action: 'rollback' as const, from: '20261121T100000Z' },
    ];
    const rows = mergeHistory(new Map([['web-0', { current: '20261120T100000Z', releases: [], history: [...HISTORY, ...rollback] }]]));
    expect(rows.map((r) => [r.release, r.user, r.outcome])).toEqual([
      ['20261121T110000Z', 'carol', 'failed'],
      ['20261121T100000Z', 'bob', 'rolled-back by dave'],
      ['20261120T100000Z', 'alice', 'deployed (live)'],
    ]);
  });
});
