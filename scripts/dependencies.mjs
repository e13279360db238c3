// The packages the bundles leave on disk, loaded when first used (bundle.mjs and
// snapshot.mjs: both builds must agree, or the snapshot would carry a copy).
export const EXTERNAL = ['ssh2', 'esbuild', 'simple-git', 'cpu-features', 'semver', 'ini'];
