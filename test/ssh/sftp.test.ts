// put/get over the connection's SFTP session, and streams to sockets on the host.
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, statSync, writeFileSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { HostError } from '../../src/core/errors.js';
import type { Transport } from '../../src/transport/types.js';
import { bedHost, bedPool, describeBed } from '../support/bed.js';

describeBed('sftp put/get and connect', (bed) => {
  const { pool } = bedPool();
  let t: Transport;
  let local: string;
  const root = bed.hosts['web-3']!.root;
  const remote = join(root, `sftp-${process.pid}`);
  beforeAll(async () => {
    t = await pool.get(bedHost('web-3'));
    local = mkdtempSync(join(tmpdir(), 'dpl-sftp-'));
    await t.exec(`rm -rf ${remote} && mkdir -p ${remote}`);
  });
  afterAll(async () => {
    await t.exec(`rm -rf ${remote}`);
    await pool.closeAll();
    rmSync(local, { recursive: true, force: true });
  });

  it('puts a file with its mode, through a temp name renamed into place', async () => {
    const src = join(local, 'app.conf');
    writeFileSync(src, 'listen 80;\n');
    chmodSync(src, 0o640);
    await t.exec(`echo old > ${remote}/app.conf`);
    const inodeBefore = (await t.exec(`stat -c %i ${remote}/app.conf`)).stdout;
    const r = await t.put(src, `${remote}/app.conf`);
    expect(r).toEqual({ local: src, remote: `${remote}/app.conf`, bytes: 11, files: 1 });
    const st = await t.exec(`stat -c '%a %s %U' ${remote}/app.conf; cat ${remote}/app.conf`);
    expect(st.stdout).toBe(`640 11 ${bed.user}\nlisten 80;\n`);
    // Renamed into place: a new inode, and no temp file left behind.
    expect((await t.exec(`stat -c %i ${remote}/app.conf`)).stdout).not.toBe(inodeBefore);
    expect((await t.exec(`ls -A ${remote}`)).stdout).toBe('app.conf\n');
  });

  it('puts into an existing directory, and honours an explicit mode', async () => {
    const src = join(local, 'run.sh');
    writeFileSync(src, '#!/bin/sh\necho run\n');
    const r = await t.put(src, remote, { mode: 0o750 });
    expect(r.remote).toBe(`${remote}/run.sh`);
    expect((await t.exec(`stat -c %a ${remote}/run.sh && ${remote}/run.sh`)).stdout).toBe('750\nrun\n');
  });

  it('puts and gets a directory tree recursively, keeping modes, counting files and bytes', async () => {
    const tree = join(local, 'release');
    mkdirSync(join(tree, 'bin'), { recursive: true });
    mkdirSync(join(tree, 'private'), { mode: 0o700 });
    chmodSync(join(tree, 'private'), 0o700);
    writeFileSync(join(tree, 'index.html'), '<h1>hi</h1>\n');
    writeFileSync(join(tree, 'bin', 'start'), '#!/bin/sh\n');
    chmodSync(join(tree, 'bin', 'start'), 0o755);
    writeFileSync(join(tree, 'private', 'key'), 'secret');
    chmodSync(join(tree, 'private', 'key'), 0o600);
    writeFileSync(join(tree, 'empty'), '');
    const up = await t.put(tree, `${remote}/release`);
    expect(up).toMatchObject({ files: 4, bytes: 12 + 10 + 6 + 0 });
    const listing = await t.exec(`cd ${remote}/release && find . | sort | while read f; do echo "$f $(stat -c %a "$f")"; done`);
    expect(listing.stdout).toBe(
      ['. 755', './bin 755', './bin/start 755', './empty 644', './index.html 644', './private 700', './private/key 600', ''].join('\n'),
    );
    const back = join(local, 'back');
    const down = await t.get(`${remote}/release`, back);
    expect(down).toMatchObject({ files: 4, bytes: 28 });
    expect(readFileSync(join(back, 'private', 'key'), 'utf8')).toBe('secret');
    expect(statSync(join(back, 'private', 'key')).mode & 0o777).toBe(0o600);
    expect(statSync(join(back, 'private')).mode & 0o777).toBe(0o700);
    expect(statSync(join(back, 'bin', 'start')).mode & 0o777).toBe(0o755);
    expect(readdirSync(back).sort()).toEqual(['bin', 'empty', 'index.html', 'private']);
  });

  // Files of one directory move several at a time; each one's bytes must be counted (a `+= await` lost some).
  it('counts every byte of a directory whose files move in parallel, both ways', async () => {
    const many = join(local, 'many');
    mkdirSync(many);
    let total = 0;
    for (let i = 1; i <= 40; i++) {
      writeFileSync(join(many, `f${i}`), 'x'.repeat(i * 37));
      total += i * 37;
    }
    const up = await t.put(many, `${remote}/many`);
    expect(up).toMatchObject({ files: 40, bytes: total });
    const down = await t.get(`${remote}/many`, join(local, 'many-back'));
    expect(down).toMatchObject({ files: 40, bytes: total });
  });

  it('gets a file, into a directory or to a path', async () => {
    await t.exec(`printf 'abc' > ${remote}/g.txt && chmod 604 ${remote}/g.txt`);
    const r = await t.get(`${remote}/g.txt`, local);
    expect(r).toEqual({ local: join(local, 'g.txt'), remote: `${remote}/g.txt`, bytes: 3, files: 1 });
    expect(statSync(join(local, 'g.txt')).mode & 0o777).toBe(0o604);
    await t.get(`${remote}/g.txt`, join(local, 'renamed.txt'));
    expect(readFileSync(join(local, 'renamed.txt'), 'utf8')).toBe('abc');
  });

  it('says what is missing', async () => {
    await expect(t.put(join(local, 'nope'), remote)).rejects.toThrow(HostError);
    await expect(t.put(join(local, 'nope'), remote)).rejects.toMatchObject({ host: 'web-3', code: 'transfer.failed' });
    await expect(t.put(join(local, 'nope'), remote)).rejects.toThrow(`put: local path not found: ${join(local, 'nope')}`);
    await expect(t.get(`${remote}/nope`, local)).rejects.toThrow(`get: remote path not found: ${remote}/nope`);
    writeFileSync(join(local, 'x'), 'x');
    await expect(t.put(join(local, 'x'), '/proc/forbidden/x')).rejects.toThrow(/^put .* failed: /);
  });

  it('connect() opens a stream to a unix socket and to a TCP port on the host', async () => {
    const sockPath = join(root, `admin-${process.pid}.sock`);
    const srv = createServer((s) => s.on('data', (d) => s.end(`echo:${d}`)));
    await new Promise<void>((r) => srv.listen(sockPath, r));
    chmodSync(sockPath, 0o777);
    const tcp = createServer((s) => s.on('data', (d) => s.end(`tcp:${d}`)));
    await new Promise<void>((r) => tcp.listen(0, '127.0.0.1', r));
    const port = (tcp.address() as { port: number }).port;
    const roundTrip = async (target: { path: string } | { host: string; port: number }, line: string): Promise<string> => {
      const stream = await t.connect(target);
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      await new Promise((r) => {
        stream.on('close', r);
        stream.on('end', r);
        stream.write(line);
      });
      return Buffer.concat(chunks).toString();
    };
    try {
      expect(await roundTrip({ path: sockPath }, 'show info\n')).toBe('echo:show info\n');
      expect(await roundTrip({ host: '127.0.0.1', port }, 'ping')).toBe('tcp:ping');
      await expect(t.connect({ path: join(root, 'missing.sock') })).rejects.toThrow(/^cannot open unix socket .*missing\.sock on the host/);
    } finally {
      srv.close();
      tcp.close();
    }
  });
});
