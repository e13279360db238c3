import { describe, expect, it } from 'vitest';
import { LocalTransport } from '../../src/transport/local.js';

describe('LocalTransport', () => {
  it('answers a prompt split across writes on stdin and cuts it out of the output', async () => {
    const t = new LocalTransport();
    let asked = 0;
    const r = await t.exec(`printf 'before [ask-'; sleep 0.1; printf 'me]: ' >&1; read x; echo "got $x"`, {
      responder: { pattern: '[ask-me]: ', answer: async () => (asked++, 's3cret') },
    });
    expect(r.code).toBe(0);
    expect(asked).toBe(1);
    expect(r.stdout).toBe('before got s3cret\n');
  });

  it('kills the whole process group on timeout', async () => {
    const t = new LocalTransport();
    await expect(t.exec('sleep 5 | cat', { timeoutMs: 200 })).rejects.toThrow(/timed out after 200 ms/);
  });
});
