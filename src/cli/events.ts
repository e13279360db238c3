// The CLI's own events: a question on the terminal (or the terminal handed to a
// command) opening and closing, and the first Ctrl-C. The progress line steps aside
// while a prompt is open; the pretty reporter prints where each host stands on an
// interrupt. Words: src/reporters/format/cli.ts.
import type { EventMap } from '../core/events.js';

/** secret: a password or passphrase, typed hidden; confirm: a [y/N] question; terminal: `dpl ssh`/an ad-hoc command owns the terminal. */
export type PromptKind = 'secret' | 'confirm' | 'terminal';

declare module '../core/events.js' {
  interface EventMap {
    /** `id` pairs it with its 'prompt.close'. Never the answer: answers may be secrets. */
    'prompt.open': {
      id: string;
      kind: PromptKind;
      /** secret: what is asked for ('sudo.password:deploy'), not the value. */
      key?: string;
      /** The host an ad-hoc command's terminal was handed to. */
      host?: string;
    };
    /** `answered`: false when the question ended without an answer (Ctrl-C, end of input, or the command failed). */
    'prompt.close': { id: string; kind: PromptKind; host?: string; answered: boolean };
    /** The first Ctrl-C (or SIGTERM): running commands finish, nothing new starts; a second one kills. */
    'run.interrupt': { signal: 'SIGINT' | 'SIGTERM' };
  }
}

export type CliEvent = 'prompt.open' | 'prompt.close' | 'run.interrupt';
export type PromptOpen = EventMap['prompt.open'];
