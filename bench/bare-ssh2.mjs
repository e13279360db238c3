// The floor for (b): the field notes' "60-line ssh2 script" — every host at once,
// no host-key check, no config, no dpl. Whatever dpl adds shows as dpl / bare.
//   node bench/bare-ssh2.mjs <bed.json>
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';

const require = createRequire(new URL('../package.json', import.meta.url));
const { Client } = require('ssh2');
const bed = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const key = readFileSync(bed.keys.plain);

await Promise.all(
  bed.names.map(
    (name) =>
      new Promise((resolve, reject) => {
        const h = bed.hosts[name];
        const c = new Client();
        c.on('error', reject);
        c.on('ready', () =>
          c.exec('true', (err, stream) => {
            if (err) return reject(err);
            stream.stderr.resume();
            stream.on('close', () => (c.end(), resolve()));
            stream.resume();
          }),
        );
        c.connect({ host: h.address, port: h.port, username: bed.user, privateKey: key });
      }),
  ),
);
