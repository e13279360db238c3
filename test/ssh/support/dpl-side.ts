// The dpl side of the ssh_config differential: `node bin/dpl.js ssh-config -F <file> [flags] <dest>`
// once that command exists. Until then (phase 1 of issue #14) the corpus is checked against
// ssh -G alone. The command is detected by asking it, and the source is checked too, so a
// declared but unbuilt or broken command fails loudly instead of quietly skipping the comparison.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { dplCommand } from '../../helpers/cli.js';
import { buildCatalog } from '../../../src/ssh/algorithms.js';
import { ALGORITHM_KEYS, runIsolated, type Run } from './ssh-g.js';
import type { PreparedCase } from './config-case.js';

const ROOT = resolve(import.meta.dirname, '../../..');

export interface DplSide {
  /** Runs `dpl ssh-config` for a case (cwd: an empty dir, so no deployfile is found). */
  run(p: PreparedCase, isolate: boolean): Run;
  /** Per ssh -G algorithm key, the algorithms dpl can use: ssh's lists are filtered to these. */
  supported: Record<string, ReadonlySet<string>>;
}

export type DplSideState = { kind: 'cli'; side: DplSide } | { kind: 'absent'; reason: string };

/** What dpl can offer per list: its own catalog (algorithms.ts), built from the ssh2 constants it reads. */
export function ssh2Supported(): Record<string, ReadonlySet<string>> {
  const require = createRequire(join(ROOT, 'package.json'));
  const catalog = buildCatalog(require('ssh2/lib/protocol/constants.js') as Record<string, string[]>);
  const kinds = { KEX: 'kex', SERVER_HOST_KEY: 'serverHostKey', CIPHER: 'cipher', MAC: 'hmac' } as const;
  return Object.fromEntries(Object.entries(ALGORITHM_KEYS).map(([key, name]) => [key, new Set(catalog[kinds[name]].supported)]));
}

/** Does src/cli name an `ssh-config` subcommand? */
function declared(): boolean {
  const walk = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
  return walk(join(ROOT, 'src/cli')).some((f) => /['"`]ssh-config['"`]/.test(readFileSync(f, 'utf8')));
}

function cliRun(args: string[], cwd: string, env: Record<string, string>, isolate: boolean): Run {
  const [cmd, argv] = dplCommand(args);
  return runIsolated(cmd, argv, { cwd, env, isolate });
}

/** Find out whether `dpl ssh-config` can be compared, once per test file. */
export function detectDplSide(): DplSideState {
  const isDeclared = declared();
  const built = existsSync(join(ROOT, 'dist/bundle/main.js'));
  if (!built && !isDeclared) return { kind: 'absent', reason: 'dpl ssh-config does not exist yet (no dist/ build either): cases are checked against ssh -G only' };
  if (!built) throw new Error('src/cli declares `dpl ssh-config` but dist/ is not built: run `npm run build` first');
  const dir = mkdtempSync(join(tmpdir(), 'dpl-cfgdiff-probe-'));
  try {
    const config = join(dir, 'config');
    writeFileSync(config, 'Host probe.invalid\n  User probe-user\n');
    const r = cliRun(['ssh-config', '-F', config, 'probe.invalid'], dir, {}, false);
    if (r.code === 0 && /^hostname probe\.invalid$/m.test(r.stdout) && /^user probe-user$/m.test(r.stdout)) {
      return {
        kind: 'cli',
        side: {
          run: (p, isolate) => cliRun(['ssh-config', '-F', p.configFile, ...p.dplArgs, p.dplDest], mkdtempSync(join(p.dir, 'cwd-')), p.env, isolate),
          supported: ssh2Supported(),
        },
      };
    }
    if (isDeclared) {
      throw new Error(`src/cli declares \`dpl ssh-config\` but \`dpl ssh-config -F ${config} probe.invalid\` did not print its settings (rebuild with \`npm run build\`?): exit ${r.code}\n${r.stdout}${r.stderr}`);
    }
    return { kind: 'absent', reason: `dpl ssh-config does not exist yet (exit ${r.code}: ${r.stderr.trim().split('\n')[0]}): cases are checked against ssh -G only` };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
