// The floor of a release deploy: only the unavoidable remote work. Per host one login
// (ssh2, TCP_NODELAY, host key checked against known_hosts) and ONE script: fetch into
// the mirror, `git archive | tar x` into a new release, link the shared file, `mv -T`
// the current link, a no-op restart, keep 5. All hosts at once.
//   node bench/peers/floor.mjs <hosts.json> <deploy dir> <tag>
import { createRequire } from 'node:module';
import { createConnection } from 'node:net';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const require = createRequire(new URL('../../package.json', import.meta.url));
const { Client } = require('ssh2');
const [file, dir, tag] = process.argv.slice(2);
const world = JSON.parse(readFileSync(file, 'utf8'));
const key = readFileSync(world.key);
// known_hosts: "[addr]:port type base64" → the key blob each host must present.
const known = new Map(
  readFileSync(world.knownHostsFile, 'utf8')
    .split('\n')
    .filter((l) => l.startsWith('['))
    .map((l) => l.split(' '))
    .map(([name, , blob]) => [name, Buffer.from(blob, 'base64')]),
);
// dpl's one quoting module (from dist/, as bench/shell.mjs uses it).
const { quote: q } = await import(pathToFileURL(join(import.meta.dirname, '../../dist/core/quote.js')).href);
// Milliseconds too: at a few hosts the warm-up and round 1 run within one second, and a second-resolution name collided (mkdir: File exists).
const release = new Date().toISOString().replace(/[-:.]/g, '');

function script(h) {
  const d = q(join(h.root, dir));
  const r = `releases/${release}`;
  return [
    'set -e',
    `mkdir -p ${d}/releases && cd ${d}`,
    `if [ -d repo ]; then git --git-dir=repo fetch -q origin '+refs/tags/*:refs/tags/*'; else git clone -q --mirror ${q(world.origin)} repo; fi`,
    `mkdir ${r} && git --git-dir=repo archive ${q(tag)} | tar -x -C ${r}`,
    `ln -s ${d}/shared/config/app.env ${r}/config/app.env`,
    `ln -s ${r} .current.tmp && mv -T .current.tmp current`,
    'true',
    'ls -1 releases | sort | head -n -5 | sed "s|^|releases/|" | xargs -r rm -rf',
  ].join('\n');
}

function deploy(h) {
  return new Promise((resolve, reject) => {
    const fail = (e) => reject(new Error(`${h.name}: ${e.message ?? e}`));
    const sock = createConnection({ host: h.address, port: h.port, noDelay: true });
    const c = new Client();
    c.on('error', fail);
    c.on('ready', () =>
      c.exec(script(h), (err, stream) => {
        if (err) return fail(err);
        let errText = '';
        stream.stderr.on('data', (b) => (errText += b));
        stream.resume();
        stream.on('close', (code) => {
          c.end();
          code === 0 ? resolve() : fail(`exit ${code}: ${errText.trim()}`);
        });
      }),
    );
    const want = known.get(`[${h.address}]:${h.port}`);
    c.connect({ sock, username: h.user, privateKey: key, hostVerifier: (k) => !!want && want.equals(k) });
  });
}

const results = await Promise.allSettled(world.hosts.map(deploy));
const failed = results.filter((r) => r.status === 'rejected');
for (const f of failed) console.error(f.reason.message);
process.exit(failed.length ? 1 : 0);
