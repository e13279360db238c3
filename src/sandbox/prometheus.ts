// The sandbox's Prometheus: the fleet's launcher on the LB host's address, scraping
// every app's /metrics (`http_requests_total{host,version,code}`), so a rollout's bake
// can be judged on it (`prometheus({...})` in deployfile.example.ts). Only when this
// machine has prometheus; without it the sandbox says the judge is unavailable.
import { prometheusTargetsUp, prometheusValue, startPrometheus } from '../fleet/prometheus.js';
import type { SandboxInfo } from './layout.js';

/** Start Prometheus (detached) and wait until it scraped every app once; its pid. */
export async function startSandboxPrometheus(binary: string, info: SandboxInfo): Promise<number> {
  const pr = info.prometheus!;
  const listen = new URL(pr.url).host;
  const { pid } = await startPrometheus({ dir: pr.dir, listen, scrapeMs: pr.scrapeMs, pidFile: pr.pidFile, targets: pr.targets.map((address) => ({ address })) }, { binary, detached: true });
  await prometheusTargetsUp(pr.url, pr.targets.length);
  return pid;
}

/** How many scrape targets are up right now (for `sandbox status`); an error's message when it does not answer. */
export async function targetsUp(info: SandboxInfo): Promise<number | string> {
  try {
    return (await prometheusValue(info.prometheus!.url, 'count(up == 1)')) ?? 0;
  } catch (e) {
    return (e as Error).message;
  }
}
