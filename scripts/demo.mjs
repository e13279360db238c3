#!/usr/bin/env node
// `npm run demo`: dpl's main job on real local servers, in well under a minute.
// A sandbox (sshd hosts on 127.0.30.x behind HAProxy) comes up in a temporary
// project; while a load loop sends requests through HAProxy, OpenSky's hotfix
// 3.0.1 is started, fixed, finished and deployed group by group; then the count of
// failed requests, and the sandbox goes away again (also on failure or Ctrl-C).
import { spawn } from 'node:child_process';
import { chmodSync, copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
// bin/dpl.js run as a file, as users run it.
const DPL = join(ROOT, 'bin', 'dpl.js');
const tty = process.stdout.isTTY && !process.env.NO_COLOR;
const bold = (s) => (tty ? `\x1b[1m${s}\x1b[22m` : s);
const dim = (s) => (tty ? `\x1b[2m${s}\x1b[22m` : s);
const say = (s = '') => process.stdout.write(s + '\n');
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

let interrupted = false;
process.on('SIGINT', () => {
  if (interrupted) return say('\n(cleaning up, one moment)');
  interrupted = true;
  say('\nCtrl-C: stopping after this step, then taking the sandbox down');
});

/** Run dpl with the terminal as its output (the child gets Ctrl-C too, and stops cleanly). */
function dpl(cwd, args) {
  say(`\n${bold(`$ dpl ${args.join(' ')}`)}`);
  return new Promise((resolve) => {
    const child = spawn(DPL, args, { cwd, stdio: 'inherit' });
    child.once('error', () => resolve(1));
    child.once('exit', (code, signal) => resolve(code ?? (signal ? 130 : 1)));
  });
}

function git(cwd, args) {
  say(`${bold(`$ git ${args.join(' ')}`)}`);
  return new Promise((resolve) => spawn('git', args, { cwd, stdio: 'inherit' }).once('exit', (code) => resolve(code ?? 1)));
}

/** The fleet's load loop through HAProxy (dist/fleet/load.js): a new connection per request, so nothing hides a bad moment. */
async function startLoad(host, port) {
  const { startLoad: load } = await import(pathToFileURL(join(ROOT, 'dist', 'fleet', 'load.js')).href);
  return load({ host, port, workers: 3, maxMs: 120_000, tally: { versions: (res) => String(res.headers['x-opensky-version'] ?? '?') } });
}

const traffic = (r) =>
  `${r.total} requests, ${r.failures.length} failed` + (Object.keys(r.versions).length ? ` (${Object.entries(r.versions).map(([v, n]) => `${v}: ${n}`).join(', ')})` : '');

async function story(project, info, load) {
  const work = info.git.work;
  const step = async (why, args) => {
    if (interrupted) throw new Error('interrupted');
    say(`\n${dim(`# ${why}`)}`);
    const code = await dpl(project, args);
    if (code !== 0) throw new Error(`dpl ${args.join(' ')} exited ${code}`);
    await sleep(800);
    say(dim(`# traffic through HAProxy so far: ${traffic(load.report)}`));
  };
  await step('1. start the hotfix: branch hotfix/3.0.1 off main, bump config/version.ini', ['hotfix.start:3.0.1']);
  say(`\n${dim('# 2. the fix itself, in the working clone: 3.0.0 greets with a typo')}`);
  const ini = join(work, 'config', 'app.ini');
  writeFileSync(ini, readFileSync(ini, 'utf8').replace('Welcome abaord', 'Welcome aboard'));
  say(dim('#    config/app.ini: greeting = Welcome abaord  →  greeting = Welcome aboard'));
  if ((await git(work, ['commit', '-q', '-am', 'Fix the greeting typo'])) !== 0) throw new Error('git commit failed');
  await step('3. finish it: merge into main and develop, tag v3.0.1, push to origin', ['hotfix.finish:3.0.1,push=yes']);
  await step('4. only group2 serves; group1 drains (dpl waits for its sessions to end)', ['prod', 'proxy.group2']);
  await step('5. deploy the newest stable tag to the group out of rotation (group1)', ['prod:out', 'deploy:stable', '--yes']);
  await step('6. flip: group1 (3.0.1) serves, group2 (3.0.0) drains', ['prod', 'proxy.flip']);
  await step('7. deploy stable to the group now out of rotation (group2)', ['prod:out', 'deploy:stable', '--yes']);
  await step('8. everyone back in rotation', ['prod', 'proxy.all']);
}

async function main() {
  const project = mkdtempSync(join(tmpdir(), 'dpl-demo-'));
  chmodSync(project, 0o755);
  copyFileSync(join(ROOT, 'deployfile.example.ts'), join(project, 'deployfile.ts'));
  say(bold('dpl demo: a hotfix deployed group by group to servers behind a load balancer'));
  say(dim(`project ${project}: deployfile.ts is a copy of deployfile.example.ts`));
  const started = Date.now();
  let load;
  let ok = false;
  try {
    const up = await dpl(project, ['sandbox', 'up']);
    if (up !== 0) return up;
    const info = JSON.parse(readFileSync(join(project, '.dpl', 'sandbox', 'sandbox.json'), 'utf8'));
    load = await startLoad(info.haproxy.frontend.address, info.haproxy.frontend.port);
    say(`\n${dim(`# traffic starts: three clients request ${info.haproxy.url} without pause, a new connection each time`)}`);
    await sleep(1000);
    await story(project, info, load);
    ok = true;
  } catch (e) {
    say(`\ndemo stopped: ${e.message}`);
  } finally {
    if (load) {
      const r = await load.stop();
      const failed = r.failures.length;
      say(`\n${bold(`${r.total} requests through HAProxy during the deploys, ${failed} failed`)}${failed ? `: ${r.failures.slice(0, 5).map((f) => f.error).join('; ')}` : ''}`);
      say(dim(`   served by version: ${Object.entries(r.versions).map(([v, n]) => `${v}: ${n}`).join(', ') || '-'}`));
      if (failed) ok = false;
    }
    await dpl(project, ['sandbox', 'down']);
    rmSync(project, { recursive: true, force: true });
  }
  say(`\n${ok ? bold(`done in ${Math.round((Date.now() - started) / 1000)} s.`) : 'the demo did not finish.'} Try it yourself: ${bold('dpl sandbox up')}, then the commands at the top of deployfile.example.ts.`);
  return ok ? 0 : interrupted ? 130 : 1;
}

process.exitCode = await main();
