// `dpl sandbox up`: keys, sshd hosts, the git origin and working clone, v3.0.0 live
// on every host, the app started over SSH (by the hosts' own `svc`), then HAProxy,
// and when this machine has them, nginx (a second front door) and Prometheus.
// sandbox.json is written last: while it exists, the sandbox is up.
import { chmodSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, realpathSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, sep } from 'node:path';
import { DplError } from '../core/errors.js';
import { chownTree } from '../fleet/git.js';
import { startHosts } from '../fleet/hosts.js';
import { keygen, knownHostsLine } from '../fleet/keys.js';
import { sshConfigText } from '../fleet/ssh-files.js';
import { sshdConfigText } from '../fleet/sshd.js';
import { findTools } from '../fleet/tools.js';
import { loginUser, type LoginUser } from '../fleet/users.js';
import { infoFile, readInfo, sandboxDir, sshdFiles, type SandboxInfo } from './layout.js';
import { endpointsOf, hostEnv, planSandbox } from './plan.js';
import { hostPath, writeHostTree } from './host-files.js';
import { makeRepos, APP_SOURCE } from './repo.js';
import { seedDatabases, seedPlan, seedReleases } from './seed.js';
import { startHaproxy } from './haproxy.js';
import { startSandboxNginx } from './nginx.js';
import { startSandboxPrometheus } from './prometheus.js';
import { nginxBinary } from '../fleet/nginx.js';
import { prometheusBinary } from '../fleet/prometheus.js';
import { startServices } from './services.js';
import { takeSlot } from './slots.js';
import { checkRunning, teardown } from './down.js';

export interface UpResult {
  info: SandboxInfo;
  reused: boolean;
  ms: number;
}

export async function sandboxUp(project: string, webHosts: number, log: (line: string) => void = () => {}): Promise<UpResult> {
  const started = Date.now();
  const tools = findTools(['sshd', 'haproxy', 'git', 'ssh-keygen'], 'dpl sandbox runs real sshd and HAProxy');
  const link = sandboxDir(project);
  const existing = readInfo(link);
  if (existing) {
    const problems = checkRunning(existing);
    if (problems.length === 0) return { info: existing, reused: true, ms: Date.now() - started };
    throw new DplError(`the sandbox in ${link} is not (fully) running:\n  ${problems.join('\n  ')}`, {
      code: 'sandbox.failed',
      hint: 'stop what is left and start afresh: `dpl sandbox down && dpl sandbox up`',
    });
  }
  if (existsSync(link) || isLink(link)) {
    log(`removing the remains of a sandbox that did not finish starting (${link})`);
    await teardown(link);
  }
  const user = loginUser();
  const dir = makeDir(link, user);
  const { lock, addressing } = await takeSlot(dir, endpointsOf(webHosts));
  // Optional parts: a second front door (nginx) and the bake's Prometheus judge.
  const optional = { nginx: nginxBinary(), prometheus: prometheusBinary() };
  const info = planSandbox({ dir, project, webHosts, a: addressing, slotLock: lock, user, tools: { nginx: optional.nginx, prometheus: !!optional.prometheus } });
  try {
    log(`slot ${info.slot}: ${Object.keys(info.hosts).length} hosts on ${info.hosts['web-0']!.address}…, ssh port ${addressing.sshPort}`);
    writeMachine(info, user);
    const repos = makeRepos(tools.git, join(dir, 'git'));
    const seeds = seedPlan(new Date());
    for (const h of Object.values(info.hosts)) if (h.kind !== 'lb') seedReleases(tools.git, repos, h, seeds);
    seedDatabases(info.db, readdirSync(join(APP_SOURCE, 'app', 'migrations')).filter((f) => f.endsWith('.sql')).sort());
    if (user.root) for (const d of ['hosts', 'db']) chownTree(join(dir, d), user.uid, user.gid);
    log('git origin with v2.9.0, v3.0.0 (stable) and v3.1.0-rc.1, -rc.2, -rc.3; v3.0.0 live on every host');
    const hosts = Object.values(info.hosts);
    // Detached: the hosts outlive `dpl sandbox up`.
    await startHosts(hosts.map(sshdFiles), { batch: 4, detached: true });
    log(`${hosts.length} sshd hosts up`);
    await startServices(info);
    await startHaproxy(tools.haproxy, info);
    log(`HAProxy on ${info.haproxy.url}, every web host UP`);
    if (info.nginx) {
      await startSandboxNginx(info);
      log(`nginx on ${info.nginx.url} in front of the same web hosts (a second front door)`);
    } else log('no nginx on this machine: the nginx front door is unavailable (apt-get install nginx-light)');
    if (info.prometheus && optional.prometheus) {
      await startSandboxPrometheus(optional.prometheus, info);
      log(`Prometheus on ${info.prometheus.url} scraping ${info.prometheus.targets.length} apps' /metrics`);
    } else log('no prometheus on this machine: the Prometheus judge is unavailable (apt-get install prometheus)');
    writeFileSync(infoFile(dir), JSON.stringify(info, null, 2) + '\n');
    return { info, reused: false, ms: Date.now() - started };
  } catch (e) {
    await teardown(link, info);
    throw e;
  }
}

function isLink(p: string): boolean {
  try {
    return lstatSync(p).isSymbolicLink();
  } catch {
    return false;
  }
}

/**
 * The sandbox directory. The login user must reach it (it holds the hosts' trees and
 * the git origin), and sshd/HAProxy configs want plain paths: when the project is
 * somewhere else (e.g. under /root) or has odd characters, the sandbox lives in a
 * /tmp directory and `.dpl/sandbox` links to it.
 */
function makeDir(link: string, user: LoginUser): string {
  mkdirSync(dirname(link), { recursive: true });
  const plain = /^[A-Za-z0-9._/-]+$/.test(link);
  if (plain && (!user.root || reachable(dirname(link), user))) {
    try {
      mkdirSync(link, { mode: 0o755 });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      throw new DplError(`${link} appeared while this sandbox was starting: is another \`dpl sandbox up\` running here?`, { code: 'sandbox.failed' });
    }
    chmodSync(link, 0o755);
    return realpathSync(link);
  }
  const dir = mkdtempSync(join(tmpdir(), 'dpl-sandbox-'));
  chmodSync(dir, 0o755);
  symlinkSync(dir, link);
  return dir;
}

/** Can `user` enter every directory on the way to `dir`? */
function reachable(dir: string, user: LoginUser): boolean {
  let path = '';
  for (const part of realpathSync(dir).split(sep)) {
    path = path === '/' || path === '' ? `/${part}` : `${path}/${part}`;
    const st = statSync(path);
    const ok = st.uid === user.uid ? st.mode & 0o100 : st.gid === user.gid ? st.mode & 0o010 : st.mode & 0o001;
    if (!ok) return false;
  }
  return true;
}

function writeMachine(info: SandboxInfo, user: LoginUser): void {
  const { dir } = info;
  for (const d of ['client', 'sshd', 'hosts', 'haproxy', 'git', 'db']) mkdirSync(join(dir, d), { recursive: true, mode: 0o755 });
  const client = keygen(info.ssh.identity, { comment: 'dpl-sandbox-client' });
  const authorizedKeys = join(dir, 'client', 'authorized_keys');
  writeFileSync(authorizedKeys, `${client.line}\n`, { mode: 0o644 });
  const known: string[] = [];
  for (const h of Object.values(info.hosts)) {
    mkdirSync(h.sshd.dir, { recursive: true, mode: 0o755 });
    const key = keygen(h.sshd.hostKey, { comment: `dpl-sandbox-${h.name}` });
    known.push(knownHostsLine(h.address, h.sshPort, key));
    writeHostTree(h.root, h.deployPath);
    const env = hostEnv(info, h, hostPath(h.root));
    writeFileSync(h.sshd.config, sshdConfigText(sshdFiles(h), { authorizedKeys, allowUsers: [user.name], env }));
  }
  writeFileSync(info.ssh.knownHosts, known.join('\n') + '\n', { mode: 0o644 });
  const header = [`dpl sandbox (${dir}): written by \`dpl sandbox up\`, removed by \`dpl sandbox down\`.`, `  ssh -F ${dir}/ssh_config web-0`];
  const hosts = Object.values(info.hosts).map((h) => ({ name: h.name, address: h.address, port: h.sshPort }));
  writeFileSync(info.ssh.sshConfig, sshConfigText({ header, hosts, knownHostsFile: info.ssh.knownHosts, user: user.name, identityFile: info.ssh.identity, strict: true }), { mode: 0o644 });
  // The HAProxy admin socket is created in here; the login user connects to it through lb-0.
  chmodSync(join(dir, 'haproxy'), 0o755);
}
