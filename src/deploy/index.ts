// Everything the deploy module offers, for scripts and tests that want the parts.
// A deployfile only needs `releaseTasks` (and `serviceTasks`), from tasks.ts.
export { releaseTasks, restartTask, reloadTask, serviceTasks } from './tasks.js';
export type * from './config.js';
export { deployRelease, resolveForDeploy, type DeployResult } from './deploy.js';
export { targetsOf, type Targets } from './targets.js';
export { rollback, chooseTarget, type RollbackResult } from './rollback.js';
export { cleanupHosts, planCleanup, type CleanupPlan } from './cleanup.js';
export { listReleases, checkHosts, type ReleaseRow } from './inspect.js';
export { acquireLocks, releaseLocks, forceUnlock, describeHolder, type LockInfo } from './lock.js';
export { layoutOf, releaseName, nextReleaseName, isReleaseName, type Layout } from './layout.js';
export { parseState, previousGood, statusOf, type HistoryRecord, type HostState, type ReleaseStatus } from './history.js';
export { switchScript, type SwitchItem } from './switch.js';
export { serviceCommand, type ServiceAction } from './services.js';
