// `dpl ssh HOST` and `dpl -H host -- cmd` from a terminal, driven through a real
// pseudo-terminal (test/helpers/pty.ts) against the sshd bed: the remote side sees
// a tty, TERM and the window size (and a resize), typed input arrives, the exit
// status comes back, host keys are checked as in a normal run. Without a terminal
// (CI): `dpl ssh` refuses a shell, pipes stdin to a command, and `-- cmd` is as before.
import { spawn } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { dplCommand, project } from '../helpers/cli.js';
import { onPty, type PtyRun } from '../helpers/pty.js';
import { describeBed } from '../support/bed.js';

const BUILT = existsSync(resolve(import.meta.dirname, '../../dist/bundle/main.js'));

/** dpl with stdin piped (no terminal anywhere), as in CI. */
function piped(args: string[], input: string, cwd?: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(...dplCommand(args), { cwd, env: { ...process.env, NO_COLOR: '1' }, stdio: ['pipe', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  child.stdin.end(input);
  return new Promise((r) => child.on('close', (code) => r({ code, stdout, stderr })));
}

describeBed('dpl ssh and -- cmd from a terminal', (bed) => {
  if (!BUILT) {
    it.skip('skipped: dist/ is not built (npm run build)', () => undefined);
    return;
  }
  if (!bed.pty) {
    it.skip('skipped: the bed cannot allocate ptys (run as root)', () => undefined);
    return;
  }
  const F = ['-F', bed.configFile];
  const runs: PtyRun[] = [];
  /** dpl with these arguments (or another command line: `argv`) on a 30x100 terminal. */
  const term = (args: string[], opts: Parameters<typeof onPty>[1] & { argv?: [string, string[]] } = {}): PtyRun => {
    const t = onPty(opts.argv ?? dplCommand(args), { rows: 30, cols: 100, ...opts, env: { TERM: 'xterm-256color', ...opts.env } });
    runs.push(t);
    return t;
  };
  afterEach(() => {
    for (const t of runs.splice(0)) t.kill();
  });
  /** Wait for the prompt of dash (the bed's login shell). */
  const prompt = (t: PtyRun, from = 0) => t.expect(/\$ $/, { from });

  it('dpl ssh HOST: a login shell on a tty, with TERM, the window size and a resize, typed input, and its exit status', async () => {
    const t = term(['ssh', ...F, 'web-0']);
    await prompt(t);
    t.send('tty; echo "term=$TERM host=$DPL_BED_HOST"; stty size; echo hi-$((1+1))\r');
    await t.expect(/hi-2\r?\n/);
    expect(t.output).toMatch(/\/dev\/pts\/\d+/);
    expect(t.output).toContain('term=xterm-256color host=web-0');
    expect(t.output).toMatch(/^30 100\r$/m);
    // The local terminal is raw on output too (as ssh makes it): the host's \r\n is not doubled.
    expect(t.output).not.toContain('\r\r\n');

    // The resize reaches dpl as SIGWINCH and the host as a window-change: poll until the shell sees it.
    t.resize(40, 120);
    let seen = false;
    for (let i = 0; i < 20 && !seen; i++) {
      const from = t.output.length;
      t.send('echo size=$(stty size)\r');
      const m = await t.expect(/size=(\d+ \d+)\r?\n/, { from });
      seen = m[1] === '40 120';
      if (!seen) await new Promise((r) => setTimeout(r, 100));
    }
    expect(seen).toBe(true);

    t.send('exit 7\r');
    expect(await t.exit).toBe(7);
  });

  it('dpl ssh HOST -- cmd: one command on a tty, exit status and 128+signal passed on', async () => {
    const t = term(['ssh', ...F, 'web-1', '--', '[ -t 0 ] && [ -t 1 ] && echo "tty-yes $(stty size)"; read x; echo "got-$x"; exit 5']);
    await t.expect(/tty-yes 30 100/);
    t.send('typed\r');
    await t.expect(/got-typed/);
    expect(await t.exit).toBe(5);

    const k = term(['ssh', ...F, 'web-1', '--', 'kill -TERM $$']);
    expect(await k.exit).toBe(128 + 15);
  });

  it('the local terminal is as it was afterwards: canonical, echoing, output processed', async () => {
    for (const args of [['ssh', ...F, 'web-0', '--', 'exit 3'], [...F, '-H', 'web-0', '--', 'exit 3']]) {
      // A shell runs dpl and then `stty -a` on the same terminal (node resets the terminal at exit
      // too, so the line endings above are what shows a terminal left raw while dpl goes on).
      const [cmd, argv] = dplCommand(args);
      const t = term([], { argv: ['/bin/sh', ['-c', '"$@"; s=$?; stty -a; exit $s', 'sh', cmd, ...argv]] });
      expect(await t.exit).not.toBe(0);
      // dpl's own lines after the session (the -H run's summary) still get \r\n from the terminal.
      expect(t.output).toMatch(/\r\n/);
      expect(t.output).not.toMatch(/[^\r]\n/);
      const settings = t.output.slice(t.output.indexOf('speed'));
      for (const flag of ['icanon', 'echo', 'isig', 'icrnl', 'opost', 'onlcr']) expect(settings).toMatch(new RegExp(`(^|\\s)${flag}(\\s|$)`));
    }
  });

  it('typing at a terminal with stdout to a file: a command gets no pty, its bytes arrive unchanged', async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'dpl-shell-')), 'out');
    const cases: Array<[string[], (text: string) => void]> = [
      [['ssh', ...F, 'web-0', '--', "[ -t 1 ] && echo tty || echo notty; printf 'a\\nb\\n'"], (text) => expect(text).toBe('notty\na\nb\n')],
      [[...F, '-H', 'web-0', '--', '[ -t 1 ] && echo tty || echo notty'], (text) => expect(text).toContain('[web-0] out: notty\n')],
    ];
    for (const [args, check] of cases) {
      const [cmd, argv] = dplCommand(args);
      const t = term([], { argv: ['/bin/sh', ['-c', '"$@" > "$0"', out, cmd, ...argv]] });
      expect(await t.exit).toBe(0);
      check(readFileSync(out, 'utf8'));
    }
  });

  it('HOST from the deployfile: an inventory name, a one-host role (an environment\'s with -E), a larger role refused', async () => {
    const dir = project(`import { deployfile } from 'dpl-deploy';
export default deployfile({
  hosts: { app: { hostname: 'web-2' } },
  roles: { db: ['web-3'], web: ['web-0', 'web-1'] },
  environments: { staging: { roles: { db: ['web-4'] } } },
  tasks: {},
});
`);
    const on = (...args: string[]) => piped(['ssh', ...F, ...args, '--', 'echo "on-$DPL_BED_HOST"'], '', dir);
    expect((await on('app')).stdout).toBe('on-web-2\n');
    expect((await on('db')).stdout).toBe('on-web-3\n');
    expect((await on('-E', 'staging', 'db')).stdout).toBe('on-web-4\n');
    const many = await on('web');
    expect(many.code).toBe(2);
    expect(many.stderr).toContain('role "web" has 2 hosts; a shell opens on one: web-0, web-1');
    expect(many.stdout).toBe('');
  });

  it('dpl ssh rides the same connection settings: a ProxyJump alias from the ssh config', async () => {
    const t = term(['ssh', ...F, 'web-1-via-bastion', '--', 'echo "on-$DPL_BED_HOST"']);
    await t.expect(/on-web-1/);
    expect(await t.exit).toBe(0);
  });

  it('an unknown or changed host key is refused as in a normal run (exit 255: dpl could not connect)', async () => {
    const phrases = { stranger: 'unknown host key for', imposter: 'HOST KEY CHANGED for' };
    for (const [name, phrase] of Object.entries(phrases)) {
      const { fingerprint } = bed.hosts[name]!;
      const normal = await piped([...F, '-H', name, '--', 'true'], '');
      expect(normal.stderr).toContain(phrase);
      expect(normal.stderr).toContain(fingerprint);
      const t = term(['ssh', ...F, name]);
      expect(await t.exit).toBe(255);
      expect(t.output).toMatch(new RegExp(`^dpl: error: \\[${name}\\] ${phrase}`, 'm'));
      expect(t.output).toMatch(/^dpl: hint: /m);
      expect(t.output).toContain(fingerprint);
      expect(t.output).not.toMatch(/\$ $/);
    }
    const refused = term(['ssh', ...F, 'refused']);
    expect(await refused.exit).toBe(255);
    expect(refused.output).toContain('connection refused');
  });

  it('-H host -- cmd from a terminal: a pty and typed input, host after host; -P and --json keep the old way', async () => {
    const cmd = '[ -t 0 ] && echo "tty-$DPL_BED_HOST"; read x; echo "got-$x-$DPL_BED_HOST"';
    const t = term([...F, '-H', 'web-0,web-1', '--', cmd]);
    await t.expect(/tty-web-0/);
    t.send('one\r');
    await t.expect(/got-one-web-0/);
    await t.expect(/tty-web-1/);
    t.send('two\r');
    await t.expect(/got-two-web-1/);
    expect(await t.exit).toBe(0);
    expect(t.output).toContain('[web-0] run: ');
    expect(t.output.indexOf('[web-0] run: ')).toBeLessThan(t.output.indexOf('[web-1] run: '));
    expect(t.output).toMatch(/Done: 1 task, 2 hosts ok/);

    const p = term([...F, '-P', '-H', 'web-0,web-1', '--', '[ -t 0 ] && echo tty || echo notty']);
    expect(await p.exit).toBe(0);
    expect(p.output).toContain('[web-0] out: notty');
    expect(p.output).toContain('[web-1] out: notty');

    const j = term([...F, '--json', '-H', 'web-0', '--', '[ -t 0 ] && echo tty || echo notty']);
    expect(await j.exit).toBe(0);
    expect(j.output).toContain('"line":"notty"');
  });

  it('-H host -- cmd from a terminal: a failing command fails the run as before', async () => {
    const t = term([...F, '-H', 'web-2', '--', 'echo before; exit 3']);
    expect(await t.exit).toBe(1);
    expect(t.output).toContain('before');
    expect(t.output).toContain('exited with code 3');
  });

  it('without a terminal: dpl ssh HOST refuses (exit 2), dpl ssh HOST -- cmd pipes stdin with no pty', async () => {
    const shell = await piped(['ssh', ...F, 'web-0'], 'echo should-not-run\n');
    expect(shell.code).toBe(2);
    expect(shell.stderr).toMatch(/dpl: error: .*terminal/);
    expect(shell.stderr).toContain('dpl ssh web-0 -- ');
    expect(shell.stdout).toBe('');

    const cat = await piped(['ssh', ...F, 'web-0', '--', '[ -t 0 ] && echo tty || echo notty; cat; echo "err-line" >&2; exit 4'], 'piped-1\npiped-2\n');
    expect(cat.stdout).toBe('notty\npiped-1\npiped-2\n');
    expect(cat.stderr).toBe('err-line\n');
    expect(cat.code).toBe(4);
  });

  it('without a terminal: -H host -- cat gets no stdin and no pty, output prefixed as before', async () => {
    const r = await piped([...F, '-H', 'web-0', '--', '[ -t 0 ] && echo tty || echo notty; cat; echo end'], 'piped-data\n');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('[web-0] out: notty');
    expect(r.stdout).toContain('[web-0] out: end');
    expect(r.stdout).not.toContain('piped-data');
  });

  // Like `ssh host cmd | head -1`: the reader leaving ends the session quietly, no stack trace.
  it('without a terminal: output into a pipe whose reader left (| head -1) ends the session quietly', async () => {
    const [cmd, argv] = dplCommand(['ssh', ...F, 'web-0', '--', 'seq 1 2000000']);
    const q = (a: string) => `'${a.replace(/'/g, `'\\''`)}'`;
    const child = spawn('sh', ['-c', `${[cmd, ...argv].map(q).join(' ')} | head -1`], { env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d: Buffer) => (out += d));
    child.stderr.on('data', (d: Buffer) => (err += d));
    const started = Date.now();
    await new Promise((r) => child.on('close', r));
    expect(out).toBe('1\n');
    expect(err).not.toMatch(/EPIPE|internal error|\n\s+at /);
    expect(Date.now() - started, 'dpl stops when its reader is gone, not after the whole command').toBeLessThan(20_000);
  });

  // ssh leaves at the first Ctrl-C while it connects: there is no session yet to pass it to.
  it('Ctrl-C while connecting to a host that never answers ends dpl ssh at once (exit 130)', async () => {
    const silent = createServer(() => undefined);
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    try {
      const port = (silent.address() as AddressInfo).port;
      const t = term(['ssh', ...F, '-t', '60', `127.0.0.1:${port}`]);
      await new Promise((r) => setTimeout(r, 1500));
      const sent = Date.now();
      t.send('\x03');
      expect(await t.exit).toBe(130);
      expect(Date.now() - sent).toBeLessThan(5000);
    } finally {
      silent.close();
    }
  });

  it('usage: a command without --, and a bad option, exit 2', async () => {
    const r = await piped(['ssh', ...F, 'web-0', 'uptime'], '');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('dpl ssh web-0 -- uptime');
    const o = await piped(['ssh', '--nope', 'web-0'], '');
    expect(o.code).toBe(2);
  });

  it('the shell gets none of the secrets dpl holds', async () => {
    const t = term(['ssh', ...F, 'web-0', '--', 'env; echo env-done'], { env: { DPL_SUDO_PASSWORD: 'sudo-secret-4711', DPL_SSH_PASSPHRASE: 'pass-secret-4711' } });
    await t.expect(/env-done/);
    expect(await t.exit).toBe(0);
    expect(t.output).not.toContain('secret-4711');
  });
});
