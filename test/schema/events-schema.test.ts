// schema/events.v1.json, the published contract of `dpl --json`: it is what
// `npm run schema` makes from the types today (it cannot drift from DplEvent), the
// package ships and exports it, a real deploy's --json stream fits it line by line,
// and it rejects broken events (the validator can fail).
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeBed } from '../support/bed.js';
import { cliProject, deployFixtures, ok } from '../deploy/cli-project.js';
import type { AppRepo } from '../deploy/fixtures.js';
import { checkStream, schemaError, SCHEMA_FILE } from './validate.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
const committed = () => readFileSync(SCHEMA_FILE, 'utf8');
const now = () => new Date().toISOString();

describe('schema/events.v1.json', () => {
  it('is exactly what `npm run schema` generates from DplEvent now (run it after changing an event)', () => {
    const r = spawnSync(process.execPath, [path.join(ROOT, 'scripts/schema.mjs'), '--stdout'], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout, 'schema/events.v1.json is stale: run `npm run schema` and commit it').toBe(committed());
  }, 60_000);

  type Branch = { additionalProperties: unknown; required: string[]; properties: Record<string, { const?: unknown }> };
  it('has a versioned $id, one branch per event type with `type` as a const, closed objects, and run.start carrying schema: 1', () => {
    const s = JSON.parse(committed()) as { $id: string; oneOf: Array<Branch & { anyOf?: Branch[] }> };
    expect(s.$id).toBe('urn:dpl-deploy:schema:events:v1');
    const types = s.oneOf.map((b) => b.properties.type!.const);
    expect(new Set(types).size).toBe(types.length);
    // The core events and at least one augmentation from each domain module that declares events.
    for (const t of ['run.start', 'run.end', 'task.start', 'host.end', 'command.end', 'output', 'log', 'deploy.pending', 'deploy.step', 'deploy.upload', 'rollout.sample'])
      expect(types, t).toContain(t);
    // A union payload is one branch whose variants (anyOf) are each closed.
    for (const b of s.oneOf.flatMap((b) => b.anyOf ?? [b])) {
      expect(b.additionalProperties, String(b.properties.type!.const)).toBe(false);
      expect(b.required).toEqual(expect.arrayContaining(['type', 'time']));
    }
    const start = s.oneOf[types.indexOf('run.start')]!;
    expect(start.properties.schema).toMatchObject({ const: 1 });
    expect(start.required).toContain('schema');
  });

  it('is shipped and exported by the package', () => {
    const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { files: string[]; exports: Record<string, unknown>; scripts: Record<string, string> };
    expect(pkg.files).toContain('schema');
    expect(pkg.exports['./schema/events.v1.json']).toBe('./schema/events.v1.json');
    expect(pkg.scripts.schema).toBe('node scripts/schema.mjs');
    expect(createRequire(path.join(ROOT, 'package.json')).resolve('dpl-deploy/schema/events.v1.json')).toBe(SCHEMA_FILE);
    const pack = spawnSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
    expect(pack.status, pack.stderr).toBe(0);
    const [{ files }] = JSON.parse(pack.stdout) as Array<{ files: Array<{ path: string }> }>;
    expect(files.map((f) => f.path)).toContain('schema/events.v1.json');
  }, 60_000);

  it('rejects broken events: no type, an unknown type, a wrong field type, a missing or extra field, a bad time', () => {
    const good = { type: 'host.end', time: now(), task: 'deploy', host: 'web-0', ok: true, durationMs: 12 };
    expect(schemaError(good)).toBeUndefined();
    const { type: _t, ...untyped } = good;
    expect(schemaError(untyped)).toMatch(/must have required property 'type'/);
    expect(schemaError({ ...good, type: 'host.exploded' })).toMatch(/value of tag "type" must be in oneOf/);
    expect(schemaError({ ...good, ok: 'yes' })).toMatch(/^host.end \/ok must be boolean/);
    const { host: _h, ...hostless } = good;
    expect(schemaError(hostless)).toMatch(/must have required property 'host'/);
    expect(schemaError({ ...good, colour: 'red' })).toMatch(/must NOT have additional properties.*colour/);
    expect(schemaError({ ...good, time: 'yesterday' })).toMatch(/^host.end \/time must match format "date-time"/);
    expect(schemaError({ type: 'run.start', time: now(), tasks: [], dryRun: false, schema: 2 })).toMatch(/^run.start \/schema must be equal to constant/);
    expect(() => checkStream(`${JSON.stringify(good)}\n${JSON.stringify({ ...good, durationMs: '12' })}\n`, 'stdout')).toThrow(/stdout:2: .*\/durationMs must be number/);
    expect(() => checkStream('{"type":"log",\n', 'stdout')).toThrow(/stdout:1: not JSON/);
  });
});

describeBed('a real deploy with --json: every stdout line fits the schema', (bed) => {
  let repo!: AppRepo;
  const { track } = deployFixtures(bed, (r) => (repo = r));

  it('deploy:v1.0.0, deploy:v1.1.0, a failed deploy of a missing ref, and deploy.pending: all lines valid', async () => {
    const p = track(cliProject(bed, 'schema', `{ repoDir: ${JSON.stringify(repo.work)}, roles: ['web'] }`));
    const seen = { lines: 0, types: new Map<string, number>() };
    for (const args of [['deploy:v1.0.0'], ['deploy:v1.1.0'], ['-R', 'web', 'deploy.pending:v1.0.0']]) {
      const r = await p.dpl(['--json', '--yes', ...args]);
      ok(r);
      checkStream(r.stdout, `dpl --json ${args.join(' ')}`, seen);
    }
    const bad = await p.dpl(['--json', '--yes', 'deploy:v9.9.9']);
    expect(bad.code, bad.stderr).toBe(1);
    checkStream(bad.stdout, 'dpl --json deploy:v9.9.9', seen);
    const end = JSON.parse(bad.stdout.trim().split('\n').pop()!) as { type: string; ok: boolean };
    expect(end).toMatchObject({ type: 'run.end', ok: false });

    expect(seen.lines).toBeGreaterThan(50);
    for (const t of ['run.start', 'run.end', 'task.start', 'command.start', 'command.end', 'deploy.resolved', 'deploy.phase', 'deploy.step', 'deploy.status', 'deploy.pending'])
      expect([...seen.types.keys()], t).toContain(t);
  }, 120_000);
});
