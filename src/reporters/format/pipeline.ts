// Words for the pipeline's events (src/pipeline/events.ts): recovering an
// unfinished run, undoing a failed one, runs with nothing to do; and the secrets
// file a dry run would write (src/secrets/config.ts).
import type { Formats } from './types.js';

type PipelineEvent = 'deploy.recover' | 'deploy.undo' | 'deploy.nothing' | 'secrets.file';

const VERDICT_TEXT = {
  forward: 'the switch was decided on every host, so it is finished now',
  back: 'it was being undone (or was a canary), so it is undone now',
  abort: 'no host had switched and the switch was not decided, so what it prepared is removed',
  unknown: 'a host that could decide it is out of reach, so nothing is done yet',
} as const;

export const pipelineFormats: Formats<PipelineEvent> = {
  'deploy.recover': (e, f) => {
    switch (e.state) {
      case 'start':
        return f.line(
          undefined,
          'info',
          `recovering an unfinished ${e.action === 'rollback' ? 'rollback to' : 'deploy of'} ${e.release} on ${e.hosts.join(', ')} (by ${e.by}, ${e.since}): ${VERDICT_TEXT[e.verdict]}`,
        );
      case 'none':
        return f.line(undefined, 'info', 'nothing to recover: no unfinished deploy on these hosts');
      case 'unreachable':
        return f.line(undefined, 'warn', `${e.hosts.join(', ')} of that run could not be read; they finish when a dpl command can reach them`);
      case 'failed':
        return f.line(e.host, 'warn', `recovery could not finish it: ${e.error}`);
      case 'first':
        return f.line(undefined, 'warn', 'an earlier deploy did not finish on these hosts; recovering it first');
      case 'incomplete':
        return f.line(undefined, 'warn', `recovery did not finish: ${e.error}`);
      case 'out-of-rotation-failed':
        return f.line(undefined, 'warn', `could not take ${e.hosts.join(', ')} out of rotation before restarting (${e.error}); restarting anyway`);
      case 'in-rotation':
        return f.line(e.host, 'info', `on ${e.release ?? '?'} and back in rotation`);
    }
  },
  'deploy.undo': (e, f) => {
    switch (e.state) {
      case 'start':
        return f.line(
          undefined,
          'warn',
          `${e.step} failed after the switch; switching every host back to ${e.action === 'rollback' ? 'the release it ran before the rollback' : 'its previous release'}`,
        );
      case 'out-of-rotation-failed':
        return f.line(undefined, 'warn', `could not take ${e.hosts.join(', ')} out of rotation before switching back (${e.error}); switching back anyway`);
      case 'discard-failed':
        return f.line(e.host, 'warn', `could not remove the half-made release: ${e.error}`);
    }
  },
  'deploy.nothing': (e, f) =>
    e.why === 'already-live'
      ? f.line(undefined, 'info', `${e.release} is already live everywhere; nothing to do`)
      : f.line(undefined, 'info', `the unfinished run was undone; not rolling back further (name a release, \`${e.command}\`, to go further)`),
  'secrets.file': (e, f) => f.line(e.host, 'info', `${e.dryRun ? 'would write' : 'wrote'} ${e.count} secrets to ${e.path} (mode 0600)`),
};
