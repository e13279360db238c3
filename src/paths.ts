// Where dpl's own files are, both when running from tsc output (dist/**) and
// from the esbuild bundle (dist/bundle/*.js, built by scripts/bundle.mjs,
// which defines DPL_BUNDLE). The deployfile's `dpl-deploy` import must resolve
// to the very API module the running CLI uses, so error classes match.
import { fileURLToPath } from 'node:url';

declare const DPL_BUNDLE: boolean | undefined;
const bundled = typeof DPL_BUNDLE !== 'undefined' && DPL_BUNDLE;

/** dist/api.js (tsc) or dist/bundle/api.js (bundle). */
export const API_FILE = fileURLToPath(new URL(bundled ? './api.js' : '../api.js', import.meta.url));

/** The package root (holds package.json). */
export const PACKAGE_ROOT = fileURLToPath(new URL(bundled ? '../../' : '../', import.meta.url));
