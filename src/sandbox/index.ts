// The local sandbox behind `dpl sandbox up|down|status`, `npm run demo` and the
// end-to-end tests: real sshd hosts on 127.0.30.x, HAProxy in front of the web
// hosts, a git origin with tagged releases and a working clone, all under
// `<project>/.dpl/sandbox/`. Loaded only by the sandbox command.
export { sandboxUp, type UpResult } from './up.js';
export { teardown as sandboxDown, checkRunning, type DownResult } from './down.js';
export { sandboxStatus, renderStatus, type SandboxStatus, type HostStatus } from './status.js';
export { projectDir, sandboxDir, readInfo, DEFAULT_WEB_HOSTS, MAX_WEB_HOSTS } from './layout.js';
export type { SandboxInfo, SandboxHost, SandboxInventory } from './layout.js';
