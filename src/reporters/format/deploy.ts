// Words for the deploy module's events (src/deploy, src/pipeline).
import type { Formats } from './types.js';
import { silent } from './types.js';
import { renderPending } from '../pending.js';

type DeployEvent = 'deploy.pending' | 'deploy.resolved' | 'deploy.phase' | 'deploy.status' | 'deploy.step' | 'deploy.upload';

export const deployFormats: Formats<DeployEvent> = {
  // Shown even with -q: it is what the task (or the question after it) is about.
  'deploy.pending': (e, f) => renderPending(f.c, e),
  // Their words still travel as 'log' twins; the data is for --json, the run log and the report.
  'deploy.resolved': silent,
  'deploy.phase': silent,
  'deploy.status': silent,
  'deploy.step': silent,
  'deploy.upload': silent,
};
