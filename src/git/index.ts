// Everything the git module offers, for code that needs it now (the deploy module,
// scripts). Loads simple-git, semver and ini: import it lazily (`await import`).
export { resolveRef, versionTags, highest, fetchRemote, type ResolveOptions, type VersionTag } from './refs.js';
export { describeResolved, reportResolved, type ResolvedRef, type RefKind } from './describe.js';
export { startFlow, type StartResult, type Log } from './flow.js';
export { finishFlow, type FinishOptions, type FinishResult } from './finish.js';
export { bumpVersion, showVersion, type BumpResult, type VersionInfo } from './bump.js';
export { createDeployTag, deployStamp, type DeployTagOptions, type DeployTagResult } from './deploy-tag.js';
export { findVersion, readVersion, versionAt, commitVersion } from './version-file.js';
export { parseVersion, nextVersion } from './version.js';
export { gitTasks } from './tasks.js';
export type { GitConfig, VersionFileConfig, VersionFileSpec, FlowKind } from './config.js';
