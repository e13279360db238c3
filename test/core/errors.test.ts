// Errors carry fields (issue #20): a stable code from the one registry, the host apart
// from the message, and the `[host] message` text rendered only at the edges.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES, isErrorCode } from '../../src/core/error-codes.js';
import {
  CommandError,
  CommandTimeoutError,
  ConnectionError,
  DeployfileError,
  DplError,
  HostError,
  HostKeyError,
  HostsFailedError,
  InterruptedError,
  UsageError,
  errorCode,
} from '../../src/core/errors.js';
import { reportError } from '../../src/cli/boundary.js';
import { Secrets } from '../../src/core/secrets.js';
import { errorText } from '../../src/reporters/error-text.js';

const SRC = resolve(import.meta.dirname, '../../src');

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sources(path) : name.endsWith('.ts') ? [path] : [];
  });
}

describe('error codes', () => {
  it('are dotted lowercase words, each with a one-line description', () => {
    for (const [code, text] of Object.entries(ERROR_CODES)) {
      expect(code).toMatch(/^[a-z][a-z-]*(\.[a-z][a-z-]*)*$/);
      expect(text, code).toMatch(/^\S.*\S$/);
      expect(text, code).not.toContain('\n');
    }
    expect(isErrorCode('lock.held')).toBe(true);
    expect(isErrorCode('toString')).toBe(false);
  });

  it('every class has a default, and a specific code wins over it', () => {
    expect(new UsageError('x').code).toBe('usage');
    expect(new DeployfileError('x').code).toBe('deployfile.invalid');
    expect(new HostError('h', 'x').code).toBe('host.failed');
    expect(new ConnectionError('h', 'x').code).toBe('connect.failed');
    expect(new HostKeyError('h', 'x').code).toBe('hostkey.invalid');
    expect(new CommandTimeoutError('h', 'x').code).toBe('command.timeout');
    expect(new InterruptedError('x').code).toBe('interrupted');
    expect(new CommandError('h', 'false', 1, null, '', '').code).toBe('command.failed');
    expect(new HostKeyError('h', 'x', { code: 'hostkey.changed' }).code).toBe('hostkey.changed');
    expect(new UsageError('x', { code: 'usage.unknown-task' }).code).toBe('usage.unknown-task');
    expect(errorCode(new Error('library'))).toBe('unknown');
  });

  it('every `new DplError(` in src/ names its code in the options (tsc requires one; this catches a spread or cast)', () => {
    const bare: string[] = [];
    let seen = 0;
    for (const file of sources(SRC)) {
      const sf = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.ES2022, true);
      const visit = (node: ts.Node): void => {
        if (ts.isNewExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === 'DplError') {
          seen++;
          const options = node.arguments?.[1];
          const named = options && ts.isObjectLiteralExpression(options) && options.properties.some((p) => p.name && ts.isIdentifier(p.name) && p.name.text === 'code');
          if (!named) bare.push(`${file.slice(SRC.length + 1)}:${sf.getLineAndCharacterOfPosition(node.getStart()).line + 1}`);
        }
        ts.forEachChild(node, visit);
      };
      visit(sf);
    }
    expect(seen).toBeGreaterThan(80);
    expect(bare).toEqual([]);
  });

  it('nothing in src/ cuts a `[host] ` prefix back out of a message', () => {
    const cutting: string[] = [];
    for (const file of sources(SRC)) {
      const text = readFileSync(file, 'utf8');
      if (/length \+ 3\b|replace\(`\[\$\{|\\\[\[\^\\\]\]/.test(text)) cutting.push(file.slice(SRC.length + 1));
    }
    expect(cutting).toEqual([]);
  });
});

describe('host and message apart, `[host] message` for people', () => {
  it('a HostError keeps the host out of its message; errorText puts it in front, once', () => {
    const e = new ConnectionError('web-1', 'connection refused (127.0.0.1:22)', { code: 'connect.refused', hint: 'is sshd running?' });
    expect(e.message).toBe('connection refused (127.0.0.1:22)');
    expect(e.host).toBe('web-1');
    expect(errorText(e)).toBe('[web-1] connection refused (127.0.0.1:22)');
    expect(errorText(e, { tagged: 'web-1' })).toBe('connection refused (127.0.0.1:22)');
    expect(errorText(e, { hint: true })).toBe('[web-1] connection refused (127.0.0.1:22)\n  hint: is sshd running?');
    expect(errorText(new DplError('two\nlines', { code: 'git.failed' }), { firstLine: true })).toBe('two');
    expect(errorText('thrown text')).toBe('thrown text');
  });

  it('the CLI boundary prints `dpl: error: [host] message` and the hint', () => {
    let out = '';
    const code = reportError(new HostKeyError('imposter', 'HOST KEY CHANGED for imposter', { code: 'hostkey.changed', hint: 'check it' }), {
      verbose: false,
      writeErr: (t) => (out += t),
      secrets: new Secrets(),
    });
    expect(code).toBe(1);
    expect(out).toBe('dpl: error: [imposter] HOST KEY CHANGED for imposter\ndpl: hint: check it\n');
  });

  it("HostsFailedError's text is as before: `host: message`, per-host hints, another host's error named", () => {
    const failed = new HostsFailedError('deploy', [
      { host: 'web-0', error: new CommandError('web-0', 'false', 1, null, '', 'boom\n') },
      { host: 'web-1', error: new ConnectionError('web-1', 'connection refused', { hint: 'is sshd running?' }) },
      { host: 'web-2', error: new HostError('lb0', 'HAProxy refused it', { hint: 'look at HAProxy' }) },
    ]);
    expect(failed.message).toBe(
      'deploy failed on 3 hosts:\n' +
        '  - web-0: command exited with code 1: false\n' +
        '        boom\n' +
        '  - web-1: connection refused\n' +
        '    hint: is sshd running?\n' +
        '  - web-2: [lb0] HAProxy refused it\n' +
        '    hint: look at HAProxy',
    );
    expect(failed.code).toBe('hosts.failed');
    expect(failed.hint).toBeUndefined();
  });
});
