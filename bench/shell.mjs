// What the `shell` and `pty` settings cost per command (docs: README "Shell and pty"),
// as ratios against the default in one run, on one real sshd host on loopback:
//   default          `true`, run as `ssh host true` runs it (the login shell, non-login)
//   bash -l -c       a login bash reading an empty ~/.bash_profile
//   bash -l -c + rc  the same with a profile that costs ~50 ms (as nvm or pyenv init do)
//   pty              `true` with a pseudo-terminal
//   node bench/shell.mjs [--commands N] [--json]
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { benchLayout, startBed, stopBed } from './fleet.mjs';

const ROOT = resolve(import.meta.dirname, '..');
const args = process.argv.slice(2);
const i = args.indexOf('--commands');
const COMMANDS = i >= 0 ? Number(args[i + 1]) : 60;
const JSON_OUT = args.includes('--json');
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function main() {
  const { createSshPool } = await import(pathToFileURL(join(ROOT, 'dist/ssh/pool.js')).href);
  const { EventBus } = await import(pathToFileURL(join(ROOT, 'dist/core/events.js')).href);
  const { quote } = await import(pathToFileURL(join(ROOT, 'dist/core/quote.js')).href);
  const bed = await startBed(benchLayout(1));
  const [name] = Object.keys(bed.hosts);
  const home = bed.hosts[name].root;
  const prompter = { interactive: false, secret: async () => Promise.reject(new Error('no prompts in the bench')), confirm: async () => false };
  const pool = createSshPool({ events: new EventBus(), prompter, configFile: bed.configFile, agentSocket: null });
  // What context.ts sends for each setting: the command alone, or `<shell> '<command>'`.
  const variants = {
    default: { profile: '', command: 'true' },
    'bash -l -c': { profile: '', command: `bash -l -c ${quote('true')}` },
    'bash -l -c + 50 ms profile': { profile: 'sleep 0.05\n', command: `bash -l -c ${quote('true')}` },
    pty: { profile: '', command: 'true', pty: true },
  };
  const samples = Object.fromEntries(Object.keys(variants).map((k) => [k, []]));
  try {
    const t = await pool.get({ name, hostname: name, vars: {} });
    for (let w = 0; w < 10; w++) await t.exec('true');
    // Interleaved rounds: the machine's drift hits every variant alike.
    for (let round = 0; round < 5; round++) {
      for (const [key, v] of Object.entries(variants)) {
        writeFileSync(join(home, '.bash_profile'), v.profile);
        const started = performance.now();
        for (let n = 0; n < COMMANDS / 5; n++) {
          const r = await t.exec(v.command, { pty: v.pty });
          if (r.code !== 0) throw new Error(`${key}: exited ${r.code}`);
        }
        samples[key].push((performance.now() - started) / (COMMANDS / 5));
      }
    }
  } finally {
    writeFileSync(join(home, '.bash_profile'), '');
    await pool.closeAll();
    await stopBed(bed);
  }
  const base = median(samples.default);
  const result = Object.fromEntries(Object.entries(samples).map(([k, xs]) => [k, { msPerCommand: Math.round(median(xs) * 100) / 100, ratio: Math.round((median(xs) / base) * 100) / 100 }]));
  if (JSON_OUT) console.log(JSON.stringify(result));
  else for (const [k, r] of Object.entries(result)) console.log(`${k.padEnd(28)} ${r.msPerCommand.toFixed(2).padStart(7)} ms/command  ${r.ratio.toFixed(2)}× default`);
}

await main();
