// The progress display in process, fed events by hand: when the status line
// shows, what it says (plain tasks, orchestrated deploys), that it never wraps,
// steps aside for prompts and is gone at the end.
import { describe, expect, it } from 'vitest';
import { EventBus } from '../../src/core/events.js';
import { LiveLine, ProgressReporter } from '../../src/reporters/progress.js';

function setup(columns = 120) {
  const events = new EventBus();
  let screen = '';
  const live = new LiveLine((t) => (screen += t), () => columns);
  const progress = new ProgressReporter({ mode: 'live', write: live.print, live, color: false, intervalMs: 60_000 });
  events.on(progress.handle);
  /** The status line as a terminal would show it now. */
  const status = () => screen.split('\r\x1b[2K').at(-1)!;
  return { events, live, progress, status, screen: () => screen };
}

describe('progress status line', () => {
  it('shows hosts done / total and running for a task on several hosts, and nothing for one host', () => {
    const { events, progress, status } = setup();
    events.emit('task.start', { task: 'one', hosts: ['a'], mode: 'serial' });
    events.emit('host.start', { task: 'one', host: 'a' });
    expect(status()).toBe('');
    events.emit('host.end', { task: 'one', host: 'a', ok: true, durationMs: 1 });
    events.emit('task.end', { task: 'one', ok: true, failed: [], durationMs: 1 });
    events.emit('task.start', { task: 'restart', hosts: ['a', 'b', 'c'], mode: 'parallel' });
    for (const host of ['a', 'b', 'c']) events.emit('host.start', { task: 'restart', host });
    events.emit('host.end', { task: 'restart', host: 'b', ok: false, error: 'x', durationMs: 1 });
    expect(status()).toMatch(/^\S restart · 1\/3 hosts done · 2 running · 1 failed · 0s$/);
    progress.stop();
  });

  it('for an orchestrated deploy: target count, busy hosts and the current phase', () => {
    const { events, progress, status } = setup();
    events.emit('task.start', { task: 'deploy', hosts: ['a', 'b', 'c', 'd'], mode: 'local', orchestrated: true });
    events.emit('host.start', { task: 'deploy', host: 'local' });
    events.emit('log', { level: 'info', topic: 'deploy', message: 'x', data: { phase: 'prepare' } });
    events.emit('command.start', { host: 'a', command: 'x', kind: 'run' });
    events.emit('command.start', { host: 'b', command: 'x', kind: 'run' });
    expect(status()).toMatch(/^\S deploy \(prepare\) · 4 hosts · 2 busy · 0s$/);
    (events as unknown as { emit(t: string, p: object): void }).emit('deploy.phase', { action: 'deploy', phase: 'switch', state: 'start', hosts: [] });
    events.emit('command.end', { host: 'a', command: 'x', code: 0, signal: null, durationMs: 1 });
    expect(status()).toMatch(/^\S deploy \(switch\) · 4 hosts · 1 busy · 0s$/);
    progress.stop();
  });

  it('prints output lines above the status line and never lets it wrap', () => {
    const { events, live, progress, status, screen } = setup(30);
    events.emit('task.start', { task: 'a-task-with-a-long-name', hosts: ['a', 'b'], mode: 'parallel' });
    expect([...status()].length).toBe(29);
    expect(status().endsWith('…')).toBe(true);
    live.print('[a] out: hello\n');
    expect(screen()).toMatch(/\r\x1b\[2K\[a\] out: hello\n\S a-task/);
    progress.stop();
  });

  it('steps aside while a prompt is open, and clears itself at the end of the run', () => {
    const { events, status } = setup();
    events.emit('task.start', { task: 't', hosts: ['a', 'b'], mode: 'parallel' });
    expect(status()).not.toBe('');
    events.emit('prompt.open', { id: 'q1', kind: 'secret', key: 'sudo.password' });
    expect(status()).toBe('');
    events.emit('host.start', { task: 't', host: 'a' });
    expect(status()).toBe('');
    events.emit('prompt.close', { id: 'q1', kind: 'secret', answered: true });
    expect(status()).toMatch(/t · 0\/2 hosts done · 1 running/);
    events.emit('run.end', { ok: true, durationMs: 1, tasks: 1, hostsOk: [], hostsFailed: [] });
    expect(status()).toBe('');
  });
});
