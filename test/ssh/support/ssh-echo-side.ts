// A stand-in for the dpl side that only the harness's own self-check uses: it answers with
// ssh -G's output, reshaped the ways dpl may legitimately differ (home directory for `~`,
// algorithm lists cut to ssh2's, ecdh-sha2-nistp256 first in a default kex list). It says
// nothing about dpl; it proves the comparison path works before `dpl ssh-config` exists,
// and, with `mutate`, that a wrong value is caught.
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import type { DplSide } from './dpl-side.js';
import { ssh2Supported } from './dpl-side.js';
import { ALGORITHM_KEYS, PREFERRED_KEX, replacesKexList, runSshG } from './ssh-g.js';

export function sshEchoSide(mutate?: (key: string, value: string) => string): DplSide {
  const supported = ssh2Supported();
  return {
    supported,
    run(p, isolate) {
      const r = runSshG(p, isolate);
      const fromDefaults = !replacesKexList(Object.values(p.paths).map((f) => readFileSync(f, 'utf8')));
      const lines = r.stdout.split('\n').map((line) => {
        const sp = line.indexOf(' ');
        if (sp < 0) return line;
        const key = line.slice(0, sp);
        let value = line.slice(sp + 1).replace(/(^| )~\//g, `$1${homedir()}/`);
        if (key in ALGORITHM_KEYS) {
          let list = value.split(',').filter((a) => supported[key]!.has(a));
          if (key === 'kexalgorithms' && fromDefaults && list.includes(PREFERRED_KEX)) list = [PREFERRED_KEX, ...list.filter((a) => a !== PREFERRED_KEX)];
          value = list.join(',');
        }
        return `${key} ${mutate ? mutate(key, value) : value}`;
      });
      return { code: r.code === 0 ? 0 : 2, stdout: lines.join('\n'), stderr: r.stderr };
    },
  };
}
