// What chose a run's hosts, as command-line words: -H/-R/-x as given, and the host keys
// of one task invocation (`hosts=web-0;web-1`). Hints put them in the command they print
// (src/deploy/task-names.ts), so copying that command acts on the same hosts.
import type { Selection } from './context-types.js';
import type { Invocation } from './grammar.js';

/** `-H a,b -R web -x c`: the options that give `selection` (the run's start, before any task). */
export function hostFlagWords(selection: Selection | undefined): string[] {
  const words: string[] = [];
  const names = (selection?.hosts ?? []).map((h) => (typeof h === 'string' ? h : (h.name ?? h.hostname ?? '')));
  if (names.length) words.push('-H', names.join(','));
  if (selection?.roles?.length) words.push('-R', selection.roles.join(','));
  if (selection?.exclude?.length) words.push('-x', selection.exclude.join(','));
  return words;
}

/** `hosts=a;b`, `roles=web`, `exclude_hosts=c`: an invocation's own host keys, escaped for the task grammar. */
export function hostKeys(inv: Pick<Invocation, 'hosts' | 'roles' | 'excludeHosts'> | undefined): string[] {
  const key = (k: string, list: readonly string[] | undefined) => (list?.length ? [`${k}=${list.map(escapeValue).join(';')}`] : []);
  return [...key('hosts', inv?.hosts), ...key('roles', inv?.roles), ...key('exclude_hosts', inv?.excludeHosts)];
}

/** The grammar splits arguments on `,` and `=` unless a backslash stands before them (grammar.ts). */
function escapeValue(s: string): string {
  return s.replace(/[,=]/g, (ch) => `\\${ch}`);
}
