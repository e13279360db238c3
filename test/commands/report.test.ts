// `dpl report [RUN] [-o FILE]` through the real binary: the newest run by default,
// the page's path printed, usage errors exit 2 with the newest runs listed, and a
// failing task's hostile message escaped on the page.
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dplRun, expectCode, tempDir, tempProject } from '../reporters/support/cli.js';

const DEPLOYFILE = `
import { deployfile, task } from 'dpl-deploy';
export default deployfile({
  tasks: {
    hi: task({ run: 'local' }, async (c) => { c.log('hello'); }),
    boom: task({ run: 'local' }, async (c) => {
      c.warn('about to <b>break</b>');
      throw new Error('<script>alert(1)</script> broke');
    }),
  },
});
`;

const runs = (dir: string) => readdirSync(join(dir, '.dpl/logs')).filter((n) => /^\d{4}-/.test(n)).sort();

describe('dpl report', () => {
  it('writes the newest run\'s page next to its log and prints the path; -o and a named run', async () => {
    const dir = tempProject(DEPLOYFILE);
    expectCode(await dplRun(['hi'], { cwd: dir }), 0);
    expectCode(await dplRun(['boom'], { cwd: dir }), 1);
    const [first, newest] = runs(dir);

    const r = await dplRun(['report'], { cwd: dir });
    expectCode(r, 0);
    const path = join(dir, '.dpl/logs', newest!, 'report.html');
    expect(r.stdout).toBe(`${path}\n`);
    const html = readFileSync(path, 'utf8');
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain('<span class="badge failed">failed</span>');
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt; broke');
    expect(html).toContain('about to &lt;b&gt;break&lt;/b&gt;');
    expect(html).not.toContain('<script');
    expect(html).not.toContain('<b>break');

    const out = join(tempDir('dpl-report-out-'), 'sub', 'first.html');
    const named = await dplRun(['report', first!.slice(0, 23), '-o', out], { cwd: dir });
    expectCode(named, 0);
    expect(named.stdout).toBe(`${out}\n`);
    expect(readFileSync(out, 'utf8')).toContain('<span class="badge ok">succeeded</span>');
    // From a subdirectory: the project's logs, as a run finds its deployfile.
    const sub = join(dir, '.dpl');
    expect((await dplRun(['report', 'latest', '-o', join(dir, 'x.html')], { cwd: sub })).code).toBe(0);
    expect(existsSync(join(dir, 'x.html'))).toBe(true);
  });

  it('an unknown run: exit 2, naming the newest runs; no logs, bad options: exit 2', async () => {
    const dir = tempProject(DEPLOYFILE);
    expectCode(await dplRun(['hi'], { cwd: dir }), 0);
    const [only] = runs(dir);
    const unknown = await dplRun(['report', '1999-01-01'], { cwd: dir });
    expectCode(unknown, 2);
    expect(unknown.stderr).toContain(`dpl: error: no run "1999-01-01" in ${join(dir, '.dpl/logs')}; the newest: ${only}`);
    expect(unknown.stderr).toContain(`dpl: hint: dpl report ${only}`);
    expect(unknown.stderr).not.toMatch(/\n\s+at /);

    const empty = await dplRun(['report'], { cwd: tempDir('dpl-report-none-') });
    expectCode(empty, 2);
    expect(empty.stderr).toMatch(/no run logs in .*\.dpl\/logs/);

    for (const args of [['-x'], ['a', 'b'], ['-o']]) {
      const bad = await dplRun(['report', ...args], { cwd: dir });
      expectCode(bad, 2);
      expect(bad.stderr).toMatch(/^dpl: error: dpl report: /);
    }
    const help = await dplRun(['report', '--help'], { cwd: dir });
    expectCode(help, 0);
    expect(help.stdout).toMatch(/^usage: dpl report \[RUN\]/);
  });
});
