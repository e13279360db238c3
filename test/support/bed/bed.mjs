// Start and stop a bed of real sshd hosts on loopback. Used by vitest's global
// setup (test/support/global-setup.ts) and by bench/run.js. See test/support/README.md.
import { chmodSync, chownSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { keygen, fingerprint, knownHostsLine, knownHostName } from './keys.mjs';
import { setupUsers, PASSWORD_USER } from './users.mjs';
import { findSshd, portIsFree, startSshd, writeSshdFiles } from './sshd.mjs';
import { BED_PREFIX, cleanupStaleBeds, killBedProcesses, tryLock, unlock } from './slots.mjs';
import { sshConfigText } from './ssh-config.mjs';

export const ENCRYPTED_KEY_PASSPHRASE = 'dpl test passphrase';

/** The standard test bed: 8 hosts plus the fault hosts. */
export const TEST_LAYOUT = {
  kind: 'test',
  basePort: 2201,
  slotStride: 20,
  hosts: [
    ...[0, 1, 2, 3, 4, 5].map((i) => ({ name: `web-${i}`, address: `127.0.10.${i + 1}` })),
    { name: 'lb-0', address: '127.0.10.7' },
    { name: 'bastion', address: '127.0.10.8' },
    // Real sshd, but its key is not in known_hosts.
    { name: 'stranger', address: '127.0.10.9', fault: 'unknown-key' },
    // Real sshd, but known_hosts records a different key for it.
    { name: 'imposter', address: '127.0.10.10', fault: 'changed-key' },
  ],
  // Nothing listens here: connections are refused.
  refused: { name: 'refused', address: '127.0.10.11' },
  jumpAliases: [{ name: 'web-1-via-bastion', target: 'web-1', jump: 'bastion' }],
};

/** `count` hosts named h01.. on 127.0.11.x for the bench. */
export function benchLayout(count) {
  return {
    kind: 'bench',
    basePort: 3001,
    slotStride: 100,
    hosts: Array.from({ length: count }, (_, i) => ({
      name: `h${String(i + 1).padStart(2, '0')}`,
      address: `127.0.11.${i + 1}`,
    })),
  };
}

async function takeSlot(layout) {
  const n = layout.hosts.length + (layout.refused ? 1 : 0);
  for (let slot = 0; slot < 40; slot++) {
    const lock = tryLock(layout.kind, slot);
    if (!lock) continue;
    const base = layout.basePort + slot * layout.slotStride;
    const all = [...layout.hosts, ...(layout.refused ? [layout.refused] : [])];
    const free = await Promise.all(all.map((h, i) => portIsFree(h.address, base + i)));
    if (free.every(Boolean) && n <= layout.slotStride) return { slot, lock, base };
    unlock(lock);
  }
  throw new Error(`no free ${layout.kind} bed slot (ports from ${layout.basePort}); are 40 beds running?`);
}

/** Start every sshd of `layout`; returns the bed info (also written to <dir>/bed.json). */
export async function startBed(layout = TEST_LAYOUT) {
  if (!findSshd()) throw new Error('sshd not found: install openssh-server to run the SSH tests');
  cleanupStaleBeds();
  const users = setupUsers();
  const { slot, lock, base } = await takeSlot(layout);
  const dir = mkdtempSync(join(tmpdir(), BED_PREFIX));
  chmodSync(dir, 0o755);
  const info = { version: 1, kind: layout.kind, dir, ownerPid: process.pid, slot, slotLock: lock, hosts: {} };
  try {
    for (const d of ['client', 'sshd', 'hosts', 'scratch', 'tmp']) mkdirSync(join(dir, d), { mode: 0o755 });
    const client = join(dir, 'client');
    const plainPub = keygen(join(client, 'id_ed25519'), { comment: 'dpl-bed-plain' });
    const encPub = keygen(join(client, 'id_encrypted'), { passphrase: ENCRYPTED_KEY_PASSPHRASE, comment: 'dpl-bed-encrypted' });
    const agentPub = keygen(join(client, 'id_agent'), { comment: 'dpl-bed-agent' });
    const authorizedKeys = join(client, 'authorized_keys');
    writeFileSync(authorizedKeys, [plainPub.line, encPub.line, agentPub.line].join('\n') + '\n', { mode: 0o644 });
    const otherKey = keygen(join(client, 'not_the_imposter_key'), { comment: 'dpl-bed-other' });

    const allowUsers = users.root ? [users.user, PASSWORD_USER] : [users.user];
    const known = [];
    layout.hosts.forEach((spec, i) => {
      const sshdDir = join(dir, 'sshd', spec.name);
      const root = join(dir, 'hosts', spec.name);
      mkdirSync(sshdDir, { mode: 0o755 });
      mkdirSync(root, { mode: 0o755 });
      if (users.root) chownSync(root, users.uid, users.gid);
      const h = {
        name: spec.name,
        address: spec.address,
        port: base + i,
        root,
        fault: spec.fault ?? null,
        sshdDir,
        configFile: join(sshdDir, 'sshd_config'),
        hostKeyFile: join(sshdDir, 'ssh_host_ed25519_key'),
        pidFile: join(sshdDir, 'sshd.pid'),
        logFile: join(sshdDir, 'sshd.log'),
      };
      const key = keygen(h.hostKeyFile, { comment: `dpl-bed-host-${spec.name}` });
      h.keyType = key.type;
      h.fingerprint = fingerprint(key.base64);
      h.knownHostsName = knownHostName(h.address, h.port);
      writeSshdFiles(h, { authorizedKeys, allowUsers, root: users.root });
      // Odd hosts get hashed entries so every run exercises both known_hosts forms.
      if (spec.fault === 'changed-key') known.push(knownHostsLine(h.address, h.port, otherKey));
      else if (spec.fault !== 'unknown-key') known.push(knownHostsLine(h.address, h.port, key, { hashed: i % 2 === 1 }));
      info.hosts[spec.name] = h;
    });
    const knownHostsFile = join(dir, 'known_hosts');
    writeFileSync(knownHostsFile, known.join('\n') + '\n', { mode: 0o644 });
    const refused = layout.refused
      ? { name: layout.refused.name, address: layout.refused.address, port: base + layout.hosts.length }
      : null;
    const configFile = join(dir, 'ssh_config');
    Object.assign(info, {
      root: users.root,
      // sshd not running as root cannot hand out pseudo-terminals.
      pty: users.root,
      user: users.user,
      uid: users.uid,
      gid: users.gid,
      sudo: users.sudo,
      configFile,
      knownHostsFile,
      keys: {
        plain: join(client, 'id_ed25519'),
        encrypted: join(client, 'id_encrypted'),
        encryptedPassphrase: ENCRYPTED_KEY_PASSPHRASE,
        agent: join(client, 'id_agent'),
      },
      refused,
      jumpAliases: layout.jumpAliases ?? [],
      names: layout.hosts.filter((h) => !h.fault).map((h) => h.name),
    });
    writeFileSync(configFile, sshConfigText(info), { mode: 0o644 });
    writeFileSync(join(dir, 'bed.json'), JSON.stringify(info, null, 2));
    // Start in small batches: 50 sshds at once would starve 2 cores.
    const hosts = Object.values(info.hosts);
    for (let i = 0; i < hosts.length; i += 10) {
      await Promise.all(hosts.slice(i, i + 10).map((h) => startSshd(h)));
    }
    return info;
  } catch (err) {
    await stopBed(info);
    throw err;
  }
}

/** Kill every sshd of the bed (including ones restarted by tests) and remove its directory. */
export async function stopBed(info) {
  if (!info?.dir) return;
  killBedProcesses(info);
  await new Promise((r) => setTimeout(r, 50));
  rmSync(info.dir, { recursive: true, force: true });
  unlock(info.slotLock);
}
