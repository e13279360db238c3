// Operator tasks, a namespace a deployfile mounts under a key, or whose tasks it
// puts at the top (`...opsTasks({...}).tasks`):
//   tasks: { ...opsTasks({ services: { airship: { log: '/var/log/airship.log', status: 'supervisorctl status airship' } } }).tasks }
// gives `monitor[:service]`, `logs[:files]`, `status[:service]` and `history`.
// Cheap to import: the implementations load when one of the tasks runs.
import { internal } from '../core/internal.js';
import type { OpsEvent } from './events.js';
import { namespace, task } from '../core/task.js';
import { pickServices, serviceNames, type OpsConfig } from './config.js';

export type { OpsConfig, ServiceConfig } from './config.js';
export type { OpsEvent };

export function opsTasks(config: OpsConfig = {}) {
  const names = serviceNames(config);
  const service = {
    type: 'string',
    desc: names.length ? `one of ${names.join(', ')} (default: all)` : 'a service from opsTasks({ services })',
    ...(names.length ? { choices: names } : {}),
  } as const;
  const lines = { type: 'number', default: config.lines ?? 10, desc: 'lines of history shown first' } as const;
  const forSeconds = { type: 'number', desc: 'stop after this many seconds (default: at Ctrl-C)' } as const;
  const parallel = { run: 'parallel', ...(config.poolSize ? { limit: config.poolSize } : {}) } as const;

  return namespace({
    monitor: task(
      { desc: "Follow services' logs and output on every host until Ctrl-C", ...parallel, args: { service, lines, for: forSeconds } },
      async (c, args) => {
        const { announce, followOnHost, serviceJobs } = await import('./follow.js');
        const services = pickServices(config, args.service, 'monitor');
        const o = { lines: args.lines, follow: true, forSeconds: args.for };
        const jobs = serviceJobs(services, o, 'monitor');
        announce(c, services.map((s) => s.name).join(', '), o);
        return followOnHost(c, jobs, o);
      },
    ),
    logs: task(
      {
        desc: 'Follow log files on every host (default: every service log) until Ctrl-C',
        ...parallel,
        args: {
          files: { type: 'list', desc: 'log files, ";"-separated (default: the services\' logs)' },
          lines,
          follow: { type: 'boolean', default: true, desc: 'keep following (false: print the last lines and stop)' },
          for: forSeconds,
        },
      },
      async (c, args) => {
        const { announce, followOnHost, serviceJobs, tailCommand } = await import('./follow.js');
        const o = { lines: args.lines, follow: args.follow, forSeconds: args.for };
        const jobs = args.files?.length
          ? [{ command: tailCommand(args.files, o), sudo: false }]
          : serviceJobs(pickServices(config, undefined, 'logs').filter((s) => s.logs.length).map((s) => ({ ...s, follow: undefined })), o, 'logs');
        announce(c, args.files?.length ? args.files.join(', ') : 'the service logs', o);
        return followOnHost(c, jobs, o);
      },
    ),
    status: task(
      {
        desc: "Show each host's service state and current release",
        run: 'targets',
        args: { service, strict: { type: 'boolean', default: false, desc: 'fail when a service is down or a host unreachable' } },
      },
      async (c, args) => {
        const { collectStatus, strictCheck } = await import('./status.js');
        const services = pickServices(config, args.service, 'status');
        const rows = await collectStatus(c, config, services);
        internal(c).emit('ops.status', { hosts: rows, services: services.some((s) => s.status) });
        if (args.strict) strictCheck(rows);
        return rows;
      },
    ),
    history: task(
      {
        desc: "Show past deploys from the hosts' history logs (who, when, ref, outcome)",
        run: 'targets',
        args: { limit: { type: 'number', default: 20, desc: 'how many deploys to show, newest first' } },
      },
      async (c, args) => {
        const { collectHistory } = await import('./history.js');
        const result = await collectHistory(c, config, c.taskName);
        const shown = result.deploys.slice(0, Math.max(1, args.limit));
        internal(c).emit('ops.history', { deploys: shown, more: result.deploys.length - shown.length, unreachable: result.unreachable });
        return result;
      },
    ),
  }, { desc: 'Operator tasks: follow logs, service status, deploy history' });
}
