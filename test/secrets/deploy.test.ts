// App secrets end to end: the real `dpl` CLI reads them from a real `pass` store and a
// dotenv file, writes shared/.env (0600) on three real sshd hosts, hands one to a hook
// as environment, and no value reaches argv on the hosts, the run logs, --json or
// the terminal. A missing entry changes nothing; an unneeded secret is never read.
import { execFile } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeBed } from '../support/bed.js';
import type { AppRepo } from '../deploy/fixtures.js';
import { cliProject, deployFixtures, HOSTS, ok, type CliProject, type CliRun } from '../deploy/cli-project.js';
import { passStore, type PassStore } from './store.js';

const DB = `db-Pw-${Math.random().toString(36).slice(2, 10)}`;
const API = `api-K3y-${Math.random().toString(36).slice(2, 10)}`;
const TOKEN = `tok-${Math.random().toString(36).slice(2, 10)}`;
const VALUES = [DB, API, TOKEN];

/** Every file under `dir`, read as text. */
function readTree(dir: string): string {
  if (!existsSync(dir)) return '';
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => readFileSync(path.join(e.parentPath, e.name), 'utf8'))
    .join('\n');
}

/** `ps -eo args` every few ms while `done` runs: every command line seen on the machine the hosts run on. */
async function watchArgv(done: Promise<CliRun>): Promise<{ run: CliRun; seen: string[] }> {
  const seen: string[] = [];
  let finished = false;
  const poll = (async () => {
    while (!finished) {
      seen.push(await new Promise<string>((res) => execFile('ps', ['-eo', 'args'], { maxBuffer: 8 << 20 }, (_e, out) => res(String(out)))));
    }
  })();
  const run = await done;
  finished = true;
  await poll;
  return { run, seen };
}

describeBed('app secrets through the CLI', (bed) => {
  let repo!: AppRepo;
  let store!: PassStore;
  const { track } = deployFixtures(bed, (r) => (repo = r));
  beforeAll(() => {
    store = passStore();
    store.insert('app/db', DB);
  });
  afterAll(() => store.cleanup());

  /** A project whose deployfile also imports the adapters; `secrets` and `extra` are releaseTasks text. */
  const project = (name: string, secrets: string, extra = ''): CliProject => {
    const p = track(cliProject(bed, name, `{ repoDir: ${JSON.stringify(repo.work)}, roles: ['web'], secrets: { ${secrets} }, ${extra} }`));
    const file = path.join(p.dir, 'deployfile.ts');
    writeFileSync(file, `import { pass, dotenv, fromCommand, withSecrets } from 'dpl-deploy';\n${readFileSync(file, 'utf8')}`);
    writeFileSync(path.join(p.dir, '.env.secrets'), `API_KEY=${API}\n`);
    return p;
  };
  const marker = (p: CliProject) => path.join(p.dir, 'token-reads');
  // The token comes from a file, not the command's own argv: `ps` below would see it there, and
  // that would be the test's leak, not dpl's (CI caught `sh -c '…; echo tok-…'` once).
  const tokenSource = (p: CliProject) => {
    writeFileSync(path.join(p.dir, 'token.txt'), `${TOKEN}\n`);
    return `fromCommand(['sh', '-c', 'echo read >> ${marker(p)}; cat ${path.join(p.dir, 'token.txt')}'])`;
  };

  it('delivers shared/.env (0600, exact values) and a hook\'s env, with no value in argv, logs, --json or the terminal', async () => {
    const p = project(
      'deliver',
      `DB_PASSWORD: pass('app/db'), API_KEY: dotenv('.env.secrets'), TOKEN: ${'${TOKEN_SOURCE}'}`,
      // The hook holds DB_PASSWORD in its environment for a while (so ps can look) and prints it (masked).
      `hooks: { restart: withSecrets(['DB_PASSWORD'], async (c) => { await c.run('sleep 0.5; printf %s "$DB_PASSWORD" > hook-env; echo "pw=$DB_PASSWORD"'); }) }`,
    );
    const file = path.join(p.dir, 'deployfile.ts');
    writeFileSync(file, readFileSync(file, 'utf8').replace('${TOKEN_SOURCE}', tokenSource(p)));
    ok(await p.dpl(['--list']));
    // A dry run reads nothing (on fresh bed hosts it stops at the lock today: dry runs take no lock).
    await p.dpl(['--dry-run', 'deploy:v1.0.0'], store.env);
    ok(await p.dpl(['deploy.releases'], store.env));
    expect(existsSync(marker(p))).toBe(false); // listing, a dry run and other tasks read nothing

    const { run, seen } = await watchArgv(p.spawn(['deploy:v1.0.0'], store.env).done);
    ok(run);
    expect(readFileSync(marker(p), 'utf8')).toBe('read\n'); // once per run, for three hosts
    for (const h of HOSTS) {
      const env = path.join(p.paths[h]!, 'shared', '.env');
      expect(readFileSync(env, 'utf8')).toBe(`DB_PASSWORD=${DB}\nAPI_KEY=${API}\nTOKEN=${TOKEN}\n`);
      expect(statSync(env).mode & 0o777).toBe(0o600);
      const live = path.join(p.paths[h]!, 'current');
      expect(readlinkSync(path.join(live, '.env'))).toBe(env);
      expect(readFileSync(path.join(live, 'hook-env'), 'utf8')).toBe(DB);
      expect(readdirSync(path.join(p.paths[h]!, 'shared')).filter((n) => n.includes('dpl-tmp'))).toEqual([]);
    }
    expect(seen.length).toBeGreaterThan(5);
    for (const value of VALUES) for (const s of seen) expect(s.includes(value), `argv on the host holds a secret:\n${s}`).toBe(false);
    expect(seen.some((s) => s.includes('read -r DB_PASSWORD'))).toBe(true); // the hook's shell was seen running
    expect(run.out).toContain('pw=***');
    const again = await p.dpl(['--json', 'deploy:v1.1.0'], store.env);
    ok(again);
    expect(again.stdout).toContain('pw=***');
    for (const value of VALUES) {
      expect(run.out).not.toContain(value);
      expect(again.out).not.toContain(value);
      expect(readTree(path.join(p.dir, '.dpl', 'logs'))).not.toContain(value);
    }

    // A rollback's restart hook reads its own secret when it runs; the file's other secrets stay unread.
    writeFileSync(marker(p), '');
    const back = p.current('web-0')!;
    const before = p.releases('web-0').find((r) => r !== back)!;
    for (const h of HOSTS) rmSync(path.join(p.paths[h]!, 'releases', before, 'hook-env'));
    ok(await p.dpl(['deploy.rollback'], store.env));
    for (const h of HOSTS) expect(readFileSync(path.join(p.paths[h]!, 'releases', before, 'hook-env'), 'utf8')).toBe(DB);
    expect(readFileSync(marker(p), 'utf8')).toBe('');
  });

  it('a missing pass entry fails naming the secret, before any host changes', async () => {
    const p = project('missing', `DB_PASSWORD: pass('app/nope')`);
    const r = await p.dpl(['deploy:v1.0.0'], store.env);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/secret DB_PASSWORD \(pass\): `pass show app\/nope` exited with 1: .*not in the password store/);
    expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
    for (const h of HOSTS) {
      expect(p.releases(h)).toEqual([]);
      expect(existsSync(path.join(p.paths[h]!, 'shared', '.env'))).toBe(false);
      expect(p.locked(h)).toBe(false);
    }
  });

  it('a secret no step needs is never read (secretsFile: false, the hook asks for another)', async () => {
    const p = project(
      'unneeded',
      `DB_PASSWORD: pass('app/db'), TOKEN: ${'${TOKEN_SOURCE}'}`,
      `secretsFile: false, hooks: { afterSwitch: withSecrets(['DB_PASSWORD'], async (c) => { await c.run('printf %s "$DB_PASSWORD" | wc -c > hook-len'); }) }`,
    );
    const file = path.join(p.dir, 'deployfile.ts');
    writeFileSync(file, readFileSync(file, 'utf8').replace('${TOKEN_SOURCE}', tokenSource(p)));
    ok(await p.dpl(['deploy:v1.0.0'], store.env));
    expect(existsSync(marker(p))).toBe(false);
    for (const h of HOSTS) {
      expect(readFileSync(path.join(p.paths[h]!, 'current', 'hook-len'), 'utf8').trim()).toBe(String(DB.length));
      expect(existsSync(path.join(p.paths[h]!, 'shared', '.env'))).toBe(false);
    }
  });

  it('a hook naming a secret that is not in `secrets` is a usage error when the deployfile loads', async () => {
    const p = project('typo', `DB_PASSWORD: pass('app/db')`, `hooks: { restart: withSecrets(['DB_PASWORD'], async () => {}) }`);
    const r = await p.dpl(['--list'], store.env);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('withSecrets: no secret DB_PASWORD in releaseTasks({ secrets })');
  });
});
