// The collection of tasks a run knows: the deployfile's, flattened to dotted
// names, plus built-ins. Lookup, aliases, namespace defaults and did-you-mean.
import { DeployfileError, UsageError } from './errors.js';
import type { AnyTask, CollectionEntries, NamespaceDefinition } from './task.js';

export interface RegisteredTask {
  /** Full dotted name, e.g. "proxy.flip". */
  name: string;
  def: AnyTask<never>;
  builtin: boolean;
}

export interface ListedNamespace {
  name: string;
  desc?: string;
  defaultTask?: string;
}

export class Registry {
  private readonly tasks = new Map<string, RegisteredTask>();
  /** Alias → the task it runs, and what made it (for messages). */
  private readonly aliases = new Map<string, { target: string; what: string }>();
  readonly namespaces: ListedNamespace[] = [];

  constructor(entries: CollectionEntries<never>, builtins: CollectionEntries<never> = {}) {
    this.addAll(builtins, '', true);
    this.addAll(entries, '', false);
    for (const [alias, { what }] of this.aliases) {
      if (this.tasks.has(alias)) throw new DeployfileError(`deployfile: "${alias}" is both a task and ${what}`);
    }
  }

  private addAll(entries: CollectionEntries<never>, prefix: string, builtin: boolean): void {
    for (const [key, entry] of Object.entries(entries)) {
      const name = prefix + key;
      if (entry.kind === 'namespace') this.addNamespace(name, entry, builtin);
      else if (entry.kind === 'task') this.addTask(name, entry, builtin);
      else if (key === 'kind' && (entry as unknown) === 'namespace') {
        // `...opsTasks({...})`: the 0.1 way to mount a factory, which now returns a namespace.
        throw new UsageError(`deployfile: a namespace was spread into ${prefix ? `namespace ${prefix.slice(0, -1)}` : 'tasks'}`, {
          code: 'deployfile.invalid',
          hint: 'spread its tasks (`...opsTasks({...}).tasks`) or mount it under a key (`ops: opsTasks({...})`); see CHANGELOG.md',
        });
      } else throw new UsageError(`deployfile: "${name}" is neither a task() nor a namespace()`, { code: 'deployfile.invalid' });
    }
  }

  private addNamespace(name: string, ns: NamespaceDefinition<CollectionEntries<never>>, builtin: boolean): void {
    this.namespaces.push({ name, desc: ns.desc, defaultTask: ns.default && `${name}.${ns.default}` });
    this.addAll(ns.tasks, name + '.', builtin);
    if (ns.default) this.addAlias(name, `${name}.${ns.default}`, `the default of namespace ${name}`);
  }

  private addTask(name: string, def: AnyTask<never>, builtin: boolean): void {
    this.tasks.set(name, { name, def, builtin });
    // An alias lives in its task's namespace, as in Fabric 1: `nested.foo_aliased`.
    const prefix = name.slice(0, name.lastIndexOf('.') + 1);
    for (const alias of def.options.aliases ?? []) {
      if (prefix + alias !== name) this.addAlias(prefix + alias, name, `an alias of ${name}`);
    }
  }

  /** Fabric lets the later alias win silently; a name that could run two tasks is refused instead. */
  private addAlias(alias: string, target: string, what: string): void {
    const taken = this.aliases.get(alias);
    if (taken && taken.target !== target) throw new DeployfileError(`deployfile: "${alias}" is ${taken.what} and ${what}`);
    this.aliases.set(alias, { target, what });
  }

  /** Every task, sorted by name (built-ins last). */
  list(): RegisteredTask[] {
    // Plain code-unit order: localeCompare would load ICU collation (~10 ms of start-up).
    return [...this.tasks.values()].sort((a, b) => Number(a.builtin) - Number(b.builtin) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  find(name: string): RegisteredTask | undefined {
    return this.tasks.get(name) ?? this.tasks.get(this.aliases.get(name)?.target ?? '');
  }

  get(name: string): RegisteredTask {
    const found = this.find(name);
    if (found) return found;
    const guess = this.suggest(name);
    throw new UsageError(`unknown task "${name}"` + (guess.length ? `; did you mean ${guess.map((g) => `"${g}"`).join(' or ')}?` : ''), {
      code: 'usage.unknown-task',
      hint: 'run `dpl --list` to see every task',
    });
  }

  suggest(name: string): string[] {
    const names = [...this.tasks.keys(), ...this.aliases.keys()];
    const scored = names
      .map((n) => ({ n, d: distance(name.toLowerCase(), n.toLowerCase()) }))
      .filter(({ n, d }) => d <= Math.max(2, Math.floor(n.length / 3)) || n.endsWith('.' + name))
      .sort((a, b) => a.d - b.d);
    return [...new Set(scored.slice(0, 3).map((s) => s.n))];
  }
}

/** Levenshtein distance; task names are short. */
export function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length]!;
}
