// The one table: every event type → its words. Typed as Formats<EventType>, so an
// event added to EventMap (in core/events.ts or by a module's augmentation) fails
// tsc until it gets a format here. Add a module's formats as a file beside this one.
import type { EventType } from '../../core/events.js';
import type { Formats } from './types.js';
import { coreFormats } from './core.js';
import { deployFormats } from './deploy.js';
import { lockFormats } from './lock.js';
import { pipelineFormats } from './pipeline.js';
import { releaseFormats } from './release.js';
import { rolloutFormats } from './rollout.js';
import { proxyFormats } from './proxy.js';
import { cliFormats } from './cli.js';
import { opsFormats } from './ops.js';
import { gitFormats } from './git.js';
import { noticeFormats } from './notices.js';
import { sshFormats } from './ssh.js';

export const FORMATS: Formats<EventType> = {
  ...coreFormats,
  ...deployFormats,
  ...lockFormats,
  ...releaseFormats,
  ...pipelineFormats,
  ...rolloutFormats,
  ...proxyFormats,
  ...cliFormats,
  ...opsFormats,
  ...gitFormats,
  ...noticeFormats,
  ...sshFormats,
};

export type { Format, Formats, FormatContext, EventOf, Level } from './types.js';
export { silent } from './types.js';
