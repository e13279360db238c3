// What a deployfile uses from the proxy module (re-exported by src/api.ts):
// the task factory and the group resolution behind `prod:out` / `prod:in`.
// Cheap to import: drivers and rotation logic load inside the task bodies.
export { proxyTasks } from './tasks.js';
export { maintenanceDuringSwitch } from './maintenance-deploy.js';
export { groupHosts, readRotation, type GroupRotation, type Rotation } from './groups.js';
export type { ProxyConfig, GroupMembers, HealthConfig, HaproxyConfig, NginxConfig, MaintenanceConfig } from './config.js';
export type { MaintenanceRow, MaintenanceState } from './maintenance-page.js';
export type { AdminState, Health, LoadBalancerDriver, LbState, Pending, ServerChange, ServerRef, ServerState } from './driver.js';
export type { StatusRow } from './status.js';
export type { LbOutcome } from './apply.js';
