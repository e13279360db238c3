// HAProxy maintenance through one map file: haproxy.cfg holds a fixed rule per
// backend that answers 503 with the page when the map has the backend's name. The
// value is `<retry-after>:<base64 page>`; dpl changes it over the runtime API (no
// reload) and writes the same lines into the file, so a reload keeps the state.
import { HostError, UsageError } from '../core/errors.js';
import { sh } from '../core/quote.js';
import type { HaproxyDriver } from './haproxy-driver.js';
import type { MaintenancePage, MaintenanceState, MaintenanceSwitch } from './maintenance-page.js';

export const DEFAULT_MAP = '/etc/haproxy/dpl-maintenance.map';
/** The runtime API reads one line into one buffer (16 KB by default): the base64 page must fit. */
export const MAX_HAPROXY_PAGE = 8192;

export function haproxyRule(map: string): string {
  const v = `be_name,map(${map})`;
  return `http-request return status 503 content-type "text/html; charset=utf-8" hdr Retry-After "%[${v},field(1,:)]" ` +
    `lf-string "%[${v},field(2,:),b64dec]" if { ${v} -m found }`;
}

/**
 * HAProxy escapes control characters of a log-format body (a line break comes out as
 * "%0A"), so line breaks are sent as spaces: the same page to a browser outside <pre>.
 */
export function mapValue(page: MaintenancePage): string {
  return `${page.retryAfter}:${Buffer.from(page.body.replace(/\r?\n/g, ' ')).toString('base64')}`;
}

export function checkHaproxyPage(lb: string, page: MaintenancePage): void {
  const size = Buffer.byteLength(page.body);
  if (size > MAX_HAPROXY_PAGE) {
    throw new UsageError(`proxy.maintenance: the page is ${size} bytes; HAProxy takes at most ${MAX_HAPROXY_PAGE} (${lb}); no load balancer was changed`, {
      code: 'config.invalid',
      hint: 'move images and styles to another server and keep the page itself small',
    });
  }
}

export function haproxyMaintenance(driver: HaproxyDriver, map: string, backends: readonly string[]): MaintenanceSwitch {
  const lb = driver.lb.name;
  const notSetUp = (answer: string) =>
    new HostError(lb, `HAProxy has no map ${map} loaded: ${answer.split('\n')[0]}`, {
      code: 'proxy.failed',
      hint: `create the file (empty) and add to each backend of haproxy.cfg (${backends.join(', ')}), then reload haproxy:\n    ${haproxyRule(map)}`,
    });
  const readMap = async (): Promise<Map<string, string> | string> => {
    const [answer] = await driver.commands([`show map ${map}`]);
    if (/^(Unknown map identifier|Unknown command)/i.test(answer!.trim())) return answer!;
    // "0x55d0c3a0 app 60:PGgxPi4uLg=="
    const keys = new Map<string, string>();
    for (const line of answer!.split('\n')) {
      const m = /^\S+ (\S+) (.*)$/.exec(line);
      if (m) keys.set(m[1]!, m[2]!);
    }
    return keys;
  };
  const exec = async (command: string, stdin?: string) =>
    (await driver.run.transport(driver.lb)).exec(command, stdin === undefined ? {} : { stdin });

  return {
    async read() {
      const keys = await readMap();
      return new Map(backends.map((b): [string, MaintenanceState] => [b, typeof keys === 'string' ? 'unset' : keys.has(b) ? 'on' : 'off']));
    },
    async check() {
      const keys = await readMap();
      if (typeof keys === 'string') throw notSetUp(keys);
    },
    async set(page) {
      const keys = await readMap();
      if (typeof keys === 'string') throw notSetUp(keys);
      const value = page && mapValue(page);
      // The file first: when it cannot be written nothing has changed yet.
      const current = await exec(sh`cat -- ${map}`);
      const kept = (current.code === 0 ? current.stdout : '').split('\n').filter((l) => l.trim() && !backends.includes(l.trim().split(/\s+/)[0]!));
      const lines = [...kept, ...(value ? backends.map((b) => `${b} ${value}`) : [])];
      const tmp = `${map}.dpl-tmp`;
      const w = await exec(sh`cat > ${tmp} && mv -f -- ${tmp} ${map}`, lines.map((l) => l + '\n').join(''));
      if (w.code !== 0) {
        throw new HostError(lb, `cannot write the map file ${map}: ${w.stderr.trim() || `exit ${w.code}`}; maintenance is unchanged`, {
          code: 'proxy.failed',
          hint: 'the user dpl logs in as must be able to write that file (it keeps the state across a haproxy reload)',
        });
      }
      const cmds = backends.flatMap((b) => {
        if (value) return [keys.has(b) ? `set map ${map} ${b} ${value}` : `add map ${map} ${b} ${value}`];
        return keys.has(b) ? [`del map ${map} ${b}`] : [];
      });
      if (cmds.length === 0) return;
      const answers = await driver.commands(cmds);
      const failed = answers.map((a, i) => ({ cmd: cmds[i]!, a: a.trim() })).filter((x) => x.a !== '' && !/^Done/i.test(x.a));
      if (failed.length) {
        throw new HostError(lb, `HAProxy refused ${failed.map((f) => `"${f.cmd.split(' ').slice(0, 4).join(' ')}": ${f.a}`).join('; ')}`, {
          code: 'proxy.failed',
          hint: 'the socket must be at level admin; `proxy.status` shows the maintenance state',
        });
      }
    },
  };
}
