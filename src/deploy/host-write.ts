// Small files written by dpl's step scripts (the lock, the journal, the history) through
// the shell's own printf, which starts no process. Each process a step starts costs the
// host a fork and an exec, about 1 ms of CPU; with 50 hosts on one machine, those add up
// to a large part of a deploy (issue #18). When the printf fails, the same write is
// tried again through `cat`, so the error says why ("No space left on device"), where
// dash's printf says only "I/O error". A write that fails twice fails its command.
import { sh } from '../core/quote.js';

/** Shell that replaces `file` with `lines`, one per line. */
export function writeLinesSnippet(file: string, lines: readonly string[]): string {
  return sh`{ printf '%s\\n' ${lines} 2>/dev/null > ${file} || printf '%s\\n' ${lines} | cat > ${file}; }`;
}

/**
 * Shell that appends `lines` to `file`. The retry starts with a newline: it ends
 * whatever the failed printf left half-written (a short write on a nearly full disk),
 * so that part costs only itself, and the readers skip the blank line.
 */
export function appendLinesSnippet(file: string, lines: readonly string[]): string {
  return sh`{ printf '%s\\n' ${lines} 2>/dev/null >> ${file} || printf '\\n%s\\n' ${lines} | cat >> ${file}; }`;
}
