// Every error code dpl gives, with what it means: the one list. `err.code`, run.end's and
// host.end's `code` in --json and the run log, and docs/errors.md (npm run docs:errors) come
// from here, so a code is checked by tsc and documented once. Codes are stable: add new
// ones, never rename or reuse one.

export const ERROR_CODES = {
  // The command line and the deployfile (exit 2)
  'usage': 'the command line is wrong (an unknown option, a missing argument)',
  'usage.unknown-task': 'the command line names a task the deployfile does not define',
  'usage.no-task': 'no task was given on the command line',
  'usage.task-args': "a task's arguments do not match what it takes",
  'usage.grammar': 'a task token (`task:a,key=value`) cannot be parsed',
  'usage.environment': 'the command line names an environment the deployfile does not declare',
  'usage.hosts': 'a host or role given on the command line is not valid or not known',
  'usage.option': "an option's value is not valid",
  'config.invalid': 'a setting in the deployfile (deploy, rollout, proxy, notify, runLog...) is not valid',
  'ssh-config.invalid': 'the ssh config file cannot be read or has a line dpl cannot use',
  'deployfile.not-found': 'no deployfile.ts here or above, or not at the path given',
  'deployfile.compile': 'the deployfile does not compile (TypeScript errors)',
  'deployfile.load': 'the deployfile threw while loading, or exports no deployfile({...})',
  'deployfile.invalid': 'the deployfile defines something dpl cannot use (a task name taken twice...)',
  'deployfile.code': "the deployfile's own code threw while a task ran (at its line)",
  'task.threw': 'a task threw something that is not an Error',
  'check.problems': '`dpl check` found type errors in the deployfile',
  'secret.failed': 'a secret could not be resolved (its CLI failed, or it is not set)',
  'confirm.declined': 'a confirmation was answered no (or could not be asked without a terminal)',
  'interrupted': 'the run was interrupted (Ctrl-C, SIGTERM)',

  // Hosts: reaching them and running there (exit 1; `host` says which)
  'host.failed': 'something failed on one host',
  'hosts.failed': 'a task failed on one or more hosts; `failures` lists each with its own code',
  'connect.failed': 'could not reach or log in to a host',
  'connect.refused': 'the host refused the TCP connection (is sshd running, is the port right?)',
  'connect.timeout': 'the host did not answer within the connect timeout',
  'connect.auth': 'the host refused every key and method dpl tried',
  'connect.lost': 'the connection to the host was lost while a command ran',
  'connect.jump': 'the jump host (ProxyJump) could not reach the host',
  'connect.proxy-command': 'the ProxyCommand ended before the connection was made',
  'connect.algorithms': 'the ssh config leaves no algorithm dpl supports',
  'hostkey.unknown': 'the host key is not in known_hosts and StrictHostKeyChecking does not allow adding it',
  'hostkey.changed': 'the host key differs from the one known_hosts holds (possible man-in-the-middle)',
  'hostkey.revoked': 'the host key is marked @revoked in known_hosts',
  'hostkey.invalid': 'the host key or certificate cannot be accepted (too small, invalid, not checkable)',
  'command.failed': 'a command exited with a non-zero status or was killed by a signal',
  'command.timeout': 'a command outlived its timeout and was killed on the host',
  'command.channel': 'the server would not open a session channel for the command',
  'transfer.failed': 'a file transfer (put/get) failed',
  'dry-run.live-state': 'a dry run reached a step that needs live state from a host',

  // Deploys
  'lock.held': 'the deploy lock is held by another deploy that is still running',
  'lock.stale': 'the deploy lock is held by a dpl that is gone (--force takes it over)',
  'lock.failed': 'the deploy lock could not be taken (the host could not be reached or written)',
  'hook.failed': 'a deploy hook failed',
  'build.failed': 'the build output is not usable (missing, outside the build directory, changing while packed)',
  'deploy.mixed': 'the fleet is not on one release',
  'deploy.check': 'a host is not ready for a deploy (`deploy.check` says why)',
  'deploy.after-switch': 'the deploy failed after the switch: the new release is live but not finished',
  'deploy.unfinished': 'the switch is decided, but some hosts could not be reached to finish it',
  'cleanup.stuck': 'old releases could not be deleted by the login user',
  'recover.unfinished': 'an earlier deploy is unfinished: `deploy.recover` first',
  'rollback.impossible': 'there is no release to roll back to, or the hosts disagree on which',
  'rollback.migrations': 'newer releases applied migrations the rollback target does not know',
  'restart.failed': 'a rolling restart stopped',
  'rollout.failed': 'a rollout stopped at a batch and (if it could) rolled back',
  'bake.source': 'the bake could not read its error-rate source',
  'report.not-found': '`dpl report` found no run log (none yet, or no such run)',
  'status.unhealthy': 'a host is unreachable or a service is down',

  // Load balancers
  'proxy.failed': 'the load balancer refused a change or could not be read',
  'proxy.unreachable': "the load balancer's runtime API cannot be reached",
  'proxy.rotation': 'the rotation is not in a state this command can change',

  // Git and release flow
  'git.failed': 'a git command failed',
  'git.not-repo': 'the directory is not a git repository',
  'git.dirty': 'the working tree is not clean',
  'git.merging': 'a merge is in progress or stopped on conflicts',
  'git.ref': 'a ref (tag, branch, commit) cannot be resolved or is not valid',
  'git.remote': 'fetching from or pushing to the remote failed',
  'git.branch': 'a flow branch is missing, already exists or is not finished',
  'version.invalid': 'the version file or the version asked for is not valid',

  // dpl itself: init, sandbox, fleet
  'init.failed': '`dpl init` could not write the deployfile',
  'sandbox.failed': 'the sandbox is not running or could not start or stop',
  'fleet.failed': 'the local test fleet (sshd, HAProxy, users) could not start',
  'unknown': 'an error that is not one of dpl\'s own (from a library); its message says what',
} as const satisfies Record<string, string>;

export type ErrorCode = keyof typeof ERROR_CODES;

export function isErrorCode(code: string): code is ErrorCode {
  return Object.hasOwn(ERROR_CODES, code);
}
