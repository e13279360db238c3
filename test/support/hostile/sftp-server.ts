// A hostile SFTP server for attacker tests, on ssh2's *server* API: give it a name
// and a tree, and it serves that tree exactly as written, lies included. Names in a
// listing are sent verbatim ('../../x', 'a/b'), a directory may contain itself, a
// link may point at its own directory, modes may carry s-bits, and a file can stall
// a read midway. dpl reaches it through its real pool: the server writes an
// ssh_config naming it and a known_hosts holding its host key.
import { readFileSync, writeFileSync } from 'node:fs';
import { posix } from 'node:path';
import { hostileServerParts, listenOnLoopback, trackClients } from './serve.js';

export interface FakeFile {
  kind: 'file';
  mode: number;
  data: Buffer;
  /** Reads at or past this offset are held, unanswered, until release() or close(). */
  stallAt?: number;
  /** Answer at most this many bytes per read (short reads). */
  maxRead?: number;
  /** The size STAT, LSTAT, FSTAT and listings claim, instead of the real one. */
  claimedSize?: number;
}
export interface FakeDir {
  kind: 'dir';
  mode: number;
  /** Served verbatim, in order: names are not checked, and a node may be listed twice or contain itself. */
  entries: Array<[string, FakeNode]>;
}
export interface FakeLink {
  kind: 'link';
  /** Resolved like a symlink: relative to the link's directory. */
  target: string;
}
export interface FakeFifo {
  kind: 'fifo';
  mode: number;
}
export type FakeNode = FakeFile | FakeDir | FakeLink | FakeFifo;

export const file = (mode: number, data: string | Buffer = '', o: Pick<FakeFile, 'stallAt' | 'maxRead' | 'claimedSize'> = {}): FakeFile => ({
  kind: 'file',
  mode,
  data: Buffer.isBuffer(data) ? data : Buffer.from(data),
  ...o,
});
export const dir = (mode: number, entries: Array<[string, FakeNode]> | Record<string, FakeNode> = []): FakeDir => ({
  kind: 'dir',
  mode,
  entries: Array.isArray(entries) ? entries : Object.entries(entries),
});
export const link = (target: string): FakeLink => ({ kind: 'link', target });
export const fifo = (mode = 0o644): FakeFifo => ({ kind: 'fifo', mode });

export interface HostileSftp {
  /** The ssh_config alias (Host) that reaches it. */
  name: string;
  address: string;
  port: number;
  configFile: string;
  knownHostsFile: string;
  /** Every request the client sent, as `OP path-or-handle`, in order. */
  requests: string[];
  /** Resolves when a read first hits a stalling file's `stallAt`. */
  stalled(): Promise<void>;
  /** Answer the held reads and stop stalling. */
  release(): void;
  close(): Promise<void>;
}

const TYPE = { file: 0o100000, dir: 0o040000, link: 0o120000, fifo: 0o010000 } as const;
const MAX_HOPS = 40;

interface Resolved {
  node: FakeNode;
  /** The path with every link resolved: what an honest REALPATH answers. */
  canonical: string;
}

/**
 * Walk `path` from the root; links are followed except, when `lstat`, the last one.
 * Entry names match literally (longest first), so the path a client builds from a
 * hostile name ('dir/../../x', 'dir/a/b') reaches that very entry, as it would on
 * a server that serves whatever it likes.
 */
function resolve(root: FakeDir, path: string, lstat: boolean, hops = 0): Resolved | undefined {
  if (hops > MAX_HOPS) return undefined;
  let rest = path.replace(/^\/+/, '');
  let node: FakeNode = root;
  let canonical = '/';
  while (rest !== '') {
    if (node.kind !== 'dir') return undefined;
    const here = rest;
    const found: [string, FakeNode] | undefined = node.entries.filter(([n]) => here === n || here.startsWith(`${n}/`)).sort((a, b) => b[0].length - a[0].length)[0];
    const part = found?.[0] ?? rest.split('/')[0]!;
    const after = rest.slice(part.length).replace(/^\/+/, '');
    if (!found) {
      if (part === '.') {
        rest = after;
        continue;
      }
      if (part === '..') return resolve(root, posix.join(posix.dirname(canonical), after), lstat, hops + 1);
      return undefined;
    }
    const child: FakeNode = found[1];
    if (child.kind === 'link' && !(after === '' && lstat)) {
      return resolve(root, posix.join(canonical, child.target, after), lstat, hops + 1);
    }
    node = child;
    canonical = posix.join(canonical, part);
    rest = after;
  }
  return { node, canonical };
}

function attrsOf(node: FakeNode): { mode: number; uid: number; gid: number; size: number; atime: number; mtime: number } {
  const now = Math.floor(Date.now() / 1000);
  const perm = node.kind === 'link' ? 0o777 : node.mode;
  const size = node.kind === 'file' ? (node.claimedSize ?? node.data.length) : node.kind === 'link' ? node.target.length : 4096;
  return { mode: TYPE[node.kind] | perm, uid: 0, gid: 0, size, atime: now, mtime: now };
}

/**
 * Start the server on a free port of a random 127.0.x.y address. `dir` holds its
 * host key, ssh_config and known_hosts; `clientKey` (a private key path, `.pub`
 * beside it) is the one key it accepts, for any user.
 */
export async function startHostileSftp(o: { name: string; root: FakeDir; dir: string; clientKey: string }): Promise<HostileSftp> {
  const { ssh2, hostKey, hostKeyPath } = hostileServerParts(o.dir, o.name);
  const { STATUS_CODE } = ssh2.utils.sftp;
  const clientPub = ssh2.utils.parseKey(readFileSync(`${o.clientKey}.pub`));
  if (clientPub instanceof Error) throw clientPub;
  const clientBlob = clientPub.getPublicSSH();

  const requests: string[] = [];
  const held: Array<() => void> = [];
  let stalling = true;
  let onStall: () => void = () => undefined;
  const stall = new Promise<void>((r) => (onStall = r));
  const clients = trackClients();

  const server = new ssh2.Server({ hostKeys: [hostKey] }, (client) => {
    clients.add(client);
    client.on('error', () => undefined);
    client.on('authentication', (ctx) => {
      if (ctx.method !== 'publickey' || !ctx.key.data.equals(clientBlob)) return ctx.reject(['publickey']);
      if (!ctx.signature) return ctx.accept(); // the client only asks whether the key would do
      if (clientPub.verify(ctx.blob!, ctx.signature, ctx.hashAlgo) === true) return ctx.accept();
      ctx.reject(['publickey']);
    });
    client.on('ready', () => {
      client.on('session', (accept) => {
        const session = accept();
        session.on('sftp', (acceptSftp) => {
          const sftp = acceptSftp();
          const handles = new Map<number, { node: FakeNode; listed: boolean }>();
          let next = 0;
          const open = (node: FakeNode): Buffer => {
            const h = Buffer.alloc(4);
            h.writeUInt32BE(next, 0);
            handles.set(next++, { node, listed: false });
            return h;
          };
          const byHandle = (h: Buffer) => (h.length === 4 ? handles.get(h.readUInt32BE(0)) : undefined);
          const stat = (lstat: boolean) => (id: number, path: string) => {
            requests.push(`${lstat ? 'LSTAT' : 'STAT'} ${path}`);
            const r = resolve(o.root, path, lstat);
            if (!r) return sftp.status(id, STATUS_CODE.NO_SUCH_FILE);
            sftp.attrs(id, attrsOf(r.node));
          };
          sftp.on('STAT', stat(false));
          sftp.on('LSTAT', stat(true));
          sftp.on('REALPATH', (id, path) => {
            requests.push(`REALPATH ${path}`);
            const r = resolve(o.root, path, false);
            if (!r) return sftp.status(id, STATUS_CODE.NO_SUCH_FILE);
            sftp.name(id, [{ filename: r.canonical, longname: r.canonical, attrs: {} as never }]);
          });
          sftp.on('OPENDIR', (id, path) => {
            requests.push(`OPENDIR ${path}`);
            const r = resolve(o.root, path, false);
            if (r?.node.kind !== 'dir') return sftp.status(id, STATUS_CODE.NO_SUCH_FILE);
            sftp.handle(id, open(r.node));
          });
          sftp.on('READDIR', (id, handle) => {
            const h = byHandle(handle);
            if (h?.node.kind !== 'dir') return sftp.status(id, STATUS_CODE.FAILURE);
            if (h.listed || h.node.entries.length === 0) return sftp.status(id, STATUS_CODE.EOF);
            h.listed = true;
            sftp.name(
              id,
              h.node.entries.map(([filename, node]) => ({ filename, longname: filename, attrs: attrsOf(node) })),
            );
          });
          sftp.on('OPEN', (id, path) => {
            requests.push(`OPEN ${path}`);
            const r = resolve(o.root, path, false);
            if (r?.node.kind !== 'file') return sftp.status(id, STATUS_CODE.NO_SUCH_FILE);
            sftp.handle(id, open(r.node));
          });
          sftp.on('FSTAT', (id, handle) => {
            const h = byHandle(handle);
            if (!h) return sftp.status(id, STATUS_CODE.FAILURE);
            sftp.attrs(id, attrsOf(h.node));
          });
          sftp.on('READ', (id, handle, offset, length) => {
            const h = byHandle(handle);
            if (h?.node.kind !== 'file') return sftp.status(id, STATUS_CODE.FAILURE);
            const f = h.node;
            const answer = () => {
              if (offset >= f.data.length) sftp.status(id, STATUS_CODE.EOF);
              else sftp.data(id, f.data.subarray(offset, offset + Math.min(length, f.maxRead ?? length)));
            };
            if (stalling && f.stallAt !== undefined && offset + length > f.stallAt) {
              held.push(answer);
              onStall();
              return;
            }
            answer();
          });
          sftp.on('CLOSE', (id, handle) => {
            if (handle.length === 4) handles.delete(handle.readUInt32BE(0));
            sftp.status(id, STATUS_CODE.OK);
          });
          for (const op of ['WRITE', 'FSETSTAT', 'SETSTAT', 'MKDIR', 'RMDIR', 'REMOVE', 'RENAME', 'SYMLINK', 'READLINK'] as const) {
            sftp.on(op, (id: number) => {
              requests.push(op);
              sftp.status(id, STATUS_CODE.OP_UNSUPPORTED);
            });
          }
        });
      });
    });
  });

  const { address, port, configFile, knownHostsFile } = await listenOnLoopback(server, {
    dir: o.dir,
    name: o.name,
    hostKeyPath,
    lines: ['User attacker-test', `IdentityFile ${o.clientKey}`, 'IdentitiesOnly yes', 'BatchMode yes'],
  });

  return {
    name: o.name,
    address,
    port,
    configFile,
    knownHostsFile,
    requests,
    stalled: () => stall,
    release() {
      stalling = false;
      for (const answer of held.splice(0)) answer();
    },
    async close() {
      held.length = 0;
      clients.endAll();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
