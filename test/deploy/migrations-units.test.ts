// The pure parts of migration-aware rollback: which migrations are applied and by
// whom (from history records), which a rollback target is behind, the refusal, and
// the line a failed rollout's report gains. The real-host story is migrations.test.ts.
import { describe, expect, it } from 'vitest';
import type { HistoryRecord, HostState } from '../../src/deploy/history.js';
import { addedMigrations, appliedMigrations, migrationDirs, migrationName, migrationsAhead } from '../../src/deploy/migrations.js';
import { checkSchema } from '../../src/deploy/rollback.js';
import { renderFailure, type RolloutReport } from '../../src/rollout/report.js';
import { DplError } from '../../src/core/errors.js';

const A = '20261205T100000Z';
const B = '20261205T110000Z';
const C = '20261205T120000Z';
const rec = (release: string, status: HistoryRecord['status'], extra: Partial<HistoryRecord> = {}): HistoryRecord => ({ release, status, time: '', user: 'u', machine: 'm', ...extra });
const state = (...history: HistoryRecord[]): HostState => ({ releases: [C, B, A], current: C, history });
const cmd = (t: string, a = '') => `dpl deploy.${t}${a}`;

describe('migrations in history', () => {
  it('names and lists: extension dropped, only the added ones, defaults for true', () => {
    expect(migrationName('0002_add_fares.sql')).toBe('0002_add_fares');
    expect(migrationName('.hidden')).toBe('.hidden');
    expect(addedMigrations(['0001_init.sql', '0002_add_fares.sql', '0002_add_fares.sql'], ['0001_init.sql'])).toEqual(['0002_add_fares']);
    expect(migrationDirs(true)).toEqual(['db/migrate', 'migrations', 'alembic/versions']);
    expect(migrationDirs(['/app/migrations/', '../etc'])).toEqual(['app/migrations']);
    expect(migrationDirs(false)).toEqual([]);
  });

  it('applied = recorded by a release and not undone since; the oldest applier over all hosts wins', () => {
    const h1 = state(rec(B, 'prepared', { migrations: ['0002'] }), rec(C, 'prepared', { migrations: ['0003'] }));
    const h2 = state(rec(C, 'prepared', { migrations: ['0002', '0003'] }));
    expect(appliedMigrations([h1, h2])).toEqual([
      { name: '0002', release: B },
      { name: '0003', release: C },
    ]);
    expect(migrationsAhead([h1, h2], A).map((m) => m.name)).toEqual(['0002', '0003']);
    expect(migrationsAhead([h1, h2], B).map((m) => m.name)).toEqual(['0003']);
    expect(migrationsAhead([h1, h2], C)).toEqual([]);
    const undone = state(rec(B, 'prepared', { migrations: ['0002'] }), rec(A, 'deployed', { migrationsUndone: ['0002'] }));
    expect(appliedMigrations([undone])).toEqual([]);
    // Applied again by a later release after the undo: the later one is the applier now.
    const redone = state(...undone.history, rec(C, 'prepared', { migrations: ['0002'] }));
    expect(appliedMigrations([redone])).toEqual([{ name: '0002', release: C }]);
  });

  it('checkSchema refuses (exit 1) listing each migration and its release, unless a hook or allow-schema-ahead', () => {
    const states = new Map([['web-0', state(rec(B, 'prepared', { migrations: ['0002_add_fares'] }))]]);
    let err: unknown;
    try {
      checkSchema(states, A, { hook: false, allowSchemaAhead: false, cmd });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(DplError);
    expect((err as DplError).exitCode).toBe(1);
    expect((err as Error).message).toBe(`cannot roll back to ${A}: newer releases applied migrations it does not know:\n  - 0002_add_fares (applied by ${B})`);
    expect((err as DplError).hint).toContain(`dpl deploy.rollback:${A},allow-schema-ahead=yes`);
    expect(checkSchema(states, A, { hook: true, allowSchemaAhead: false, cmd })).toEqual([{ name: '0002_add_fares', release: B }]);
    expect(checkSchema(states, A, { hook: false, allowSchemaAhead: true, cmd })).toHaveLength(1);
    expect(checkSchema(states, B, { hook: false, allowSchemaAhead: false, cmd })).toEqual([]);
  });
});

describe('a failed rollout report', () => {
  const base: RolloutReport = {
    ok: false,
    release: C,
    ref: 'v2',
    sha: 'abc',
    batches: [{ batch: 1, hosts: ['web-0'], state: 'failed', samples: 3, conclusive: 3, failed: 2 }],
    hosts: [{ host: 'web-0', batch: 1, servers: ['app/web-0'], before: B, current: B, phase: 'rolled-back' }],
    failure: { check: 'error-rate', batch: 1, hosts: ['web-0'], message: 'error rate 40% over 20 requests' },
    rolledBack: true,
    durationMs: 1,
  };

  it('says which migration stays applied under the old release', () => {
    const text = renderFailure({ ...base, migrations: [{ name: '0004_add_x', release: C }] });
    expect(text).toContain('every moved host was rolled back');
    expect(text.split('\n').at(-1)).toBe(`migration 0004_add_x applied by ${C} stays applied: the old release runs against the new schema`);
  });

  it('says nothing about migrations when the release applied none', () => {
    expect(renderFailure(base)).not.toContain('migration');
  });
});
