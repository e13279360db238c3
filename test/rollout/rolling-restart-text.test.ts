// The words of a stopped rolling restart (pure): batch, hosts left drained, batches
// restarted and untouched, and the hint that fits.
import { describe, expect, it } from 'vitest';
import { Host } from '../../src/core/host.js';
import { stoppedText } from '../../src/rollout/rolling-restart-text.js';

const hosts = (...names: string[]) => names.map((n) => ({ name: n }) as Host);
const batches = [hosts('web-0'), hosts('web-1', 'web-2'), hosts('web-3', 'web-4'), hosts('web-5')];

describe('stoppedText', () => {
  it('names the batch, the drained host, the batches restarted and the ones not touched', () => {
    const t = stoppedText({ batch: 2, batches, reason: 'health check failed', drained: ['web-2'], sick: ['web-2'], interrupted: false });
    expect(t.message).toBe(
      [
        'rolling restart stopped at batch 2/4 (web-1, web-2): health check failed',
        'web-2 stays out of rotation (drained)',
        'batch 1 (web-0) restarted and back in rotation',
        'batches 3 (web-3, web-4), 4 (web-5) not touched',
      ].join('\n'),
    );
    expect(t.hint).toBe('fix web-2, restart again (the restarted hosts are restarted again), then `proxy.all` puts it back in rotation');
  });

  it('a first batch stopped by Ctrl-C with nothing drained: no restarted batch, restart again', () => {
    const t = stoppedText({ batch: 1, batches: batches.slice(0, 2), reason: 'interrupted (Ctrl-C) after the restart', drained: [], interrupted: true });
    expect(t.message).toBe("rolling restart stopped at batch 1/2 (web-0): interrupted (Ctrl-C) after the restart\nbatch 1's hosts are back in rotation\nbatch 2 (web-1, web-2) not touched");
    expect(t.hint).toBe('run the restart again to restart every host');
  });

  it('the last batch: nothing left untouched', () => {
    const t = stoppedText({ batch: 4, batches, reason: 'the restart failed on web-5: boom', drained: ['web-5', 'web-4'], interrupted: false });
    expect(t.message).not.toMatch(/not touched/);
    expect(t.message).toMatch(/\nweb-5, web-4 stay out of rotation \(drained\)\nbatches 1 \(web-0\), 2 \(web-1, web-2\), 3 \(web-3, web-4\) restarted and back in rotation$/);
    expect(t.hint).toMatch(/puts them back in rotation$/);
  });
});
