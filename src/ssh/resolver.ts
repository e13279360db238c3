// Where each host's connection goes: ~/.ssh/config read once per run, settings per
// alias computed once, routes through jump hosts (ProxyJump or the pool's -g).
import { homedir } from 'node:os';
import { join } from 'node:path';
import type { Host } from '../core/host.js';
import { loadSshConfig, resolveSettings, type HostSettings, type SettingsDefaults } from './config.js';
import { buildRoute, directKey, parseJump, type Route } from './route.js';

type Given = { user?: string; port?: number };
type Config = Awaited<ReturnType<typeof loadSshConfig>>;

const settingsKey = (alias: string, given: Given): string => `${alias}\0${given.user ?? ''}\0${given.port ?? ''}`;
const givenOf = (h: Host): Given => ({ user: h.user, port: h.port });

export class HostResolver {
  private config: Promise<Config> | undefined;
  private readonly resolved = new Map<string, Promise<HostSettings>>();

  constructor(private readonly o: SettingsDefaults & { configFile?: string; jump?: string }) {}

  /** Settings per alias (+ explicit user/port), computed once per run. */
  settings(alias: string, given: Given): Promise<HostSettings> {
    const key = settingsKey(alias, given);
    let p = this.resolved.get(key);
    if (!p) {
      p = this.load().then((c) => this.resolve(c, alias, given));
      this.resolved.set(key, p);
    }
    return p;
  }

  async route(host: Host): Promise<Route> {
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
   * Resolve `hosts` in one reaction on the config, registered before any get()
   * asks, calling `direct` for each host that needs no jump: its SYN can leave
   * before the host workers resolve anything. settings() then reuses the results.
   */
  prefetch(hosts: Host[], direct: (settings: HostSettings) => void): Promise<unknown> {
    const isDirect = (s: HostSettings): boolean => !this.o.jump && !s.proxyJump?.length && !s.proxyCommand;
    // Hosts resolved earlier in the run (an earlier task) are not computed again.
    const known = hosts.filter((h) => this.resolved.has(settingsKey(h.hostname, givenOf(h))));
    const before = known.map((h) => this.resolved.get(settingsKey(h.hostname, givenOf(h)))!.then((s) => isDirect(s) && direct(s)));
    hosts = hosts.filter((h) => !known.includes(h));
    const batch = this.load().then((config) => {
      const out = new Map<Host, HostSettings | Error>();
      for (const host of hosts) {
        try {
          const s = this.resolve(config, host.hostname, givenOf(host));
          out.set(host, s);
          if (isDirect(s)) direct(s);
        } catch (err) {
          out.set(host, err as Error);
        }
      }
      return out;
    });
    for (const host of hosts) {
      const key = settingsKey(host.hostname, givenOf(host));
      const p = batch.then((out) => {
        const s = out.get(host)!;
        if (s instanceof Error) throw s;
        return s;
      });
      p.catch(() => undefined); // reported by get(), if the host is ever used
      this.resolved.set(key, p);
    }
    return Promise.allSettled([batch, ...before]);
  }

  private load(): Promise<Config> {
    this.config ??= loadSshConfig(this.o.configFile ?? join(homedir(), '.ssh', 'config'));
    return this.config;
  }

  private resolve(config: Config, alias: string, given: Given): HostSettings {
    return resolveSettings(config, alias, given, { user: this.o.user, port: this.o.port, identityFiles: this.o.identityFiles });
  }
}
