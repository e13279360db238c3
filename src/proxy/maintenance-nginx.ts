// nginx maintenance through one include file per upstream, included at server level
// where that upstream is proxied. On, it holds `return 503` and a named location
// that serves the page file shipped next to it (with Retry-After); off, only a
// comment. Written, tested and reloaded like the upstream files, so a failed
// `nginx -t` puts the previous files back.
import { HostError } from '../core/errors.js';
import type { NginxDriver } from './nginx-driver.js';
import type { MaintenancePage, MaintenanceState, MaintenanceSwitch } from './maintenance-page.js';

export const DEFAULT_INCLUDE = '/etc/nginx/dpl-maintenance-{backend}.conf';
const MARK = /^# dpl maintenance: (on|off)\b/;

export function includeOf(template: string, backend: string): string {
  return template.split('{backend}').join(backend);
}

/** The page lives next to the include: `maintenance-app.conf` → `maintenance-app.html`. */
export function pageOf(include: string): string {
  return include.replace(/(\.conf)?$/, '.html');
}

export function includeText(backend: string, page: string | undefined, retryAfter = 60): string {
  if (page === undefined) return `# dpl maintenance: off (upstream ${backend}); \`dpl proxy.maintenance:on\` rewrites this file\n`;
  const slash = page.lastIndexOf('/');
  const name = backend.replace(/[^A-Za-z0-9_]/g, '_');
  return [
    `# dpl maintenance: on (upstream ${backend}); \`dpl proxy.maintenance:off\` rewrites this file`,
    // Server level runs before any location, so no request reaches the upstream.
    'return 503;',
    `error_page 503 @dpl_maintenance_${name};`,
    `location @dpl_maintenance_${name} {`,
    `  root ${page.slice(0, slash) || '/'};`,
    `  try_files /${page.slice(slash + 1)} =503;`,
    '  types { }',
    '  default_type "text/html; charset=utf-8";',
    `  add_header Retry-After ${retryAfter} always;`,
    '}',
    '',
  ].join('\n');
}

export function nginxMaintenance(driver: NginxDriver, template: string, backends: readonly string[]): MaintenanceSwitch {
  const lb = driver.lb.name;
  const stateOf = (text: string | undefined): MaintenanceState => {
    const m = text === undefined ? null : MARK.exec(text);
    return m ? (m[1] as 'on' | 'off') : text === undefined ? 'unset' : text.trim() === '' ? 'off' : 'unset';
  };
  return {
    async read() {
      const out = new Map<string, MaintenanceState>();
      for (const b of backends) out.set(b, stateOf(await driver.readOptional(includeOf(template, b))));
      return out;
    },
    async check() {
      const dump = await driver.dumpConfig();
      const missing = backends.filter((b) => !dump.stdout.includes(`# configuration file ${includeOf(template, b)}:`));
      if (dump.code !== 0 || missing.length) {
        const where = missing.map((b) => includeOf(template, b));
        throw new HostError(lb, `nginx does not include ${where.join(', ') || 'the maintenance files'}${dump.code !== 0 ? `: ${dump.stderr.trim().split('\n').pop()}` : ''}; nothing was changed`, {
          code: 'proxy.failed',
          hint: `create each file (empty) and add \`include ${where[0] ?? includeOf(template, backends[0]!)};\` at server level of the server that proxies to that upstream, then reload nginx`,
        });
      }
    },
    async set(page) {
      const next = new Map<string, string>();
      for (const b of backends) {
        const include = includeOf(template, b);
        const wanted = includeText(b, page && pageOf(include), page?.retryAfter);
        if (page && (await driver.readOptional(pageOf(include))) !== page.body) next.set(pageOf(include), page.body);
        if ((await driver.readOptional(include)) !== wanted) next.set(include, wanted);
      }
      if (next.size) await driver.replaceFiles(next);
    },
  };
}
