// Asks the person at the keyboard for secrets, once per run and one at a time,
// so parallel hosts never race for the terminal. Answers are registered for
// redaction before anyone can print them. Without a TTY, DPL_<KEY> env vars answer
// (DPL_SUDO_PASSWORD, DPL_SSH_PASSWORD, DPL_SSH_PASSPHRASE): start-up took them out
// of the environment into `secrets`, so they are read from there.
import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';
import { UsageError } from '../core/errors.js';
import type { EventBus } from '../core/events.js';
import type { Prompter } from '../core/context-types.js';
import type { PromptOpen } from './events.js';
import { assertOneLine, isSecretEnvName, secretEnvNames, type Secrets } from '../core/secrets.js';

export class TerminalPrompter implements Prompter {
  private readonly answers = new Map<string, Promise<string>>();
  private queue: Promise<unknown> = Promise.resolve();
  /** Questions asked so far (their ids). */
  private asked = 0;

  constructor(
    private readonly events: EventBus,
    private readonly secrets: Secrets,
    readonly interactive: boolean = !!process.stdin.isTTY && !!process.stderr.isTTY,
    private readonly env: NodeJS.ProcessEnv = process.env,
  ) {}

  secret(key: string, question: string): Promise<string> {
    let answer = this.answers.get(key);
    if (!answer) {
      answer = this.obtain(key, question).then((value) => {
        this.secrets.add(value);
        return value;
      });
      // A failed ask is not cached: the next host may ask again.
      answer.catch(() => this.answers.delete(key));
      this.answers.set(key, answer);
    }
    return answer;
  }

  async confirm(question: string): Promise<boolean> {
    if (!this.interactive) return false;
    const reply = await this.serial(() => this.asking({ kind: 'confirm' }, () => ask(`${question} [y/N] `, false)));
    return /^y(es)?$/i.test(reply.trim());
  }

  private async obtain(key: string, question: string): Promise<string> {
    // 'ssh.password:deploy' → DPL_SSH_PASSWORD_DEPLOY, then DPL_SSH_PASSWORD for every user.
    const names = secretEnvNames(key);
    const envName = names.at(-1)!;
    for (const name of names) {
      // A key dpl does not know (a deployfile's own): its variable is taken out of the environment now.
      if (!isSecretEnvName(name)) this.secrets.takeEnv(this.env, [name]);
      const fromEnv = this.secrets.envValue(name);
      if (fromEnv) {
        assertOneLine(fromEnv, name);
        return fromEnv;
      }
    }
    if (!this.interactive) {
      throw new UsageError(`dpl needs a secret (${question.trim()}) but there is no terminal to ask on`, {
        code: 'confirm.declined',
        hint: `set ${envName} in the environment, or run dpl from a terminal`,
      });
    }
    const typed = await this.serial(() => this.asking({ kind: 'secret', key }, () => ask(question, true)));
    this.secrets.add(typed);
    assertOneLine(typed, `the answer to "${question.trim()}"`, 'type the secret alone, on one line');
    return typed;
  }

  /** Tell reporters a question is on screen, so a live progress line steps aside (never the answer). */
  private async asking<T>(open: Omit<PromptOpen, 'id'>, fn: () => Promise<T>): Promise<T> {
    const id = `q${++this.asked}`;
    this.events.emit('prompt.open', { id, ...open });
    let answered = false;
    try {
      const answer = await fn();
      answered = true;
      return answer;
    } finally {
      this.events.emit('prompt.close', { id, kind: open.kind, answered });
    }
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.queue.then(fn, fn);
    this.queue = next.catch(() => undefined);
    return next;
  }
}

function ask(question: string, secret: boolean): Promise<string> {
  let muted = false;
  const output = new Writable({
    write(chunk, _enc, done) {
      if (!muted) process.stderr.write(chunk);
      done();
    },
  });
  const rl = createInterface({ input: process.stdin, output, terminal: true });
  return new Promise((resolve) => {
    rl.question(question, (value) => {
      rl.close();
      if (secret) process.stderr.write('\n');
      resolve(value);
    });
    muted = secret;
  });
}
