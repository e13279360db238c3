// `dpl ... -- command`: the ad-hoc task. In CI (stdin or stdout not a terminal), with
// -P or --json it runs as any c.run does: no stdin (EOF at once: nothing waits on a
// pipe that never closes), no pty, output prefixed per host. For piped input to
// one host there is `dpl ssh HOST -- command`.
// From a terminal, one host at a time, it runs as Fabric 1's run() did at a
// terminal: on a pty, with your keystrokes as its input and its output passed
// through as is; the next host gets the terminal when this one's command ends.
import { CommandError } from '../core/errors.js';
import { composeCommand, scopeOf } from '../core/context-scope.js';
import type { HostContext } from '../core/context.js';
import { internal } from '../core/internal.js';
import type { RegisteredTask } from '../core/registry.js';
import { task } from '../core/task.js';
import { runAttached, type Stdio } from './terminal.js';
import type {} from './events.js'; // the EventMap entries this file emits
import type {} from '../core/notices.js'; // the EventMap entries this file emits

/** `terminal`: the process's stdio when the command gets it (see execute.ts for when). */
export function adhocTask(command: string, terminal?: Stdio): RegisteredTask {
  return {
    name: 'command',
    builtin: true,
    def: task({ desc: `ad-hoc: ${command}` }, async (c) => {
      if (terminal) await atTerminal(internal(c), command, terminal);
      else await c.run(command);
    }),
  };
}

async function atTerminal(c: HostContext, command: string, stdio: Stdio): Promise<void> {
  const transport = await c.transport();
  if (!transport.interactive) {
    await c.run(command);
    return;
  }
  const { host, runImpl: run } = c;
  // Composed as c.run composes it (no cd/env scope here): the host's shell wraps it.
  const full = composeCommand(scopeOf([], false), command, host.shell ?? run.defaults.shell);
  c.emit('command.start', { host: host.name, command, kind: 'run', full });
  // A live progress line steps aside while the command owns the terminal (as for a prompt).
  const id = `terminal:${host.name}`;
  c.emit('prompt.open', { id, kind: 'terminal', host: host.name });
  let r;
  try {
    r = await runAttached(transport, host, full, stdio, {
      pty: true,
      timeoutMs: (run.flags.commandTimeoutMs as number | undefined) ?? run.defaults.commandTimeoutMs,
    });
  } finally {
    c.emit('prompt.close', { id, kind: 'terminal', host: host.name, answered: r !== undefined });
  }
  c.emit('command.end', { host: host.name, command, code: r.code, signal: r.signal, durationMs: r.durationMs });
  if (r.code === 0 && !r.signal) return;
  // The output went to the terminal, not into the error: nothing of the session is kept.
  const error = new CommandError(host.name, command, r.code, r.signal, '', '');
  if (!run.flags.warnOnly) throw error;
  c.emit('command.ignored', { host: host.name, command, code: r.code, signal: r.signal, error: error.message });
}
