// import() of a compiled deployfile. Functions restored from a V8 start-up
// snapshot have no module loader attached, so there import() goes through a
// vm.Script compiled at run time and bound to the main context's loader.
declare const DPL_SNAPSHOT: boolean | undefined;
const inSnapshot = typeof DPL_SNAPSHOT !== 'undefined' && DPL_SNAPSHOT;

/** globalThis key of the API object the snapshot's deployfiles import (see api-snapshot.mjs). */
export const SNAPSHOT_API = Symbol.for('dpl-deploy.snapshot-api');

let snapshotImport: ((url: string) => Promise<unknown>) | undefined;

export function importModule(url: string): Promise<unknown> {
  if (!inSnapshot) return import(url);
  const vm = process.getBuiltinModule('node:vm');
  snapshotImport ??= new vm.Script('(url) => import(url)', {
    filename: 'dpl-snapshot-import.js',
    importModuleDynamically: vm.constants.USE_MAIN_CONTEXT_DEFAULT_LOADER,
  }).runInThisContext() as (url: string) => Promise<unknown>;
  // Node flags that loader option as experimental on first use: not the user's concern.
  const emit = process.emitWarning;
  process.emitWarning = ((warning: string | Error, ...rest: unknown[]) => {
    if (!String(warning).includes('USE_MAIN_CONTEXT_DEFAULT_LOADER')) (emit as (...a: unknown[]) => void).call(process, warning, ...rest);
  }) as typeof process.emitWarning;
  try {
    return snapshotImport(url);
  } finally {
    process.emitWarning = emit;
  }
}
