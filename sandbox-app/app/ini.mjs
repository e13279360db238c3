// A small INI reader for config/*.ini: `[section]`, `key = value`, `;` and `#` comments.
import { readFileSync } from 'node:fs';

export function readIni(path) {
  const out = { '': {} };
  let section = out[''];
  for (const raw of readFileSync(path, 'utf8').split(/\r?\n/)) {
    const line = raw.replace(/\s[;#].*$/, '').trim();
    if (!line || line.startsWith(';') || line.startsWith('#')) continue;
    const head = /^\[(.+)\]$/.exec(line);
    if (head) section = out[head[1].trim()] ??= {};
    else if (line.includes('=')) section[line.slice(0, line.indexOf('=')).trim()] = line.slice(line.indexOf('=') + 1).trim();
  }
  return out;
}

/** The release's version and settings, read once at start-up (a restart picks up a new release). */
export function loadConfig() {
  const version = readIni('config/version.ini').parameters?.['opensky.version'] ?? '0.0.0';
  const app = readIni('config/app.ini');
  return {
    version,
    greeting: app.app?.greeting ?? 'Hello',
    requires: (app.health?.requires ?? '').split(',').map((s) => s.trim()).filter(Boolean),
    errorRate: Math.min(1, Math.max(0, Number(app.errors?.rate ?? 0) || 0)),
    host: process.env.DPL_SANDBOX_HOST ?? 'localhost',
  };
}
