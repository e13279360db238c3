// Issue #14: dpl must read ssh_config exactly as OpenSSH 9.2 does. Each corpus case
// (test/ssh/config-cases/) runs `ssh -G` on its files and holds the values the case is
// about to what it prints; when `dpl ssh-config` exists, dpl runs on the same files and
// its `key value` lines must equal ssh's (harness: test/ssh/support/differential.ts).
// One difference is allowed: dpl's default key exchange list puts ecdh-sha2-nistp256 first
// (server CPU: docs/ssh.md "Algorithms"; PREFERRED_KEX in support/ssh-g.ts).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CASES } from './config-cases/index.js';
import { ISSUE_POINTS, type IssuePoint } from './support/config-case.js';
import { detectDplSide } from './support/dpl-side.js';
import { runCase } from './support/differential.js';
import { addTestNames, etcHostsUnavailable, removeTestNames } from './support/etc-hosts.js';
import { sshEchoSide } from './support/ssh-echo-side.js';
import { canIsolate, compareDumps, isPreferredKexMove, parseDump, replacesKexList } from './support/ssh-g.js';

const side = detectDplSide();
const isolate = canIsolate();
// Canonicalization resolves names: only test names from /etc/hosts, and never a real resolver.
const noResolve = etcHostsUnavailable() ?? (isolate ? null : 'cannot run ssh without a network (unshare -n): its lookups could reach a real resolver');
const TEST_NAMES: Record<string, string> = Object.fromEntries(
  [...new Set(CASES.flatMap((c) => c.resolves ?? []))].map((name, i) => [name, `127.0.77.${i + 1}`]),
);
const mode = side.kind === 'cli' ? 'dpl ssh-config against ssh -G' : `ssh -G only (${side.reason})`;

describe(`ssh_config corpus: ${mode}`, () => {
  let root = '';
  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'dpl-cfgdiff-'));
    if (!noResolve && Object.keys(TEST_NAMES).length) addTestNames(TEST_NAMES);
  });
  afterAll(() => {
    if (!noResolve && Object.keys(TEST_NAMES).length) removeTestNames();
    if (root) rmSync(root, { recursive: true, force: true });
  });

  it('has at least 80 uniquely named cases, each with a source and a point pinned', () => {
    expect(CASES.length).toBeGreaterThanOrEqual(80);
    const names = CASES.map((c) => c.name);
    expect(names.filter((n, i) => names.indexOf(n) !== i)).toEqual([]);
    expect(CASES.filter((c) => !c.source.trim()).map((c) => c.name)).toEqual([]);
    expect(CASES.filter((c) => !c.fails && !Object.keys(c.expect ?? {}).length).map((c) => c.name)).toEqual([]);
    // "refused by dpl" is for a few features dpl rejects on purpose, each with its reason.
    expect(CASES.filter((c) => c.refused !== undefined && !c.refused.trim()).map((c) => c.name)).toEqual([]);
    expect(CASES.filter((c) => c.refused).length).toBeLessThanOrEqual(5);
  });

  it('covers every point of issue #14 at least three times', () => {
    const count = (p: IssuePoint) => CASES.filter((c) => c.points?.includes(p)).length;
    const thin = (Object.keys(ISSUE_POINTS) as IssuePoint[]).filter((p) => count(p) < 3).map((p) => `${p}: ${count(p)}`);
    expect(thin).toEqual([]);
  });

  it('the comparison catches a changed value and allows only the documented kex reordering', () => {
    const ssh = parseDump('hostname a.example\nport 22\nkexalgorithms sntrup761x25519-sha512@openssh.com,curve25519-sha256,ecdh-sha2-nistp256,ecdh-sha2-nistp384\n');
    const supported = { kexalgorithms: new Set(['curve25519-sha256', 'ecdh-sha2-nistp256', 'ecdh-sha2-nistp384']) };
    const keys = ['hostname', 'port', 'kexalgorithms'];
    const same = parseDump('hostname a.example\nport 22\nkexalgorithms curve25519-sha256,ecdh-sha2-nistp256,ecdh-sha2-nistp384\n');
    const moved = parseDump('hostname a.example\nport 22\nkexalgorithms ecdh-sha2-nistp256,curve25519-sha256,ecdh-sha2-nistp384\n');
    const other = parseDump('hostname A.example\nkexalgorithms ecdh-sha2-nistp384,curve25519-sha256,ecdh-sha2-nistp256\n');
    expect(compareDumps(ssh, same, keys, { supported, kexFromDefaults: false })).toEqual([]);
    expect(compareDumps(ssh, moved, keys, { supported, kexFromDefaults: true })).toEqual([]);
    expect(compareDumps(ssh, moved, keys, { supported, kexFromDefaults: false })).toHaveLength(1);
    expect(compareDumps(ssh, other, keys, { supported, kexFromDefaults: true }).map((d) => d.split(':')[0])).toEqual(['hostname', 'port', 'kexalgorithms']);
    expect(isPreferredKexMove(['a', 'ecdh-sha2-nistp256'], ['ecdh-sha2-nistp256'])).toBe(false);
    expect(replacesKexList(['Host x\n  KexAlgorithms curve25519-sha256\n'])).toBe(true);
    expect(replacesKexList(['Host x\n  KexAlgorithms=+diffie-hellman-group14-sha1\n', 'KexAlgorithms ^curve25519-sha256'])).toBe(false);
  });

  // The comparison path, before `dpl ssh-config` exists: a stand-in side that echoes ssh -G
  // (reshaped only where dpl may differ) must pass every case, and a changed value must not.
  it('harness self-check: the dpl-side comparison passes ssh -G\'s own answers and catches a changed one', () => {
    const usable = CASES.filter((c) => !c.fails && !c.refused && !(c.resolves && noResolve));
    const echo = { kind: 'cli', side: sshEchoSide() } as const;
    expect(usable.flatMap((c) => runCase(c, { root, side: echo, isolate }).problems.map((p) => `${c.name}: ${p}`))).toEqual([]);
    const caught = usable.map((c) => {
      const key = Object.keys(c.expect ?? {}).find((k) => c.expect![k] !== null);
      if (!key) return []; // pins only absent lines: nothing to change
      const wrong = { kind: 'cli', side: sshEchoSide((k, v) => (k === key ? `${v}-changed` : v)) } as const;
      return runCase(c, { root, side: wrong, isolate }).problems.some((p) => p.startsWith(`differs from ssh -G: ${key}:`)) ? [] : [c.name];
    });
    expect(caught.flat()).toEqual([]);
  });

  for (const c of CASES) {
    const skip = c.resolves && noResolve;
    it.skipIf(!!skip)(`${c.name}  [${c.source}]${skip ? ` (skipped: ${noResolve})` : ''}`, () => {
      const outcome = runCase(c, { root, side, isolate });
      expect(outcome.problems).toEqual([]);
      expect(outcome.compared).toBe(side.kind === 'cli');
    });
  }
});
