// Words for the CLI's events (src/cli/events.ts): prompts opening and closing
// (debug lines: the question itself is on the terminal), and the first Ctrl-C.
import type { Formats } from './types.js';
import type { CliEvent } from '../../cli/events.js';

export const cliFormats: Formats<CliEvent> = {
  'prompt.open': (e, f) => f.line(e.host, 'debug', e.kind === 'terminal' ? 'terminal handed to the command' : `waiting for an answer${e.key ? ` (${e.key})` : ''}`),
  'prompt.close': (e, f) =>
    f.line(e.host, 'debug', e.kind === 'terminal' ? 'terminal back from the command' : e.answered ? 'answered' : 'not answered'),
  'run.interrupt': (_e, f) => f.line(undefined, 'warn', 'interrupted: letting running commands finish, starting nothing new (Ctrl-C again to kill)'),
};
