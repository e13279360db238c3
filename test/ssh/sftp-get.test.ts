// get() of a directory must not trust the host (issue #14, finding 3). A hostile
// SFTP server (ssh2's server API, reached through dpl's real pool) serves crafted
// listings; the real bed sshd serves a tree that real `sftp` and `scp` also copy,
// and dpl must end up with what they produce.
import { spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, statSync, symlinkSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join, relative } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { HostError, InterruptedError } from '../../src/core/errors.js';
import type { DplEvent } from '../../src/core/events.js';
import type { Transport, TransportPool } from '../../src/transport/types.js';
import { start, tempProject } from '../reporters/support/cli.js';
import { bedHost, bedPool, bedTemp, describeBed } from '../support/bed.js';
import { dir, fifo, file, link, startHostileSftp, type FakeDir, type HostileSftp } from '../support/hostile/sftp-server.js';
import { warningsOf } from '../helpers/words.js';

/** Every path under `root` (relative), with its type and permission bits, as `find` + `stat -c %a` would list them. */
function listing(root: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      const st = lstatSync(p);
      const kind = st.isSymbolicLink() ? `link->${readlinkSync(p)}` : st.isDirectory() ? 'dir' : st.isFile() ? 'file' : 'other';
      out.push(`${relative(root, p)} ${kind} ${(st.mode & 0o7777).toString(8)}`);
      if (st.isDirectory()) walk(p);
    }
  };
  walk(root);
  return out;
}

/** Rejects when `p` has not settled after `ms`: a get that loops forever fails the test instead of hanging it. */
function within<T>(ms: number, p: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`still running after ${ms} ms`)), ms)));
  return Promise.race([p, late]).finally(() => clearTimeout(timer));
}

/** Warnings as the terminal words them (sftp.skipped events, names masked), without the host tag. */
const warnings = (seen: DplEvent[]): string[] => warningsOf(seen);

const umask = (): number => {
  const probe = join(bedTemp('umask-'), 'd');
  mkdirSync(probe, 0o777);
  return 0o777 & ~statSync(probe).mode;
};

const ODD = randomBytes(100_003);

function hostileTree(): FakeDir {
  const plainDir = dir(0o755);
  // A directory whose listing names itself as a subdirectory: a server that lies about types.
  const lie = dir(0o755, { f: file(0o644, 'f') });
  lie.entries.push(['deeper', lie]);
  return dir(0o755, {
    // What a client that joins and normalises '/names-up' + '../../escape' asks for.
    escape: file(0o644, 'pwned'),
    'names-up': dir(0o755, [['.', plainDir], ['..', plainDir], ['ok.txt', file(0o644, 'ok')], ['../../escape', file(0o644, 'pwned')]]),
    'names-slash': dir(0o755, [['ok.txt', file(0o644, 'ok')], ['a/b', file(0o644, 'pwned')]]),
    'names-dotdot-file': dir(0o755, [['..', file(0o644, 'pwned')]]),
    modes: dir(0o777, {
      suid: file(0o4755, '#!/bin/sh\n'),
      sgid: file(0o2755, '#!/bin/sh\n'),
      sticky: file(0o1777, 'x'),
      plain: file(0o640, 'plain'),
      shared: dir(0o2775, { f: file(0o644, 'f') }),
      tmp: dir(0o1777, {}),
      // No owner write: made writable to be filled, its mode set last (and through the umask).
      locked: dir(0o577, {}),
      pipe: fifo(),
      '\x1b[2J\x9b31m': link('plain'),
    }),
    // The finding's "two `.` links": each is a directory whose listing is the same forever.
    loop: dir(0o755, { 'file.txt': file(0o644, 'in loop'), self: link('.'), again: link('.') }),
    lie,
    odd: dir(0o755, { 'short.bin': file(0o644, ODD, { maxRead: 1000, claimedSize: 10 }), 'empty': file(0o600, '') }),
    slow: dir(0o755, { 'big.bin': file(0o644, Buffer.alloc(1 << 20, 7), { stallAt: 256 * 1024 }) }),
  });
}

describeBed('get from a hostile SFTP server', (bed) => {
  let server: HostileSftp;
  let pool: TransportPool;
  let seen: DplEvent[];
  let t: Transport;
  let mask: number;

  beforeAll(async () => {
    server = await startHostileSftp({ name: 'hostile-sftp', root: hostileTree(), dir: bedTemp('hostile-'), clientKey: bed.keys.plain });
    ({ pool, seen } = bedPool({ configFile: server.configFile, knownHostsFile: server.knownHostsFile }));
    t = await pool.get(bedHost(server.name));
    mask = umask();
  });
  afterAll(async () => {
    await pool?.closeAll();
    await server?.close();
  });

  it('refuses a listing name that climbs out of the target, and writes nothing outside it', async () => {
    const base = bedTemp('escape-');
    const target = join(base, 'a', 'b', 'target');
    mkdirSync(join(base, 'a', 'b'), { recursive: true });
    const err = await t.get('/names-up', target).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(HostError);
    expect(err).toMatchObject({ host: 'hostile-sftp', code: 'transfer.failed' });
    expect((err as Error).message).toMatch(/^get \/names-up: the server sent an unsafe name "\.\.\/\.\.\/escape" in the listing of \/names-up/);
    expect(existsSync(join(base, 'a', 'escape'))).toBe(false);
    // Nothing anywhere: the bad listing is refused before any of it is written.
    expect(listing(base)).toEqual(['a dir 755', 'a/b dir 755']);
  });

  it('refuses a name holding a slash, and a file called ..', async () => {
    const target = join(bedTemp('slash-'), 'target');
    await expect(t.get('/names-slash', target)).rejects.toThrow(/unsafe name "a\/b" in the listing of \/names-slash/);
    expect(existsSync(target)).toBe(false);
    await expect(t.get('/names-dotdot-file', target)).rejects.toThrow(/unsafe name "\.\." in the listing of \/names-dotdot-file/);
    expect(existsSync(target)).toBe(false);
  });

  it('drops setuid, setgid and sticky bits, applies the local umask (as sftp does) and leaves an existing target directory as it was', async () => {
    const target = join(bedTemp('modes-'), 'target');
    mkdirSync(target, 0o700);
    const before = seen.length;
    const r = await t.get('/modes', target);
    expect(r.files).toBe(5);
    expect(statSync(target).mode & 0o7777).toBe(0o700);
    const masked = (m: number): string => (m & ~mask).toString(8);
    expect(listing(target)).toEqual([
      `locked dir ${masked(0o577)}`,
      `plain file ${masked(0o640)}`,
      `sgid file ${masked(0o755)}`,
      `shared dir ${masked(0o775)}`,
      `shared/f file ${masked(0o644)}`,
      `sticky file ${masked(0o777)}`,
      `suid file ${masked(0o755)}`,
      `tmp dir ${masked(0o777)}`,
    ]);
    // Names reach the terminal with their control characters shown, not obeyed.
    expect(warnings(seen.slice(before))).toEqual([
      'get: skipped /modes/pipe: not a regular file or directory',
      'get: skipped symlink /modes/\\x1b[2J\\x9b31m (links are not followed; pass { followLinks: true } to copy what they point to)',
    ]);
  });

  it('never writes through a link already in the target: a link where a directory goes is refused', async () => {
    const base = bedTemp('through-');
    const outside = join(base, 'outside');
    const target = join(base, 'target');
    mkdirSync(outside);
    mkdirSync(target);
    symlinkSync(outside, join(target, 'shared'));
    await expect(t.get('/modes', target)).rejects.toThrow(`get /modes: ${join(target, 'shared')} exists and is not a directory`);
    expect(readdirSync(outside)).toEqual([]);
  });

  it('skips symlinks with a warning, as sftp does: two links to . end, not grow without limit', async () => {
    const target = join(bedTemp('loop-'), 'target');
    const before = seen.length;
    const r = await within(10_000, t.get('/loop', target));
    expect(r).toMatchObject({ files: 1, bytes: 7 });
    expect(listing(target)).toEqual(['file.txt file 644']);
    expect(warnings(seen.slice(before))).toEqual([
      'get: skipped symlink /loop/self (links are not followed; pass { followLinks: true } to copy what they point to)',
      'get: skipped symlink /loop/again (links are not followed; pass { followLinks: true } to copy what they point to)',
    ]);
  });

  it('followLinks: a link back to a directory being copied is skipped, so the copy ends', async () => {
    const target = join(bedTemp('loop-follow-'), 'target');
    const before = seen.length;
    const r = await within(10_000, t.get('/loop', target, { followLinks: true }));
    expect(r).toMatchObject({ files: 1 });
    expect(listing(target)).toEqual(['file.txt file 644']);
    expect(warnings(seen.slice(before))).toEqual([
      'get: skipped symlink /loop/self: it leads to /loop, a directory this get has already entered',
      'get: skipped symlink /loop/again: it leads to /loop, a directory this get has already entered',
    ]);
  });

  it('a server that lists a directory inside itself forever is stopped at 64 levels', async () => {
    const target = join(bedTemp('lie-'), 'target');
    const err = await within(20_000, t.get('/lie', target).catch((e: unknown) => e));
    expect(err).toBeInstanceOf(HostError);
    expect((err as HostError).host).toBe('hostile-sftp');
    expect((err as Error).message).toMatch(/^get \/lie: more than 64 directory levels at \/lie(\/deeper){64}$/);
  });

  it('reads to the end of the file through short reads, not to the size the server claimed', async () => {
    const target = join(bedTemp('odd-'), 'target');
    expect(await t.get('/odd', target)).toMatchObject({ files: 2, bytes: ODD.length });
    expect(readFileSync(join(target, 'short.bin')).equals(ODD)).toBe(true);
    expect(listing(target)).toEqual(['empty file 600', 'short.bin file 644']);
  });

  it('downloads to a 0600 temp file, and an abort mid-file stops at once with InterruptedError and no temp file', async () => {
    const target = join(bedTemp('slow-'), 'target');
    const controller = new AbortController();
    const pending = t.get('/slow', target, { signal: controller.signal }).catch((e: unknown) => e);
    await within(10_000, server.stalled());
    const temps = readdirSync(target).filter((n) => n !== 'big.bin');
    expect(temps).toHaveLength(1);
    expect(temps[0]).toMatch(/^\.big\.bin\.dpl-[0-9a-f]+$/);
    expect(statSync(join(target, temps[0]!)).mode & 0o7777).toBe(0o600);
    const aborted = performance.now();
    controller.abort();
    const err = await within(5_000, pending);
    expect(performance.now() - aborted).toBeLessThan(1000);
    expect(err).toBeInstanceOf(InterruptedError);
    expect(readdirSync(target)).toEqual([]);
  });
});

describeBed('get: the run signal (first Ctrl-C) stops a get', (bed) => {
  let server: HostileSftp;
  beforeAll(async () => {
    const slow = dir(0o755, { slow: dir(0o755, { 'big.bin': file(0o644, Buffer.alloc(1 << 20, 7), { stallAt: 128 * 1024 }) }) });
    server = await startHostileSftp({ name: 'hostile-slow', root: slow, dir: bedTemp('hostile-'), clientKey: bed.keys.plain });
  });
  afterAll(() => server?.close());

  it('the pool signal: InterruptedError, not a lost connection, and no temp file', async () => {
    const controller = new AbortController();
    const { pool } = bedPool({ configFile: server.configFile, knownHostsFile: server.knownHostsFile, signal: controller.signal });
    try {
      const t = await pool.get(bedHost(server.name));
      const target = join(bedTemp('pool-signal-'), 'target');
      const pending = t.get('/slow', target).catch((e: unknown) => e);
      await within(10_000, server.stalled());
      controller.abort();
      const err = await within(5_000, pending);
      expect(err).toBeInstanceOf(InterruptedError);
      expect(readdirSync(target)).toEqual([]);
    } finally {
      await pool.closeAll();
    }
  });

  it('the CLI: the first Ctrl-C ends c.get at once (exit 130, no temp file)', async () => {
    const fresh = await startHostileSftp({
      name: 'hostile-cli',
      root: dir(0o755, { slow: dir(0o755, { 'big.bin': file(0o644, Buffer.alloc(1 << 20, 7), { stallAt: 128 * 1024 }) }) }),
      dir: bedTemp('hostile-'),
      clientKey: bed.keys.plain,
    });
    const target = join(bedTemp('cli-'), 'target');
    const project = tempProject(`
import { deployfile, task } from 'dpl-deploy';
export default deployfile({
  tasks: { fetch: task({}, async (c) => { await c.get('/slow', ${JSON.stringify(target)}); }) },
});
`);
    const run = start(['-F', fresh.configFile, '-H', fresh.name, 'fetch'], { cwd: project });
    try {
      await within(20_000, fresh.stalled());
      run.child.kill('SIGINT');
      const done = await within(5_000, run.done);
      expect(done.code, done.stdout + done.stderr).toBe(130);
      expect(readdirSync(target)).toEqual([]);
    } finally {
      run.child.kill('SIGKILL');
      await fresh.close();
    }
  });
});

describeBed('get of a real tree: dpl, sftp -r and scp -r agree', (bed) => {
  const { pool, seen } = bedPool();
  let t: Transport;
  const remote = join(bed.hosts['web-3']!.root, `get-diff-${process.pid}`);
  const src = `${remote}/tree`;
  let out: string;

  beforeAll(async () => {
    t = await pool.get(bedHost('web-3'));
    // Made by the login user over ssh, as a deploy would leave it.
    await t.exec(
      [
        `rm -rf ${remote} && mkdir -p ${src}/sub ${src}/ro ${src}/private && cd ${src}`,
        'echo plain > plain && chmod 644 plain',
        'head -c 3000123 /dev/urandom > big && chmod 644 big',
        'echo run > exec && chmod 755 exec',
        'echo s > suid && chmod 4755 suid',
        'echo g > sgid && chmod 2755 sgid',
        'echo f > sub/f && chmod 777 sub',
        'echo r > ro/f && chmod 555 ro',
        'echo k > private/key && chmod 600 private/key && chmod 700 private',
        'ln -s sub dirlink && ln -s plain filelink && ln -s . dot && mkfifo fifo',
      ].join(' && '),
    );
    out = bedTemp('get-diff-');
  });
  afterAll(async () => {
    await t.exec(`chmod -R u+w ${remote}; rm -rf ${remote}`);
    await pool.closeAll();
  });

  const sftp = (dest: string) =>
    spawnSync('sftp', ['-F', bed.configFile, '-b', '-', 'web-3'], { input: `get -Rp ${src} ${dest}\n`, encoding: 'utf8' });
  const scp = (dest: string) => spawnSync('scp', ['-F', bed.configFile, '-rp', `web-3:${src}`, dest], { encoding: 'utf8' });

  it('by default dpl copies what sftp -r copies, with the same modes (links and the fifo skipped)', async () => {
    const viaSftp = join(out, 'sftp');
    const r = sftp(viaSftp);
    expect(r.status, r.stderr).toBe(0);
    const before = seen.length;
    await t.get(src, join(out, 'dpl'));
    expect(listing(join(out, 'dpl'))).toEqual(listing(viaSftp));
    expect(listing(viaSftp)).toContain('suid file 755');
    expect(readFileSync(join(out, 'dpl', 'big')).equals(readFileSync(join(viaSftp, 'big')))).toBe(true);
    expect(warnings(seen.slice(before)).sort()).toEqual(
      [
        `get: skipped ${src}/fifo: not a regular file or directory`,
        ...['dirlink', 'dot', 'filelink'].map(
          (l) => `get: skipped symlink ${src}/${l} (links are not followed; pass { followLinks: true } to copy what they point to)`,
        ),
      ].sort(),
    );
  });

  it('followLinks: files through links as scp -r copies them; a link to a directory is copied too, a link to . is not', async () => {
    const viaScp = join(out, 'scp');
    const r = scp(viaScp);
    // scp refuses the links to directories ("not a regular file") and exits 1.
    expect(r.stderr).toMatch(/dirlink: not a regular file/);
    await t.get(src, join(out, 'dpl-follow'), { followLinks: true });
    const got = listing(join(out, 'dpl-follow'));
    expect(got.filter((l) => !l.startsWith('dirlink'))).toEqual(listing(viaScp));
    expect(got.filter((l) => l.startsWith('dirlink')).map((l) => l.replace('dirlink', 'sub'))).toEqual(
      listing(viaScp).filter((l) => l.startsWith('sub')),
    );
    expect(readFileSync(join(out, 'dpl-follow', 'filelink'), 'utf8')).toBe('plain\n');
  });
});
