// nginx behind the LoadBalancerDriver interface: dpl rewrites the include file of
// each upstream (`down` = out of rotation), runs `nginx -t`, and reloads. A failed
// test or reload puts the previous files back. Old workers finish their requests
// after a reload; `pending` waits for them to exit.
import { HostError } from '../core/errors.js';
import type { Host } from '../core/host.js';
import type { RunImpl as Run } from '../core/run.js';
import { sh, raw } from '../core/quote.js';
import type { ExecResult } from '../transport/types.js';
import type { NginxConfig } from './config.js';
import type { LbState, LoadBalancerDriver, Pending, ServerChange, ServerRef } from './driver.js';
import { applyToUpstreamFile, parseUpstreamFile, toServerStates } from './nginx-file.js';

export class NginxDriver implements LoadBalancerDriver {
  readonly kind = 'nginx' as const;
  readonly checksWhileOut = false;
  readonly endpoint: string;
  /** Workers of the configuration before our last reload. */
  private oldWorkers: number[] = [];

  constructor(
    readonly lb: Host,
    private readonly run: Pick<Run, 'transport'>,
    private readonly backends: readonly string[],
    private readonly config: NginxConfig,
  ) {
    this.endpoint = `include file ${config.include}`;
  }

  fileOf(backend: string): string {
    return this.config.include.split('{backend}').join(backend);
  }

  async readState(): Promise<LbState> {
    const servers = [];
    for (const backend of this.backends) {
      const text = await this.readFile(backend);
      const parsed = parseUpstreamFile(text);
      if (parsed.length === 0) {
        throw new HostError(this.lb.name, `the nginx include file ${this.fileOf(backend)} (upstream ${backend}) has no server lines`, {
          code: 'proxy.failed',
          hint: 'write one `server ADDRESS;  # dpl:NAME ready` line per server and include the file inside `upstream ' + backend + ' { ... }`',
        });
      }
      servers.push(...toServerStates(backend, parsed));
    }
    return { servers };
  }

  async setStates(changes: readonly ServerChange[]): Promise<void> {
    if (changes.length === 0) return;
    const touched = this.backends.filter((b) => changes.some((c) => c.backend === b));
    const next = new Map<string, string>();
    for (const b of touched) {
      try {
        next.set(b, applyToUpstreamFile(await this.readFile(b), b, changes));
      } catch (e) {
        throw new HostError(this.lb.name, (e as Error).message, { code: 'proxy.failed', hint: 'check the group members against the include file' });
      }
    }
    await this.replaceFiles(new Map([...next].map(([b, text]) => [this.fileOf(b), text])));
  }

  /**
   * Write the files, `nginx -t`, reload; a failed test or reload puts every previous
   * file back (a file that did not exist is removed again).
   */
  async replaceFiles(next: ReadonlyMap<string, string>): Promise<void> {
    const written: string[] = [];
    const restore = async (): Promise<void> => {
      for (const file of written) await this.exec(sh`if [ -e ${file + '.dpl-prev'} ]; then mv -f -- ${file + '.dpl-prev'} ${file}; else rm -f -- ${file}; fi`);
    };
    for (const [file, text] of next) {
      const tmp = file + '.dpl-tmp';
      const prev = file + '.dpl-prev';
      const r = await this.exec(sh`cat > ${tmp} && { if [ -e ${file} ]; then cp -p -- ${file} ${prev}; else rm -f -- ${prev}; fi; } && mv -f -- ${tmp} ${file}`, text);
      if (r.code !== 0) {
        await restore();
        throw this.failure(`cannot write ${file}`, r, 'does the user dpl logs in as own that file? Set `nginx.sudo: true` otherwise');
      }
      written.push(file);
    }
    const test = await this.exec(sh`${this.nginx()} -t`);
    if (test.code !== 0) {
      await restore();
      throw this.failure('nginx -t rejected the new configuration; the previous include files are restored', test,
        'fix the nginx configuration (see the error above), then run the task again');
    }
    this.oldWorkers = await this.workers();
    const reload = await this.exec(sh`${this.nginx()} -s reload`);
    if (reload.code !== 0) {
      this.oldWorkers = [];
      await restore();
      throw this.failure('nginx -s reload failed; the previous include files are restored', reload,
        'is nginx running with this configuration (`nginx.args`, pid file)?');
    }
    for (const file of written) await this.exec(sh`rm -f -- ${file + '.dpl-prev'}`);
  }

  /** A file on the LB host, or undefined when it cannot be read. */
  async readOptional(file: string): Promise<string | undefined> {
    const r = await this.exec(sh`cat -- ${file}`);
    return r.code === 0 ? r.stdout : undefined;
  }

  /** `nginx -T`: the whole configuration as nginx loads it (to see what is included). */
  async dumpConfig(): Promise<ExecResult> {
    return this.exec(sh`${this.nginx()} -T`);
  }

  /** nginx cannot count sessions per server; what holds old traffic is the previous generation of workers. */
  async pending(_servers: readonly ServerRef[]): Promise<Pending[]> {
    if (this.oldWorkers.length === 0) return [];
    const r = await this.exec(sh`ps -o pid= -p ${this.oldWorkers.join(',')} || true`);
    const alive = r.stdout.split('\n').map((l) => Number(l.trim())).filter((n) => n > 0);
    this.oldWorkers = alive;
    return alive.map((pid) => ({ what: `nginx worker ${pid} (previous configuration)` }));
  }

  private async workers(): Promise<number[]> {
    const pidFile = this.config.pidFile ?? '/run/nginx.pid';
    const r = await this.exec(sh`ps -o pid= --ppid "$(cat -- ${pidFile})" || true`);
    return r.stdout.split('\n').map((l) => Number(l.trim())).filter((n) => n > 0);
  }

  private async readFile(backend: string): Promise<string> {
    const file = this.fileOf(backend);
    const r = await this.exec(sh`cat -- ${file}`);
    if (r.code !== 0) {
      throw this.failure(`cannot read the nginx include file ${file} (upstream ${backend})`, r,
        `create it with one \`server ADDRESS;  # dpl:NAME ready\` line per server, included inside \`upstream ${backend} { }\``);
    }
    return r.stdout;
  }

  private nginx(): ReturnType<typeof raw> {
    return raw(sh`${this.config.bin ?? 'nginx'} ${this.config.args ?? []}`);
  }

  private async exec(command: string, stdin?: string): Promise<ExecResult> {
    const full = this.config.sudo ? sh`sudo -n /bin/sh -c ${command}` : command;
    return (await this.run.transport(this.lb)).exec(full, stdin === undefined ? {} : { stdin });
  }

  private failure(what: string, r: ExecResult, hint: string): HostError {
    const out = (r.stderr.trim() || r.stdout.trim()).split('\n').slice(-10).join('\n');
    return new HostError(this.lb.name, `${what}${out ? `:\n${out.replace(/^/gm, '    ')}` : ''}`, { code: 'proxy.failed', hint });
  }
}
