// --json: one event per line on stdout, complete and machine-readable.
import type { DplEvent } from '../core/events.js';

export function jsonReporter(write: (text: string) => void): (e: DplEvent) => void {
  return (e) => write(JSON.stringify(e) + '\n');
}
