// Where the CLI writes and which directory it works in: the binary's process, or a
// test's capture (test/helpers/cli.ts). Its own module so commands need not import app.ts.
import type { Stdio } from './terminal.js';

export interface Io {
  out: (s: string) => void;
  err: (s: string) => void;
  cwd: string;
  /** The process exits once main() returns (the binary): idle connections are left to the kernel. */
  processExits?: boolean;
  /** The process's own stdin/stdout/stderr, for interactive sessions (`dpl ssh`, `-- cmd` at a terminal); the binary's only. */
  stdio?: Stdio;
}
