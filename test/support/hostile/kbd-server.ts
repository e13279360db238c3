// A hostile keyboard-interactive server for attacker tests, on ssh2's *server* API:
// it offers only the methods it is told to, sends the keyboard-interactive prompts it
// is given (a second factor, an echoing "Username:", a fake "Password: "), and
// records every answer and every password the client sends, so a test can tell what
// dpl gave away. dpl reaches it through its real pool: the server writes an
// ssh_config naming it and a known_hosts holding its host key.
import { join } from 'node:path';
import { hostileServerParts, listenOnLoopback, trackClients } from './serve.js';

export interface KbdPrompt {
  prompt: string;
  echo: boolean;
}

export interface HostileKbd {
  /** The ssh_config alias (Host) that reaches it. */
  name: string;
  address: string;
  port: number;
  configFile: string;
  knownHostsFile: string;
  /** Auth requests by method, in order ('none', 'password', 'keyboard-interactive', ...). */
  methods: string[];
  /** The answers of each keyboard-interactive round, in order. */
  answers: string[][];
  /** Passwords sent with the password method. */
  passwords: string[];
  close(): Promise<void>;
}

/**
 * Start the server on a free port of a random 127.0.x.y address; `dir` holds its
 * host key, ssh_config and known_hosts. It offers `offer` (default: only
 * keyboard-interactive), asks `prompts` in one round (with `instructions`), and
 * lets the client in when `accept(answers)` says so (default: never).
 */
export async function startHostileKbd(o: {
  name: string;
  dir: string;
  prompts: KbdPrompt[];
  instructions?: string;
  offer?: Array<'password' | 'keyboard-interactive'>;
  accept?: (answers: string[]) => boolean;
  /** Extra ssh_config lines for the alias (first value wins, as in ssh). */
  config?: string[];
}): Promise<HostileKbd> {
  const { ssh2, hostKey, hostKeyPath } = hostileServerParts(o.dir, o.name);
  const offer = o.offer ?? ['keyboard-interactive'];
  const methods: string[] = [];
  const answers: string[][] = [];
  const passwords: string[] = [];
  const clients = trackClients();

  const server = new ssh2.Server({ hostKeys: [hostKey] }, (client) => {
    clients.add(client);
    client.on('error', () => undefined);
    client.on('authentication', (ctx) => {
      methods.push(ctx.method);
      if (ctx.method === 'password') passwords.push(ctx.password);
      if (ctx.method === 'keyboard-interactive' && offer.includes('keyboard-interactive')) {
        ctx.prompt(o.prompts, '', o.instructions ?? '', (given) => {
          answers.push(given);
          if (o.accept?.(given)) ctx.accept();
          else ctx.reject(offer);
        });
        return;
      }
      ctx.reject(offer);
    });
    client.on('ready', () => {
      client.on('session', (accept) => {
        accept().on('exec', (acceptExec) => {
          const ch = acceptExec();
          ch.write('in\n');
          ch.exit(0);
          ch.end();
        });
      });
    });
  });

  const { address, port, configFile, knownHostsFile } = await listenOnLoopback(server, {
    dir: o.dir,
    name: o.name,
    hostKeyPath,
    lines: [...(o.config ?? []), 'User attacker-test', `IdentityFile ${join(o.dir, 'no-such-key')}`, 'IdentitiesOnly yes'],
  });

  return {
    name: o.name,
    address,
    port,
    configFile,
    knownHostsFile,
    methods,
    answers,
    passwords,
    async close() {
      clients.endAll();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}
