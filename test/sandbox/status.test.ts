// `sandbox status` for the optional parts: a sandbox planned on a machine without nginx
// or prometheus says each is unavailable and how to get it; one that has them and
// lost them says NOT RUNNING, and `checkRunning` lists them (so `sandbox up` will not
// reuse it). Pure: planned, never started.
import { describe, expect, it } from 'vitest';
import { planSandbox } from '../../src/sandbox/plan.js';
import { slotAddressing } from '../../src/sandbox/layout.js';
import { renderStatus, sandboxStatus, checkRunning } from '../../src/sandbox/index.js';

const user = { name: 'dpltest', uid: 12345, gid: 12345, root: true };
const plan = (tools?: { nginx?: string; prometheus?: boolean }) =>
  planSandbox({ dir: '/nonexistent/dpl-sandbox', project: '/nonexistent', webHosts: 2, a: slotAddressing(3), slotLock: '/nonexistent/lock', user, tools });

describe('sandbox status: nginx and the Prometheus judge', () => {
  it('without the binaries: no nginx or prometheus in sandbox.json, and status says each is unavailable', async () => {
    const info = plan();
    expect(info.nginx).toBeUndefined();
    expect(info.prometheus).toBeUndefined();
    const text = renderStatus(await sandboxStatus(info), info);
    expect(text).toContain('  nginx: not installed, so the nginx front door is unavailable (apt-get install nginx-light, then a new sandbox)');
    expect(text).toContain('  Prometheus judge: unavailable, this machine has no prometheus (apt-get install prometheus, then a new sandbox)');
    expect(checkRunning(info).filter((p) => /nginx|prometheus/.test(p))).toEqual([]);
  });

  it("with them: ports of the slot on the LB host's address, every app a scrape target; stopped ones are NOT RUNNING", async () => {
    const info = plan({ nginx: '/usr/sbin/nginx', prometheus: true });
    const lb = info.hosts['lb-0']!.address;
    expect(info.nginx!.url).toBe(`http://${lb}:8103/`);
    expect(info.prometheus!.url).toBe(`http://${lb}:9093`);
    expect(info.prometheus!.targets).toEqual(['web-0', 'web-1', 'training-0'].map((h) => `${info.hosts[h]!.address}:8003`));
    const text = renderStatus(await sandboxStatus(info), info);
    expect(text).toContain(`  nginx: http://${lb}:8103/  (NOT RUNNING; the same web hosts, upstream app)`);
    expect(text).toContain(`  Prometheus judge: http://${lb}:9093  (NOT RUNNING)`);
    expect(checkRunning(info)).toEqual(expect.arrayContaining(['nginx is not running', 'prometheus is not running']));
  });
});
