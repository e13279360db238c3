// Shipping a build (strategy upload) to N real sshd hosts on loopback: a whole
// `dpl deploy` against the peers a team would otherwise use to copy the same
// build into a new release directory on every host, all hosts in parallel:
//   rsync -a   (Shipit's transport; Debian package `rsync`: apt-get install rsync)
//   scp -r     (OpenSSH 9.2's scp, which speaks SFTP)
// then the re-deploy after 1% of the files changed: dpl (hard links from the live
// release) against rsync --link-dest, time and bytes shipped. Rounds interleave the
// tools; medians and ratios (dpl / peer: below 1 means dpl is faster).
//   npm run build && node bench/upload.mjs [--hosts 20] [--mb 50] [--rounds 3] [--json]
// dpl's bytes are its own count (the deploy.upload events of --json); rsync's are its
// --stats "Total bytes sent". CPU is the deploy machine's, load from others left out: the
// tool and everything it ran (waited for, so in our children's times). The hosts' side is
// not counted: an sshd session whose monitor exits first is reaped by init, not the listener.
// --socket-bytes counts the encrypted bytes every tool
// writes to the hosts' sockets through a counting TCP proxy (a separate pass).
import { execFileSync, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { benchLayout, startBed, stopBed } from './fleet.mjs';
import { benchArgs } from './args.mjs';
import { countingProxies } from './socket-bytes.mjs';
import { makeTree, touchTree } from './upload-tree.mjs';

const ROOT = resolve(import.meta.dirname, '..');
const args = process.argv.slice(2);
const { num: opt } = benchArgs(args);
const JSON_OUT = args.includes('--json');
const HOSTS = opt('hosts', 20);
const MB = opt('mb', 50);
const ROUNDS = opt('rounds', 3);
const SOCKET_BYTES = args.includes('--socket-bytes');
const say = (...a) => !JSON_OUT && console.log(...a);
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const mib = (n) => (n / 1024 / 1024).toFixed(2);

for (const tool of ['rsync', 'scp', 'ssh']) {
  try {
    execFileSync('which', [tool], { stdio: 'ignore' });
  } catch {
    console.error(`bench: ${tool} is missing (Debian: apt-get install ${tool === 'rsync' ? 'rsync' : 'openssh-client'})`);
    process.exit(2);
  }
}

/** Run a process; resolves with its stdout, rejects with its stderr on a non-zero exit. */
function run(cmd, argv, o = {}) {
  return new Promise((res, rej) => {
    const child = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'pipe'], ...o });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('error', rej);
    child.on('close', (code) => (code === 0 ? res(out) : rej(new Error(`${cmd} ${argv.slice(0, 6).join(' ')} … exited ${code}: ${err.slice(-800)}`))));
  });
}

const CLK_TCK = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }));
/** cutime + cstime of a process: the CPU of its children that ended and were waited for. */
function childTicks(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(f[13]) + Number(f[14]);
}

/** Each tool starts with the previous one's 1 GB written out (sync, untimed): else the next tool pays for its writeback. */
async function timed(fn) {
  execFileSync('sync');
  const c0 = childTicks(process.pid);
  const t = performance.now();
  const detail = await fn();
  return { ms: performance.now() - t, cpu: (childTicks(process.pid) - c0) / CLK_TCK, ...detail };
}

function project(dir, names, roots) {
  const env = { GIT_AUTHOR_NAME: 'b', GIT_AUTHOR_EMAIL: 'b@x', GIT_COMMITTER_NAME: 'b', GIT_COMMITTER_EMAIL: 'b@x', GIT_CONFIG_GLOBAL: '/dev/null', GIT_CONFIG_NOSYSTEM: '1' };
  const git = (...a) => execFileSync('git', a, { cwd: dir, env: { ...process.env, ...env }, stdio: 'ignore' });
  git('init', '-q', '-b', 'main');
  writeFileSync(join(dir, 'README'), 'bench app\n');
  writeFileSync(
    join(dir, 'deployfile.ts'),
    `import { deployfile, releaseTasks } from 'dpl-deploy';
const roots: Record<string, string> = ${JSON.stringify(Object.fromEntries(names.map((n, i) => [n, roots[i]])))};
export default deployfile({
  hosts: Object.fromEntries(Object.entries(roots).map(([n, r]) => [n, { vars: { deployPath: r + '/dpl-' + process.env.BENCH_TARGET } }])),
  tasks: { deploy: releaseTasks({ strategy: 'upload', hosts: Object.keys(roots), poolSize: ${names.length}, cleanup: false, build: { command: 'cp -a "$BENCH_SRC"/. out', output: 'out' } }) },
});
`,
  );
  git('add', '-A');
  git('commit', '-q', '-m', 'bench');
  git('tag', 'v1.0.0');
}

async function main() {
  const bed = await startBed(benchLayout(HOSTS));
  const work = mkdtempSync(join(tmpdir(), 'dpl-bench-upload-'));
  const names = Object.keys(bed.hosts);
  const roots = names.map((n) => bed.hosts[n].root);
  const results = { hosts: HOSTS, mb: MB, rounds: ROUNDS, full: { dpl: [], rsync: [], scp: [] }, delta: { dpl: [], rsync: [] }, cpu: { full: { dpl: [], rsync: [], scp: [] }, delta: { dpl: [], rsync: [] } }, bytes: {}, load: [] };
  try {
    const src = join(work, 'build');
    const tree = makeTree(src, MB);
    say(`build: ${tree.files.length} files, ${mib(tree.total)} MiB; ${HOSTS} hosts; ${ROUNDS} rounds; load ${loadavg().map((x) => x.toFixed(2)).join(' ')}`);
    const proj = join(work, 'project');
    execFileSync('mkdir', ['-p', proj]);
    project(proj, names, roots);
    const ssh = `ssh -F ${bed.configFile}`;
    const dpl = async (target, config = bed.configFile) => {
      const out = await run(process.execPath, [join(ROOT, 'bin/dpl.js'), '-F', config, '--json', 'deploy:v1.0.0'], { cwd: proj, env: { ...process.env, BENCH_TARGET: target, BENCH_SRC: src, NO_COLOR: '1' } });
      const ups = out.split('\n').filter((l) => l.includes('"deploy.upload"')).map((l) => JSON.parse(l));
      if (ups.length !== HOSTS) throw new Error(`dpl: ${ups.length} upload events for ${HOSTS} hosts`);
      return { bytes: ups.reduce((n, e) => n + e.bytes, 0), linked: ups.reduce((n, e) => n + e.linked, 0) };
    };
    const rsync = async (target, release, linkFrom, config = bed.configFile) => {
      const outs = await Promise.all(
        names.map((n, i) => {
          const base = `${roots[i]}/rsync-${target}/releases`;
          const link = linkFrom ? [`--link-dest=${base}/${linkFrom}`] : [];
          return run('rsync', ['-a', '--mkpath', '--stats', ...link, '-e', `ssh -F ${config}`, `${src}/`, `${n}:${base}/${release}/`]);
        }),
      );
      return { bytes: outs.reduce((sum, o) => sum + Number(/Total bytes sent: ([\d,]+)/.exec(o)?.[1].replaceAll(',', '') ?? NaN), 0) };
    };
    const scp = async (target, config = bed.configFile) => {
      await Promise.all(names.map((n, i) => run('scp', ['-r', '-q', '-F', config, src, `${n}:${roots[i]}/scp-${target}`])));
      return {};
    };
    const clean = (target) => {
      for (const r of roots) for (const t of ['dpl', 'rsync', 'scp']) rmSync(`${r}/${t}-${target}`, { recursive: true, force: true });
    };

    await dpl('warm'); // first run compiles the deployfile and fills the page cache
    clean('warm');
    for (let r = 0; r < ROUNDS; r++) {
      const target = `r${r}`;
      const full = [
        ['dpl', () => dpl(target)],
        ['rsync', () => rsync(target, 'A')],
        ['scp', () => scp(target)],
      ];
      for (let k = 0; k < full.length; k++) {
        const [name, fn] = full[(k + r) % full.length];
        const t = await timed(fn);
        results.full[name].push(t.ms);
        results.cpu.full[name].push(t.cpu);
        if (t.bytes !== undefined) results.bytes[`full.${name}`] = t.bytes;
      }
      const touched = touchTree(src, tree.files, 0.01, r + 1);
      results.changed = { files: touched.files, bytes: touched.bytes, share: touched.bytes / tree.total };
      const delta = [
        ['dpl', () => dpl(target)],
        ['rsync', () => rsync(target, 'B', 'A')],
      ];
      for (let k = 0; k < delta.length; k++) {
        const [name, fn] = delta[(k + r) % delta.length];
        const t = await timed(fn);
        results.delta[name].push(t.ms);
        results.cpu.delta[name].push(t.cpu);
        results.bytes[`delta.${name}`] = t.bytes;
        if (name === 'dpl') results.linked = t.linked;
      }
      results.load.push(loadavg()[0]);
      say(`round ${r + 1}: full dpl ${results.full.dpl[r].toFixed(0)} ms, rsync ${results.full.rsync[r].toFixed(0)} ms, scp ${results.full.scp[r].toFixed(0)} ms; 1% re-deploy dpl ${results.delta.dpl[r].toFixed(0)} ms, rsync ${results.delta.rsync[r].toFixed(0)} ms; CPU full dpl ${results.cpu.full.dpl[r].toFixed(1)} s, rsync ${results.cpu.full.rsync[r].toFixed(1)} s, scp ${results.cpu.full.scp[r].toFixed(1)} s (load ${loadavg()[0].toFixed(2)})`);
      clean(target);
    }

    if (SOCKET_BYTES) {
      // Encrypted bytes written to the hosts' sockets, per tool, through counting proxies.
      const proxies = await countingProxies(bed, join(work, 'proxied'));
      try {
        const measure = async (fn) => {
          proxies.reset();
          await fn();
          return proxies.total();
        };
        results.socket = {
          'full.dpl': await measure(() => dpl('sock', proxies.configFile)),
          'full.rsync': await measure(() => rsync('sock', 'A', undefined, proxies.configFile)),
        };
        touchTree(src, tree.files, 0.01, ROUNDS + 1);
        results.socket['delta.dpl'] = await measure(() => dpl('sock', proxies.configFile));
        results.socket['delta.rsync'] = await measure(() => rsync('sock', 'B', 'A', proxies.configFile));
        clean('sock');
      } finally {
        await proxies.close();
      }
    }
  } finally {
    await stopBed(bed);
    rmSync(work, { recursive: true, force: true });
  }

  const m = (xs) => median(xs);
  const summary = {
    full: { dpl: m(results.full.dpl), rsync: m(results.full.rsync), scp: m(results.full.scp) },
    delta: { dpl: m(results.delta.dpl), rsync: m(results.delta.rsync) },
    cpu: {
      full: { dpl: m(results.cpu.full.dpl), rsync: m(results.cpu.full.rsync), scp: m(results.cpu.full.scp) },
      delta: { dpl: m(results.cpu.delta.dpl), rsync: m(results.cpu.delta.rsync) },
    },
  };
  const ratios = {
    'full dpl/rsync': summary.full.dpl / summary.full.rsync,
    'full dpl/scp': summary.full.dpl / summary.full.scp,
    'delta dpl/rsync': summary.delta.dpl / summary.delta.rsync,
    'full cpu dpl/rsync': summary.cpu.full.dpl / summary.cpu.full.rsync,
    'full cpu dpl/scp': summary.cpu.full.dpl / summary.cpu.full.scp,
    'delta bytes dpl/full dpl': results.bytes['delta.dpl'] / results.bytes['full.dpl'],
  };
  if (JSON_OUT) {
    console.log(JSON.stringify({ ...results, summary, ratios }, null, 2));
    return;
  }
  say(`\nmedians over ${ROUNDS} rounds, ${HOSTS} hosts, ${MB} MB build (load avg per round: ${results.load.map((x) => x.toFixed(2)).join(', ')})`);
  say(`full deploy    dpl ${summary.full.dpl.toFixed(0)} ms   rsync -a ${summary.full.rsync.toFixed(0)} ms   scp -r ${summary.full.scp.toFixed(0)} ms`);
  say(`1% re-deploy   dpl ${summary.delta.dpl.toFixed(0)} ms   rsync --link-dest ${summary.delta.rsync.toFixed(0)} ms`);
  const sec = (x) => `${x.toFixed(1)} s`;
  say(`CPU here, full: dpl ${sec(summary.cpu.full.dpl)}   rsync ${sec(summary.cpu.full.rsync)}   scp ${sec(summary.cpu.full.scp)}; 1%: dpl ${sec(summary.cpu.delta.dpl)}   rsync ${sec(summary.cpu.delta.rsync)}`);
  say(`1% re-deploy changes ${results.changed.files} files, ${mib(results.changed.bytes)} MiB (${(results.changed.share * 100).toFixed(2)}% of the bytes)`);
  say(`bytes shipped (all hosts): full dpl ${mib(results.bytes['full.dpl'])} MiB, rsync ${mib(results.bytes['full.rsync'])} MiB; 1% re-deploy dpl ${mib(results.bytes['delta.dpl'])} MiB (${results.linked} files linked), rsync ${mib(results.bytes['delta.rsync'])} MiB`);
  if (results.socket) say(`socket bytes to the hosts (MiB): ${Object.entries(results.socket).map(([k, v]) => `${k} ${mib(v)}`).join(', ')}`);
  for (const [k, v] of Object.entries(ratios)) say(`  ${k}: ${v.toFixed(3)}`);
}

await main();
