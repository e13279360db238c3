// Words for the rollout's events (src/rollout).
import type { Formats } from './types.js';
import { silent } from './types.js';
import type { RolloutEvent } from '../../rollout/events.js';

export const rolloutFormats: Formats<RolloutEvent> = {
  // Their words still travel as 'log' twins (rollout/events.ts `tell`).
  'rollout.batch': silent,
  'rollout.health': silent,
  'rollout.sample': silent,
  'rollout.promote': silent,
  'rollout.rollback': silent,
  'rollout.end': silent,
  'rollout.restart': silent,
};
