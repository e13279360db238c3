// --list (a tree of tasks with descriptions and arguments) and -d TASK.
import { modeOf } from '../core/task.js';
import { describeArgs } from '../core/args.js';
import type { ArgSpec } from '../core/task.js';
import type { Registry, RegisteredTask } from '../core/registry.js';

export function renderList(registry: Registry): string {
  const tasks = registry.list();
  const rows: Array<[string, string]> = [];
  const seen = new Set<string>();
  const nsByName = new Map(registry.namespaces.map((n) => [n.name, n]));
  const userTasks = tasks.filter((t) => !t.builtin);
  for (const t of userTasks) {
    const parts = t.name.split('.');
    for (let i = 1; i < parts.length; i++) {
      const ns = parts.slice(0, i).join('.');
      if (seen.has(ns)) continue;
      seen.add(ns);
      const info = nsByName.get(ns);
      const def = info?.defaultTask ? ` (\`dpl ${ns}\` runs ${info.defaultTask})` : '';
      rows.push([`${'  '.repeat(i - 1)}${ns}.`, (info?.desc ?? '') + def]);
    }
    rows.push([`${'  '.repeat(parts.length - 1)}${signature(t)}`, describe(t)]);
  }
  const builtins = tasks.filter((t) => t.builtin).map((t): [string, string] => [signature(t), describe(t)]);
  const width = Math.min(40, Math.max(...[...rows, ...builtins].map(([l]) => l.length), 8));
  const fmt = ([left, right]: [string, string]): string => `  ${left.padEnd(width)}  ${right}`.trimEnd();
  const out = ['Tasks:'];
  out.push(...(rows.length ? rows.map(fmt) : ['  (the deployfile defines no tasks)']));
  out.push('', 'Built-in:', ...builtins.map(fmt));
  return out.join('\n') + '\n';
}

function signature(t: RegisteredTask): string {
  const args = describeArgs(t.def.options.args);
  return args ? `${t.name}:${args}` : t.name;
}

function describe(t: RegisteredTask): string {
  const o = t.def.options;
  const mode = modeOf(o);
  return (o.desc ?? '') + (mode !== 'each' ? `  [${mode === 'once' ? 'runs once' : mode}]` : '');
}

export function renderDescribe(t: RegisteredTask): string {
  const o = t.def.options;
  const lines = [`${t.name}${o.desc ? ` — ${o.desc}` : ''}`];
  if (o.aliases?.length) lines.push(`  aliases: ${o.aliases.join(', ')}`);
  const args = Object.entries((o.args ?? {}) as Record<string, ArgSpec>);
  if (args.length) {
    lines.push('  arguments (positional in this order, or key=value):');
    for (const [name, s] of args) {
      const extra = [
        s.type ?? 'string',
        s.required ? 'required' : s.default !== undefined ? `default ${JSON.stringify(s.default)}` : 'optional',
        s.choices ? `one of ${s.choices.join('|')}` : '',
      ].filter(Boolean);
      lines.push(`    ${name} (${extra.join(', ')})${s.desc ? `: ${s.desc}` : ''}`);
    }
  } else {
    lines.push('  arguments: none');
  }
  const mode = modeOf(o);
  if (mode === 'local') lines.push('  runs: here, on this machine, once');
  else {
    if (o.hosts?.length) lines.push(`  hosts: ${o.hosts.map((h) => (typeof h === 'string' ? h : h.name ?? h.hostname)).join(', ')}`);
    if (o.roles?.length) lines.push(`  roles: ${o.roles.join(', ')}`);
    const limit = o.limit ? ` (${o.limit} at a time)` : '';
    const words = { each: `each host in turn (all at once with -P)${limit}`, parallel: `every host at once${limit}`, once: 'once per run, on the first host', targets: `once, here, driving its hosts${limit}` } as const;
    lines.push(`  runs: ${words[mode]}`);
  }
  lines.push(`  usage: dpl ${t.name}${args.length ? ':' + args.map(([n]) => n).join(',') : ''}`);
  return lines.join('\n') + '\n';
}
