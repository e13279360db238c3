// A server that answers an exec and closes the channel in the same TCP segment: the
// reply to the exec request, stderr, the exit status, EOF and the close all arrive in
// one read on dpl's side. A forced command that refuses at once does this on a busy
// machine; here it happens every time. Commands matching `refuse` get
// `refused` on stderr and exit 1; any other command gets `ok` and exit 0.
import { hostileServerParts, listenOnLoopback, trackClients } from './serve.js';

export interface QuickCloseServer {
  name: string;
  configFile: string;
  knownHostsFile: string;
  /** Every exec request's command, in order. */
  commands: string[];
  close(): Promise<void>;
}

/** `clientKey`: the private key dpl logs in with (any key is let in: this server trusts everyone). */
export async function startQuickCloseServer(o: { name: string; dir: string; clientKey: string; refuse: RegExp }): Promise<QuickCloseServer> {
  const { ssh2, hostKey, hostKeyPath } = hostileServerParts(o.dir, o.name);
  const commands: string[] = [];
  const clients = trackClients();
  const server = new ssh2.Server({ hostKeys: [hostKey] }, (client) => {
    clients.add(client);
    client.on('error', () => undefined);
    client.on('authentication', (ctx) => ctx.accept());
    client.on('ready', () => {
      client.on('session', (accept) => {
        accept().on('exec', (acceptExec, _reject, info) => {
          commands.push(info.command);
          // Everything this tick leaves in one segment: the success reply, output, exit, EOF, close.
          const sock = (client as unknown as { _sock: import('node:net').Socket })._sock;
          sock.cork();
          const ch = acceptExec();
          if (o.refuse.test(info.command)) {
            ch.stderr.write('refused\n');
            ch.exit(1);
          } else {
            ch.write('ok\n');
            ch.exit(0);
          }
          ch.end();
          process.nextTick(() => sock.uncork());
        });
      });
    });
  });
  const l = await listenOnLoopback(server, { dir: o.dir, name: o.name, hostKeyPath, lines: ['User attacker-test', `IdentityFile ${o.clientKey}`, 'IdentitiesOnly yes'] });
  return {
    name: o.name,
    configFile: l.configFile,
    knownHostsFile: l.knownHostsFile,
    commands,
    async close() {
      clients.endAll();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
