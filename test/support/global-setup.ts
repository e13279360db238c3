// vitest globalSetup: starts the sshd test bed once per test run (see README.md in
// this directory) and tears it down afterwards. Test files read it with
// `useBed()` from test/support/bed.ts (vitest inject), child processes via the
// DPL_SSH_BED environment variable (path of bed.json).
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { startBed, stopBed } from './bed/bed.js';
import type { BedInfo } from './bed/types.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The running bed, or `{ unavailable: reason }` when sshd could not be started. */
    sshBed: BedInfo | { unavailable: string };
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  let info: BedInfo;
  try {
    info = await startBed();
  } catch (err) {
    const reason = `the sshd test bed could not start: ${(err as Error).message}`;
    project.provide('sshBed', { unavailable: reason });
    return async () => undefined;
  }
  project.provide('sshBed', info);
  process.env['DPL_SSH_BED'] = join(info.dir, 'bed.json');
  return async () => {
    await stopBed(info);
  };
}
