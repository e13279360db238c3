// `dpl report`'s work: pick a run's log, build the model, write the page.
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { loadRun, pickRun } from './load.js';
import { buildModel } from './model.js';
import { renderPage } from './page.js';

export { buildModel, type ReportModel } from './model.js';
export { renderPage } from './page.js';
export { listRuns, parseEvents, pickRun } from './load.js';

export interface WrittenReport {
  run: string;
  path: string;
  events: number;
}

/** Write the report of run `wanted` (default the newest) under `logsDir` to `out` (default `<run>/report.html`). */
export function writeReport(logsDir: string, o: { run?: string; out?: string } = {}): WrittenReport {
  const name = pickRun(logsDir, o.run);
  const run = loadRun(logsDir, name);
  const html = renderPage(buildModel(run.events), { run: name, skipped: run.skipped });
  const path = o.out ?? join(run.dir, 'report.html');
  mkdirSync(dirname(path), { recursive: true });
  // Whole or not at all: a browser tab reloading it never sees half a page.
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, html, { mode: 0o644 });
  renameSync(tmp, path);
  return { run: name, path, events: run.events.length };
}
