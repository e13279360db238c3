// SudoStream on byte sequences real sudo writes, split at every point: real sudo
// writes its prompt in one write, so the tests on hosts never see it torn.
import { describe, expect, it } from 'vitest';
import { SudoStream, sudoCommand, type SudoStdin } from '../../src/transport/sudo-protocol.js';

const P = '[dpl-sudo-0123456789ab] password: ';
const M = 'dpl-sudo-started-0011223344556677';

function harness(data?: string, password = 'pw') {
  const written: string[] = [];
  const stdin: SudoStdin & { open: boolean; ended: number } = {
    open: true,
    ended: 0,
    write: (d) => void written.push(d),
    end: (d) => {
      if (!stdin.open) return;
      stdin.open = false;
      stdin.ended++;
      if (d !== undefined) written.push(String(d));
    },
  };
  const f = new SudoStream({ prompt: P, started: M, password: async () => password }, stdin, data);
  return { f, stdin, written };
}

/** Feed `text` cut at `cuts`, waiting a tick after each piece (the password arrives asynchronously). */
async function feed(f: SudoStream, pieces: string[]): Promise<string> {
  let out = '';
  for (const p of pieces) {
    out += f.push(Buffer.from(p, 'latin1')).toString('latin1');
    await new Promise((r) => setImmediate(r));
  }
  return out + f.flush().toString('latin1');
}

function splits(text: string): string[][] {
  const all = [[text]];
  for (let i = 1; i < text.length; i++) all.push([text.slice(0, i), text.slice(i)]);
  return all;
}

/** What sudo writes before reading the password, then after: each cut at every point. */
function exchanges(before: string, after: string): string[][] {
  return splits(before).flatMap((a) => splits(after).map((b) => [...a, ...b]));
}

describe('SudoStream', () => {
  it('pty: prompt, sudo’s line end, marker cut at any split; output after the marker untouched', async () => {
    for (const pieces of exchanges(P, `\r\n${M}\r\nroot\r\n${P}\r\n`)) {
      const { f, stdin, written } = harness('input\n');
      expect(await feed(f, pieces)).toBe(`root\r\n${P}\r\n`);
      expect(written).toEqual(['pw\n', 'input\n']);
      expect(stdin.ended).toBe(1);
    }
  });

  it('without a pty (no line end after the prompt); passwordless never writes a password', async () => {
    for (const pieces of exchanges(`lecture\n${P}`, `${M}\nout`)) {
      const { f, written } = harness();
      expect(await feed(f, pieces)).toBe('lecture\nout');
      expect(written).toEqual(['pw\n']);
    }
    const { f, written, stdin } = harness('data');
    expect(await feed(f, [`${M}\n`, 'x'])).toBe('x');
    expect(written).toEqual(['data']);
    expect(stdin.ended).toBe(1);
  });

  it('a second prompt before the marker ends stdin; sudo’s messages stay', async () => {
    const { f, written, stdin } = harness();
    const out = await feed(f, [P, 'Sorry, try again.\n', P, '\nsudo: 1 incorrect password attempt\n']);
    expect(out).toBe('Sorry, try again.\nsudo: 1 incorrect password attempt\n');
    expect(written).toEqual(['pw\n']);
    expect(stdin.open).toBe(false);
  });

  it('text that only looks like the start of the prompt is passed on', async () => {
    const { f } = harness();
    expect(await feed(f, ['[dpl-sudo-01', 'x] not it\n'])).toBe('[dpl-sudo-01x] not it\n');
  });

  it('sudoCommand prints the marker first, on stderr, and quotes every part', () => {
    expect(sudoCommand("echo 'hi'", { prompt: P, started: M }, 'app user')).toBe(
      `sudo -S -p '${P}' -H -u 'app user' -- /bin/sh -c 'printf '"'"'%s\\n'"'"' ${M} >&2\necho '"'"'hi'"'"''`,
    );
  });
});
