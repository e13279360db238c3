// The secret variables (DPL_SUDO_PASSWORD, DPL_SSH_PASSWORD[_<USER>],
// DPL_SSH_PASSPHRASE[_<KEY>]) are taken out of the environment when dpl starts:
// no child it runs (c.local, a ProxyCommand, git through simple-git and its hooks)
// inherits them, and their values are masked from the first line dpl writes, not
// from the first time one is used. A multi-line value is refused: sudo reads one
// line, and the rest would reach the command's stdin.
import { chmodSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bedTemp, describeBed } from '../support/bed.js';
import { dpl, project } from '../helpers/cli.js';
import { commitFile, git, gitEnv, openSky, write, type Fixture } from '../git/helpers.js';

const SOCAT = ['/usr/bin/socat', '/bin/socat'].find((p) => existsSync(p));
const SECRET_NAME = /DPL_(SUDO_PASSWORD|SSH_PASSWORD|SSH_PASSPHRASE)/;

/** Distinct values per run, long enough to be masked, none a substring of another. */
const secrets = {
  DPL_SUDO_PASSWORD: 'sudo-Pw-7c1e94',
  DPL_SSH_PASSWORD: 'login-Pw-30af2b',
  DPL_SSH_PASSWORD_DPLTEST: 'login-dpltest-Pw-9d04e1',
  DPL_SSH_PASSPHRASE: 'key-Phrase-5b8e27',
};
const values = Object.values(secrets);

function expectNoSecrets(text: string, where: string): void {
  expect(text, where).not.toMatch(SECRET_NAME);
  for (const v of values) expect(text, where).not.toContain(v);
}

describe('secret variables through the CLI, locally', () => {
  const dir = project(`
import { deployfile, task } from 'dpl-deploy';
export default deployfile({ tasks: {
  envdump: task({ run: 'local' }, async (c) => { await c.local('env'); }),
  echo: task({ run: 'local' }, async (c) => { await c.local(${JSON.stringify(`echo ${values.join(' ')}`)}); }),
  tail: task({ run: 'local' }, async (c) => { await c.local(${JSON.stringify(`echo "login was ${secrets.DPL_SSH_PASSWORD}" >&2; exit 4`)}); }),
  crash: task({ run: 'local' }, async () => {
    setTimeout(() => { throw new Error(${JSON.stringify(`uncaught, holding ${secrets.DPL_SUDO_PASSWORD}`)}); }, 0);
    await new Promise((r) => setTimeout(r, 2000));
  }),
} });
`);

  it('c.local never sees them', () => {
    const r = dpl(['envdump'], { cwd: dir, env: secrets });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/out: PATH=/); // the environment was printed
    expectNoSecrets(r.stdout + r.stderr, 'env of c.local');
  });

  it('a value printed before any secret was used is masked already', () => {
    const r = dpl(['echo'], { cwd: dir, env: secrets });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/out: \*\*\* \*\*\* \*\*\* \*\*\*$/m);
    for (const v of values) expect(r.stdout + r.stderr).not.toContain(v);
  });

  it('a login password in a failing command’s tail is masked on the dpl: error line', () => {
    const r = dpl(['tail'], { cwd: dir, env: secrets });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^dpl: error: .*exited with code 4/m);
    expect(r.stderr).toContain('login was ***');
    for (const v of values) expect(r.stdout + r.stderr).not.toContain(v);
  });

  it('an uncaught exception goes through the same masked boundary', () => {
    for (const args of [['crash'], ['-v', 'crash']]) {
      const r = dpl(args, { cwd: dir, env: secrets });
      expect(r.code).toBe(1);
      // Thrown by the deployfile's code: reported at its line (issue #17), masked like every other error.
      expect(r.stderr).toMatch(/^dpl: error: deployfile\.ts:\d+:\d+: uncaught, holding \*\*\*$/m);
      for (const v of values) expect(r.stdout + r.stderr).not.toContain(v);
    }
  });
});

describe('secret variables and git (simple-git and its hooks)', () => {
  let fx: Fixture;
  let dump: string;
  beforeAll(() => {
    fx = openSky();
    const work = fx.work;
    git(work, 'checkout', '-q', 'master');
    write(work, '.gitignore', '.dpl/\n');
    git(work, 'add', '.gitignore');
    commitFile(work, 'deployfile.ts', `import { deployfile, gitTasks } from 'dpl-deploy';\nexport default deployfile({ tasks: { ...gitTasks({ versionFile: { path: 'opensky/config/version.ini', section: 'parameters', key: 'opensky.version' } }).tasks } });\n`, 'Add deployfile');
    // A post-commit hook (outside the tree, so the tree stays clean) writes down the environment git was given.
    const hooks = join(fx.tmp, 'hooks');
    dump = join(fx.tmp, 'git-env');
    mkdirSync(hooks);
    writeFileSync(join(hooks, 'post-commit'), `#!/bin/sh\nenv > '${dump}'\n`);
    chmodSync(join(hooks, 'post-commit'), 0o755);
    git(work, 'config', 'core.hooksPath', hooks);
  });
  afterAll(() => fx?.cleanup());

  it('git run by hotfix.start, and its hook, never see them', () => {
    const r = dpl(['hotfix.start:3.0.1'], { cwd: fx.work, env: { ...gitEnv, ...secrets } });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(existsSync(dump), 'the post-commit hook ran').toBe(true);
    const env = readFileSync(dump, 'utf8');
    expect(env).toMatch(/^GIT_CONFIG_NOSYSTEM=1$/m); // the hook saw dpl's environment
    expectNoSecrets(env, 'env of a git hook');
  });
});

describeBed('secret variables on the bed', (bed) => {
  it.skipIf(!SOCAT)('a ProxyCommand never sees them', () => {
    const web = bed.hosts['web-3']!;
    const tmp = bedTemp('secret-env-');
    const dump = join(tmp, 'proxy-env');
    const config = join(tmp, 'config');
    writeFileSync(
      config,
      `Host through-proxy\n  HostName ${web.address}\n  Port ${web.port}\n  ProxyCommand sh -c 'env > ${dump}; exec ${SOCAT} - TCP:%h:%p'\n  UserKnownHostsFile ${bed.knownHostsFile}\n\n` +
        readFileSync(bed.configFile, 'utf8'),
    );
    const dir = project(`import { deployfile } from 'dpl-deploy';\nexport default deployfile({ tasks: {} });\n`);
    const r = dpl(['-F', config, '--known-hosts', bed.knownHostsFile, '-H', 'through-proxy', '--', 'echo $DPL_BED_HOST'], { cwd: dir, env: secrets });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout).toMatch(/out: web-3$/m);
    expect(existsSync(dump), 'the ProxyCommand ran').toBe(true);
    const env = readFileSync(dump, 'utf8');
    expect(env).toMatch(/^PATH=/m);
    expectNoSecrets(env, 'env of the ProxyCommand');
  });

  const pw = bed.sudo.passwordUser;
  const skip = bed.sudo.skipReason ?? (pw ? null : 'no password sudo user on this bed');
  it.skipIf(!!skip)('a multi-line DPL_SUDO_PASSWORD: exit 2 naming it, the value nowhere, and no line reaches the command', () => {
    const h = bed.hosts['web-2']!;
    // What sudo's command reads from its stdin once sudo has taken its password line.
    const got = join(h.root, 'secret-env-stdin');
    rmSync(got, { force: true });
    const dir = project(`
import { deployfile, task, sh } from 'dpl-deploy';
export default deployfile({ tasks: {
  readstdin: task({}, async (c) => { await c.sudo(sh\`read line; printf '%s' "$line" > \${${JSON.stringify(got)}}\`); }),
} });
`);
    const second = 'second-Line-4f1c';
    const r = dpl(['-F', bed.configFile, '--known-hosts', bed.knownHostsFile, '-H', `${pw!.name}@${h.address}:${h.port}`, 'readstdin'], {
      cwd: dir,
      env: { DPL_SUDO_PASSWORD: `${pw!.password}\n${second}` },
    });
    try {
      expect(existsSync(got) ? `the command read ${JSON.stringify(readFileSync(got, 'utf8'))} from its stdin` : 'nothing reached the command').toBe('nothing reached the command');
      expect(r.code, r.stdout + r.stderr).toBe(2);
      expect(r.stderr).toMatch(/^dpl: error: DPL_SUDO_PASSWORD holds more than one line/m);
      expect(r.stderr).toMatch(/sudo reads one line/);
      for (const text of [r.stdout, r.stderr]) {
        expect(text).not.toContain(pw!.password);
        expect(text).not.toContain(second);
      }
    } finally {
      rmSync(got, { force: true });
    }
  });
});
