// Runs a command on a real pseudo-terminal (python3's pty module: node has none),
// as a person at a terminal would: the command's stdin, stdout and stderr are the
// pty, it is the session's foreground process, and a resize sends it SIGWINCH.
//
//   const t = onPty(dplCommand(['ssh', 'web-0']), { rows: 30, cols: 100 });
//   await t.expect(/\$ $/);
//   t.send('echo hi-$((1+1))\r');
//   await t.expect(/hi-2/);
//   t.resize(40, 120);
//   t.send('exit 7\r');
//   expect(await t.exit).toBe(7);
import { spawn } from 'node:child_process';

// Parent: copies the pty's output to stdout; reads one JSON command a line on stdin
// ({"send": text} | {"resize": [rows, cols]}); prints the child's wait status as
// JSON on stderr last. The child sets its window size before exec (no race with a
// parent-side ioctl).
const DRIVER = String.raw`
import fcntl, json, os, pty, select, struct, sys, termios
cfg = json.loads(sys.argv[1])
def size(fd, rows, cols):
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack('HHHH', rows, cols, 0, 0))
pid, fd = pty.fork()
if pid == 0:
    size(0, cfg['rows'], cfg['cols'])
    if cfg.get('cwd'): os.chdir(cfg['cwd'])
    os.execve(cfg['argv'][0], cfg['argv'], cfg['env'])
inp = sys.stdin.buffer
buf = b''
open_in = True
while True:
    r, _, _ = select.select([fd] + ([inp] if open_in else []), [], [])
    if fd in r:
        try:
            data = os.read(fd, 65536)
        except OSError:
            data = b''
        if not data:
            break
        os.write(1, data)
    if open_in and inp in r:
        chunk = os.read(inp.fileno(), 65536)
        if not chunk:
            open_in = False
            continue
        buf += chunk
        while b'\n' in buf:
            line, buf = buf.split(b'\n', 1)
            cmd = json.loads(line)
            if 'send' in cmd:
                os.write(fd, cmd['send'].encode())
            elif 'resize' in cmd:
                size(fd, cmd['resize'][0], cmd['resize'][1])
_, status = os.waitpid(pid, 0)
sys.stderr.write(json.dumps({'status': os.waitstatus_to_exitcode(status)}) + '\n')
`;

export interface PtyRun {
  /** Type these bytes (use `\r` for Enter, `\x03` for Ctrl-C). */
  send(text: string): void;
  /** Change the terminal's size (the process gets SIGWINCH). */
  resize(rows: number, cols: number): void;
  /** Everything the terminal showed so far (output and echo). */
  readonly output: string;
  /** Resolves once `pattern` appears in the output after `from` (default: anywhere); rejects after `timeoutMs`. */
  expect(pattern: RegExp, opts?: { timeoutMs?: number; from?: number }): Promise<RegExpExecArray>;
  /** The exit status: a code, or 128 + signal number as a shell reports it. */
  readonly exit: Promise<number>;
  /** Kill the command and the driver (for a test that failed half-way). */
  kill(): void;
}

export function onPty(
  [cmd, args]: [string, string[]],
  opts: { rows?: number; cols?: number; env?: Record<string, string | undefined>; cwd?: string } = {},
): PtyRun {
  const env = Object.fromEntries(Object.entries({ ...process.env, NO_COLOR: '1', ...opts.env }).filter((e): e is [string, string] => e[1] !== undefined));
  const cfg = { argv: [cmd, ...args], env, cwd: opts.cwd, rows: opts.rows ?? 24, cols: opts.cols ?? 80 };
  const child = spawn('python3', ['-c', DRIVER, JSON.stringify(cfg)], { stdio: ['pipe', 'pipe', 'pipe'] });
  let output = '';
  let stderr = '';
  let closed = false;
  const waiters = new Set<() => void>();
  child.stdout.on('data', (d: Buffer) => {
    output += d.toString('utf8');
    for (const w of [...waiters]) w();
  });
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString('utf8')));
  const exit = new Promise<number>((resolve, reject) => {
    child.on('close', () => {
      closed = true;
      for (const w of [...waiters]) w();
      const last = stderr.trim().split('\n').at(-1) ?? '';
      try {
        const status = (JSON.parse(last) as { status: number }).status;
        resolve(status < 0 ? 128 - status : status);
      } catch {
        reject(new Error(`pty driver failed: ${stderr}`));
      }
    });
  });
  exit.catch(() => undefined);
  const command = (c: object): void => void child.stdin.write(JSON.stringify(c) + '\n');
  return {
    send: (text) => command({ send: text }),
    resize: (rows, cols) => command({ resize: [rows, cols] }),
    get output() {
      return output;
    },
    expect(pattern, { timeoutMs = 15_000, from = 0 } = {}) {
      return new Promise((resolve, reject) => {
        const check = (): void => {
          const m = pattern.exec(output.slice(from));
          if (m) {
            done();
            resolve(m);
          } else if (closed) {
            done();
            reject(new Error(`${pattern} never appeared; the terminal showed:\n${output}`));
          }
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`${pattern} did not appear within ${timeoutMs} ms; the terminal showed:\n${output}`));
        }, timeoutMs);
        const done = (): void => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      });
    },
    exit,
    kill: () => void child.kill('SIGKILL'),
  };
}
