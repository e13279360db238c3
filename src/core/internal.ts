// What dpl's own modules reach that a deployfile does not: a context's event bus,
// raw transport, prompter and run. The public Context (context-types.ts) leaves
// them out; internal code asks for them here, by name. Only a type is imported:
// task factories (src/api.ts) stay cheap to import.
import type { Context } from './context-types.js';
import type { HostContext } from './context.js';
import type { HostVars } from './host.js';
import { DPL_CONTEXT } from './context-mark.js';


/** The implementation behind a Context (every Context dpl hands out is one). */
export function internal<V extends HostVars, EV>(c: Context<V, EV>): HostContext {
  if ((c as unknown as Record<symbol, unknown>)[DPL_CONTEXT] === true) return c as unknown as HostContext;
  throw new TypeError('not a context dpl created');
}
