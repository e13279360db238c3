// The "Try:" lines at the end of `dpl sandbox up`. They must work where they are
// printed: dpl's own checkout has deployfile.example.ts, a user's project has
// not (there `dpl init --example` copies it in as deployfile.ts), and a project
// with its own deployfile.ts gets the example next to it under its own name.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sh } from '../../core/quote.js';
import { PACKAGE_ROOT } from '../../paths.js';

export const EXAMPLE_NAME = 'deployfile.example.ts';
/** The first line of dpl's example deployfile (and of the copy `dpl init --example` writes). */
export const EXAMPLE_MARK = "// dpl's example deployfile";

export function sandboxHint(project: string, url: string): string {
  const curl = `  curl -s ${url}\n`;
  const own = join(project, 'deployfile.ts');
  if (existsSync(own) && readFileSync(own, 'utf8').startsWith(EXAMPLE_MARK)) return `Try:\n${curl}  dpl prod proxy.status\n`;
  if (existsSync(join(project, EXAMPLE_NAME))) return `Try:\n${curl}  dpl -f ${EXAMPLE_NAME} prod proxy.status\n`;
  if (!existsSync(own)) {
    return `Try:\n${curl}  dpl init --example      # dpl's example deployfile, written for this sandbox, as deployfile.ts\n  dpl prod proxy.status\n`;
  }
  // The example reads the sandbox next to it: copied into this project under a name of its own.
  const copy = sh`cp ${join(PACKAGE_ROOT, EXAMPLE_NAME)} ${join(project, 'deployfile.sandbox.ts')}`;
  return `Try:\n${curl}  # your deployfile.ts is not dpl's example, which is written for this sandbox; copy it in beside yours:\n  ${copy}\n  dpl -f deployfile.sandbox.ts prod proxy.status\n`;
}
