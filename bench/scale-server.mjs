// A light stand-in for many sshd hosts (bench/scale.mjs): one process, one ssh2
// Server listening on `count` loopback addresses (127.1.x.y, one port). Every host
// has the same host key (each is in known_hosts under its own [address]:port), takes
// the bench's public key, and answers any command with "ok" and exit status 0: no
// process is started, so the figures are dpl's, not the hosts'.
//   node bench/scale-server.mjs <count> <port> <hostKeyFile> <clientPubKeyFile>
// Prints "ready <n>" once every address listens; SIGTERM ends it.
import { readFileSync } from 'node:fs';
import ssh2 from 'ssh2';

const [count, port, hostKeyFile, clientPubFile] = process.argv.slice(2);
const { Server, utils } = ssh2;
const allowed = utils.parseKey(readFileSync(clientPubFile));
const allowedPub = allowed.getPublicSSH();

const addressOf = (i) => `127.1.${Math.floor(i / 250)}.${(i % 250) + 1}`;

let live = 0;
const onClient = (client) => {
  live++;
  client.on('close', () => live--);
  client.on('error', () => undefined);
  client.on('authentication', (ctx) => {
    if (ctx.method !== 'publickey' || ctx.key.algo !== allowed.type || !ctx.key.data.equals(allowedPub)) return ctx.reject(['publickey']);
    if (!ctx.signature) return ctx.accept(); // the key is fine: the client signs next
    if (allowed.verify(ctx.blob, ctx.signature, ctx.hashAlgo) === true) return ctx.accept();
    ctx.reject(['publickey']);
  });
  client.on('ready', () => {
    client.on('session', (accept) => {
      const session = accept();
      session.on('env', (accept) => accept?.());
      session.on('exec', (accept) => {
        const ch = accept();
        ch.write('ok\n');
        ch.exit(0);
        ch.end();
      });
    });
  });
};

const hostKey = readFileSync(hostKeyFile);
const listening = [];
for (let i = 0; i < Number(count); i++) {
  // A Server is one listener: one per address, all sharing the handlers.
  const s = new Server({ hostKeys: [hostKey] }, onClient);
  listening.push(new Promise((resolve, reject) => s.listen(Number(port), addressOf(i), resolve).once('error', reject)));
}
await Promise.all(listening);
console.log(`ready ${listening.length}`);
process.on('SIGTERM', () => process.exit(0));
setInterval(() => undefined, 1 << 30);
process.on('SIGUSR2', () => console.log(`live ${live}`));
