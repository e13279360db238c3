// Shared by the HAProxy and nginx test launchers: stopping a server we started.
import type { ChildProcess } from 'node:child_process';
import { rm } from 'node:fs/promises';

/** SIGTERM the server unless it already exited, wait for it, then remove its directory. */
export async function stopServer(child: ChildProcess, dir: string): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) {
    const gone = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await gone;
  }
  await rm(dir, { recursive: true, force: true });
}
