// Fabric 1's own test cases, as data, so dpl's CLI grammar and host lists are held to them.
// Source: fabric/fabric at tag 1.15.0 (the last 1.x): tests/test_main.py, tests/test_tasks.py,
// tests/test_decorators.py (where @runs_once is tested), plus a few cases read from the code
// (fabric/main.py, fabric/tasks.py, fabric/task_utils.py) where the findings of issue #15 live.
// `origin` names the Fabric test (or function); `differs` is why dpl does otherwise on purpose
// (README "Differences from Fabric 1"), with what dpl does.
import type { RoleSource } from '../../../src/core/deployfile.js';

interface Origin {
  /** `file::test_name [label]` in Fabric 1.15.0, or `file::function` for cases read from the code. */
  origin: string;
}

/** What `parse_arguments([token])[0]` returns: (cmd, args, kwargs, hosts, roles, exclude_hosts). */
export type Parsed = [name: string, args: string[], kwargs: Record<string, string>, hosts: string[], roles: string[], exclude: string[]];
/** Fabric raised instead of returning (the traceback it prints). */
export interface Crash {
  crash: string;
}
export interface Refused {
  /** dpl refuses the token: exit 2 with this message. */
  error: RegExp;
}

export interface ParseCase extends Origin {
  token: string;
  fabric: Parsed | Crash;
  differs?: { why: string; dpl: Parsed | Refused };
}

const none = (name: string, args: string[] = [], kwargs: Record<string, string> = {}): Parsed => [name, args, kwargs, [], [], []];

export const parseCases: ParseCase[] = [
  // tests/test_main.py::test_argument_parsing: every (input, output) pair, labelled by its comment.
  { origin: 'tests/test_main.py::test_argument_parsing [Basic]', token: 'abc', fabric: none('abc') },
  { origin: 'tests/test_main.py::test_argument_parsing [Arg]', token: 'ab:c', fabric: none('ab', ['c']) },
  { origin: 'tests/test_main.py::test_argument_parsing [Kwarg]', token: 'a:b=c', fabric: none('a', [], { b: 'c' }) },
  { origin: 'tests/test_main.py::test_argument_parsing [Arg and kwarg]', token: 'a:b=c,d', fabric: none('a', ['d'], { b: 'c' }) },
  { origin: 'tests/test_main.py::test_argument_parsing [Multiple kwargs]', token: 'a:b=c,d=e', fabric: none('a', [], { b: 'c', d: 'e' }) },
  { origin: 'tests/test_main.py::test_argument_parsing [Host]', token: 'abc:host=foo', fabric: ['abc', [], {}, ['foo'], [], []] },
  { origin: 'tests/test_main.py::test_argument_parsing [Hosts with single host]', token: 'abc:hosts=foo', fabric: ['abc', [], {}, ['foo'], [], []] },
  {
    origin: 'tests/test_main.py::test_argument_parsing [Hosts with multiple hosts]',
    token: 'abc:hosts=foo;bar',
    fabric: ['abc', [], {}, ['foo', 'bar'], [], []],
  },
  {
    origin: 'tests/test_main.py::test_argument_parsing [Exclude hosts]',
    token: 'abc:hosts=foo;bar,exclude_hosts=foo',
    fabric: ['abc', [], {}, ['foo', 'bar'], [], ['foo']],
  },
  {
    origin: 'tests/test_main.py::test_argument_parsing [Exclude hosts, two]',
    token: 'abc:hosts=foo;bar,exclude_hosts=foo;bar',
    fabric: ['abc', [], {}, ['foo', 'bar'], [], ['foo', 'bar']],
  },
  { origin: 'tests/test_main.py::test_argument_parsing [Empty string args]', token: 'task:x=y,z=', fabric: none('task', [], { x: 'y', z: '' }) },
  { origin: 'tests/test_main.py::test_argument_parsing [Empty string args, positional]', token: 'task:foo,,x=y', fabric: none('task', ['foo', ''], { x: 'y' }) },
  {
    origin: 'tests/test_main.py::test_escaped_task_kwarg_split',
    token: String.raw`cmd:arg,escaped\,arg,nota\=kwarg,regular=kwarg,escaped=regular\=kwarg`,
    fabric: none('cmd', ['arg', 'escaped,arg', 'nota=kwarg'], { regular: 'kwarg', escaped: 'regular=kwarg' }),
  },

  // Read from fabric/main.py::parse_arguments (issue #15 finding 7 and its neighbours).
  // A backslash escapes only the separator after it; any other backslash is kept.
  { origin: 'fabric/main.py::parse_arguments [backslash kept: path]', token: String.raw`t:C:\temp`, fabric: none('t', [String.raw`C:\temp`]) },
  { origin: 'fabric/main.py::parse_arguments [backslash kept: regex]', token: String.raw`t:^v\d+$`, fabric: none('t', [String.raw`^v\d+$`]) },
  { origin: 'fabric/main.py::parse_arguments [backslash kept: kwarg value]', token: String.raw`t:pattern=^v\d+\.\d+$`, fabric: none('t', [], { pattern: String.raw`^v\d+\.\d+$` }) },
  { origin: 'fabric/main.py::parse_arguments [two backslashes stay two]', token: String.raw`t:back\\slash`, fabric: none('t', [String.raw`back\\slash`]) },
  { origin: 'fabric/main.py::parse_arguments [trailing backslash kept]', token: 't:C:\\temp\\', fabric: none('t', ['C:\\temp\\']) },
  { origin: 'fabric/main.py::parse_arguments [\\\\, is a backslash then an escaped comma]', token: String.raw`t:a\\,b`, fabric: none('t', [String.raw`a\,b`]) },
  { origin: 'fabric/main.py::parse_arguments [escaped = in a key]', token: String.raw`t:k\=x=1`, fabric: none('t', [], { 'k=x': '1' }) },
  { origin: 'fabric/main.py::parse_arguments [escaped , in a key]', token: String.raw`t:a\,b=c`, fabric: none('t', [], { 'a,b': 'c' }) },
  { origin: 'fabric/main.py::parse_arguments [the name ends at the first colon]', token: 'deploy:ref=v1:2', fabric: none('deploy', [], { ref: 'v1:2' }) },
  { origin: 'fabric/main.py::parse_arguments [dotted name]', token: 'proxy.flip', fabric: none('proxy.flip') },
  // Each host key replaces the list it sets: host/hosts set the hosts, role/roles the roles.
  { origin: 'fabric/main.py::parse_arguments [host then hosts: the last wins]', token: 'a:host=a,hosts=b;c', fabric: ['a', [], {}, ['b', 'c'], [], []] },
  { origin: 'fabric/main.py::parse_arguments [hosts then host: the last wins]', token: 'a:hosts=b;c,host=a', fabric: ['a', [], {}, ['a'], [], []] },
  { origin: 'fabric/main.py::parse_arguments [role then roles: the last wins]', token: 'a:role=web,roles=db;cache', fabric: ['a', [], {}, [], ['db', 'cache'], []] },
  {
    origin: 'fabric/main.py::parse_arguments [exclude_hosts twice: the last wins]',
    token: 'a:exclude_hosts=x,exclude_hosts=y;z',
    fabric: ['a', [], {}, [], [], ['y', 'z']],
  },
  { origin: 'fabric/main.py::parse_arguments [host and roles together]', token: 'a:x,host=h1,roles=web;db', fabric: ['a', ['x'], {}, ['h1'], ['web', 'db'], []] },
  { origin: 'fabric/main.py::parse_arguments [host-list entries are stripped]', token: 'a:hosts= b ; c ,role= web ', fabric: ['a', [], {}, ['b', 'c'], ['web'], []] },

  // Where dpl does otherwise, on purpose.
  {
    origin: 'fabric/main.py::parse_arguments [trailing colon]',
    token: 't:',
    fabric: none('t', ['']),
    differs: { why: 'a trailing colon means no arguments, not one empty argument that would override a default', dpl: none('t') },
  },
  {
    origin: 'fabric/main.py::parse_arguments [second = in a pair]',
    token: 't:q=a=b',
    fabric: { crash: 'ValueError: too many values to unpack' },
    differs: { why: 'Fabric 1 crashes; the value is everything after the first unescaped =', dpl: none('t', [], { q: 'a=b' }) },
  },
  {
    origin: 'fabric/main.py::parse_arguments [key given twice]',
    token: 't:k=1,k=2',
    fabric: none('t', [], { k: '2' }),
    differs: { why: 'an ordinary argument given twice is a mistake to report, not a value to pick', dpl: { error: /argument "k" given twice/ } },
  },
  {
    origin: 'fabric/main.py::parse_arguments [empty key]',
    token: 't:=v',
    fabric: none('t', [], { '': 'v' }),
    differs: { why: 'Fabric 1 fails later, calling the task with a keyword argument named ""', dpl: { error: /empty name before "="/ } },
  },
  {
    origin: 'fabric/main.py::parse_arguments [host= with a ;]',
    token: 't:host=a;b',
    fabric: ['t', [], {}, ['a;b'], [], []],
    differs: { why: '"a;b" is never a host name: host= takes one name, hosts= several', dpl: { error: /takes one name; use "hosts=a;b"/ } },
  },
  {
    origin: 'fabric/main.py::parse_arguments [hosts= empty]',
    token: 't:hosts=',
    fabric: ['t', [], {}, [''], [], []],
    differs: { why: 'an empty host name is no host (Fabric 1 would prompt for one)', dpl: { error: /"hosts=" needs a value/ } },
  },
  {
    origin: 'fabric/main.py::parse_arguments [hosts= with an empty entry]',
    token: 't:hosts=a;;b;',
    fabric: ['t', [], {}, ['a', '', 'b', ''], [], []],
    differs: { why: 'empty entries (a doubled or trailing ;) are dropped, as in -H lists', dpl: ['t', [], {}, ['a', 'b'], [], []] },
  },
];

export interface EscapeSplitCase extends Origin {
  sep: ',' | '=';
  input: string;
  fabric: string[];
}

/** `_escape_split(sep, argstr)`. */
export const escapeSplitCases: EscapeSplitCase[] = [
  {
    origin: 'tests/test_main.py::test_escaped_task_arg_split',
    sep: ',',
    input: String.raw`foo,bar\,biz\,baz,what comes after baz?`,
    fabric: ['foo', 'bar,biz,baz', 'what comes after baz?'],
  },
  { origin: 'fabric/main.py::_escape_split [no separator]', sep: ',', input: 'abc', fabric: ['abc'] },
  { origin: 'fabric/main.py::_escape_split [empty]', sep: ',', input: '', fabric: [''] },
  { origin: 'fabric/main.py::_escape_split [other backslashes kept]', sep: ',', input: String.raw`C:\temp,^v\d+$`, fabric: [String.raw`C:\temp`, String.raw`^v\d+$`] },
  { origin: 'fabric/main.py::_escape_split [\\= is not escaped by a , split]', sep: ',', input: String.raw`a\=b,c`, fabric: [String.raw`a\=b`, 'c'] },
  { origin: 'fabric/main.py::_escape_split [escaped separator at the end]', sep: ',', input: String.raw`a\,`, fabric: ['a,'] },
  { origin: 'fabric/main.py::_escape_split [two backslashes then a separator]', sep: ',', input: String.raw`a\\,b`, fabric: [String.raw`a\,b`] },
  { origin: 'fabric/main.py::_escape_split [trailing backslash]', sep: ',', input: 'a\\', fabric: ['a\\'] },
  { origin: 'fabric/main.py::_escape_split [= split, escaped]', sep: '=', input: String.raw`escaped=regular\=kwarg`, fabric: ['escaped', 'regular=kwarg'] },
  { origin: 'fabric/main.py::_escape_split [= split, three parts]', sep: '=', input: 'q=a=b', fabric: ['q', 'a', 'b'] },
];

/** Fabric's `env` (what -H/-R/-x, or a task that set env.hosts, chose) ↔ dpl's run selection. */
export interface EnvLists {
  hosts?: readonly string[] | string;
  roles?: readonly string[];
  exclude_hosts?: readonly string[];
}

/** What ran: host names in order, `<local-only>` for Fabric's run-once-locally, or a refusal. */
export type Ran = string[] | Refused;

export interface HostListCase extends Origin {
  /** dpl's named hosts (Fabric has none: its host strings are addresses). */
  inventory?: Record<string, string>;
  /** env.roledefs ↔ the deployfile's roles (the test passes Fabric's own shapes through). */
  roledefs?: Record<string, RoleSource | { hosts: string[] }>;
  /** @hosts / @roles ↔ the task's own `hosts` / `roles`. */
  task?: { hosts?: readonly string[] | string; roles?: readonly string[] };
  /** Per-invocation host keys (`task:hosts=...`) ↔ Fabric's arg_hosts / arg_roles / arg_exclude_hosts. */
  args?: EnvLists;
  env?: EnvLists;
  fabric: { hosts: Ran; roles?: string[]; ordered?: boolean };
  differs?: { why: string; dpl: Ran };
}

const fakeRoles = { r1: ['a', 'b'], r2: ['b', 'c'] };

/**
 * `Task.get_hosts_and_effective_roles(arg_hosts, arg_roles, arg_exclude_hosts, env)` and
 * `merge(...)`: checked against chooseSelection (effective roles) and planTask (hosts).
 * Unless `ordered`, hosts are compared as a set, as Fabric's `eq_hosts` does.
 */
export const hostListCases: HostListCase[] = [
  { origin: 'tests/test_main.py::test_hosts_decorator_by_itself', task: { hosts: ['a', 'b'] }, fabric: { hosts: ['a', 'b'] } },
  { origin: 'tests/test_main.py::test_roles_decorator_by_itself', roledefs: fakeRoles, task: { roles: ['r1'] }, fabric: { hosts: ['a', 'b'], roles: ['r1'] } },
  {
    origin: 'tests/test_main.py::test_roles_decorator_overrides_env_roles',
    roledefs: fakeRoles,
    task: { roles: ['r1'] },
    env: { roles: ['r2'] },
    fabric: { hosts: ['a', 'b'], roles: ['r1'] },
  },
  {
    origin: 'tests/test_main.py::test_cli_roles_override_decorator_roles',
    roledefs: fakeRoles,
    task: { roles: ['r1'] },
    args: { roles: ['r2'] },
    fabric: { hosts: ['b', 'c'], roles: ['r2'] },
  },
  {
    origin: 'tests/test_main.py::test_hosts_and_roles_together',
    roledefs: fakeRoles,
    task: { roles: ['r1', 'r2'], hosts: ['d'] },
    fabric: { hosts: ['a', 'b', 'c', 'd'], roles: ['r1', 'r2'] },
  },
  {
    origin: 'tests/test_main.py::test_host_role_merge_deduping',
    roledefs: fakeRoles,
    task: { roles: ['r1', 'r2'], hosts: ['a'] },
    fabric: { hosts: ['a', 'b', 'c'], ordered: true },
  },
  {
    origin: 'tests/test_main.py::test_host_role_merge_deduping_off (with settings(dedupe_hosts=False))',
    roledefs: fakeRoles,
    task: { roles: ['r1', 'r2'], hosts: ['a'] },
    fabric: { hosts: ['a', 'a', 'b', 'b', 'c'], ordered: true },
    differs: { why: 'dpl has no dedupe_hosts setting: a task never runs twice on one host', dpl: ['a', 'b', 'c'] },
  },
  {
    origin: 'tests/test_main.py::test_roles_as_tuples',
    roledefs: { r1: ['a', 'b'] as const, r2: ['b', 'c'] as const } as unknown as Record<string, RoleSource>,
    task: { roles: ['r1'] },
    fabric: { hosts: ['a', 'b'], roles: ['r1'] },
  },
  { origin: 'tests/test_main.py::test_hosts_as_tuples', env: { hosts: ['foo', 'bar'] as const }, fabric: { hosts: ['foo', 'bar'] } },
  { origin: 'tests/test_main.py::test_hosts_decorator_overrides_env_hosts', task: { hosts: ['bar'] }, env: { hosts: ['foo'] }, fabric: { hosts: ['bar'] } },
  {
    origin: 'tests/test_main.py::test_hosts_decorator_overrides_env_hosts_with_task_decorator_first',
    task: { hosts: ['bar'] },
    env: { hosts: ['foo'] },
    fabric: { hosts: ['bar'] },
  },
  {
    origin: 'tests/test_main.py::test_hosts_decorator_overrides_env_hosts_with_task_decorator_last',
    task: { hosts: ['bar'] },
    env: { hosts: ['foo'] },
    fabric: { hosts: ['bar'] },
  },
  { origin: 'tests/test_main.py::test_hosts_stripped_env_hosts', env: { hosts: [' foo ', 'bar '], roles: [], exclude_hosts: [] }, fabric: { hosts: ['foo', 'bar'] } },
  {
    origin: 'tests/test_main.py::test_roles_stripped_env_hosts',
    roledefs: { r1: [' a ', ' b '], r2: ['b', 'c'] },
    task: { roles: ['r1'] },
    fabric: { hosts: ['a', 'b'] },
  },
  {
    // Issue #15 finding 7: padded names in role lists defeat dedup.
    origin: 'fabric/task_utils.py::merge [padded role entries dedupe with plain ones]',
    roledefs: { r1: [' a ', ' b '], r2: ['b', 'c'] },
    task: { roles: ['r1', 'r2'], hosts: ['a'] },
    fabric: { hosts: ['a', 'b', 'c'], ordered: true },
  },
  {
    origin: 'tests/test_main.py::test_hosts_in_role_dict',
    roledefs: { r1: { hosts: ['a', 'b'] }, r2: ['b', 'c'] },
    task: { roles: ['r1'] },
    fabric: { hosts: ['a', 'b'] },
    differs: {
      why: 'roles are host lists (or functions giving one); per-host settings live in the deployfile `hosts` vars',
      dpl: { error: /role "r1" must give a list of hosts/ },
    },
  },
  { origin: 'tests/test_main.py::test_get_hosts_excludes_cli_exclude_hosts_from_cli_hosts', args: { hosts: ['foo', 'bar'], exclude_hosts: ['foo'] }, fabric: { hosts: ['bar'] } },
  {
    origin: 'tests/test_main.py::test_get_hosts_excludes_cli_exclude_hosts_from_decorator_hosts',
    task: { hosts: ['foo', 'bar'] },
    args: { exclude_hosts: ['foo'] },
    fabric: { hosts: ['bar'] },
  },
  { origin: 'tests/test_main.py::test_get_hosts_excludes_global_exclude_hosts_from_global_hosts', env: { hosts: ['foo', 'bar'], exclude_hosts: ['foo'] }, fabric: { hosts: ['bar'] } },
  { origin: 'tests/test_main.py::test_aborts_on_nonexistent_roles', args: { roles: ['badrole'] }, fabric: { hosts: { error: /unknown role "badrole"/ } } },
  { origin: 'tests/test_main.py::test_accepts_non_list_hosts', task: { hosts: 'badhosts' }, fabric: { hosts: ['badhosts'] } },
  { origin: 'tests/test_main.py::test_lazy_roles', roledefs: { r1: () => ['a', 'b'] }, task: { roles: ['r1'] }, fabric: { hosts: ['a', 'b'] } },

  // Read from fabric/tasks.py::get_hosts_and_effective_roles: which exclusions apply where.
  {
    origin: 'fabric/tasks.py::get_hosts_and_effective_roles [-x is not applied to the task\'s own hosts]',
    task: { hosts: ['foo', 'bar'] },
    env: { exclude_hosts: ['foo'] },
    fabric: { hosts: ['foo', 'bar'] },
    differs: { why: 'an excluded host (-x) is never touched, whatever chose it', dpl: ['bar'] },
  },
  {
    origin: 'fabric/tasks.py::get_hosts_and_effective_roles [-x is not applied to per-invocation hosts]',
    args: { hosts: ['foo', 'bar'] },
    env: { exclude_hosts: ['foo'] },
    fabric: { hosts: ['foo', 'bar'] },
    differs: { why: 'an excluded host (-x) is never touched, whatever chose it', dpl: ['bar'] },
  },
  {
    origin: 'fabric/tasks.py::get_hosts_and_effective_roles [exclude_hosts= is not applied to -H hosts]',
    args: { exclude_hosts: ['foo'] },
    env: { hosts: ['foo', 'bar'] },
    fabric: { hosts: ['foo', 'bar'] },
    differs: { why: 'exclude_hosts= excludes from whatever list the task runs on', dpl: ['bar'] },
  },
  {
    origin: 'fabric/task_utils.py::merge [an exclusion is compared with the host strings]',
    inventory: { web: '10.0.0.1' },
    args: { hosts: ['web', 'db'], exclude_hosts: ['10.0.0.1'] },
    fabric: { hosts: ['web', 'db'] },
    differs: { why: "an exclusion matches a host's inventory name or its address", dpl: ['db'] },
  },
  {
    origin: 'fabric/tasks.py::execute [every host excluded: the task runs once, locally]',
    args: { hosts: ['foo'], exclude_hosts: ['foo'] },
    fabric: { hosts: ['<local-only>'] },
    differs: { why: 'a task meant for hosts never falls back to the local machine', dpl: [] },
  },
  {
    origin: 'fabric/tasks.py::execute [no hosts anywhere: the task runs once, locally]',
    fabric: { hosts: ['<local-only>'] },
    differs: { why: "a task meant for hosts is refused without them (exit 2); this machine only with run: 'local'", dpl: { error: /runs on hosts, and none are chosen/ } },
  },
];

/** `execute(task, hosts=..., roles=..., exclude_hosts=...)` ↔ `c.execute(name, [], { hosts, roles, exclude })`. */
export interface ExecuteCase extends Origin {
  roledefs?: Record<string, RoleSource>;
  task?: { hosts?: string[]; roles?: string[] };
  kwargs?: { hosts?: string[]; roles?: string[]; exclude_hosts?: string[] };
  /** The hosts the task ran on, in order (Fabric checks env.host_string on each call). */
  fabric: string[];
  ordered?: boolean;
}

export const executeCases: ExecuteCase[] = [
  { origin: 'tests/test_tasks.py::TestExecute::test_should_honor_hosts_kwarg', kwargs: { hosts: ['a', 'b', 'c'] }, fabric: ['a', 'b', 'c'], ordered: true },
  { origin: 'tests/test_tasks.py::TestExecute::test_should_honor_hosts_decorator', task: { hosts: ['a', 'b', 'c'] }, fabric: ['a', 'b', 'c'], ordered: true },
  {
    origin: 'tests/test_tasks.py::TestExecute::test_should_honor_roles_decorator',
    roledefs: { role1: ['a', 'b', 'c'] },
    task: { roles: ['role1'] },
    fabric: ['a', 'b', 'c'],
    ordered: true,
  },
  {
    origin: 'tests/test_tasks.py::TestExecute::test_should_set_all_hosts',
    roledefs: { r1: ['c', 'd'] },
    kwargs: { hosts: ['a', 'b'], roles: ['r1'], exclude_hosts: ['a'] },
    fabric: ['b', 'c', 'd'],
  },
];

/**
 * @runs_once (tests/test_decorators.py; test_tasks.py only imports it): the function runs
 * once per process (`fab` run) however often it is called, and every call returns the first
 * call's value. ↔ a `run: 'once'` task invoked `calls` times in one run.
 */
export interface RunsOnceCase extends Origin {
  /** How it is called: each CLI token in one run, or c.execute from one local task. */
  via: 'cli' | 'execute';
  calls: number;
  hosts?: string[];
  parallel?: boolean;
  /** Times the task's function body ran. */
  fabricBodyRuns: number;
  /** Every call returns the value of the first (only for via: 'execute'). */
  sameValue?: boolean;
}

export const runsOnceCases: RunsOnceCase[] = [
  { origin: 'tests/test_decorators.py::test_runs_once_runs_only_once', via: 'cli', calls: 2, fabricBodyRuns: 1 },
  {
    origin: 'tests/test_decorators.py::test_runs_once_returns_same_value_each_run',
    via: 'execute',
    calls: 2,
    fabricBodyRuns: 1,
    sameValue: true,
  },
  { origin: 'tests/test_decorators.py::test_runs_once', via: 'execute', calls: 2, fabricBodyRuns: 1, sameValue: true },
  { origin: 'tests/test_decorators.py::test_global_parallel_honors_runs_once', via: 'cli', calls: 1, hosts: ['localhost', '127.0.0.1'], parallel: true, fabricBodyRuns: 1 },
];

/**
 * `requires_parallel(task)` with @serial / @parallel and -P ↔ how many hosts planTask runs at
 * once. Fabric's decorators are written in dpl as `dpl`: @serial is `limit: 1` (serial even
 * under -P), @parallel is `run: 'parallel'`; both at once cannot be written (null).
 */
export interface ModeCase extends Origin {
  task: { serial?: boolean; parallel?: boolean };
  dpl: { run?: 'each' | 'parallel'; limit?: number } | null;
  /** fab -P (env.parallel). */
  P?: boolean;
  fabric: 'parallel' | 'serial';
  differs?: { why: string; dpl: 'parallel' | 'serial' | 'unwritable' };
}

const oneMode = { why: "one run mode per task: serial and parallel at once cannot be written (run: 'parallel', limit: 1 is serial)", dpl: 'unwritable' as const };

export const modeCases: ModeCase[] = [
  { origin: 'tests/test_decorators.py::test_parallel_tasks [One @serial-decorated task == no parallelism]', task: { serial: true }, dpl: { limit: 1 }, fabric: 'serial' },
  { origin: 'tests/test_decorators.py::test_parallel_tasks [One @parallel-decorated task == parallelism]', task: { parallel: true }, dpl: { run: 'parallel' }, fabric: 'parallel' },
  {
    origin: 'tests/test_decorators.py::test_parallel_tasks [Tasks decorated with both @serial and @parallel count as @parallel]',
    task: { serial: true, parallel: true },
    dpl: null,
    fabric: 'parallel',
    differs: oneMode,
  },
  { origin: 'tests/test_decorators.py::test_parallel_wins_vs_serial', task: { serial: true, parallel: true }, dpl: null, P: true, fabric: 'parallel', differs: oneMode },
  { origin: 'fabric/tasks.py::requires_parallel [-P makes a plain task parallel]', task: {}, dpl: {}, P: true, fabric: 'parallel' },
  { origin: 'fabric/tasks.py::requires_parallel [-P leaves a @serial task serial]', task: { serial: true }, dpl: { limit: 1 }, P: true, fabric: 'serial' },
];

/** fabric/main.py::main turns `-H`/`-R`/`-x` into lists with `value.split(',')` ↔ dpl's parseList. */
export interface ListCase extends Origin {
  input: string;
  fabric: string[];
  differs?: { why: string; dpl: string[] };
}

export const listCases: ListCase[] = [
  { origin: 'fabric/main.py::main [-H a,b]', input: 'a,b', fabric: ['a', 'b'] },
  {
    origin: 'fabric/main.py::main [-x with spaces and an empty entry]',
    input: 'a, b,,c',
    fabric: ['a', ' b', '', 'c'],
    differs: { why: 'entries are trimmed and empty ones dropped (-x " b" would exclude nothing in Fabric)', dpl: ['a', 'b', 'c'] },
  },
];

/** A lazy (callable) roledef: how often its function is called for `tasks` tasks of one run. */
export interface LazyRoleCase extends Origin {
  tasks: number;
  fabricCalls: number;
  differs?: { why: string; dpl: number };
}

export const lazyRoleCases: LazyRoleCase[] = [
  {
    origin: 'fabric/task_utils.py::merge [a lazy role is called again for every task]',
    tasks: 2,
    fabricCalls: 2,
    differs: { why: 'a generated role is resolved once per run, so every task of the run sees the same hosts', dpl: 1 },
  },
];

/** Task lookup by name (fabric/task_utils.py::crawl over what main.py::extract_tasks loaded). */
export interface LookupCase extends Origin {
  /** The fabfile's shape: `task` (its aliases), `{ ns: {...} }` a module, `default` its default task. */
  tree: LookupTree;
  name: string;
  /** The task's canonical name, or null: not found. */
  fabric: string | null;
  /** dpl refuses the deployfile (exit 2). */
  differs?: { why: string; dpl: Refused };
}
export type LookupTree = { [name: string]: { aliases?: string[] } | { tasks: LookupTree; default?: string } };

const flatAlias: LookupTree = { foo: { aliases: ['foo_aliased'] } };
const flatAliases: LookupTree = { foo: { aliases: ['foo_aliased', 'foo_aliased_two'] } };

export const lookupCases: LookupCase[] = [
  { origin: 'tests/test_main.py::TestTaskAliases::test_flat_alias', tree: flatAlias, name: 'foo', fabric: 'foo' },
  { origin: 'tests/test_main.py::TestTaskAliases::test_flat_alias', tree: flatAlias, name: 'foo_aliased', fabric: 'foo' },
  { origin: 'tests/test_main.py::TestTaskAliases::test_nested_alias', tree: { nested: { tasks: flatAlias } }, name: 'nested.foo', fabric: 'nested.foo' },
  { origin: 'tests/test_main.py::TestTaskAliases::test_nested_alias', tree: { nested: { tasks: flatAlias } }, name: 'nested.foo_aliased', fabric: 'nested.foo' },
  { origin: 'tests/test_main.py::TestTaskAliases::test_nested_alias [not at the top]', tree: { nested: { tasks: flatAlias } }, name: 'foo_aliased', fabric: null },
  { origin: 'tests/test_main.py::TestTaskAliases::test_flat_aliases', tree: flatAliases, name: 'foo_aliased_two', fabric: 'foo' },
  { origin: 'tests/test_main.py::TestTaskAliases::test_nested_aliases', tree: { nested: { tasks: flatAliases } }, name: 'nested.foo_aliased', fabric: 'nested.foo' },
  { origin: 'tests/test_main.py::TestTaskAliases::test_nested_aliases', tree: { nested: { tasks: flatAliases } }, name: 'nested.foo_aliased_two', fabric: 'nested.foo' },
  {
    origin: 'tests/test_main.py::test_crawl [deep, with an alias]',
    tree: { a: { tasks: { b: { tasks: { c: { aliases: ['see'] } } } } } },
    name: 'a.b.see',
    fabric: 'a.b.c',
  },
  { origin: 'tests/test_main.py::test_crawl [full tree]', tree: { a: { tasks: { b: { tasks: { c: {} } }, d: {} } }, z: {} }, name: 'a.b.c', fabric: 'a.b.c' },
  {
    origin: 'tests/test_main.py::test_default_task_loading',
    tree: { mymodule: { tasks: { long_task_name: {} }, default: 'long_task_name' } },
    name: 'mymodule',
    fabric: 'mymodule.long_task_name',
  },
  { origin: 'fabric/task_utils.py::crawl [a module without a default is no task]', tree: { mymodule: { tasks: { t: {} } } }, name: 'mymodule', fabric: null },
  {
    origin: 'fabric/main.py::extract_tasks [two tasks with one alias: the later wins]',
    tree: { nested: { tasks: { a: { aliases: ['x'] }, b: { aliases: ['x'] } } } },
    name: 'nested.x',
    fabric: 'nested.b',
    differs: { why: 'a name that could run either task is refused', dpl: { error: /"nested\.x" is an alias of nested\.a and an alias of nested\.b/ } },
  },
  {
    origin: 'fabric/main.py::extract_tasks [an alias named like a later task: the task wins]',
    tree: { a: { aliases: ['b'] }, b: {} },
    name: 'b',
    fabric: 'b',
    differs: { why: 'a name that could run either task is refused', dpl: { error: /"b" is both a task and an alias of a/ } },
  },
  {
    origin: 'fabric/main.py::extract_tasks [an alias named like the module\'s default]',
    tree: { deploy: { tasks: { run: {} }, default: 'run' }, other: { aliases: ['deploy'] } },
    name: 'deploy',
    fabric: 'other',
    differs: { why: 'a name that could run either task is refused', dpl: { error: /"deploy" is the default of namespace deploy and an alias of other/ } },
  },
];

/**
 * Fabric tests in the ported files that are not about parsing, host lists, lookup, modes or
 * runs_once, or test Python mechanics dpl has no counterpart for.
 */
export const notPorted: Record<string, string> = {
  'tests/test_main.py::test_hosts_decorator_expands_single_iterable': 'Python decorator call shape (@hosts(list) vs @hosts(*list))',
  'tests/test_main.py::test_roles_decorator_expands_single_iterable': 'Python decorator call shape',
  'tests/test_main.py::TestFindFabfile, test_load_fabfile_*, TestNamespaces': 'fabfile module discovery; dpl loads one deployfile.ts',
  'tests/test_main.py::test_list_output, test_task_names, test_mapping_task_classes, test_default_task_listings, test_aliases_appear_in_fab_list':
    '--list formats; dpl prints its own tree (aliases under -d)',
  'tests/test_tasks.py::TestWrappedCallableTask, TestTask, TestTaskDetails, test_decorator_*': 'Python task objects and decorators',
  'tests/test_tasks.py::TestExecute (return values, output, env, ports)': 'results and output: c.execute returns a per-host map; the ssh tests cover connections',
  'tests/test_decorators.py::@task, @with_settings, test_roles, test_hosts': 'Python decorator mechanics',
};
