// dpl's output reaches a reader that is slower than dpl (`dpl deploy | tee log`, a CI
// log collector): the process exits only once stdout and stderr are written out. Found
// in CI: test/reporters/run-log-caps.test.ts saw 20,270 of 30,000 lines; a reader that
// pauses for 2 s got a few hundred and never "after the noise".
import { expect, it } from 'vitest';
import { start, tempProject } from '../reporters/support/cli.js';

const deployfile = `
import { deployfile, task } from 'dpl-deploy';
export default deployfile({
  tasks: {
    noisy: task({ desc: 'prints a lot', run: 'local' }, async (c) => {
      await c.local(\`node -e "process.stdout.write(('x'.repeat(99) + '\\\\\\\\n').repeat(20000))"\`);
      await c.local('echo after the noise');
    }),
  },
});
`;

it('a reader that pauses gets every line before dpl exits', async () => {
  const run = start(['noisy'], { cwd: tempProject(deployfile) });
  run.child.stdout!.pause();
  setTimeout(() => run.child.stdout!.resume(), 2000);
  const r = await run.done;
  expect(r.code, r.stderr).toBe(0);
  expect(r.stdout.match(/^\[local\] out: x{99}$/gm)?.length ?? 0).toBe(20_000);
  expect(r.stdout).toMatch(/^\[local\] out: after the noise$/m);
}, 60_000);
