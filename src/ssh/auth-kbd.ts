// Keyboard-interactive answers. sshd asks the login password this way through PAM
// ("Password: "), so a hidden prompt that asks for a password gets the once-per-run
// login password; anything else (a second factor, an echoing "Username:") is a
// question for the person, under its own prompter key, and never gets the password:
// the server chooses the prompt text, and a one-time code or a name is not the password.
import type { AnyAuthMethod } from 'ssh2';

export interface KbdAnswers {
  username: string;
  /** user@host:port: prefixes each question, as ssh's "(user@host) " does, so the person sees who asks. */
  label: string;
  /** The login password (the prompter's `ssh.password:<user>`: asked once per run). */
  password(): Promise<string>;
  ask(key: string, question: string): Promise<string>;
  /** Why the attempt failed (an answer that could not be had), for the error message. */
  problems: string[];
}

/** Whether a prompt asks for the login password: sshd's PAM asks "Password: ", hidden. */
export const asksPassword = (prompt: string, echo: boolean | undefined): boolean => !echo && /password/i.test(prompt);

/**
 * A server's text made safe to show: no control characters (they could move the
 * cursor or rewrite the line), and a prompt on one line, so the question always
 * starts with who asks.
 */
const shown = (text: string, lines: boolean): string =>
  text.replace(/[\x00-\x08\x0b-\x1f\x7f-\x9f]/g, '').replace(/\n+$/, '').replace(/\n/g, lines ? '\n' : ' ');

/** The prompter key of a prompt that is not the password: one answer per user and prompt text for the run. */
export const kbdKey = (username: string, prompt: string): string => `ssh.kbd:${username}:${prompt.trim().replace(/:$/, '').trim()}`;

export function keyboardInteractive(a: KbdAnswers): AnyAuthMethod {
  return {
    type: 'keyboard-interactive',
    username: a.username,
    prompt(_name, instructions, _lang, prompts, finish) {
      const intro = shown(instructions, true);
      const answer = async (): Promise<string[]> => {
        const out: string[] = [];
        // One at a time, in order, as a person would be asked.
        for (const p of prompts) {
          if (asksPassword(p.prompt, p.echo)) out.push(await a.password());
          else out.push(await a.ask(kbdKey(a.username, shown(p.prompt, false)), `${intro ? `${intro}\n` : ''}(${a.label}) ${shown(p.prompt, false)}`));
        }
        return out;
      };
      answer().then(finish, (err: Error) => {
        a.problems.push(err.message);
        // No answers: the server fails this attempt (the error above says why).
        finish([]);
      });
    },
  };
}
