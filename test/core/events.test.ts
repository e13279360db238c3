// EventBus: every listener subscribed when an event is emitted gets it, in order,
// even when listeners come and go while it is delivered.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { EventBus, type DplEvent } from '../../src/core/events.js';

const log = (message: string) => ({ level: 'info' as const, message });

describe('EventBus', () => {
  afterEach(() => void vi.useRealTimers());
  it('delivers each event to the listeners subscribed when it was emitted, in order', () => {
    const bus = new EventBus();
    const seen: string[] = [];
    let offB: () => void = () => undefined;
    const offA = bus.on((e) => {
      seen.push(`a:${(e as Extract<DplEvent, { type: 'log' }>).message}`);
      offB(); // b still gets this event, and none after
      bus.on((e2) => seen.push(`late:${(e2 as Extract<DplEvent, { type: 'log' }>).message}`)); // gets only later ones
    });
    offB = bus.on((e) => seen.push(`b:${(e as Extract<DplEvent, { type: 'log' }>).message}`));
    bus.emit('log', log('one'));
    offA();
    bus.emit('log', log('two'));
    expect(seen).toEqual(['a:one', 'b:one', 'late:two']);
  });

  it("stamps each event with its own millisecond's time, though the text is made once per millisecond", () => {
    vi.useFakeTimers({ now: Date.UTC(2026, 11, 6, 12, 0, 0, 998) });
    const bus = new EventBus();
    const times: string[] = [];
    bus.on((e) => times.push(e.time));
    bus.emit('log', log('a'));
    bus.emit('log', log('b'));
    vi.advanceTimersByTime(1);
    bus.emit('log', log('c'));
    vi.advanceTimersByTime(1);
    bus.emit('log', log('d'));
    vi.setSystemTime(Date.UTC(2026, 11, 6, 11, 0, 0, 0)); // the clock stepped back
    bus.emit('log', log('e'));
    expect(times).toEqual(['2026-12-06T12:00:00.998Z', '2026-12-06T12:00:00.998Z', '2026-12-06T12:00:00.999Z', '2026-12-06T12:00:01.000Z', '2026-12-06T11:00:00.000Z']);
  });

  it('an unsubscribe that runs twice removes nothing else', () => {
    const bus = new EventBus();
    const seen: string[] = [];
    const off = bus.on(() => seen.push('a'));
    bus.on(() => seen.push('b'));
    off();
    off();
    bus.emit('log', log('x'));
    expect(seen).toEqual(['b']);
  });

  it('stamps the type and time before the payload', () => {
    const bus = new EventBus();
    let got: DplEvent | undefined;
    bus.on((e) => (got = e));
    bus.emit('log', log('x'));
    expect(Object.keys(got!).slice(0, 2)).toEqual(['type', 'time']);
    expect(Number.isNaN(Date.parse(got!.time))).toBe(false);
  });
});
