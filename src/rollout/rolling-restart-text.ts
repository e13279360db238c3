// The words of a stopped rolling restart: which batch stopped and why, which hosts
// stay out of rotation, which batches were restarted and are back in rotation, and
// which were not touched.
import type { Host } from '../core/host.js';

export interface RestartStop {
  /** 1-based. */
  batch: number;
  batches: Host[][];
  reason: string;
  /** Hosts left drained (out of rotation). */
  drained: string[];
  /** Hosts whose health check failed. */
  sick?: string[];
  interrupted: boolean;
}

const names = (hosts: readonly Host[]) => hosts.map((h) => h.name).join(', ');

function batchList(batches: Host[][], from: number, to: number): string {
  const out: string[] = [];
  for (let i = from; i < to; i++) out.push(`${i + 1} (${names(batches[i]!)})`);
  return `batch${out.length === 1 ? '' : 'es'} ${out.join(', ')}`;
}

export function stoppedText(s: RestartStop): { message: string; hint: string } {
  const of = s.batches.length;
  const lines = [`rolling restart stopped at batch ${s.batch}/${of} (${names(s.batches[s.batch - 1]!)}): ${s.reason}`];
  if (s.drained.length) lines.push(`${s.drained.join(', ')} stay${s.drained.length === 1 ? 's' : ''} out of rotation (drained)`);
  else lines.push(`batch ${s.batch}'s hosts are back in rotation`);
  if (s.batch > 1) lines.push(`${batchList(s.batches, 0, s.batch - 1)} restarted and back in rotation`);
  if (s.batch < of) lines.push(`${batchList(s.batches, s.batch, of)} not touched`);
  const hint = s.drained.length
    ? `fix ${s.drained.join(', ')}, restart again (the restarted hosts are restarted again), then \`proxy.all\` puts ${s.drained.length === 1 ? 'it' : 'them'} back in rotation`
    : s.interrupted
      ? 'run the restart again to restart every host'
      : 'fix the problem and restart again';
  return { message: lines.join('\n'), hint };
}
