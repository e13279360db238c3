// (c) Start-up: `dpl --list` on the example deployfile against bare `node -e 0`
// (Node's floor), interleaved runs, medians. Target: within 1.5x. dpl is run as
// users run it: bin/dpl.js executed as a file (npm's `dpl` links to it).
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

export function measureStartup(root, runs = 21) {
  const bin = join(root, 'bin/dpl.js');
  const example = join(root, 'deployfile.example.ts');
  // run.js has removed NODE_EXTRA_CA_CERTS from the environment: Node's floor
  // without its ~95 ms, so the ratio is dpl's own cost.
  const time = ([cmd, ...args]) => {
    const started = performance.now();
    const r = spawnSync(cmd, args, { cwd: root, stdio: ['ignore', 'ignore', 'pipe'] });
    if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited ${r.status}: ${r.stderr}`);
    return performance.now() - started;
  };
  time([bin, '-f', example, '--list']); // warm the deployfile cache
  const node = [];
  const dpl = [];
  for (let i = 0; i < runs; i++) {
    node.push(time([process.execPath, '-e', '0']));
    dpl.push(time([bin, '-f', example, '--list']));
  }
  const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
  return { runs, nodeMs: median(node), dplListMs: median(dpl) };
}
