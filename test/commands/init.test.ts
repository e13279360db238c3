// `dpl init`: a commented starter deployfile that works at once, never an
// overwrite, no questions without a terminal, host names asked on one.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { dplRun, expectCode, tempDir } from '../reporters/support/cli.js';
import { dplInTerminal, type Pane } from '../reporters/support/tmux.js';

const emptyDir = () => tempDir('dpl-init-');
let pane: Pane | undefined;
afterEach(() => {
  pane?.kill();
  pane = undefined;
});

describe('dpl init', () => {
  it('writes a starter deployfile without asking when not on a terminal, and it runs', async () => {
    const dir = emptyDir();
    const r = await dplRun(['init'], { cwd: dir });
    expectCode(r, 0);
    expect(r.stdout).toContain(`Wrote ${join(dir, 'deployfile.ts')} (an example host to replace)`);
    expect(r.stderr).toBe('');
    const text = readFileSync(join(dir, 'deployfile.ts'), 'utf8');
    expect(text).toMatch(/^\/\/ deployfile\.ts: the tasks `dpl` runs/);
    expect(text).toContain("import { deployfile, task, sh");
    expect(text).toContain("'web-0': { hostname: 'deploy@web-0.example.com' }");
    expect(text).toMatch(/\/\/ notify: \[\{ url: process\.env\.DPL_SLACK_WEBHOOK/);

    const list = await dplRun(['--list'], { cwd: dir });
    expectCode(list, 0);
    expect(list.stdout).toMatch(/^\s+uptime\s+Show how long each host has been up/m);
    expect(list.stdout).toMatch(/^\s+prod\s/m);
    // No host chosen: refused, never run here; the hint names the starter's environment.
    const none = await dplRun(['disk:/'], { cwd: dir });
    expectCode(none, 2);
    expect(none.stderr).toMatch(/task "disk" runs on hosts, and none are chosen/);
    expect(none.stderr).toMatch(/`dpl prod disk`/);
    const disk = await dplRun(['--dry-run', 'prod', 'disk:/'], { cwd: dir });
    expectCode(disk, 0);
    expect(disk.stdout).toMatch(/\[web-0\] run: df -h \//);
  });

  it('never overwrites an existing deployfile', async () => {
    const dir = emptyDir();
    writeFileSync(join(dir, 'deployfile.ts'), '// mine\n');
    const r = await dplRun(['init'], { cwd: dir });
    expectCode(r, 2);
    expect(r.stderr).toMatch(/deployfile\.ts already exists; dpl init never overwrites a deployfile/);
    expect(readFileSync(join(dir, 'deployfile.ts'), 'utf8')).toBe('// mine\n');
  });

  it('takes hosts from --hosts and names them by their first label', async () => {
    const dir = emptyDir();
    const r = await dplRun(['init', '--hosts', 'deploy@web-0.example.com,web-1.example.com:2222,10.0.0.5'], { cwd: dir });
    expectCode(r, 0);
    const text = readFileSync(join(dir, 'deployfile.ts'), 'utf8');
    expect(text).toContain("'web-0': { hostname: 'deploy@web-0.example.com' },");
    expect(text).toContain("'web-1': { hostname: 'web-1.example.com:2222' },");
    expect(text).toContain("'10.0.0.5': { hostname: '10.0.0.5' },");
    expect(text).toContain("web: ['web-0', 'web-1', '10.0.0.5'],");
    expectCode(await dplRun(['--list'], { cwd: dir }), 0);
  });

  it('rejects a bad host string and unknown arguments with exit 2', async () => {
    expectCode(await dplRun(['init', '--hosts', 'a:b:c'], { cwd: emptyDir() }), 2);
    const r = await dplRun(['init', '--force'], { cwd: emptyDir() });
    expectCode(r, 2);
    expect(r.stderr).toMatch(/unexpected argument "--force"/);
  });

  it('asks for host names on a terminal', async () => {
    const dir = emptyDir();
    pane = dplInTerminal(['init'], { cwd: dir, env: { NO_COLOR: '1' } });
    await pane.waitFor(/Production hosts, comma-separated/);
    pane.keys('deploy@app-1.example.com, app-2.example.com', 'Enter');
    expect(await pane.exitCode()).toBe(0);
    const text = readFileSync(join(dir, 'deployfile.ts'), 'utf8');
    expect(text).toContain("'app-1': { hostname: 'deploy@app-1.example.com' },");
    expect(text).toContain("'app-2': { hostname: 'app-2.example.com' },");
    expect(pane.screen()).toMatch(/\(2 hosts: app-1, app-2\)/);
  });
});

// Issue #17 finding 2: `dpl init` makes a project that type-checks. The fresh
// projects below get dpl-deploy as a symlink of this checkout into
// node_modules/dpl-deploy (what `npm i -D <tarball>` would install; the install
// from the packed tarball is test/package/'s), TypeScript as a symlink too.
const ROOT = resolve(import.meta.dirname, '../..');
const TSC = join(ROOT, 'node_modules/typescript/bin/tsc');

function link(dir: string, ...names: string[]): void {
  for (const name of names) {
    const target = name === 'dpl-deploy' ? ROOT : join(ROOT, 'node_modules', name);
    mkdirSync(dirname(join(dir, 'node_modules', name)), { recursive: true });
    symlinkSync(target, join(dir, 'node_modules', name));
  }
}

function tsc(dir: string): { code: number | null; out: string } {
  const r = spawnSync(process.execPath, [TSC, '--noEmit', '-p', dir], { encoding: 'utf8' });
  return { code: r.status, out: r.stdout + r.stderr };
}

describe('dpl init: a project that type-checks', () => {
  it('writes a tsconfig.json with the deployfile, and `tsc --noEmit` passes in the fresh project', async () => {
    const dir = emptyDir();
    const r = await dplRun(['init'], { cwd: dir });
    expectCode(r, 0);
    expect(r.stdout).toContain(`Wrote ${join(dir, 'tsconfig.json')} (for tsc, editors and \`dpl check\`)`);
    const config = JSON.parse(readFileSync(join(dir, 'tsconfig.json'), 'utf8'));
    expect(config.include).toEqual(['deployfile.ts']);
    expect(config.compilerOptions).toMatchObject({ module: 'ESNext', moduleResolution: 'Bundler', noEmit: true, strict: true });
    // No package.json: nothing to add a dependency to; the next steps say how.
    expect(r.stdout).toMatch(/npm init -y && npm i -D dpl-deploy typescript @types\/node/);

    link(dir, 'dpl-deploy', 'typescript');
    const ok = tsc(dir);
    expect(ok.code, ok.out).toBe(0);
    expectCode(await dplRun(['check'], { cwd: dir }), 0);
    // The check can fail: a typo in a task body is a type error.
    const file = join(dir, 'deployfile.ts');
    writeFileSync(file, readFileSync(file, 'utf8').replace("await c.run('uptime')", "await c.runn('uptime')"));
    const bad = tsc(dir);
    expect(bad.code).toBe(2);
    expect(bad.out).toMatch(/deployfile\.ts\(\d+,\d+\): error TS2551: Property 'runn' does not exist/);
  });

  it('an existing tsconfig.json that leaves the deployfile out: adds it to include, says so, keeps the rest', async () => {
    const dir = emptyDir();
    const mine = { compilerOptions: { target: 'ES2022', strict: true, module: 'ESNext', moduleResolution: 'Bundler', skipLibCheck: true, noEmit: true }, include: ['src'] };
    writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify(mine, null, 4) + '\n');
    const r = await dplRun(['init'], { cwd: dir });
    expectCode(r, 0);
    expect(r.stdout).toContain(`Added "deployfile.ts" to "include" in ${join(dir, 'tsconfig.json')}`);
    const text = readFileSync(join(dir, 'tsconfig.json'), 'utf8');
    expect(JSON.parse(text)).toEqual({ ...mine, include: ['src', 'deployfile.ts'] });
    expect(text).toMatch(/^ {4}"compilerOptions"/m); // its indentation kept
    link(dir, 'dpl-deploy', 'typescript');
    mkdirSync(join(dir, 'src'));
    writeFileSync(join(dir, 'src/app.ts'), 'export const app = 1;\n');
    const ok = tsc(dir);
    expect(ok.code, ok.out).toBe(0);
  });

  it('an existing tsconfig.json that covers the deployfile is left as it is; one with comments is never rewritten', async () => {
    const covered = emptyDir();
    const text = JSON.stringify({ compilerOptions: { strict: true, module: 'ESNext', moduleResolution: 'Bundler' } }, null, 2);
    writeFileSync(join(covered, 'tsconfig.json'), text);
    const r = await dplRun(['init'], { cwd: covered });
    expectCode(r, 0);
    expect(r.stdout).toContain(`${join(covered, 'tsconfig.json')} already covers deployfile.ts; left as it is`);
    expect(readFileSync(join(covered, 'tsconfig.json'), 'utf8')).toBe(text);

    const commented = emptyDir();
    const jsonc = '{\n  // mine\n  "compilerOptions": { "module": "NodeNext" },\n  "files": ["src/main.ts"],\n}\n';
    writeFileSync(join(commented, 'tsconfig.json'), jsonc);
    const c = await dplRun(['init'], { cwd: commented });
    expectCode(c, 0);
    expect(readFileSync(join(commented, 'tsconfig.json'), 'utf8')).toBe(jsonc);
    expect(c.stdout).toContain(`${join(commented, 'tsconfig.json')} has comments, so dpl init left it alone: add "deployfile.ts" to its "files"`);
    // NodeNext without "type": "module": tsc reads deployfile.ts as CommonJS.
    expect(c.stdout).toMatch(/moduleResolution "nodenext" reads deployfile\.ts as CommonJS/);
  });

  it('a package.json and no terminal: left unchanged, prints the command to run', async () => {
    const dir = emptyDir();
    const pkg = '{\n  "name": "shop",\n  "devDependencies": { "typescript": "^5.4.0" }\n}\n';
    writeFileSync(join(dir, 'package.json'), pkg);
    const r = await dplRun(['init'], { cwd: dir });
    expectCode(r, 0);
    expect(readFileSync(join(dir, 'package.json'), 'utf8')).toBe(pkg);
    expect(r.stdout).toContain('package.json: left unchanged (no terminal to ask on). Run: npm i -D dpl-deploy @types/node   (or dpl init --yes)');
  });

  it('--yes adds the devDependencies to package.json, keeps the rest, and says to install', async () => {
    const dir = emptyDir();
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'shop', scripts: { build: 'tsc' }, devDependencies: { vitest: '^4.0.0' } }, null, 2) + '\n');
    writeFileSync(join(dir, 'pnpm-lock.yaml'), 'lockfileVersion: 9.0\n');
    const r = await dplRun(['init', '--yes'], { cwd: dir });
    expectCode(r, 0);
    const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    expect(pkg.scripts).toEqual({ build: 'tsc' });
    expect(Object.keys(pkg.devDependencies)).toEqual(['@types/node', 'dpl-deploy', 'typescript', 'vitest']);
    expect(pkg.devDependencies['dpl-deploy']).toMatch(/^\^\d+\.\d+\.\d+/);
    expect(r.stdout).toContain(`Added dpl-deploy, typescript and @types/node to devDependencies in ${join(dir, 'package.json')}; install them: pnpm install`);
  });

  it('on a terminal: asks before it changes package.json', async () => {
    for (const answer of ['n', 'y']) {
      const dir = emptyDir();
      const pkg = '{ "name": "shop", "dependencies": { "dpl-deploy": "^0.1.0" } }\n';
      writeFileSync(join(dir, 'package.json'), pkg);
      pane = dplInTerminal(['init', '--hosts', 'web-0.example.com'], { cwd: dir, env: { NO_COLOR: '1' } });
      await pane.waitFor(/Add typescript and @types\/node to devDependencies in package\.json\? \[y\/N\]/);
      pane.keys(answer, 'Enter');
      expect(await pane.exitCode()).toBe(0);
      const after = readFileSync(join(dir, 'package.json'), 'utf8');
      if (answer === 'n') {
        expect(after).toBe(pkg);
        expect(pane.screen()).toMatch(/package\.json: left unchanged\. Run: npm i -D typescript @types\/node/);
      } else {
        expect(Object.keys(JSON.parse(after).devDependencies)).toEqual(['@types/node', 'typescript']);
      }
      pane.kill();
      pane = undefined;
    }
  });

  it('--example copies the example deployfile with its sandbox instructions, and it type-checks', async () => {
    const dir = emptyDir();
    const r = await dplRun(['init', '--example'], { cwd: dir });
    expectCode(r, 0);
    expect(r.stdout).toContain(`Wrote ${join(dir, 'deployfile.ts')} (dpl's example deployfile; it drives \`dpl sandbox up\`)`);
    const text = readFileSync(join(dir, 'deployfile.ts'), 'utf8');
    expect(text).toMatch(/^\/\/ dpl's example deployfile/);
    expect(text).toContain('//   dpl sandbox up ');
    // Its instructions are written for deployfile.ts here: no -f to a file this project does not have.
    expect(text).not.toContain('deployfile.example.ts');
    expect(text).toMatch(/^\/\/ {3}dpl --list {2,}/m);
    const list = await dplRun(['--list'], { cwd: dir });
    expectCode(list, 0);
    expect(list.stdout).toMatch(/hotfix\.start/);
    link(dir, 'dpl-deploy', 'typescript', '@types/node');
    const ok = tsc(dir);
    expect(ok.code, ok.out).toBe(0);
  });

  it('--example never overwrites either', async () => {
    const dir = emptyDir();
    writeFileSync(join(dir, 'deployfile.ts'), '// mine\n');
    const r = await dplRun(['init', '--example'], { cwd: dir });
    expectCode(r, 2);
    expect(readFileSync(join(dir, 'deployfile.ts'), 'utf8')).toBe('// mine\n');
  });
});
