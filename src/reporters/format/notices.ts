// Words for the executor's and a context's notices (src/core/notices.ts).
import type { Formats } from './types.js';
import type { NamedSelection, NoticeEvent } from '../../core/notices.js';

const named = (s: NamedSelection): string => [...s.hosts, ...s.roles.map((r) => `role ${r}`)].join(', ');

export const noticeFormats: Formats<NoticeEvent> = {
  'task.once': (e, f) => f.line(undefined, 'info', `${e.task} runs once per run: it ran already, its result stands`),
  'task.override': (e, f) => f.line(undefined, 'warn', `${e.task} runs on its own ${named(e.own)}, not on what was chosen before it (${named(e.chosen)})`),
  'task.empty': (e, f) => f.line(undefined, 'warn', `${e.task}: no hosts left to run on (all excluded); skipped`),
  'host.skipped': (e, f) => f.line(e.host, 'warn', `skipping bad host: ${e.error}`),
  'command.ignored': (e, f) => f.line(e.host, 'warn', `ignoring failure (warn only): ${e.error}`),
  'context.unused': (e, f) => {
    const call = e.call;
    return f.line(
      e.host,
      'warn',
      `c.${call} returned a new context that was not used, and c is unchanged: ${JSON.stringify(e.command)} runs without it. ` +
        `Run commands on the context it returns, or pass a function: c.${call.replace(/\)$/, '')}${call.endsWith('()') ? '' : ', '}async () => { ... })`,
    );
  },
};
