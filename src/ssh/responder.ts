// The sudo responder: when `pattern` shows up on stdout or stderr, write
// `answer()` + "\n" to stdin and cut the prompt out of the output. The answer is
// cut out too (a pty echoes what we type), and sudo's "Sorry, try again." ends
// stdin so a wrong password fails at once instead of after three delays.
// Data for the command's own stdin must follow the password, yet passwordless
// sudo never prompts: a `sudo -n true` probe, run alongside, tells which it is.
import type { ClientChannel } from 'ssh2';
import type { ExecOptions } from '../transport/types.js';
import { PatternFilter } from '../transport/pattern-filter.js';

const SUDO_RETRY = 'Sorry, try again.';

export interface Stdin {
  readonly open: boolean;
  end(data?: string | Buffer): void;
}

/** Filters for stdout and stderr that answer the prompt on `ch`. */
export function attachResponder(
  ch: ClientChannel,
  responder: NonNullable<ExecOptions['responder']>,
  stdin: Stdin,
  data: ExecOptions['stdin'],
  passwordless: () => Promise<boolean>,
): { out: PatternFilter; err: PatternFilter } {
  const out = new PatternFilter();
  const err = new PatternFilter();
  const answers: string[] = [];
  let answered = 0;
  const onPrompt = (): void => {
    responder.answer().then(
      (answer) => {
        if (!answers.includes(answer)) {
          answers.push(answer);
          out.add(answer);
          err.add(answer);
        }
        if (!stdin.open) return;
        ch.write(answer + '\n');
        // Data for the command itself follows the password (sudo reads it first).
        if (++answered === 1 && data !== undefined) stdin.end(data);
      },
      () => stdin.end(),
    );
  };
  const wrong = (): void => stdin.end();
  for (const f of [out, err]) {
    f.add(responder.pattern, onPrompt);
    f.add(SUDO_RETRY, wrong, true);
  }
  if (data !== undefined) {
    passwordless().then(
      (yes) => {
        if (yes && answered === 0) stdin.end(data);
      },
      () => undefined,
    );
  }
  return { out, err };
}
