// The deploy bench's world: N real sshd hosts (bench/fleet.mjs), each with its own login
// user (as root: dplb01..; otherwise the one user the fleet can log in) owning its own
// tree, an ssh_config that says which user per host, and one git origin with the app
// (300 files, ~5 MB) that every tool deploys from. One file, hosts.json, tells the
// peers' recipes everything (bench/peers/*).
import { execFile, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { benchLayout, startBed, stopBed } from './fleet.mjs';

const ROOT = resolve(import.meta.dirname, '..');
const fleetModule = () => import(pathToFileURL(join(ROOT, 'dist/fleet/index.js')).href);
const APP_FILES = 300;
const FILE_BYTES = 17_000;

/** Start the hosts, users, origin. Returns { bed, world, stop() }. */
export async function startWorld(count) {
  const fleet = await fleetModule();
  const root = fleet.isRoot();
  // Per-host users exist only as root (sshd can switch users); they stay on the machine, like the fleet's own.
  const users = root ? Array.from({ length: count }, (_, i) => fleet.ensureUser(`dplb${String(i + 1).padStart(2, '0')}`)) : null;
  const bed = await startBed({ ...benchLayout(count) }, users ? { extraUsers: users.map((u) => u.name) } : {});
  try {
    const names = Object.keys(bed.hosts);
    const hosts = names.map((name, i) => {
      const h = bed.hosts[name];
      const u = users ? users[i] : { name: bed.user, uid: bed.uid, gid: bed.gid };
      if (root) chownSync(h.root, u.uid, u.gid);
      // The origin belongs to root: git refuses another user's repository unless told it is safe.
      writeFileSync(join(h.root, '.gitconfig'), '[safe]\n\tdirectory = *\n');
      if (root) chownSync(join(h.root, '.gitconfig'), u.uid, u.gid);
      return { name, address: h.address, port: h.port, user: u.name, root: h.root };
    });
    const sshConfig = perHostUsers(readFileSync(bed.configFile, 'utf8'), hosts);
    const configFile = join(bed.dir, 'ssh_config.bench');
    writeFileSync(configFile, sshConfig);
    const app = appOrigin(fleet, join(bed.dir, 'app'));
    const world = {
      dir: bed.dir,
      hosts,
      configFile,
      knownHostsFile: bed.knownHostsFile,
      key: bed.keys.plain,
      origin: app.origin,
      // The operator's checkout, where the tags are made (dpl resolves refs here).
      work: app.work,
      file: join(bed.dir, 'hosts.json'),
      perHostUsers: !!users,
      tag: (n) => app.tag(n),
    };
    writeFileSync(world.file, JSON.stringify({ ...world, tag: undefined }, null, 2));
    // rm -rf first: node's recursive rmSync takes minutes over 50 hosts × 5 tools of releases.
    const stop = async () => {
      await new Promise((done) => execFile('rm', ['-rf', '--', join(bed.dir, 'hosts')], () => done()));
      await stopBed(bed);
    };
    return { bed, world, stop };
  } catch (e) {
    await stopBed(bed);
    throw e;
  }
}

/** The fleet's ssh_config with `User <u>` in each host's own block (the first value wins over `Host *`). */
function perHostUsers(text, hosts) {
  const users = new Map(hosts.map((h) => [h.name, h.user]));
  return text.replace(/^Host (\S+)\n(  HostName .*\n  Port .*\n)/gm, (all, name, body) => (users.has(name) ? `Host ${name}\n${body}  User ${users.get(name)}\n` : all));
}

/** A bare origin readable by every user, with the app committed; tag(n) changes a few files and tags v1.0.n. */
function appOrigin(fleet, dir) {
  const o = fleet.gitOrigin(dir);
  const files = {};
  for (let i = 0; i < APP_FILES; i++) files[`src/mod${String(i).padStart(3, '0')}.js`] = randomBytes(FILE_BYTES * 0.75).toString('base64') + '\n';
  files['config/.keep'] = '';
  files['.gitignore'] = 'config/app.env\n';
  o.commit(files, 'the app');
  o.git('push', '-q', 'origin', 'main');
  execFileSync('chmod', ['-R', 'a+rX', dir]);
  chmodSync(dir, 0o755);
  return {
    origin: o.origin,
    work: o.work,
    tag(n) {
      const tag = `v1.0.${n}`;
      o.commit({ VERSION: `${tag}\n`, [`src/mod${String(n % APP_FILES).padStart(3, '0')}.js`]: randomBytes(FILE_BYTES * 0.75).toString('base64') + '\n' }, `release ${tag}`, tag);
      o.git('push', '-q', 'origin', 'main', tag);
      execFileSync('chmod', ['-R', 'a+rX', o.origin]);
      return { tag, sha: o.git('rev-parse', `${tag}^{commit}`) };
    },
  };
}

/**
 * Every host after a round: current is a release holding the tag's VERSION, the shared
 * file is a link into shared/, at most 5 releases. Returns the problems (empty: good).
 */
export function verify(world, deployDir, tag) {
  const bad = [];
  for (const h of world.hosts) {
    const base = join(h.root, deployDir);
    const check = (ok, what) => ok || bad.push(`${h.name} (${deployDir}): ${what}`);
    let version = '';
    try {
      version = readFileSync(join(base, 'current', 'VERSION'), 'utf8').trim();
    } catch {
      // reported below
    }
    check(version === tag, `current/VERSION is ${JSON.stringify(version)}, not ${tag}`);
    const link = (() => {
      try {
        return execFileSync('readlink', ['-f', join(base, 'current', 'config', 'app.env')], { encoding: 'utf8' }).trim();
      } catch {
        return '';
      }
    })();
    check(link.startsWith(join(base, 'shared') + '/'), `current/config/app.env does not link into shared/ (${link || 'missing'})`);
    const releases = execFileSync('ls', [join(base, 'releases')], { encoding: 'utf8' }).split('\n').filter(Boolean);
    check(releases.length <= 5, `${releases.length} releases (keep 5)`);
  }
  return bad;
}

/** The shared file every tool links, made before the first deploy (as an operator would). */
export function seedShared(world, deployDir) {
  for (const h of world.hosts) {
    const d = join(h.root, deployDir, 'shared', 'config');
    mkdirSync(d, { recursive: true });
    writeFileSync(join(d, 'app.env'), `HOST=${h.name}\n`);
    execFileSync('chown', ['-R', `${h.user}:`, join(h.root, deployDir)]);
  }
}
