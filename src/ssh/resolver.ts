// Where each host's connection goes: the ssh config read once per run, settings
// per destination computed once, routes through jump hosts (ProxyJump or -g).
import type { Host } from '../core/host.js';
import { loadSshConfig, resolveSettings, type CommandLine, type HostSettings } from './config.js';
import type { Directive } from './config/load.js';
import { buildRoute, directKey, parseJump, type Route } from './route.js';

type Given = { user?: string; port?: number };

const settingsKey = (alias: string, given: Given): string => `${alias}\0${given.user ?? ''}\0${given.port ?? ''}`;
const givenOf = (h: Host): Given => ({ user: h.user, port: h.port });

export class HostResolver {
  private files: Promise<Directive[][]> | undefined;
  private readonly resolved = new Map<string, Promise<HostSettings>>();
  /** Routes per host, built once: every task of a deploy asks again for each of its hosts. */
  private readonly routes = new Map<string, Promise<Route>>();

  /** `configFile` is -F (undefined: ~/.ssh/config then /etc/ssh/ssh_config); the rest is the command line. */
  constructor(private readonly o: CommandLine & { configFile?: string; jump?: string }) {}

  /** Settings per destination (alias + the host string's user/port), computed once per run. */
  settings(alias: string, given: Given): Promise<HostSettings> {
    const key = settingsKey(alias, given);
    let p = this.resolved.get(key);
    if (!p) {
      this.files ??= loadSshConfig(this.o.configFile);
      const { user, port, identityFiles, knownHostsFile, defaultUser, defaultPort } = this.o;
      const cli: CommandLine = { user, port, identityFiles, knownHostsFile, defaultUser, defaultPort };
      p = this.files.then((files) => resolveSettings(files, { alias, ...given }, cli));
      this.resolved.set(key, p);
    }
    return p;
  }

  route(host: Host): Promise<Route> {
    const key = `${host.name}\0${settingsKey(host.hostname, givenOf(host))}`;
    let p = this.routes.get(key);
    if (!p) {
      p = this.buildRoute(host);
      this.routes.set(key, p);
    }
    return p;
  }

  private async buildRoute(host: Host): Promise<Route> {
    const resolve = this.settings.bind(this);
    const given = givenOf(host);
    const jump = this.o.jump;
    if (jump) {
      // -g applies to every host but the gateway itself.
      const j = parseJump(jump);
      const [target, gateway] = await Promise.all([resolve(host.hostname, given), resolve(j.hostname, { user: j.user, port: j.port })]);
      if (directKey(target) !== directKey(gateway)) return buildRoute(resolve, host.name, host.hostname, given, [jump]);
    }
    return buildRoute(resolve, host.name, host.hostname, given, undefined);
  }

  /**
   * Resolve `hosts` now, calling `direct` for each host that needs no jump as soon
   * as its settings are known, so its SYN can leave before the host workers ask.
   * Errors are kept for settings() to report, if the host is ever used.
   */
  prefetch(hosts: Host[], direct: (settings: HostSettings) => void): Promise<unknown> {
    const isDirect = (s: HostSettings): boolean => !this.o.jump && !s.proxyJump?.length && !s.proxyCommand;
    return Promise.allSettled(hosts.map((h) => this.settings(h.hostname, givenOf(h)).then((s) => isDirect(s) && direct(s))));
  }
}
