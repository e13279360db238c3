// Which maintenance switch an LB driver gets; the drivers' own files stay about rotation.
import type { ProxyConfig } from './config.js';
import type { LoadBalancerDriver } from './driver.js';
import type { HaproxyDriver } from './haproxy-driver.js';
import type { NginxDriver } from './nginx-driver.js';
import { checkHaproxyPage, DEFAULT_MAP, haproxyMaintenance } from './maintenance-haproxy.js';
import { DEFAULT_INCLUDE, nginxMaintenance } from './maintenance-nginx.js';
import type { MaintenancePage, MaintenanceSwitch } from './maintenance-page.js';

export function maintenanceSwitch(driver: LoadBalancerDriver, config: ProxyConfig, backends: readonly string[]): MaintenanceSwitch {
  const m = config.maintenance ?? {};
  if (driver.kind === 'nginx') return nginxMaintenance(driver as NginxDriver, m.nginxInclude ?? DEFAULT_INCLUDE, backends);
  return haproxyMaintenance(driver as HaproxyDriver, m.haproxyMap ?? DEFAULT_MAP, backends);
}

/** Refuse a page the LB cannot serve before any LB changes. */
export function checkPage(driver: LoadBalancerDriver, page: MaintenancePage): void {
  if (driver.kind === 'haproxy') checkHaproxyPage(driver.lb.name, page);
}
