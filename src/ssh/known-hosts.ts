// known_hosts: parsed once per file per pool (SSHKit found per-connection lookups
// to be a hot spot at a few hundred hosts), matched with OpenSSH's rules
// (patterns, negation, hashed |1|salt|hmac names, [host]:port), appended to for
// accept-new.
import { nodeCrypto } from '../core/random.js';
import { matchHostname } from './config/patterns.js';
import { appendFile, mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';

export interface KnownHostEntry {
  file: string;
  line: number;
  marker: 'revoked' | 'cert-authority' | null;
  keyType: string;
  key: Buffer;
  matches(name: string): boolean;
  /** Lower-cased names when the host field is a plain list (no hash, wildcard or negation). */
  names?: string[];
}

/**
 * OpenSSH's HostStatus for one name (hostfile.c check_hostkeys_by_key_or_type):
 * a plain key is known when a plain entry holds it, changed when any other plain
 * entry exists, of any type; a certificate is known when a @cert-authority entry
 * holds its CA. @revoked entries for the key (or the certificate's key or CA) win.
 */
export type HostKeyCheck =
  | { status: 'known'; entry: KnownHostEntry }
  | { status: 'unknown' }
  | { status: 'changed'; entry: KnownHostEntry }
  | { status: 'revoked'; entry: KnownHostEntry };

/** `host` for port 22, `[host]:port` otherwise: the name OpenSSH records. */
export function knownHostName(hostname: string, port: number): string {
  return port === 22 ? hostname : `[${hostname}]:${port}`;
}

/** SHA256:... as `ssh-keygen -l` prints it. */
export function fingerprint(key: Buffer): string {
  return 'SHA256:' + nodeCrypto().createHash('sha256').update(key).digest('base64').replace(/=+$/, '');
}

/** Key type from an SSH wire-format public key blob. */
export function keyTypeOf(key: Buffer): string {
  if (key.length < 4) return 'unknown';
  const len = key.readUInt32BE(0);
  return key.subarray(4, 4 + len).toString('latin1');
}

function patternMatcher(field: string): (name: string) => boolean {
  if (field.startsWith('|1|')) {
    const [, , salt, hash] = field.split('|');
    const saltBuf = Buffer.from(salt ?? '', 'base64');
    const want = Buffer.from(hash ?? '', 'base64');
    return (name) => nodeCrypto().createHmac('sha1', saltBuf).update(name).digest().equals(want);
  }
  // hostfile.c compares with match_hostname(): the name lower-cased against the pattern list.
  return (name) => matchHostname(name, field) === 1;
}

export function parseKnownHosts(text: string, file: string): KnownHostEntry[] {
  const out: KnownHostEntry[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (!line || line.startsWith('#')) return;
    const f = line.split(/\s+/);
    let marker: KnownHostEntry['marker'] = null;
    if (f[0] === '@revoked' || f[0] === '@cert-authority') {
      marker = f[0] === '@revoked' ? 'revoked' : 'cert-authority';
      f.shift();
    }
    const [hosts, keyType, b64] = f;
    if (!hosts || !keyType || !b64) return;
    const key = Buffer.from(b64, 'base64');
    if (!key.length) return;
    const plain = !hosts.startsWith('|') && !/[*?!]/.test(hosts);
    const names = plain ? hosts.toLowerCase().split(',').filter(Boolean) : undefined;
    out.push({ file, line: i + 1, marker, keyType, key, matches: patternMatcher(hosts), ...(names ? { names } : {}) });
  });
  return out;
}

/** One per pool: files are read once and updated in memory when we append. */
interface FileIndex {
  /** Entry count when indexed: add() appends to the same array. */
  size: number;
  find(name: string): KnownHostEntry[];
}

export class KnownHostsStore {
  private readonly files = new Map<string, Promise<KnownHostEntry[]>>();
  private readonly indexes = new WeakMap<KnownHostEntry[], FileIndex>();
  private writes: Promise<void> = Promise.resolve();

  entries(file: string): Promise<KnownHostEntry[]> {
    let p = this.files.get(file);
    if (!p) {
      p = readFile(file, 'utf8').then(
        (text) => parseKnownHosts(text, file),
        (err: NodeJS.ErrnoException) => {
          if (err.code === 'ENOENT' || err.code === 'ENOTDIR') return [];
          throw err;
        },
      );
      this.files.set(file, p);
    }
    return p;
  }

  /** Every entry (across `files`) for `name`, in file order, markers included. */
  async lookup(files: string[], name: string): Promise<KnownHostEntry[]> {
    const all = await Promise.all(files.map((f) => this.entries(f)));
    return all.flatMap((entries) => this.indexOf(entries).find(name));
  }

  /**
   * Plain names are found through a map; only hashed and wildcard entries are
   * tried one by one (an HMAC each). Results are kept per name, so a run's
   * lookups cost O(hosts x hashed entries) once, not per connect and check.
   */
  private indexOf(entries: KnownHostEntry[]): FileIndex {
    let ix = this.indexes.get(entries);
    if (!ix || ix.size !== entries.length) {
      const byName = new Map<string, KnownHostEntry[]>();
      const scan: KnownHostEntry[] = [];
      for (const e of entries) {
        if (!e.names) scan.push(e);
        else for (const n of new Set(e.names)) byName.set(n, [...(byName.get(n) ?? []), e]);
      }
      const memo = new Map<string, KnownHostEntry[]>();
      const find = (name: string): KnownHostEntry[] => {
        let hit = memo.get(name);
        if (!hit) {
          hit = [...(byName.get(name.toLowerCase()) ?? []), ...scan.filter((e) => e.matches(name))].sort((a, b) => a.line - b.line);
          memo.set(name, hit);
        }
        return hit;
      };
      ix = { size: entries.length, find };
      this.indexes.set(entries, ix);
    }
    return ix;
  }

  /** `key` is a plain key blob; with `ca`, it is the key of a certificate that CA signed. */
  async check(files: string[], name: string, key: Buffer, ca?: Buffer): Promise<HostKeyCheck> {
    const found = await this.lookup(files, name);
    const revoked = found.find((e) => e.marker === 'revoked' && (e.key.equals(key) || (ca !== undefined && e.key.equals(ca))));
    if (revoked) return { status: 'revoked', entry: revoked };
    if (ca) {
      const authority = found.find((e) => e.marker === 'cert-authority' && e.key.equals(ca));
      return authority ? { status: 'known', entry: authority } : { status: 'unknown' };
    }
    const plain = found.filter((e) => e.marker === null);
    const same = plain.find((e) => e.key.equals(key));
    if (same) return { status: 'known', entry: same };
    // The last other entry, as OpenSSH reports it.
    return plain.length ? { status: 'changed', entry: plain[plain.length - 1]! } : { status: 'unknown' };
  }

  /** Append a host key (accept-new); serialized so parallel connects do not interleave. */
  add(file: string, name: string, key: Buffer, hashed: boolean): Promise<void> {
    const run = async (): Promise<void> => {
      await mkdir(dirname(file), { recursive: true, mode: 0o700 });
      let prefix = '';
      let lineNo = 1;
      try {
        const text = await readFile(file, 'utf8');
        if (text.length && !text.endsWith('\n')) prefix = '\n';
        lineNo = (text + prefix).split('\n').length;
      } catch {
        // new file
      }
      const hostField = hashed ? hashName(name) : name;
      const line = `${hostField} ${keyTypeOf(key)} ${key.toString('base64')}`;
      await appendFile(file, `${prefix}${line}\n`, { mode: 0o600 });
      const entries = await this.entries(file);
      entries.push(...parseKnownHosts(line, file).map((e) => ({ ...e, line: lineNo })));
    };
    const next = this.writes.then(run, run);
    this.writes = next.catch(() => undefined);
    return next;
  }
}

function hashName(name: string): string {
  const salt = nodeCrypto().randomBytes(20);
  return `|1|${salt.toString('base64')}|${nodeCrypto().createHmac('sha1', salt).update(name).digest('base64')}`;
}
