// One fleet module for everything that runs real servers on loopback: the sandbox
// (`dpl sandbox`), the test bed (test/support/bed), the proxy and rollout tests'
// HAProxy, the bench (from dist/fleet) and dpl-deploy/testing.
export * from './procs.js';
export * from './net.js';
export * from './tools.js';
export * from './users.js';
export * from './keys.js';
export * from './ssh-files.js';
export * from './sshd.js';
export * from './slots.js';
export * from './hosts.js';
export * from './fleet.js';
export * from './haproxy.js';
export * from './git.js';
export * from './load.js';
export * from './prometheus.js';
export * from './nginx.js';
