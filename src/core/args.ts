// Turns the strings of an invocation into a task's typed arguments, refusing
// anything the task does not declare (exit 2 names the token).
import { UsageError } from './errors.js';
import type { ArgSpec } from './task.js';

export function bindArgs(
  taskName: string,
  specs: Record<string, ArgSpec> | undefined,
  positional: readonly string[],
  named: Readonly<Record<string, string>>,
  token = taskName,
): Record<string, unknown> {
  const declared = Object.entries(specs ?? {});
  const names = declared.map(([n]) => n);
  const takes = names.length ? `it takes: ${names.join(', ')}` : 'it takes no arguments';
  if (positional.length > declared.length) {
    throw new UsageError(
      `"${token}": task ${taskName} got ${positional.length} positional argument${positional.length === 1 ? '' : 's'}; ${takes}`,
      { code: 'usage.task-args' },
    );
  }
  const raw: Record<string, string> = {};
  positional.forEach((value, i) => (raw[names[i]!] = value));
  for (const [key, value] of Object.entries(named)) {
    if (!names.includes(key)) throw new UsageError(`"${token}": task ${taskName} takes no argument "${key}"; ${takes}`, { code: 'usage.task-args' });
    if (Object.hasOwn(raw, key)) throw new UsageError(`"${token}": argument "${key}" given both by position and by name`, { code: 'usage.task-args' });
    raw[key] = value;
  }
  const out: Record<string, unknown> = {};
  for (const [name, spec] of declared) {
    if (Object.hasOwn(raw, name)) out[name] = convert(taskName, token, name, spec, raw[name]!);
    else if (spec.default !== undefined) out[name] = spec.default;
    else if (spec.required) throw new UsageError(`"${token}": task ${taskName} needs argument "${name}"`, { code: 'usage.task-args' });
    else out[name] = undefined;
  }
  return out;
}

function convert(taskName: string, token: string, name: string, spec: ArgSpec, value: string): unknown {
  const bad = (what: string): never => {
    throw new UsageError(`"${token}": argument "${name}" of ${taskName} ${what}, got ${JSON.stringify(value)}`, { code: 'usage.task-args' });
  };
  if (spec.choices && !spec.choices.includes(value)) bad(`must be one of ${spec.choices.join(', ')}`);
  switch (spec.type ?? 'string') {
    case 'number': {
      const n = Number(value);
      if (value.trim() === '' || !Number.isFinite(n)) bad('must be a number');
      return n;
    }
    case 'boolean': {
      const v = value.toLowerCase();
      if (['true', 'yes', 'y', '1', 'on'].includes(v)) return true;
      if (['false', 'no', 'n', '0', 'off'].includes(v)) return false;
      return bad('must be true or false');
    }
    case 'list':
      return value.split(';').map((s) => s.trim()).filter(Boolean);
    default:
      return value;
  }
}

/** "ref=stable plan" style signature for --list. */
export function describeArgs(specs: Record<string, ArgSpec> | undefined): string {
  return Object.entries(specs ?? {})
    .map(([n, s]) => (s.default !== undefined ? `${n}=${Array.isArray(s.default) ? s.default.join(';') : s.default}` : s.required ? `<${n}>` : `[${n}]`))
    .join(',');
}
