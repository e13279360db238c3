// A pseudo-terminal for TTY tests: dpl runs inside a detached tmux session on a
// private tmux server; the test types keys and reads the screen (with colours).
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { DPL_BIN } from './cli.js';

export interface Pane {
  /** The visible screen; `colors` keeps the escape sequences. */
  screen(colors?: boolean): string;
  keys(...keys: string[]): void;
  /** Wait until the screen matches. */
  waitFor(pattern: RegExp, timeoutMs?: number, colors?: boolean): Promise<string>;
  /** Exit code of the dpl command, once it ended. */
  exitCode(timeoutMs?: number): Promise<number>;
  kill(): void;
}

export interface PaneOptions {
  cwd: string;
  env?: Record<string, string>;
  width?: number;
  height?: number;
}

/** Start `dpl args...` in a 120x40 terminal. */
export function dplInTerminal(args: string[], o: PaneOptions): Pane {
  const socket = `dpl-test-${process.pid}-${randomBytes(3).toString('hex')}`;
  const tmux = (...a: string[]) => execFileSync('tmux', ['-L', socket, ...a], { encoding: 'utf8' });
  const marker = `/tmp/${socket}.exit`;
  const env = { TERM: 'xterm-256color', ...o.env };
  const envWords = Object.entries(env).map(([k, v]) => `${k}=${shq(v)}`);
  // `env -u` drops what the test runner's environment would otherwise leak in.
  const unset = ['CI', 'NO_COLOR', 'FORCE_COLOR'].filter((k) => !(k in env)).flatMap((k) => ['-u', k]);
  const command = `trap : INT; env ${unset.join(' ')} ${envWords.join(' ')} ${shq(process.execPath)} ${shq(DPL_BIN)} ${args.map(shq).join(' ')}; echo $? > ${marker}; sleep 600`;
  tmux('new-session', '-d', '-x', String(o.width ?? 120), '-y', String(o.height ?? 40), '-c', o.cwd, 'sh', '-c', command);
  const screen = (colors = false) => tmux('capture-pane', '-p', ...(colors ? ['-e'] : []));
  return {
    screen,
    keys: (...keys) => void tmux('send-keys', ...keys),
    async waitFor(pattern, timeoutMs = 15_000, colors = false) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const s = screen(colors);
        if (pattern.test(s)) return s;
        if (Date.now() > deadline) throw new Error(`screen never matched ${pattern}:\n${s}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async exitCode(timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        let text = '';
        try {
          text = execFileSync('cat', [marker], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
        } catch {
          /* not yet */
        }
        if (text) return Number(text);
        if (Date.now() > deadline) throw new Error(`dpl did not exit:\n${screen()}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    kill() {
      try {
        tmux('kill-server');
      } catch {
        /* already gone */
      }
      try {
        execFileSync('rm', ['-f', marker]);
      } catch {
        /* ignore */
      }
    },
  };
}

function shq(s: string): string {
  return `'${s.replace(/'/g, `'"'"'`)}'`;
}
