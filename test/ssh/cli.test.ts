// The real CLI (`node bin/dpl.js`, built into dist/) against the sshd bed:
// ad-hoc commands, serial and parallel, output prefixes, exit codes, dead hosts.
import { spawn } from 'node:child_process';
import { dplCommand } from '../helpers/cli.js';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { bedTemp, describeBed, scratchHost, waitFor, type ScratchHost } from '../support/bed.js';

const BUILT = existsSync(resolve(import.meta.dirname, '../../dist/bundle/main.js'));

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  ms: number;
}

/** Run dpl; `during` runs while it is running (e.g. to kill a host). */
function dpl(args: string[], during?: () => Promise<void>): Promise<Run> {
  const started = Date.now();
  const child = spawn(...dplCommand(args), { env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  void during?.();
  return new Promise((r) => child.on('close', (code) => r({ code, stdout, stderr, ms: Date.now() - started })));
}

describeBed('dpl CLI over ssh', (bed) => {
  if (!BUILT) {
    it.skip('skipped: dist/ is not built (npm run build)', () => undefined);
    return;
  }
  const F = ['-F', bed.configFile];

  it('runs an ad-hoc command serially, output prefixed per host', async () => {
    const r = await dpl([...F, '-H', 'web-0,web-1', '--', 'echo $DPL_BED_HOST']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('[web-0] out: web-0');
    expect(r.stdout).toContain('[web-1] out: web-1');
    expect(r.stdout.indexOf('[web-0] out:')).toBeLessThan(r.stdout.indexOf('[web-1] out:'));
  });

  it('-P runs on six hosts at once', async () => {
    const hosts = ['web-0', 'web-1', 'web-2', 'web-3', 'web-4', 'web-5'];
    const r = await dpl([...F, '-P', '-H', hosts.join(','), '--', 'sleep 1; echo $DPL_BED_HOST']);
    expect(r.code).toBe(0);
    for (const h of hosts) expect(r.stdout).toContain(`[${h}] out: ${h}`);
    expect(r.ms).toBeLessThan(6000);
  });

  it('a failing command exits non-zero and says why', async () => {
    const r = await dpl([...F, '-H', 'web-2', '--', 'echo before; exit 3']);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('[web-2] out: before');
    expect(r.stdout + r.stderr).toContain('exited with code 3');
  });

  it('unreachable and unknown-key hosts fail per host while the others finish', async () => {
    const r = await dpl([...F, '-P', '-H', 'web-3,refused,stranger', '--', 'echo $DPL_BED_HOST']);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('[web-3] out: web-3');
    const all = r.stdout + r.stderr;
    expect(all).toContain(`connection refused (${bed.refused!.address}:${bed.refused!.port})`);
    expect(all).toContain(bed.hosts['stranger']!.fingerprint);
    expect(all).toContain('--accept-new-host-keys');
  });

  it('--accept-new-host-keys records a new key in --known-hosts', async () => {
    const s = bed.hosts['stranger']!;
    const kh = join(bedTemp('cli-kh-'), 'known_hosts');
    const target = `${bed.user}@${s.address}:${s.port}`;
    const r = await dpl([...F, '--known-hosts', kh, '--accept-new-host-keys', '-H', target, '--', 'echo $DPL_BED_HOST']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`[${target}] out: stranger`);
    expect(readFileSync(kh, 'utf8')).toContain(`${s.knownHostsName} ssh-ed25519 `);
  });

  it('offers ecdh-sha2-nistp256 first; KexAlgorithms in ssh config wins; an impossible list is a clear error', async () => {
    const config = join(bedTemp('cli-kex-'), 'config');
    writeFileSync(
      config,
      'Host web-2\n  KexAlgorithms ^curve25519-sha256\nHost web-3\n  KexAlgorithms sntrup761x25519-sha512@openssh.com\n' + readFileSync(bed.configFile, 'utf8'),
    );
    const ok = await dpl(['-F', config, '-v', '-P', '-H', 'web-1,web-2', '--', 'true']);
    expect(ok.code).toBe(0);
    expect(ok.stdout + ok.stderr).toMatch(/\[web-1\] debug: connected to .*kex ecdh-sha2-nistp256, host key ssh-ed25519/);
    expect(ok.stdout + ok.stderr).toMatch(/\[web-2\] debug: connected to .*kex curve25519-sha256,/);
    const bad = await dpl(['-F', config, '-H', 'web-3', '--', 'true']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('web-3: ssh config leaves no algorithm dpl supports for KexAlgorithms');
    expect(bad.stderr).toMatch(/hint: dpl can use for KexAlgorithms: .*curve25519-sha256/);
  });

  it('follows Include in the ssh config', async () => {
    const config = join(bedTemp('cli-include-'), 'config');
    writeFileSync(config, `# the bed's hosts live in another file\nInclude ${bed.configFile}\n`);
    const r = await dpl(['-F', config, '-H', 'web-5', '--', 'echo $DPL_BED_HOST']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('[web-5] out: web-5');
  });

  it('-T kills a command that outlives the timeout', async () => {
    const r = await dpl([...F, '-H', 'web-4', '-T', '1', '--', 'sleep 20']);
    expect(r.code).toBe(1);
    expect(r.stdout + r.stderr).toContain('timed out after 1000 ms and was killed on the host');
    expect(r.ms).toBeLessThan(8000);
  });

  /** A scratch host of its own (safe to kill), in one ssh config with the shared bed hosts. */
  function scratchWithBed(name: string): { host: () => ScratchHost; config: () => string } {
    let host: ScratchHost;
    let config: string;
    beforeAll(async () => {
      host = await scratchHost(name);
      config = join(bedTemp('cli-'), 'config');
      writeFileSync(config, readFileSync(host.configFile, 'utf8').replace(/\nHost \*[\s\S]*$/, '\n') + readFileSync(bed.configFile, 'utf8'));
    });
    afterAll(() => host.stop());
    return { host: () => host, config: () => config };
  }

  describeBed('the end of a run', () => {
    const scratch = scratchWithBed('ender');

    it('leaves no session behind on the host once dpl has exited', async () => {
      const r = await dpl(['-F', scratch.config(), '-P', '-H', 'ender,web-0', '--', 'true']);
      expect(r.code).toBe(0);
      // Idle connections are closed by the process exit: sshd sees EOF and its session ends.
      const host = scratch.host();
      await waitFor(() => host.connections() === 0 && host.sessionPids().length === 0, 10_000);
    });
  });

  describeBed('a host killed mid-command', () => {
    const scratch = scratchWithBed('victim');

    it('gives a per-host connection error while the other hosts finish, exit non-zero', async () => {
      const victim = scratch.host();
      const config = scratch.config();
      const started = join(victim.root, 'started');
      const r = await dpl(['-F', config, '-P', '-H', 'web-0,victim,web-1', '--', 'touch "$HOME/started"; sleep 3; echo done'], async () => {
        await waitFor(() => existsSync(started), 20_000);
        await victim.kill();
      });
      expect(r.code).toBe(1);
      expect(r.stdout).toContain('[web-0] out: done');
      expect(r.stdout).toContain('[web-1] out: done');
      expect(r.stdout).not.toContain('[victim] out: done');
      expect(r.stdout + r.stderr).toMatch(/victim.*connection lost while running `touch "\$HOME\/started"; sleep 3; echo done`/);
    });
  });
});
