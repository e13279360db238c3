// Putting the secrets on a host as a dotenv file in shared/: written to a temp file
// in the same directory with mode 0600 from the start (umask 077), filled from the
// channel's stdin, then renamed over the old one (atomic), and linked into the
// release. The command line holds only paths: the values travel on stdin.
import { posix } from 'node:path';
import type { Context } from '../core/context-types.js';
import { sh } from '../core/quote.js';
import { checkSharedPath, type HostRelease } from '../deploy/config.js';
import { layoutOf } from '../deploy/layout.js';

/** Plain `KEY=value` when the value is simple; else single-quoted as sh reads it (`set -a; . .env`). */
export function envFileText(values: Readonly<Record<string, string>>): string {
  const line = ([k, v]: [string, string]) => (/^[A-Za-z0-9_@%+=:,./-]*$/.test(v) ? `${k}=${v}` : `${k}='${v.replace(/'/g, `'\\''`)}'`);
  return Object.entries(values).map(line).join('\n') + '\n';
}

/** `<deployPath>/shared/<file>` of this release's host. */
export function secretsFilePath(rel: HostRelease, file: string): string {
  return posix.join(layoutOf(rel.deployPath).shared, checkSharedPath(file));
}

/** Write the file on `rel`'s host and link it into the release at the same relative path. */
export async function deliverFile(c: Context, rel: HostRelease, file: string, values: Readonly<Record<string, string>>): Promise<void> {
  const target = secretsFilePath(rel, file);
  const tmp = `${target}.dpl-tmp`;
  const link = posix.join(rel.path, checkSharedPath(file));
  const script = [
    'set -e',
    'umask 077',
    sh`mkdir -p -- ${posix.dirname(target)} ${posix.dirname(link)}`,
    sh`rm -f -- ${tmp}`,
    sh`cat > ${tmp}`,
    sh`chmod 600 -- ${tmp}`,
    sh`mv -f -- ${tmp} ${target}`,
    sh`if [ ${link} != ${target} ]; then rm -rf -- ${link}; ln -s -- ${target} ${link}; fi`,
  ].join('\n');
  await c.on(rel.host).run(script, { stdin: envFileText(values) });
}
