// `dpl sandbox up [--hosts N] | down | status [--json]`: a local fleet to try dpl on
// (see src/sandbox/). Needs no deployfile; the project is where deployfile.ts is,
// else the current directory, and the sandbox lives in its .dpl/sandbox/.
import { DplError, UsageError } from '../../core/errors.js';
import type { Io } from '../io.js';

const USAGE = `usage: dpl sandbox up [--hosts N] | down | status [--json]

  up      start the sandbox: N web hosts (default 4) behind HAProxy, a media, a celery,
          a training and an LB host, each a real sshd on 127.0.30.x; a git origin
          with tagged releases and a working clone; when installed, nginx (a second front
          door) and Prometheus scraping every app. Reuses a sandbox that is already up.
  down    stop every sandbox process and remove .dpl/sandbox/
  status  hosts, live releases, processes, HAProxy's view, nginx and Prometheus (--json)

Then: dpl init --example   (in a project without a deployfile: dpl's example deployfile, written for the sandbox)
`;

export async function runSandbox(args: string[], io: Io): Promise<number> {
  const [action, ...rest] = args;
  if (!action) {
    io.err(USAGE);
    return 2;
  }
  if (action === '-h' || action === '--help' || action === 'help') {
    io.out(USAGE);
    return 0;
  }
  const m = await import('../../sandbox/index.js');
  const project = m.projectDir(io.cwd);
  const dir = m.sandboxDir(project);
  switch (action) {
    case 'up': {
      const hosts = hostsArg(rest, m.DEFAULT_WEB_HOSTS, m.MAX_WEB_HOSTS);
      const r = await m.sandboxUp(project, hosts, (line) => io.out(`sandbox: ${line}\n`));
      if (r.reused) io.out(`sandbox: already up in ${dir}; reusing it (\`dpl sandbox down\` first for a fresh one)\n`);
      else io.out(`sandbox: up in ${(r.ms / 1000).toFixed(1)} s\n`);
      io.out(m.renderStatus(await m.sandboxStatus(r.info), r.info));
      io.out((await import('./sandbox-hint.js')).sandboxHint(project, r.info.haproxy.url));
      return 0;
    }
    case 'down': {
      noMore(rest, 'down');
      const r = await m.sandboxDown(dir);
      if (!r.dir) io.out(`sandbox: none in ${dir}\n`);
      else io.out(`sandbox: stopped ${r.stopped} process${r.stopped === 1 ? '' : 'es'}, removed ${r.dir}\n`);
      if (r.left.length) throw new DplError(`sandbox: processes ${r.left.join(', ')} would not stop`, { code: 'sandbox.failed', hint: 'look at them with `ps -p <pid>`' });
      return 0;
    }
    case 'status': {
      const json = rest.includes('--json');
      noMore(rest.filter((a) => a !== '--json'), 'status');
      const info = m.readInfo(dir);
      if (!info) {
        if (json) io.out('{"up":false}\n');
        else io.out(`sandbox: not up in ${project} (start it with \`dpl sandbox up\`)\n`);
        return json ? 0 : 1;
      }
      const s = await m.sandboxStatus(info);
      const problems = m.checkRunning(info, { services: true });
      if (json) io.out(JSON.stringify({ up: problems.length === 0, problems, status: s, info }) + '\n');
      else io.out(m.renderStatus(s, info) + (problems.length ? `not running:\n  ${problems.join('\n  ')}\n` : ''));
      return problems.length ? 1 : 0;
    }
    default:
      throw new UsageError(`dpl sandbox: unknown action "${action}"`, { hint: 'dpl sandbox up | down | status' });
  }
}

function hostsArg(rest: string[], fallback: number, max: number): number {
  let value: string | undefined;
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i]!;
    if (a === '--hosts') value = rest[++i];
    else if (a.startsWith('--hosts=')) value = a.slice('--hosts='.length);
    else throw new UsageError(`dpl sandbox up: unexpected argument "${a}"`, { hint: 'dpl sandbox up [--hosts N]' });
  }
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 2 || n > max) {
    throw new UsageError(`dpl sandbox up: --hosts takes a whole number of web hosts from 2 to ${max}, not ${JSON.stringify(value)}`);
  }
  return n;
}

function noMore(rest: string[], action: string): void {
  if (rest.length) throw new UsageError(`dpl sandbox ${action}: unexpected argument "${rest[0]}"`);
}
