// Parses what HAProxy 2.x says about servers: `show servers state BE` (admin
// state bits, addresses) and `show stat BE 4 -1` (CSV: status, check, scur,
// hrsp_5xx). Columns are looked up by header name, never by position.
import type { AdminState, Health, ServerState } from './driver.js';

// srv_admin_state bits (src/server.h): FMAINT 0x01, IMAINT 0x02, CMAINT 0x04,
// FDRAIN 0x08, IDRAIN 0x10, RMAINT 0x20, HMAINT 0x40.
const MAINT_BITS = 0x01 | 0x02 | 0x04 | 0x20 | 0x40;
const DRAIN_BITS = 0x08 | 0x10;

export interface ServersStateRow {
  backend: string;
  server: string;
  admin: AdminState;
  addr: string;
  port: number;
  checkAddr?: string;
  checkPort?: number;
}

export function adminFromBits(bits: number): AdminState {
  if (bits & MAINT_BITS) return 'maint';
  if (bits & DRAIN_BITS) return 'drain';
  return 'ready';
}

/** `show servers state`: a version line, a `# be_id be_name ...` header, one row per server. */
export function parseServersState(text: string): ServersStateRow[] {
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  const header = lines.find((l) => l.startsWith('# '));
  if (!header) throw new Error(`unexpected answer to "show servers state": ${text.slice(0, 200)}`);
  const cols = header.slice(2).trim().split(/\s+/);
  const at = (name: string): number => {
    const i = cols.indexOf(name);
    if (i < 0) throw new Error(`"show servers state" has no column ${name}`);
    return i;
  };
  const [be, srv, adm, addr, port] = ['be_name', 'srv_name', 'srv_admin_state', 'srv_addr', 'srv_port'].map(at) as number[];
  const cAddr = cols.indexOf('srv_check_addr');
  const cPort = cols.indexOf('srv_check_port');
  return lines
    .filter((l) => !l.startsWith('#') && /\s/.test(l.trim()))
    .map((l) => {
      const f = l.trim().split(/\s+/);
      const checkAddr = cAddr >= 0 && f[cAddr] && f[cAddr] !== '-' ? f[cAddr] : undefined;
      const checkPort = cPort >= 0 ? Number(f[cPort]) || undefined : undefined;
      return {
        backend: f[be!]!,
        server: f[srv!]!,
        admin: adminFromBits(Number(f[adm!])),
        addr: f[addr!]!,
        port: Number(f[port!]),
        checkAddr,
        checkPort,
      };
    });
}

export type StatRow = Record<string, string>;

/** `show stat` CSV: "# pxname,svname,..." then rows; BACKEND/FRONTEND rows dropped. */
export function parseStatCsv(text: string): StatRow[] {
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  const header = lines.find((l) => l.startsWith('# '));
  if (!header) throw new Error(`unexpected answer to "show stat": ${text.slice(0, 200)}`);
  const cols = header.slice(2).split(',');
  return lines
    .filter((l) => !l.startsWith('#'))
    .map((l) => {
      const f = l.split(',');
      const row: StatRow = {};
      cols.forEach((c, i) => c && (row[c] = f[i] ?? ''));
      return row;
    })
    .filter((r) => r.svname !== 'BACKEND' && r.svname !== 'FRONTEND');
}

/** "UP", "DRAIN", "NOLB" are up; with " 1/3" a check just failed; "DOWN 1/2" is recovering but still down. */
export function healthFromStatus(status: string): Health {
  const s = status.trim();
  if (s === '' || s.startsWith('MAINT') || s.toLowerCase() === 'no check') return 'unchecked';
  const [word, fraction] = s.split(/\s+/);
  if (word === 'DOWN') return 'down';
  if (word === 'UP' || word === 'DRAIN' || word === 'NOLB') return fraction ? 'failing' : 'up';
  return 'down';
}

/** Join both answers into the driver's view of each server. */
export function mergeState(rows: ServersStateRow[], stats: StatRow[]): ServerState[] {
  return rows.map((r) => {
    const st = stats.find((s) => s.pxname === r.backend && s.svname === r.server);
    const status = st?.status ?? '';
    const num = (k: string): number | undefined => (st?.[k] ? Number(st[k]) : undefined);
    // While a check runs HAProxy shows the last result as "* L4CON" and may swap the
    // last check's words ("Connection refused") for the code's ("Layer4 connection problem").
    const cs = (st?.check_status ?? '').replace(/^\* /, '');
    const why = st?.last_chk || st?.check_desc;
    const desc = why && !cs.endsWith('OK') ? `: ${why}` : '';
    const checkText = [cs, st?.check_code].filter((x) => x).join(' ') + desc;
    return {
      backend: r.backend,
      server: r.server,
      admin: r.admin,
      health: healthFromStatus(status),
      status,
      check: checkText,
      ...(cs ? { checkStatus: cs } : {}),
      sessions: num('scur') ?? 0,
      errors5xx: num('hrsp_5xx'),
      checkAddress: { host: r.checkAddr ?? r.addr, port: r.checkPort ?? r.port },
    };
  });
}
