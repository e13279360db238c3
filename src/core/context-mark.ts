// The mark every context dpl creates carries (context.ts), so internal.ts can tell one
// from a look-alike without importing the implementation.
export const DPL_CONTEXT = Symbol.for('dpl.context');
