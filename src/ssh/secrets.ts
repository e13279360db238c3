// Secrets asked during connects (key passphrases, login passwords): each asked at
// most once per run, one question at a time even when 50 hosts connect at once,
// and registered for redaction before anyone else sees them.
import type { Prompter } from '../core/context-types.js';
import type { EventBus } from '../core/events.js';

export class Secrets {
  private readonly cache = new Map<string, Promise<string>>();
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly prompter: Prompter,
    private readonly events: EventBus,
  ) {}

  get(key: string, question: string): Promise<string> {
    let p = this.cache.get(key);
    if (!p) {
      const ask = async (): Promise<string> => {
        const value = await this.prompter.secret(key, question);
        this.events.redact(value);
        return value;
      };
      p = this.queue.then(ask, ask);
      this.queue = p.catch(() => undefined);
      this.cache.set(key, p);
    }
    return p;
  }
}
