// The maintenance page's data: its states, the page itself (read locally, before
// any LB changes) and what each driver's switch does.
import { readFile } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import { UsageError } from '../core/errors.js';
import type { ProxyConfig } from './config.js';

/** `unset`: the LB has no maintenance rule/include for it (see docs/proxy.md, "Maintenance page"). */
export type MaintenanceState = 'on' | 'off' | 'unset';

export interface MaintenanceRow {
  lb: string;
  backend: string;
  state: MaintenanceState;
}

export interface MaintenancePage {
  body: string;
  retryAfter: number;
}

/** What each driver does for maintenance; both keep their own on-disk copy so a reload keeps the state. */
export interface MaintenanceSwitch {
  read(): Promise<Map<string, MaintenanceState>>;
  /** Throw, saying what to add to the LB's config, when the LB cannot serve the page. */
  check(): Promise<void>;
  /** Make `backends` serve the page (page given) or traffic again (undefined). Idempotent. */
  set(page: MaintenancePage | undefined): Promise<void>;
}

export const DEFAULT_PAGE = `<!doctype html>
<html><head><meta charset="utf-8"><title>Down for maintenance</title></head>
<body><h1>Down for maintenance</h1><p>We are working on it and will be back shortly.</p></body></html>
`;

export async function loadPage(root: string, config: ProxyConfig): Promise<MaintenancePage> {
  const m = config.maintenance ?? {};
  const retryAfter = m.retryAfter ?? 60;
  if (!m.page) return { body: DEFAULT_PAGE, retryAfter };
  const file = isAbsolute(m.page) ? m.page : resolve(root, m.page);
  let body: string;
  try {
    body = await readFile(file, 'utf8');
  } catch (e) {
    const why = (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message;
    throw new UsageError(`proxy.maintenance: cannot read the page ${file}: ${why}; no load balancer was changed`, {
      code: 'config.invalid',
      hint: '`maintenance.page` in the proxy config is read from the machine running dpl (relative to the deployfile)',
    });
  }
  return { body, retryAfter };
}
