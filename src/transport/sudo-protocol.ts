// The sudo password exchange, shared by the ssh and local transports.
// sudo runs `/bin/sh -c` on a script whose first line prints a random marker
// (`started`) on the stream sudo prompts on. Until the marker shows, only sudo
// (and PAM) write there, so a prompt seen then is sudo's own; once it shows, the
// command writes there and nothing is answered or cut any more. The prompt text
// is on sudo's command line, readable by anyone with `ps`: a command that prints
// it only prints it. The other stream is never touched.
import { sh } from '../core/quote.js';
import { randomHex } from '../core/random.js';
import type { ExecOptions, Filter } from './types.js';

export type SudoExchange = NonNullable<ExecOptions['sudo']>;
export type SudoMarkers = Pick<SudoExchange, 'prompt' | 'started'>;

/** A fresh prompt and start marker for one sudo invocation. */
export function sudoMarkers(): SudoMarkers {
  return { prompt: `[dpl-sudo-${randomHex(6)}] password: `, started: `dpl-sudo-started-${randomHex(8)}` };
}

/** `sudo -S -p <prompt> -H [-u user] -- /bin/sh -c '<print started>\n<command>'`; the marker goes to stderr, as sudo's prompt does. */
export function sudoCommand(command: string, markers: SudoMarkers, user?: string): string {
  const script = sh`printf '%s\\n' ${markers.started} >&2` + '\n' + command;
  const as = user ? sh`-u ${user} ` : '';
  return sh`sudo -S -p ${markers.prompt} -H ` + as + sh`-- /bin/sh -c ${script}`;
}

/** The command's stdin, as the transport holds it. */
export interface SudoStdin {
  readonly open: boolean;
  write(data: string): void;
  /** Write `data` (if any) and end stdin; a no-op once ended. */
  end(data?: string | Buffer): void;
}

/**
 * Filter for the stream sudo prompts on (stderr, or the one stream of a pty).
 * Before `started`: the first prompt gets the password once; a second one means
 * the password was wrong, and ending stdin makes sudo give up at once instead
 * of asking again. The prompts, the marker and the line end right after each
 * (sudo's own, closing the prompt line) are cut. At `started`: the task's stdin
 * data is written and stdin ends. After it the stream passes through untouched.
 */
export class SudoStream implements Filter {
  private pending = '';
  private started = false;
  private eatLineEnd = false;
  private prompts = 0;
  private readonly prompt: string;
  private readonly marker: string;

  constructor(
    private readonly sudo: SudoExchange,
    private readonly stdin: SudoStdin,
    private readonly data: string | Buffer | undefined,
  ) {
    this.prompt = latin1(sudo.prompt);
    this.marker = latin1(sudo.started);
  }

  push(chunk: Buffer): Buffer {
    if (this.started && !this.eatLineEnd) return chunk;
    let s = this.pending + chunk.toString('latin1');
    this.pending = '';
    let out = '';
    for (;;) {
      if (this.eatLineEnd) {
        // Wait for the byte(s) that decide it.
        if (s === '' || s === '\r') {
          this.pending = s;
          return Buffer.from(out, 'latin1');
        }
        s = s.startsWith('\r\n') ? s.slice(2) : s.startsWith('\n') ? s.slice(1) : s;
        this.eatLineEnd = false;
      }
      if (this.started) return Buffer.from(out + s, 'latin1');
      const p = s.indexOf(this.prompt);
      const m = s.indexOf(this.marker);
      const isMarker = m >= 0 && (p < 0 || m < p);
      const at = isMarker ? m : p;
      if (at < 0) break;
      out += s.slice(0, at);
      s = s.slice(at + (isMarker ? this.marker : this.prompt).length);
      this.eatLineEnd = true;
      if (isMarker) this.start();
      else this.prompted();
    }
    const hold = heldSuffix(s, [this.prompt, this.marker]);
    this.pending = s.slice(s.length - hold);
    return Buffer.from(out + s.slice(0, s.length - hold), 'latin1');
  }

  flush(): Buffer {
    const s = this.pending;
    this.pending = '';
    return Buffer.from(s, 'latin1');
  }

  private prompted(): void {
    if (++this.prompts > 1) {
      this.stdin.end();
      return;
    }
    this.sudo.password().then(
      (password) => {
        if (this.stdin.open && !this.started) this.stdin.write(password + '\n');
      },
      () => this.stdin.end(),
    );
  }

  private start(): void {
    this.started = true;
    this.stdin.end(this.data);
  }
}

const latin1 = (s: string): string => Buffer.from(s, 'utf8').toString('latin1');

/** Length of the longest tail of s that could be the start of one of the texts. */
function heldSuffix(s: string, texts: string[]): number {
  let hold = 0;
  for (const t of texts) {
    for (let n = Math.min(t.length - 1, s.length); n > hold; n--) {
      if (t.startsWith(s.slice(s.length - n))) {
        hold = n;
        break;
      }
    }
  }
  return hold;
}
