// The whole sandbox described before anything starts: every path, address and
// port, and the inventory a deployfile reads from sandbox.json.
import { join } from 'node:path';
import { BACKEND, WEB_PROCESS, fleetPlan, type SandboxHost, type SandboxInfo, type SandboxInventory, type SlotAddressing } from './layout.js';
import type { LoginUser } from '../fleet/users.js';

/** The address:port pairs a slot must have free for this fleet. */
export function endpointsOf(webHosts: number) {
  return (a: SlotAddressing): Array<[string, number]> =>
    fleetPlan(webHosts).flatMap((p, i): Array<[string, number]> => {
      const address = a.address(i);
      const own: Array<[string, number]> = [[address, a.sshPort]];
      if (p.services.includes(WEB_PROCESS)) own.push([address, a.appPort]);
      if (p.kind === 'lb') own.push([address, a.lbPort], [address, a.nginxPort], [address, a.prometheusPort]);
      return own;
    });
}

export function planSandbox(o: { dir: string; project: string; webHosts: number; a: SlotAddressing; slotLock: string; user: LoginUser; /** Optional front doors and judges this machine has binaries for. */ tools?: { nginx?: string; prometheus?: boolean } }): SandboxInfo {
  const { dir, a } = o;
  const plans = fleetPlan(o.webHosts);
  const hosts: Record<string, SandboxHost> = {};
  plans.forEach((p, i) => {
    const sshdDir = join(dir, 'sshd', p.name);
    const root = join(dir, 'hosts', p.name);
    hosts[p.name] = {
      name: p.name,
      kind: p.kind,
      address: a.address(i),
      sshPort: a.sshPort,
      root,
      deployPath: join(root, 'app'),
      services: p.services,
      ...(p.services.includes(WEB_PROCESS) ? { appPort: a.appPort } : {}),
      sshd: { dir: sshdDir, config: join(sshdDir, 'sshd_config'), hostKey: join(sshdDir, 'ssh_host_ed25519_key'), pidFile: join(sshdDir, 'sshd.pid'), logFile: join(sshdDir, 'sshd.log') },
    };
  });
  const lb = hosts['lb-0']!;
  const socket = join(dir, 'haproxy', 'admin.sock');
  const web = plans.filter((p) => p.kind === 'web').map((p) => p.name);
  const half = Math.ceil(web.length / 2);
  const inventory: SandboxInventory = {
    hosts: Object.fromEntries(
      plans.map((p) => {
        const h = hosts[p.name]!;
        const vars: Record<string, unknown> = p.kind === 'lb' ? { haproxySocket: socket } : { deployPath: h.deployPath, services: h.services };
        return [p.name, { hostname: h.address, port: h.sshPort, user: o.user.name, vars }];
      }),
    ),
    roles: {
      web,
      media: plans.filter((p) => p.kind === 'media').map((p) => p.name),
      celery: plans.filter((p) => p.kind === 'celery').map((p) => p.name),
      training: plans.filter((p) => p.kind === 'training').map((p) => p.name),
      lb: [lb.name],
    },
    // Two halves of the web hosts: one serves while the other is deployed.
    groups: { group1: web.slice(0, half), group2: web.slice(half) },
  };
  return {
    version: 1,
    dir,
    project: o.project,
    slot: a.slot,
    slotLock: o.slotLock,
    createdAt: new Date().toISOString(),
    user: o.user.name,
    uid: o.user.uid,
    gid: o.user.gid,
    ssh: { sshConfig: join(dir, 'ssh_config'), knownHosts: join(dir, 'known_hosts'), identity: join(dir, 'client', 'id_ed25519') },
    inventory,
    hosts,
    haproxy: {
      dir: join(dir, 'haproxy'),
      config: join(dir, 'haproxy', 'haproxy.cfg'),
      pidFile: join(dir, 'haproxy', 'haproxy.pid'),
      socket,
      backend: BACKEND,
      maintenanceMap: join(dir, 'haproxy', 'maintenance', 'app.map'),
      frontend: { address: lb.address, port: a.lbPort },
      url: `http://${lb.address}:${a.lbPort}/`,
    },
    ...(o.tools?.nginx ? { nginx: nginxPlan(dir, lb.address, a.nginxPort, o.tools.nginx) } : {}),
    ...(o.tools?.prometheus ? { prometheus: prometheusPlan(dir, lb.address, a.prometheusPort, Object.values(hosts)) } : {}),
    git: { origin: join(dir, 'git', 'origin.git'), work: join(dir, 'git', 'work') },
    db: join(dir, 'db'),
  };
}

function nginxPlan(dir: string, address: string, port: number, bin: string): NonNullable<SandboxInfo['nginx']> {
  const ng = join(dir, 'nginx');
  return {
    dir: ng,
    include: join(ng, 'upstream-{backend}.conf'),
    bin,
    args: ['-p', ng + '/', '-c', join(ng, 'nginx.conf'), '-e', join(ng, 'error.log')],
    pidFile: join(ng, 'nginx.pid'),
    maintenanceInclude: join(ng, 'maintenance-{backend}.conf'),
    frontend: { address, port },
    url: `http://${address}:${port}/`,
  };
}

/** Every host that runs the web app is scraped (the web hosts and the training box). */
function prometheusPlan(dir: string, address: string, port: number, hosts: SandboxHost[]): NonNullable<SandboxInfo['prometheus']> {
  const pr = join(dir, 'prometheus');
  const targets = hosts.filter((h) => h.appPort !== undefined).map((h) => `${h.address}:${h.appPort}`);
  return { dir: pr, pidFile: join(pr, 'prometheus.pid'), url: `http://${address}:${port}`, scrapeMs: 500, targets };
}

/** What each host's sshd puts in the environment of every session (SetEnv). */
export function hostEnv(info: SandboxInfo, h: SandboxHost, path: string): Record<string, string> {
  const database = h.kind === 'training' ? 'training' : 'production';
  return {
    HOME: h.root,
    PATH: path,
    DPL_SANDBOX_HOST: h.name,
    DEPLOY_PATH: h.deployPath,
    APP_ADDR: h.address,
    APP_PORT: String(h.appPort ?? info.haproxy.frontend.port),
    // The Procfile process that listens on APP_PORT: `svc start` waits for it to listen.
    ...(h.appPort !== undefined ? { APP_PROCESS: WEB_PROCESS } : {}),
    SANDBOX_DB: join(info.db, database),
  };
}
