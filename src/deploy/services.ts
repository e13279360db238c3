// Restarting and reloading services through a configurable command: a known
// manager (systemctl, supervisorctl, service, init.d) or templates where
// `{service}` is replaced by the quoted service name. Also the standalone
// `restart[:service]` / `reload[:service]` tasks (`dpl prod restart:airship`).
import type { Context } from '../core/context-types.js';
import { UsageError } from '../core/errors.js';
import { quote } from '../core/quote.js';
import { namespace, task } from '../core/task.js';
import type { ServiceManager, ServicesConfig } from './config.js';

export type ServiceAction = 'restart' | 'reload';

const TEMPLATES: Record<ServiceManager, Record<ServiceAction, string>> = {
  systemctl: { restart: 'systemctl restart {service}', reload: 'systemctl reload {service}' },
  supervisorctl: { restart: 'supervisorctl restart {service}', reload: 'supervisorctl signal HUP {service}' },
  service: { restart: 'service {service} restart', reload: 'service {service} reload' },
  initd: { restart: '/etc/init.d/{service} restart', reload: '/etc/init.d/{service} reload' },
};

const SERVICE_NAME = /^[A-Za-z0-9@._:+-]+$/;

export function serviceCommand(services: ServicesConfig, action: ServiceAction, name: string): string {
  if (!SERVICE_NAME.test(name)) throw new UsageError(`invalid service name ${JSON.stringify(name)}`, { code: 'config.invalid' });
  const manager = services.manager ?? 'systemctl';
  let template: string | undefined;
  if (typeof manager === 'string') {
    template = TEMPLATES[manager]?.[action];
    if (!template) throw new UsageError(`unknown service manager ${JSON.stringify(manager)}`, { code: 'config.invalid', hint: 'use systemctl, supervisorctl, service, initd or { restart, reload } templates' });
  } else {
    template = manager[action];
    if (!template) throw new UsageError(`services.manager has no ${action} template`, { code: 'config.invalid', hint: `add ${action}: '... {service}'` });
  }
  if (!template.includes('{service}')) throw new UsageError(`the ${action} template must contain {service}: ${JSON.stringify(template)}`, { code: 'config.invalid' });
  return template.split('{service}').join(quote(name));
}

/** Run one service action on the host of `c`. */
export async function serviceAction(c: Context, services: ServicesConfig, action: ServiceAction, name: string): Promise<void> {
  const command = serviceCommand(services, action, name);
  if (services.sudo) await c.sudo(command);
  else await c.run(command);
}

/** After a switch or rollback: reload then restart the configured services, in order. */
export async function cycleServices(c: Context, services: ServicesConfig | undefined): Promise<void> {
  if (!services) return;
  for (const name of services.reload ?? []) await serviceAction(c, services, 'reload', name);
  for (const name of services.restart ?? []) await serviceAction(c, services, 'restart', name);
}

function knownServices(services: ServicesConfig): string[] {
  return [...new Set([...(services.restart ?? []), ...(services.reload ?? []), ...(services.names ?? [])])];
}

function servicesOf(config: ServicesConfig | { services?: ServicesConfig } | undefined): ServicesConfig {
  if (!config) return {};
  return 'services' in config ? (config.services ?? {}) : (config as ServicesConfig);
}

function actionTask(action: ServiceAction, config: ServicesConfig | { services?: ServicesConfig } | undefined) {
  const services = servicesOf(config);
  const defaults = action === 'restart' ? services.restart : services.reload;
  return task(
    {
      desc: `${action[0]!.toUpperCase()}${action.slice(1)} a service (${action}:<name>), or the configured ones${defaults?.length ? ` (${defaults.join(', ')})` : ''}`,
      args: { service: { desc: 'service name; default: the configured list' } },
    },
    async (c, { service }) => {
      const known = knownServices(services);
      if (service !== undefined && known.length && !known.includes(service)) {
        throw new UsageError(`unknown service ${JSON.stringify(service)}; known: ${known.join(', ')}`, {
          code: 'config.invalid',
          hint: 'add it to services.names in the deployfile to allow it',
        });
      }
      const names = service !== undefined ? [service] : (defaults ?? []);
      if (!names.length) {
        throw new UsageError(`${action}: no service given and none configured`, { code: 'config.invalid', hint: `use ${action}:<service>, or set services.${action} in the deployfile` });
      }
      for (const name of names) await serviceAction(c, services, action, name);
    },
  );
}

/** `restart[:service]`. Takes a ServicesConfig or a ReleaseConfig (its `services`). */
export function restartTask(config?: ServicesConfig | { services?: ServicesConfig }) {
  return actionTask('restart', config);
}

export function reloadTask(config?: ServicesConfig | { services?: ServicesConfig }) {
  return actionTask('reload', config);
}

/** `{ restart, reload }`, to spread into a deployfile's tasks. */
export function serviceTasks(config?: ServicesConfig | { services?: ServicesConfig }) {
  return namespace({ restart: restartTask(config), reload: reloadTask(config) }, { desc: 'Restart or reload services (restart:<service>)' });
}
