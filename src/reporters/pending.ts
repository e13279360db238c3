// The words for a `deploy.pending` event: per group of hosts, live → target, the
// commits between, files changed, migrations; a downgrade and "no changes" stand out.
import type { ChalkInstance } from 'chalk';
import type { EventMap, PendingCommit, PendingGroup } from '../core/events.js';

const short = (sha: string | undefined) => (sha ? sha.slice(0, 12) : '?');
const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

function commitLines(c: ChalkInstance, list: PendingCommit[], count: number, mark: string): string[] {
  const out = list.map((x) => `      ${mark} ${c.dim(x.sha.slice(0, 7))} ${x.subject}`);
  if (count > list.length) out.push(c.dim(`      … and ${count - list.length} more`));
  return out;
}

function liveText(g: PendingGroup): string {
  if (g.relation === 'unreadable') return 'could not be read';
  if (!g.release) return 'nothing live yet';
  return `${g.release} (${g.tag ? `${g.tag} @ ` : ''}${short(g.sha)})`;
}

function groupLines(c: ChalkInstance, g: PendingGroup): string[] {
  const head = `  ${plural(g.hosts.length, 'host')} on ${liveText(g)}: ${g.hosts.join(', ')}`;
  const out = [c.bold(head)];
  const stats = `${plural(g.addedCount, 'commit')}${g.removedCount ? ` added, ${g.removedCount} removed` : ''}, ${plural(g.files, 'file')} ${g.relation === 'first' ? 'in the release' : 'changed'}`;
  switch (g.relation) {
    case 'same':
      out.push(c.yellow('    no changes: deploying would ship nothing new'));
      break;
    case 'downgrade':
      out.push(c.red.bold(`    DOWNGRADE: the target is older than live; deploying would remove ${plural(g.removedCount, 'commit')} (${plural(g.files, 'file')} changed):`));
      out.push(...commitLines(c, g.removed, g.removedCount, c.red('-')));
      break;
    case 'diverged':
      out.push(c.red.bold(`    DIVERGED: live and target are on different histories; ${stats}`));
      out.push(...commitLines(c, g.added, g.addedCount, c.green('+')), ...commitLines(c, g.removed, g.removedCount, c.red('-')));
      break;
    case 'ahead':
    case 'first':
      out.push(`    ${g.relation === 'first' ? 'first deploy: ' : ''}${stats}`);
      out.push(...commitLines(c, g.added, g.addedCount, c.green('+')));
      break;
    default:
      out.push(c.yellow(`    cannot compare: ${g.note ?? 'unknown'}`));
  }
  if (g.migrations.length) out.push(c.yellow(`    migrations added: ${g.migrations.join(', ')}`));
  if (g.migrationsRemoved.length) out.push(c.red(`    migrations not in the target: ${g.migrationsRemoved.join(', ')}`));
  if (g.note && (g.relation !== 'unknown' && g.relation !== 'unreadable')) out.push(c.yellow(`    note: ${g.note}`));
  return out;
}

export function renderPending(c: ChalkInstance, e: EventMap['deploy.pending']): string {
  const t = e.target;
  const what = `${t.tag ?? t.ref} @ ${short(t.sha)} ${JSON.stringify(t.subject)}`;
  const lines = [c.bold(`What will ship: ${what}`)];
  if (e.groups.length > 1) lines.push(c.yellow(`  the hosts disagree: ${e.groups.length} groups on different releases`));
  for (const g of e.groups) lines.push(...groupLines(c, g));
  return lines.join('\n');
}
