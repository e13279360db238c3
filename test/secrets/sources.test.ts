// The adapters against real CLIs on this machine: `pass` with a throwaway GPG key,
// a dotenv file, commands run without a shell, and a CLI that is not installed.
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dotenv, fromCommand, onePassword, parseDotenv, pass, type SecretSource } from '../../src/secrets/sources.js';
import { envFileText } from '../../src/secrets/deliver.js';
import { passStore, type PassStore } from './store.js';

let store!: PassStore;
let root!: string;
const saved: Record<string, string | undefined> = {};

beforeAll(() => {
  store = passStore();
  root = mkdtempSync(path.join(tmpdir(), 'dpl-secret-root-'));
  // The adapters run their CLIs with this process's environment, as dpl does.
  for (const [k, v] of Object.entries(store.env)) (saved[k] = process.env[k]), (process.env[k] = v);
  store.insert('app/db', 'pa55 w0rd!\nuser: app');
});
afterAll(() => {
  for (const [k, v] of Object.entries(saved)) v === undefined ? delete process.env[k] : (process.env[k] = v);
  store.cleanup();
  rmSync(root, { recursive: true, force: true });
});

const read = (s: SecretSource, name = 'DB_PASSWORD') => s.read({ name, root, scrub: (t) => t });

describe('secret adapters', () => {
  it('pass: the first line of `pass show`, decrypted with the test key', async () => {
    expect(await read(pass('app/db'))).toBe('pa55 w0rd!');
  });

  it('pass: a missing entry fails naming the secret and the adapter, with pass\'s own words', async () => {
    await expect(read(pass('app/missing'))).rejects.toThrow(/^secret DB_PASSWORD \(pass\): `pass show app\/missing` exited with 1: .*not in the password store/);
  });

  it('dotenv: the secret\'s own name by default, or the key given; quotes as dotenv writes them', async () => {
    writeFileSync(path.join(root, '.env.prod'), `# comment\nexport API_KEY="k3y\\"q"\nOTHER='lit $x'\nPLAIN=abc # note\n`);
    expect(await read(dotenv('.env.prod'), 'API_KEY')).toBe('k3y"q');
    expect(await read(dotenv('.env.prod', 'OTHER'))).toBe('lit $x');
    expect(await read(dotenv('.env.prod', 'PLAIN'))).toBe('abc');
    await expect(read(dotenv('.env.prod'), 'NOPE')).rejects.toThrow(/^secret NOPE \(dotenv\): .*\.env\.prod has no NOPE/);
  });

  it('fromCommand: a plain string is split and run without a shell; shell syntax goes through sh', async () => {
    // Without a shell, `$HOME` is passed literally; with `|` it is a pipeline.
    expect(await read(fromCommand('echo $HOME-x'))).toBe(`${process.env.HOME}-x`); // has `$`: through sh
    expect(await read(fromCommand(['echo', '$HOME']))).toBe('$HOME');
    expect(await read(fromCommand('printf abc'))).toBe('abc');
    const marker = path.join(root, 'ran');
    expect(await read(fromCommand(['sh', '-c', `echo x > ${marker}; echo v`]))).toBe('v');
    expect(readFileSync(marker, 'utf8')).toBe('x\n');
  });

  it('a CLI that is not installed, or fails: a clear error with the name, never a value', async () => {
    const was = process.env.PATH;
    process.env.PATH = '/nonexistent';
    try {
      await expect(read(onePassword('op://prod/db/password'))).rejects.toThrow('secret DB_PASSWORD (1password): op is not installed or not on PATH');
    } finally {
      process.env.PATH = was;
    }
    await expect(read(fromCommand(['sh', '-c', 'echo boom >&2; exit 4']))).rejects.toThrow(/^secret DB_PASSWORD \(command\): `sh -c .*` exited with 4: boom$/);
    expect(existsSync(path.join(root, 'never'))).toBe(false);
  });

  it('the env file: plain values bare, others single-quoted so sh and dotenv read them back exactly', () => {
    const text = envFileText({ A: 'plain-1.2', B: "it's $x y", C: 'x\ny' });
    expect(text).toBe("A=plain-1.2\nB='it'\\''s $x y'\nC='x\ny'\n");
    expect(parseDotenv("A=plain-1.2\nB='it s $x'").get('B')).toBe('it s $x');
  });
});
