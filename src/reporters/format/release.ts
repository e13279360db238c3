// Words for what a deploy does on the way (src/deploy/events.ts, upload.ts): the
// build and upload, hooks and migrations, cleanup, the deploy tag, the rollback's
// choices, and the inspecting tasks (deploy.releases, deploy.check).
import type { Formats } from './types.js';

type ReleaseEvent =
  | 'deploy.upload'
  | 'deploy.cleanup'
  | 'deploy.hook'
  | 'deploy.migrations'
  | 'deploy.unrecorded'
  | 'deploy.tag'
  | 'deploy.build'
  | 'deploy.built'
  | 'deploy.releases'
  | 'deploy.check'
  | 'deploy.rollback'
  | 'deploy.confirm';

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
const short = (sha: string) => sha.slice(0, 12);
const sizeOf = (n: number): string => (n >= 1024 * 1024 ? `${(n / 1024 / 1024).toFixed(1)} MiB` : `${(n / 1024).toFixed(1)} KiB`);
const lines = (list: Array<string | undefined>) => list.filter((l): l is string => l !== undefined).join('\n') || undefined;

const UNRECORDED = {
  migrations: 'could not record the migrations in history.jsonl',
  'undone-migrations': 'could not record the undone migrations in history.jsonl',
  deploy: 'could not record the deploy in history.jsonl',
  undo: 'could not record the undo in its journal',
} as const;

export const releaseFormats: Formats<ReleaseEvent> = {
  'deploy.upload': (e, f) =>
    lines([
      e.damaged ? f.line(e.host, 'warn', `the manifest of ${e.damaged} is damaged or incomplete: uploading every file`) : undefined,
      e.fallback ? f.line(e.host, 'warn', `${e.fallback}; uploading every file`) : undefined,
      f.line(e.host, 'info', `uploaded ${plural(e.files, 'file')} (${sizeOf(e.bytes)} sent)${e.linked ? `; ${e.linked} unchanged hard-linked from ${e.base}` : ''}`),
    ]),
  'deploy.cleanup': (e, f) => {
    if (e.error !== undefined) return f.line(e.host, 'warn', `cleanup after the deploy failed: ${e.error}`);
    const kept = e.kept ?? [];
    if (e.removed?.length) return f.line(e.host, 'info', `cleanup: removed ${e.removed.join(', ')}; kept ${kept.join(', ')}`);
    // Releases it could not delete: the run's warning (or error) says which and why.
    return e.stuck?.length ? undefined : f.line(e.host, 'info', `cleanup: nothing to remove (${plural(kept.length, 'release')} kept)`);
  },
  'deploy.hook': (e, f) => {
    if (e.state === 'start') return f.line(e.host, 'info', `running ${e.hook}`);
    if (e.state === 'skipped') return f.line(undefined, 'warn', `${e.hook}: no target host has role ${e.role}; skipped`);
    return f.line(e.host, 'warn', `hook ${e.hook} failed: ${e.error}`);
  },
  'deploy.migrations': (e, f) =>
    f.line(e.host, 'info', `${e.step} applied migration${e.migrations.length === 1 ? '' : 's'} ${e.migrations.join(', ')} (recorded for release ${e.release})`),
  'deploy.unrecorded': (e, f) =>
    f.line(e.host, 'warn', e.step ? `${e.step}: could not record its migrations: ${e.error}` : `${UNRECORDED[e.what]}: ${e.error}`),
  'deploy.tag': (e, f) => {
    if (e.noEnvironment) return f.line(undefined, 'warn', 'deployTag: no environment (set deployTag.environment); the commit was not tagged');
    if (e.error !== undefined) return f.line(undefined, 'warn', `could not tag the deploy: ${e.error}`);
    return f.line(undefined, 'info', `tagged ${short(e.sha)} as ${e.tag}${e.pushed ? ' (pushed)' : ''}`);
  },
  'deploy.build': (e, f) => f.line(undefined, 'info', `building ${e.release} from ${short(e.sha)} in ${e.dir}`),
  'deploy.built': (e, f) => f.line(undefined, 'info', `build output: ${e.files} files, ${(e.treeBytes / 1024 / 1024).toFixed(1)} MiB`),
  'deploy.releases': (e, f) => {
    if (!e.rows.length) return f.line(e.host, 'info', e.current ? `current → ${e.current} (no release directories)` : 'no releases');
    return lines(
      e.rows.map((row) => {
        const what = row.sha ? `${row.ref ?? '?'} @ ${short(row.sha)}` : '';
        const note = row.current ? '  (current)' : row.release === e.previous ? '  (rollback target)' : '';
        return f.line(e.host, 'info', `${row.current ? '*' : ' '} ${row.release}  ${row.status.padEnd(11)} ${what}${note}`);
      }),
    );
  },
  'deploy.check': (e, f) =>
    f.line(
      e.host,
      'info',
      `ok: ${e.root} writable by ${e.user}, lock free${e.current ? `, current → ${e.current}` : ''}${e.freeKiB ? `, ${(e.freeKiB / 1048576).toFixed(1)} GiB free` : ''}`,
    ),
  'deploy.rollback': (e, f) => {
    switch (e.state) {
      case 'target':
        return f.line(undefined, 'info', `rolling back to ${e.release}${e.sha ? ` (${e.tag ?? e.ref} @ ${short(e.sha)})` : ''} on ${e.hosts.join(', ')}`);
      case 'schema-ahead':
        return f.line(
          undefined,
          'warn',
          `rolling back past applied migrations; they stay applied and ${e.release} runs against the newer schema:\n  - ${e.migrations.map((m) => `${m.name} (applied by ${m.release})`).join('\n  - ')}`,
        );
      case 'undo-migrations':
        return f.line(undefined, 'info', `rollbackMigrations: undoing ${e.migrations.join(', ')}`);
      case 'dry-run':
        return f.line(undefined, 'info', "dry run: the rollback target comes from each host's history, which a dry run does not read; nothing more to show");
    }
  },
  'deploy.confirm': (_e, f) => f.line(undefined, 'info', 'confirmation skipped (--yes)'),
};
