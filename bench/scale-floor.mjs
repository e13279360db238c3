// The floor for bench/scale.mjs: ssh2 as dpl tunes it (dpl's own ssh2 patches and
// algorithm list, loaded from dist/), doing the same work as the scale run and
// nothing else: no ssh config, no task runner, no events, no run log. Connections
// open 50 at a time and stay open; four phases with a barrier between them, five
// commands per host. What dpl spends above this is its own code's; what this spends
// is the SSH library's and the kernel's, which a ≤ 3 ms per host target has to fit.
//   node bench/scale-floor.mjs <hosts> <port> <identityFile> <hostPubFile> [z]
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

const dist = join(resolve(import.meta.dirname, '..'), 'dist/ssh');
const { loadSsh2 } = await import(join(dist, 'ssh2-load.js'));
const { ignoreHostKeyNotices, signWithoutProbe, withCachedSigner } = await import(join(dist, 'ssh2-patches.js'));
const { algorithmsFor, loadCatalog } = await import(join(dist, 'algorithms.js'));

const [n, port, idFile, hostPubFile, z = '50'] = process.argv.slice(2);
const ssh2 = await loadSsh2();
const key = withCachedSigner(ssh2.utils.parseKey(readFileSync(idFile)));
const hostKey = ssh2.utils.parseKey(readFileSync(hostPubFile, 'utf8')).getPublicSSH();
const listed = algorithmsFor({}, { types: ['ssh-ed25519'], certAuthority: false }, await loadCatalog()).algorithms;
// As dpl offers them when known_hosts has no @cert-authority line: plain host keys only.
const algorithms = { ...listed, serverHostKey: listed.serverHostKey.filter((a) => !a.includes('-cert-')) };
const addressOf = (i) => `127.1.${Math.floor(i / 250)}.${(i % 250) + 1}`;

/** Run `f` on every index, at most `z` at once. */
async function limited(count, f) {
  let next = 0;
  const worker = async () => {
    while (next < count) await f(next++);
  };
  await Promise.all(Array.from({ length: Math.min(Number(z), count) }, worker));
}

const connect = (i) =>
  new Promise((done, fail) => {
    const c = new ssh2.Client();
    c.on('error', fail);
    c.on('ready', () => done(c));
    c.connect({
      host: addressOf(i),
      port: Number(port),
      username: 'bench',
      readyTimeout: 0,
      algorithms,
      hostVerifier: (k) => k.equals(hostKey),
      authHandler: (methods, partial, next) => next({ type: 'publickey', username: 'bench', key }),
    });
    c.on('connect', () => c._sock?.setNoDelay?.(true));
    ignoreHostKeyNotices(c);
    signWithoutProbe(c);
  });

const exec = (c, command) =>
  new Promise((done, fail) =>
    c.exec(command, (err, s) => {
      if (err) return fail(err);
      let out = '';
      s.on('data', (d) => (out += d));
      s.stderr.resume();
      s.on('close', (code) => (code === 0 ? done(out) : fail(new Error(`${command}: exit ${code}`))));
      s.end();
    }),
  );

const count = Number(n);
const clients = [];
await limited(count, async (i) => {
  clients[i] = await connect(i);
  await exec(clients[i], 'mkdir .lock');
});
await limited(count, (i) => exec(clients[i], 'prepare'));
await limited(count, async (i) => {
  await exec(clients[i], 'link');
  await exec(clients[i], 'record');
});
await limited(count, (i) => exec(clients[i], 'rmdir .lock'));
for (const c of clients) c.end();
