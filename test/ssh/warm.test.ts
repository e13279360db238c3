// Warm sockets: TCP connects started early must never crash the run on an error,
// and a spent one must not be handed to ssh2.
import { createServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PendingSocket, WarmSockets } from '../../src/ssh/warm.js';
import { tcpSocket } from '../../src/ssh/connection.js';

let server: Server;
let port = 0;
beforeAll(async () => {
  server = createServer((s) => s.end('SSH-2.0-fake\r\n'));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as { port: number }).port;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

const closedPort = async (): Promise<number> => {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const p = (s.address() as { port: number }).port;
  await new Promise<void>((r) => s.close(() => r()));
  return p;
};

describe('PendingSocket', () => {
  it('holds an early error (no crash) and hands it over on release', async () => {
    const p = new PendingSocket(tcpSocket('127.0.0.1', await closedPort()));
    await new Promise((r) => p.socket.once('close', r));
    expect(p.spent).toBe(true);
    const { error } = p.release();
    expect((error as NodeJS.ErrnoException).code).toBe('ECONNREFUSED');
  });

  it('a connected socket keeps what the server sent until its owner reads it', async () => {
    const p = new PendingSocket(tcpSocket('127.0.0.1', port));
    await new Promise((r) => p.socket.once('connect', r));
    await new Promise((r) => setTimeout(r, 50));
    const { socket, error } = p.release();
    expect(error).toBeUndefined();
    const banner = await new Promise<string>((r) => socket.once('data', (d) => r(String(d))));
    expect(banner).toContain('SSH-2.0-fake');
    socket.destroy();
  });
});

describe('WarmSockets', () => {
  it('hands a live socket out once; drops a refused one; closeAll closes the rest', async () => {
    const w = new WarmSockets();
    const refused = await closedPort();
    w.open('a', '127.0.0.1', port);
    w.open('b', '127.0.0.1', refused);
    w.open('c', '127.0.0.1', port);
    await new Promise((r) => setTimeout(r, 100));
    const a = w.take('a');
    expect(a).toBeDefined();
    expect(w.take('a')).toBeUndefined();
    expect(w.take('b')).toBeUndefined();
    a!.release().socket.destroy();
    w.closeAll();
    expect(w.take('c')).toBeUndefined();
  });
});
