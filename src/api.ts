// What a deployfile imports: `import { deployfile, task, namespace, sh } from 'dpl-deploy'`.
// Kept cheap to load: the modules behind gitTasks/releaseTasks/proxyTasks load
// their heavy dependencies only when one of their tasks runs.
export { deployfile } from './core/deployfile.js';
export type { DeployfileDefinition, DeployfileSpec, DeployfileDefaults, DeployfileConfig, EnvironmentSpec, RoleSource } from './core/deployfile.js';
export type { RunLogConfig } from './reporters/run-log-config.js';
export { task, namespace } from './core/task.js';
export type { ArgSpec, ArgsOf, TaskOptions, TaskDefinition, NamespaceDefinition, RunMode, AnyTask, CollectionEntries } from './core/task.js';
export { quote, sh, raw, quoteArgs } from './core/quote.js';
export type { Host, HostSpec, HostSpecObject, HostVars } from './core/host.js';
export type { Context, Session, Targets, TargetsEachOptions, FanOut, EnvironmentInfo, CommandResult, HostResult, RunOptions, SudoOptions, Selection } from './core/context-types.js';
export type { GetOptions, TransferResult } from './transport/types.js';
export * from './core/errors.js';
export { gitTasks, describeResolved, reportResolved } from './git/tasks.js';
export type { GitConfig, VersionFileConfig, ResolvedRef, RefKind } from './git/tasks.js';
export { proxyTasks, groupHosts, readRotation, maintenanceDuringSwitch } from './proxy/index.js';
export { opsTasks } from './ops/index.js';
export type { OpsConfig, ServiceConfig } from './ops/index.js';
export { release, releaseTasks, serviceTasks, restartTask, reloadTask, type DeployOptions, type RestartOptions } from './deploy/tasks.js';
export { rolloutRelease, rollingRestart, parsePlan, RolloutError, prometheus, haproxyCounters } from './rollout/index.js';
export type { RolloutConfig, RolloutReport, RollingRestartResult, PrometheusSourceConfig, BakeSource } from './rollout/index.js';
export type { ReleaseConfig, ReleaseHooks, HostRelease, DeployInfo, HostHook, RunHook, OnceStep, ServicesConfig, ServiceManager, Strategy } from './deploy/tasks.js';
export { fromCommand, onePassword, bitwarden, awsSecretsManager, awsSsm, pass, dotenv, type SecretSource } from './secrets/sources.js';
export { withSecrets } from './secrets/config.js';
export type { ProxyConfig, StatusRow, LoadBalancerDriver } from './proxy/index.js';
