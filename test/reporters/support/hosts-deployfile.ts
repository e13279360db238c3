// A deployfile whose tasks touch no host (no ssh needed) but take time per host,
// so output, progress and interrupts can be watched on made-up hosts a, b, c.
export const TIMED_DEPLOYFILE = `
import { deployfile, task } from 'dpl-deploy';
const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    if (signal.aborted) return resolve();
    const t = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => { clearTimeout(t); resolve(); }, { once: true });
  });
const delays: Record<string, number> = { a: 300, b: 3000, c: 4500 };
export default deployfile({
  tasks: {
    hello: task({ desc: 'log a line per host', run: 'parallel' }, async (c) => {
      c.log('hello from ' + c.host.name);
    }),
    slow: task({ desc: 'uneven work on every host', run: 'parallel' }, async (c) => {
      await sleep(delays[c.host.name] ?? 100, c.session.signal);
      c.log('finished');
    }),
    broken: task({ desc: 'fails on b', run: 'parallel' }, async (c) => {
      if (c.host.name === 'b') throw new Error('b is broken');
    }),
    flaky: task({ desc: 'fails on b at once, the others take their time', run: 'parallel' }, async (c) => {
      if (c.host.name === 'b') throw new Error('b is broken');
      await sleep(delays[c.host.name] ?? 100, c.session.signal);
    }),
    ask: task({ desc: 'asks for a token, then a yes/no question, on the terminal', run: 'local' }, async (c) => {
      const token = await c.session.secret('api.token', 'API token: ');
      c.log((await c.session.confirm('Go on?')) ? 'going on with a token of ' + token.length + ' characters' : 'stopped');
    }),
    wait: task({ desc: 'one host after the other, until Ctrl-C' }, async (c) => {
      if (c.host.name === 'a') return;
      await sleep(30000, c.session.signal);
    }),
  },
});
`;
