// What the lock (and the deploy steps that read a host's state) take from a history of
// any length, computed on the host by one awk pass over history.jsonl (two reads), so
// the bytes sent back stay bounded however long the history grows:
//   - the last TAIL records, as they are;
//   - for each release that can matter (its directory is there, `current`, the newest
//     name ever used, the newest release whose last status is deployed, the release of
//     the last `deployed` record): its first record with a SHA (what it holds) and its
//     last record (its status);
//   - the last `deployed` record itself (what is live in place, for a pull deploy);
//   - one summary record per release that applied migrations still applied (not undone
//     since), replaying the history as appliedMigrations does; the records above are
//     sent without their own `migrations`/`migrationsUndone`, so nothing counts twice.
// So: no release name is ever reused (the newest is kept), and the status and SHA of
// every release on disk, the live one, and the schema's migrations are what the full
// history says. `deploy.history` reads more on purpose (historySnippet in history.ts).
// A line counts only when it looks whole (ends with `}`), as a torn line fails
// JSON.parse on this side. Plain POSIX awk (mawk, gawk, busybox).
import { sh } from '../core/quote.js';
import type { Layout } from './layout.js';

/** Records sent as they are, from the end of the history. */
export const TAIL = 50;

const AWK = [
  // The string value of "key":"..." (release names and statuses hold no quote).
  'function val(l, k) { if (match(l, "\\"" k "\\":\\"[^\\"]*\\"")) return substr(l, RSTART + length(k) + 4, RLENGTH - length(k) - 5); return "" }',
  // A JSON array of strings at "key":[ → out[1..n] (each kept escaped, as written); ARS/ARE: where the array starts and ends.
  'function arr(l, k, out,   i, n, c, s, cur, q, e) { i = index(l, "\\"" k "\\":["); if (!i) return 0; ARS = i; s = substr(l, i + length(k) + 4); n = 0; q = 0; e = 0; cur = "";',
  '  for (i = 1; i <= length(s); i++) { c = substr(s, i, 1); if (q) { if (e) { cur = cur c; e = 0 } else if (c == "\\\\") { cur = cur c; e = 1 } else if (c == "\\"") { out[++n] = cur; cur = ""; q = 0 } else cur = cur c }',
  '  else if (c == "\\"") q = 1; else if (c == "]") break }',
  '  ARE = ARS + length(k) + 3 + i; return n }',
  // The line without its "key":[...] member (and the comma that joined it).
  'function cut(l, k,   n, x) { n = arr(l, k, x); if (!ARS) return l; if (substr(l, ARS - 1, 1) == ",") return substr(l, 1, ARS - 2) substr(l, ARE + 1); if (substr(l, ARE + 1, 1) == ",") return substr(l, 1, ARS - 1) substr(l, ARE + 2); return substr(l, 1, ARS - 1) substr(l, ARE + 1) }',
  'function strip(l) { ARS = 0; l = cut(l, "migrations"); ARS = 0; return cut(l, "migrationsUndone") }',
  // Pass 1: every record's facts.
  'NR == FNR { total = FNR; if ($0 !~ /}[ \\t\\r]*$/) next; r = val($0, "release"); s = val($0, "status"); if (r == "" || s == "") next;',
  '  rel[FNR] = r; last[r] = s; lastAt[r] = FNR; if (!(r in shaAt) && index($0, "\\"sha\\":\\"")) shaAt[r] = FNR; if (s == "deployed") dep = FNR; if (r > newest) newest = r;',
  '  ARS = 0; n = arr($0, "migrations", m); for (i = 1; i <= n; i++) if (!(m[i] in live)) live[m[i]] = r;',
  '  ARS = 0; n = arr($0, "migrationsUndone", m); for (i = 1; i <= n; i++) delete live[m[i]]; next }',
  // Between the passes: which releases matter, and the migration summaries.
  '!started { started = 1; n = split(ENVIRON["DPL_KEEP"], a, "/"); for (i = 1; i <= n; i++) if (a[i] != "") keep[a[i]] = 1;',
  '  if (newest != "") keep[newest] = 1; if (dep) keep[rel[dep]] = 1; best = ""; for (r in last) if (last[r] == "deployed" && r > best) best = r; if (best != "") keep[best] = 1;',
  '  for (x in live) { r = live[x]; if (r in byRel) byRel[r] = byRel[r] ","; else byRel[r] = ""; byRel[r] = byRel[r] "\\"" x "\\"" }',
  '  for (r in byRel) printf "{\\"release\\":\\"%s\\",\\"status\\":\\"%s\\",\\"migrations\\":[%s]}\\n", r, last[r], byRel[r] }',
  // Pass 2: the records sent.
  `{ r = rel[FNR]; if (FNR > total - ${TAIL} || FNR == dep || ((r in keep) && (FNR == lastAt[r] || FNR == shaAt[r]))) print strip($0) }`,
].join('\n');

/**
 * Shell that prints the bounded history (see above); `tail` where the host has no awk.
 * It runs inside stateSnippet, which has set `$rels` (`/`-separated release names) and `$cur`.
 */
export function boundedHistorySnippet(l: Layout): string {
  return [
    sh`if [ -f ${l.history} ]; then if command -v awk >/dev/null 2>&1; then`,
    sh`DPL_KEEP="$rels/\${cur##*/}" awk ${AWK} ${l.history} ${l.history};`,
    sh`else tail -n 5000 -- ${l.history}; fi; fi`,
  ].join(' ');
}
