// The pipeline's events beside the phases and steps (drive.ts, deploy/remote.ts):
// recovering an unfinished run, undoing a failed one, and runs with nothing to do.
// The words are in src/reporters/format/pipeline.ts.
/** What recovering an unfinished run does: finish it, undo it, remove what it prepared, or wait. */
export type RecoverVerdict = 'forward' | 'back' | 'abort' | 'unknown';

declare module '../core/events.js' {
  interface EventMap {
    /** Recovering what an earlier run left unfinished. start: one run found (`verdict`: what recovery does);
     *  none: nothing to recover; unreachable: hosts of that run that could not be read; failed: a host whose
     *  recovery step failed; first: deploy.check found one and recovers it before checking; incomplete: that
     *  recovery stopped (`error`); out-of-rotation-failed: the load balancer could not take `hosts` out of
     *  rotation before their restart (`error`), they restart anyway; in-rotation: `host` is up on `release`
     *  and back in rotation. */
    'deploy.recover':
      | { state: 'start'; action: 'deploy' | 'rollback'; release: string; hosts: string[]; by: string; since: string; verdict: RecoverVerdict }
      | { state: 'none' }
      | { state: 'unreachable'; hosts: string[] }
      | { state: 'failed'; host: string; error: string }
      | { state: 'first' }
      | { state: 'incomplete'; error: string }
      | { state: 'out-of-rotation-failed'; hosts: string[]; error: string }
      | { state: 'in-rotation'; host: string; release?: string };
    /** Undoing a failed run. start: `step` failed after the switch, so every moved host goes back (a deploy's
     *  to its previous release, a rollback's to what it ran before); out-of-rotation-failed: the flow could not
     *  take `hosts` out of rotation first (`error`), they switch back anyway; discard-failed: a half-made release
     *  could not be removed from `host`. */
    'deploy.undo':
      | { state: 'start'; action: 'deploy' | 'rollback'; step: string }
      | { state: 'out-of-rotation-failed'; hosts: string[]; error: string }
      | { state: 'discard-failed'; host: string; error: string };
    /** A run with nothing to do: `release` is live on every host already; or a rollback found an unfinished run
     *  and undid it, which is the step back it was asked for (`command` goes further). */
    'deploy.nothing': { why: 'already-live'; release: string } | { why: 'undone-instead'; command: string };
  }
}
