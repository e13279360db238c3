// dpl's example deployfile: the three workflows dpl was made for, on one fleet.
// Try it on real local servers (sshd hosts on 127.0.30.x, HAProxy in front):
//
//   dpl sandbox up                          # here; `dpl sandbox status`, `dpl sandbox down`
//   dpl -f deployfile.example.ts --list     # or copy this file to deployfile.ts: the commands
//                                           # below are written without the -f
//
// 1. OpenSky: a hotfix released and deployed group by group while the other group serves
//      dpl hotfix.start:3.0.1                 # branch hotfix/3.0.1 off main, bump config/version.ini
//      (the fix, in .dpl/sandbox/git/work: the greeting's typo in config/app.ini; git commit -am ...)
//      dpl hotfix.finish:3.0.1,push=yes       # merge into main and develop, tag v3.0.1, push
//      dpl prod deploy.pending:stable         # what would ship: commits, files, migrations; changes nothing
//      dpl prod proxy.group2                  # only group2 serves; group1 drains
//      dpl prod:out deploy:stable             # production asks first (y/N, after the same summary);
//                                             # --yes answers for CI, and without a terminal it must be given
//      dpl prod proxy.flip                    # group1 (new) serves, group2 drains
//      dpl prod:out deploy:stable --yes
//      dpl prod proxy.all
//      dpl prod proxy.maintenance:on          # every request gets the maintenance page (503); :off ends it
// 2. G Adventures: roles web/media/celery; one box for training, the fleet for production
//    (`environments` below: each is a task, or a flag: `dpl -E training deploy:develop`)
//      dpl training deploy:develop            # newest work on training: migration 0004 runs once, there
//      dpl production deploy --yes            # migrate once, static on media only, restart what runs where
//    Migrations are recorded per release; a rollback past one is refused unless it is undone or allowed:
//      dpl production deploy:v3.1.0-rc.3 --yes     # applies and records 0004_add_fare_cache
//      dpl production deploy.rollback              # refused (exit 1), listing 0004_add_fare_cache
//      dpl production deploy.rollback:allow-schema-ahead=yes   # rolls back, 0004 stays applied
//      dpl training deploy:v3.1.0-rc.3 && dpl training deploy.rollback   # training's hook undoes 0004 first
// 3. Urban Airship: one host by hand, then canary → half → rest with automatic rollback
//      dpl host:web-0 deploy:airship restart:airship monitor:airship   # Ctrl-C ends the monitor
//      dpl prod deploy:airship --yes          # 1 host, then half, then the rest, each one baked
//      dpl prod deploy:airship,v3.1.0-rc.1 --yes   # its /health fails: rolled back, exit 1
//      dpl prod 'deploy:airship,plan=10%w;50%;100%' --yes # the canary takes 10% of the traffic (HAProxy weights)
//      dpl prod deploy.restart                # rolling restart, no deploy: drain, restart, health, ready per batch
//    The same through the sandbox's nginx, each batch judged on Prometheus (nginx has no per-server
//    counters); send traffic through nginx meanwhile (`curl` its URL in a loop, see `dpl sandbox status`):
//      dpl prod deploy:airship,v3.1.0-rc.3,lb=nginx --yes   # promoted batch by batch on Prometheus's counts
//      dpl prod deploy:airship,v3.1.0-rc.2,lb=nginx --yes   # every page 500: rolled back on them, exit 1
//      dpl prod deploy.restart:lb=nginx       # rolling restart with nginx draining the batches
import { existsSync, readFileSync } from 'node:fs';
import {
  deployfile, gitTasks, groupHosts, namespace, opsTasks, prometheus, proxyTasks, release, serviceTasks, sh, task, UsageError,
  type Context, type ProxyConfig, type ReleaseConfig, type RolloutConfig,
} from 'dpl-deploy';

/** Host variables, typed for every task and hook: what each host runs, where it deploys. */
type Vars = { services?: string[]; deployPath?: string; haproxySocket?: string };
interface Fleet {
  hosts: Record<string, { hostname: string; port?: number; user?: string; vars: Vars }>;
  roles: { web: string[]; media: string[]; celery: string[]; training: string[]; lb: string[] };
  groups: Record<string, string[]>;
}
/** The parts of `.dpl/sandbox/sandbox.json` this file reads. */
interface Sandbox {
  inventory: Fleet;
  haproxy: { maintenanceMap: string };
  /** Present when the machine has nginx / prometheus. */
  nginx?: { include: string; bin: string; args: string[]; pidFile: string; maintenanceInclude: string };
  prometheus?: { url: string };
  ssh: { sshConfig: string; knownHosts: string };
  git: { work: string };
}

// `dpl sandbox up` writes its inventory here; without it, placeholders for a real fleet.
const sandboxFile = `${import.meta.dirname}/.dpl/sandbox/sandbox.json`;
const sandbox: Sandbox | undefined = existsSync(sandboxFile) ? JSON.parse(readFileSync(sandboxFile, 'utf8')) : undefined;
const fleet: Fleet = sandbox?.inventory ?? placeholderFleet();
// Local nodes answer in milliseconds: the sandbox checks and bakes in seconds, not minutes.
const quick = !!sandbox;

// The load balancer: HAProxy on lb-0, backend `app`, web hosts in two groups
// (each host's LB server name is its own name). dpl talks to the admin socket over SSH.
const proxy: ProxyConfig = {
  lb: 'lb-0',
  backends: ['app'],
  groups: fleet.groups,
  health: { path: '/health', passes: 2, intervalMs: quick ? 200 : 1000 },
  pollMs: quick ? 100 : 500,
  // `dpl prod proxy.maintenance:on|off` (docs/proxy.md); the sandbox's haproxy.cfg has the rule.
  maintenance: { retryAfter: 30, ...(sandbox ? { haproxyMap: sandbox.haproxy.maintenanceMap } : {}) },
};

// The same web hosts through nginx (the sandbox starts one next to HAProxy): dpl rewrites the
// upstream's server lines, `nginx -t`s and reloads it over SSH on lb-0.
const nginxProxy: ProxyConfig = {
  ...proxy,
  driver: 'nginx',
  nginx: sandbox?.nginx ?? { include: '/etc/nginx/dpl-upstream-{backend}.conf', sudo: true },
  maintenance: { retryAfter: 30, ...(sandbox?.nginx ? { nginxInclude: sandbox.nginx.maintenanceInclude } : {}) },
};

// Canary → half → rest. A batch is drained, switched, restarted and health-checked,
// back in rotation it is baked on HAProxy's error counters; any failure rolls back.
const rollout: RolloutConfig = {
  plan: [1, '50%', '100%'],
  health: { path: '/health', passes: 2, intervalMs: quick ? 200 : 1000, giveUpMs: quick ? 6000 : 60_000 },
  bake: { durationMs: quick ? 2000 : 60_000, sampleMs: quick ? 500 : 5000, minRequests: quick ? 5 : 20, maxErrorRate: 0.01 },
  // No traffic is no evidence: a bake that cannot judge a batch stops the rollout. The
  // sandbox has no users unless you send requests, so there it promotes with a warning.
  inconclusive: quick ? 'promote' : 'fail',
};

// Behind nginx the bake reads Prometheus: the app's own request counters, per host
// (`http_requests_total{host,version,code}` on /metrics), the batch against the rest.
const judgedByPrometheus: RolloutConfig = {
  ...rollout,
  bake: {
    ...rollout.bake,
    // Prometheus scrapes every 0.5 s in the sandbox: a sample a second sees fresh counts.
    durationMs: quick ? 4000 : 60_000,
    sampleMs: quick ? 1000 : 5000,
    source: prometheus({
      url: sandbox?.prometheus?.url ?? 'http://prometheus.internal:9090',
      requests: 'sum(http_requests_total{host=~"$hosts"})',
      errors: 'sum(http_requests_total{host=~"$hosts",code=~"5.."})',
    }),
  },
};

/** The front door a rollout or restart goes through: HAProxy (judged on its counters) or nginx (judged on Prometheus). */
function via(lb: 'haproxy' | 'nginx'): { proxy: ProxyConfig; rollout: RolloutConfig } {
  if (lb === 'haproxy') return { proxy, rollout };
  if (sandbox && !sandbox.nginx) throw new UsageError('lb=nginx: this sandbox has no nginx', { hint: 'apt-get install nginx-light, then `dpl sandbox down && dpl sandbox up`' });
  if (sandbox && !sandbox.prometheus) throw new UsageError('lb=nginx is judged on Prometheus, and this sandbox has none', { hint: 'apt-get install prometheus, then `dpl sandbox down && dpl sandbox up`' });
  return { proxy: nginxProxy, rollout: judgedByPrometheus };
}

// Roles resolve in the run's environment: on training, its one box has every role.
const hasRole = async (c: Context<Vars>, role: string) => (await c.session.resolveHosts({ roles: [role] })).some((h) => h.name === c.host.name);

// One release for everyone. Every host gets the new release in its own directory;
// only when all are ready does `current` switch, everywhere.
const appConfig: ReleaseConfig<Vars> = {
  repoDir: sandbox?.git.work ?? '.', // refs resolve here; the hosts fetch from its origin
  keep: 5,
  // G Adventures: the database migrates once, from one web host, before any host switches.
  // `migrations`: the files a release adds there are recorded as applied by it, so a
  // rollback to an older release is refused while they are (docs/deploy.md).
  once: [{ role: 'web', name: 'migrate', migrations: ['app/migrations/'], run: async (c) => { await c.run('node app/manage.mjs migrate'); } }],
  hooks: {
    // G Adventures: static files are collected on the media hosts only.
    afterPrepare: async (c) => {
      if (await hasRole(c, 'media')) await c.run('node app/manage.mjs collectstatic');
    },
    // Each host restarts what it runs (host var `services`): airship on web hosts, worker on
    // celery. `svc` is the sandbox's service manager; on a real fleet, systemctl or supervisorctl.
    restart: async (c) => {
      const services = c.host.vars.services ?? [];
      if (services.length) await c.run(sh`svc restart ${services}`);
    },
  },
};
const app = release<Vars>(appConfig);
// Training may go back freely: its rollback first undoes the migrations newer releases
// applied, with the code of the release that applied each. Production has no such hook:
// a rollback past a migration there is refused unless `allow-schema-ahead=yes`.
const training = release<Vars>({
  ...appConfig,
  hooks: {
    ...appConfig.hooks,
    rollbackMigrations: async (c, undo) => {
      const db = undo.hosts[0]!; // training's one box migrated its database (the once step's web role)
      for (const m of undo.migrations) {
        await c.on(db).cd(`${db.vars.deployPath ?? '/srv/opensky'}/releases/${m.release}`).run(sh`node app/manage.mjs unmigrate ${m.name}`);
      }
    },
  },
});

export default deployfile<Vars>({
  hosts: fleet.hosts,
  // Production's roles, also what `host:web-0 ...` and `-R web` mean outside an environment.
  roles: { web: fleet.roles.web, media: fleet.roles.media, celery: fleet.roles.celery, lb: fleet.roles.lb },
  // G Adventures' environments decide which hosts play which role (Fabric's env.roledefs):
  // training is one box that runs everything; production is the fleet.
  environments: {
    training: {
      desc: 'G Adventures training: one box with every role',
      roles: { web: fleet.roles.training, media: fleet.roles.training, celery: fleet.roles.training },
    },
    production: {
      desc: 'G Adventures production: every web, media and celery host',
      roles: { web: fleet.roles.web, media: fleet.roles.media, celery: fleet.roles.celery },
      // Every deploy here shows what will ship and asks y/N; `--yes` answers for CI, and
      // without a terminal a deploy without --yes is refused (exit 2) before anything changes.
      confirm: true,
    },
  },
  // The sandbox's client key and pinned host keys (a real fleet uses ~/.ssh).
  defaults: sandbox ? { sshConfig: sandbox.ssh.sshConfig, knownHosts: sandbox.ssh.knownHosts } : { user: 'deploy' },
  config: { project: 'opensky', deployPath: '/srv/opensky' },
  tasks: {
    // OpenSky's environment task: `prod` is every web host of production; `prod:out` /
    // `prod:in` the group HAProxy has out of / in rotation right now (asked, never remembered).
    prod: task(
      { desc: 'Production web hosts: prod, prod:in, prod:out (by HAProxy rotation)', run: 'local', args: { group: { default: 'all', choices: ['all', 'in', 'out'] } } },
      async (c, { group }) => {
        c.session.useEnvironment('production');
        if (group === 'all') c.session.use({ roles: ['web'] });
        else c.session.use({ hosts: (await groupHosts(c, proxy, group)).map((h) => h.name) });
      },
    ),

    // git-flow and the version file: hotfix.start/finish, release.start/finish, version.*
    ...gitTasks({ repoDir: sandbox?.git.work ?? '.', versionFile: { path: 'config/version.ini', key: 'opensky.version' } }).tasks,
    proxy: proxyTasks(proxy),

    // `deploy:<ref>` deploys to every target at once (stable, v3.0.1, a branch, a SHA).
    // `deploy:airship[,<ref>]` is Urban Airship's habit of naming the app: it rolls out
    // canary → half → rest instead. deploy.rollback, deploy.releases, deploy.check... as usual.
    deploy: namespace(
      {
        ...app.tasks,
        release: task(
          {
            desc: 'deploy:<ref> everywhere at once, or deploy:airship[,<ref>] canary → half → rest',
            run: 'targets',
            args: {
              ref: { default: 'stable' },
              to: { desc: 'with airship: the ref (default stable)' },
              plan: { type: 'list', desc: 'with airship: the batches, e.g. 10%w;50%;100% (10% of the traffic first)' },
              lb: { default: 'haproxy', choices: ['haproxy', 'nginx'], desc: 'with airship: the front door; nginx is judged on Prometheus' },
            },
          },
          (c, { ref, to, plan, lb }) =>
            ref === 'airship' ? app.deploy(c, { ref: to, strategy: 'canary', ...via(lb), plan }) : app.deploy(c, { ref }),
        ),
        restart: task(
          {
            desc: 'Rolling restart of the live release, no deploy: per batch drain, restart, health check, back in rotation',
            run: 'targets',
            args: { lb: { default: 'haproxy', choices: ['haproxy', 'nginx'], desc: 'the front door that drains the batches' } },
          },
          (c, { lb }) => app.restart(c, { proxy: lb === 'nginx' ? nginxProxy : proxy, rollout }),
        ),
        // Training's rollback has the rollbackMigrations hook; everyone else's refuses instead.
        rollback: task({ ...app.tasks.rollback.options }, (c, args) =>
          (c.environment?.name === 'training' ? training : app).tasks.rollback.fn(c, args)),
      },
      { default: 'release', desc: app.desc },
    ),

    // Urban Airship's operator verbs: restart:airship, monitor:airship (tail until Ctrl-C), status, history.
    ...serviceTasks({ manager: { restart: 'svc restart {service}' }, names: ['airship', 'worker'] }).tasks,
    ...opsTasks({
      services: {
        airship: { log: '~/log/airship.log', status: 'svc status airship', desc: 'the web app' },
        worker: { log: '~/log/worker.log', status: 'svc status worker', desc: 'the background worker' },
      },
    }).tasks,

    uptime: task({ desc: 'uptime of every selected host, in parallel', run: 'parallel' }, async (c) => (await c.run('uptime')).stdout.trim()),
  },
});

/** What this file deploys to without a sandbox: replace with your fleet. */
function placeholderFleet(): Fleet {
  const web = ['web-0', 'web-1', 'web-2', 'web-3'];
  const host = (name: string, services: string[]): [string, Fleet['hosts'][string]] => [name, { hostname: `${name}.opensky.example`, vars: { services } }];
  return {
    hosts: Object.fromEntries([...web.map((n) => host(n, ['airship'])), host('media-0', []), host('celery-0', ['worker']), host('training-0', ['airship', 'worker']), host('lb-0', [])]),
    roles: { web, media: ['media-0'], celery: ['celery-0'], training: ['training-0'], lb: ['lb-0'] },
    groups: { group1: web.slice(0, 2), group2: web.slice(2) },
  };
}
