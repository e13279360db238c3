// `dpl init`: a commented starter deployfile that works at once, never an
// overwrite, no questions without a terminal, host names asked on one.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
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
