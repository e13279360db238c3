// Words for the git tasks' events (src/git/events.ts).
import type { Formats } from './types.js';
import type { GitEvent } from '../../git/events.js';
import { describeResolved } from '../../git/describe.js';

export const gitFormats: Formats<GitEvent> = {
  'git.flow': (e, f) =>
    e.state === 'started'
      ? f.line(undefined, 'info', `${e.kind} ${e.version} started on ${e.branch}; finish with \`dpl ${e.kind}.finish:${e.version}\``)
      : f.line(undefined, 'info', `${e.kind} ${e.version} finished: ${e.tag} → ${e.sha.slice(0, 12)}${e.pushed ? ' (pushed)' : ''}`),
  'git.version': (e, f) =>
    [
      e.file ? f.line(undefined, 'info', `${e.file.describe} = ${e.file.version}`) : undefined,
      f.line(undefined, 'info', `stable tag: ${e.stable ?? '(none)'}, latest tag: ${e.latest ?? '(none)'}`),
    ]
      .filter((l) => l !== undefined)
      .join('\n') || undefined,
  'git.resolved': (e, f) => f.line(undefined, 'info', `resolved ${describeResolved(e)}`),
};
