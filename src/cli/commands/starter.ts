// The commented starter deployfile that `dpl init` writes. It compiles as is
// and runs locally (no hosts selected) until real hosts are filled in.
import { parseHostString } from '../../core/host.js';

export interface StarterHost {
  /** Inventory name (what `-H` and output use). */
  name: string;
  /** "user@hostname:port" as the person typed it. */
  spec: string;
}

/** Inventory names for typed host strings: the first DNS label when that is unique, else the hostname. */
export function starterHosts(specs: string[]): StarterHost[] {
  const parsed = specs.map((spec) => ({ spec, hostname: parseHostString(spec).hostname }));
  const short = (h: string) => (/^[\d.]+$/.test(h) || h.includes(':') ? h : h.split('.')[0]!);
  return parsed.map(({ spec, hostname }) => {
    const s = short(hostname);
    const unique = parsed.filter((p) => short(p.hostname) === s).length === 1;
    return { name: unique ? s : hostname, spec };
  });
}

export interface StarterOptions {
  hosts: StarterHost[];
  /** The running dpl exports opsTasks: use it live instead of in a comment. */
  withOps: boolean;
}

const EXAMPLE: StarterHost[] = [{ name: 'web-0', spec: 'deploy@web-0.example.com' }];

export function starterDeployfile(o: StarterOptions): string {
  const hosts = o.hosts.length ? o.hosts : EXAMPLE;
  const j = (v: string) => JSON.stringify(v).replace(/"/g, "'");
  const inventory = hosts.map((h) => `    ${j(h.name)}: { hostname: ${j(h.spec)} },`).join('\n');
  const names = hosts.map((h) => j(h.name)).join(', ');
  const ops = "...opsTasks({ services: { app: { log: '/var/log/app.log', status: 'systemctl is-active app' } } }).tasks,";
  return `// deployfile.ts: the tasks \`dpl\` runs (written by \`dpl init\`; edit freely).
//
//   dpl --list               the tasks below, with their arguments
//   dpl prod uptime          run a task on the production hosts (or: dpl -E prod uptime)
//   dpl prod disk:/var/log   pass arguments as task:a,b or task:key=value
//   dpl -H web-0 -- df -h    run one command on a host
//
// A task gets a Context \`c\`: c.run() and c.sudo() run on the host, c.local()
// here, c.put() / c.get() copy files. A task runs on the hosts chosen for it
// (-H, -R, an environment, or its own hosts/roles); with none it is refused,
// unless it says run: 'local'. Build commands with sh\`...\`: every \${value}
// is quoted for the shell.
import { deployfile, task, sh${o.withOps ? ', opsTasks' : ''} } from 'dpl-deploy';

export default deployfile({
  // Hosts by name: "user@hostname:port", or { hostname, user, port, vars }.
  // ~/.ssh/config applies (Host aliases, IdentityFile, ProxyJump).
  hosts: {
${inventory}
  },
  // Roles group hosts: \`dpl -R web uptime\`.
  roles: {
    web: [${names}],
  },
  // An environment is a task and a flag: \`dpl prod uptime\` = \`dpl -E prod uptime\`.
  environments: {
    prod: { desc: 'The production hosts', roles: { web: [${names}] } },
  },
  defaults: {
    // user: 'deploy',                // login user when neither the host nor ~/.ssh/config names one
    // commandTimeoutMs: 10 * 60_000, // kill a remote command after ten minutes
    // shell: 'bash -l -c',           // read the login profile (rbenv, nvm PATHs); costs what the profile costs, per command
  },
  config: {
    // Where releases live on the hosts (a host var deployPath wins).
    deployPath: '/srv/app',
    // Tell the team about deploys (start, success, failure, rollback), Slack-compatible:
    // notify: [{ url: process.env.DPL_SLACK_WEBHOOK, format: 'slack' }],
    // Every run is logged under .dpl/logs (newest: .dpl/logs/latest); by default 20 runs,
    // 20 MB a run and 200 MB in all:
    // runLog: { keep: 50, maxRunBytes: 50_000_000, maxTotalBytes: 500_000_000 },
  },
  tasks: {
    uptime: task({ desc: 'Show how long each host has been up', run: 'parallel' }, async (c) => {
      await c.run('uptime');
    }),
    disk: task(
      { desc: 'Show free disk space', run: 'parallel', args: { path: { default: '/', desc: 'directory to check' } } },
      async (c, { path }) => {
        await c.run(sh\`df -h \${path}\`);
      },
    ),
    // monitor[:service], logs, status[:service] and history for your services:
    ${o.withOps ? ops : `// ${ops}  (import opsTasks from 'dpl-deploy')`}
  },
});
`;
}
