// Pure pieces: HAProxy answers, the nginx include file, the plan and its refusals,
// config validation. No processes.
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/core/errors.js';
import { splitAnswers } from '../../src/proxy/haproxy-socket.js';
import { adminFromBits, healthFromStatus, mergeState, parseServersState, parseStatCsv } from '../../src/proxy/haproxy-state.js';
import { applyToUpstreamFile, parseUpstreamFile } from '../../src/proxy/nginx-file.js';
import { assertSomethingLive, planRotation } from '../../src/proxy/plan.js';
import { orderChanges, type ServerState } from '../../src/proxy/driver.js';
import { proxyTasks } from '../../src/proxy/tasks.js';
import type { Model } from '../../src/proxy/model.js';

const SERVERS_STATE = `1
# be_id be_name srv_id srv_name srv_addr srv_op_state srv_admin_state srv_uweight srv_iweight srv_time_since_last_change srv_check_status srv_check_result srv_check_health srv_check_state srv_agent_state bk_f_forced_id srv_f_forced_id srv_fqdn srv_port srvrecord srv_use_ssl srv_check_port srv_check_addr srv_agent_addr srv_agent_port
3 app 1 web0 127.0.10.1 2 8 1 1 9 15 3 4 6 0 0 0 - 18080 - 0 0 - - 0
3 app 2 web1 127.0.10.2 0 1 1 1 0 15 3 0 14 0 0 0 - 18080 - 0 9000 10.9.9.9 - 0`;
const STAT = `# pxname,svname,qcur,qmax,scur,smax,slim,stot,bin,bout,dreq,dresp,ereq,econ,eresp,wretr,wredis,status,weight,act,bck,chkfail,chkdown,lastchg,downtime,qlimit,pid,iid,sid,throttle,lbtot,tracked,type,rate,rate_lim,rate_max,check_status,check_code,check_duration,hrsp_1xx,hrsp_2xx,hrsp_3xx,hrsp_4xx,hrsp_5xx
app,web0,0,0,3,5,,0,0,0,,0,,0,0,0,0,DRAIN,1,1,0,1,1,1,0,,1,3,1,,0,,2,0,,0,L7OK,200,7,0,10,0,0,2
app,web1,0,0,0,0,,0,0,0,,0,,0,0,0,0,MAINT,1,1,0,0,0,1,0,,1,3,2,,0,,2,0,,0,,,,0,0,0,0,0
app,BACKEND,0,0,3,5,999,0,0,0,0,0,,0,0,0,0,UP,2,2,0,,0,1,0,,1,3,0,,0,,1,0,,0,,,,0,0,0,0,0`;

describe('HAProxy answers', () => {
  it('splits one answer per command (each ends with an empty line)', () => {
    expect(splitAnswers('\nNo such server.\n\n\nadmin\n\n', 4)).toEqual(['', 'No such server.', '', 'admin']);
    expect(splitAnswers('\n\n', 2)).toEqual(['', '']);
    expect(splitAnswers('Unknown command, but maybe:\n\n  help\n\n', 1)).toEqual(['Unknown command, but maybe:\n\n  help']);
  });

  it('reads admin bits, health words, and joins both answers by column name', () => {
    expect([0, 1, 8, 0x10, 0x20, 0x09].map(adminFromBits)).toEqual(['ready', 'maint', 'drain', 'drain', 'maint', 'maint']);
    expect(['UP', 'DRAIN', 'UP 1/3', 'DOWN', 'DOWN 1/2', 'MAINT', 'MAINT (via app/x)', 'no check', 'NOLB'].map(healthFromStatus)).toEqual([
      'up', 'up', 'failing', 'down', 'down', 'unchecked', 'unchecked', 'unchecked', 'up',
    ]);
    const merged = mergeState(parseServersState(SERVERS_STATE), parseStatCsv(STAT));
    expect(merged).toEqual([
      { backend: 'app', server: 'web0', admin: 'drain', health: 'up', status: 'DRAIN', check: 'L7OK 200', checkStatus: 'L7OK', sessions: 3, errors5xx: 2, checkAddress: { host: '127.0.10.1', port: 18080 } },
      { backend: 'app', server: 'web1', admin: 'maint', health: 'unchecked', status: 'MAINT', check: '', sessions: 0, errors5xx: 0, checkAddress: { host: '10.9.9.9', port: 9000 } },
    ]);
  });

  it('a check in progress ("* L4CON"): the code without the marker, as data and in the words', () => {
    const rows = parseServersState(SERVERS_STATE).slice(0, 1);
    const stat = parseStatCsv('# pxname,svname,status,check_status,check_code,last_chk,check_desc\napp,web0,DOWN,* L4CON,,,Layer4 connection problem');
    expect(mergeState(rows, stat)[0]).toMatchObject({ health: 'down', checkStatus: 'L4CON', check: 'L4CON: Layer4 connection problem' });
  });
});

describe('nginx include file', () => {
  const text = '# mine\nserver 10.0.0.1:80 weight=3;  # dpl:web0 ready\n  server 10.0.0.2 down; # dpl:web1 drain\nserver unix:/x.sock down;\nkeepalive 8;\n';
  it('parses names, addresses, parameters and dpl state', () => {
    expect(parseUpstreamFile(text).map(({ name, address, params, admin }) => ({ name, address, params, admin }))).toEqual([
      { name: 'web0', address: '10.0.0.1:80', params: ['weight=3'], admin: 'ready' },
      { name: 'web1', address: '10.0.0.2', params: [], admin: 'drain' },
      { name: 'unix:/x.sock', address: 'unix:/x.sock', params: [], admin: 'maint' },
    ]);
  });
  it('rewrites only the changed lines', () => {
    const out = applyToUpstreamFile(text, 'app', [
      { backend: 'app', server: 'web0', state: 'drain' },
      { backend: 'app', server: 'web1', state: 'ready' },
      { backend: 'other', server: 'web0', state: 'ready' },
    ]);
    expect(out).toBe('# mine\nserver 10.0.0.1:80 weight=3 down;  # dpl:web0 drain\n  server 10.0.0.2;  # dpl:web1 ready\nserver unix:/x.sock down;\nkeepalive 8;\n');
    expect(() => applyToUpstreamFile(text, 'app', [{ backend: 'app', server: 'web9', state: 'ready' }])).toThrow(/no server web9/);
  });
});

describe('plan', () => {
  const s = (server: string, admin: ServerState['admin'], status = 'UP'): ServerState => ({
    backend: 'app', server, admin, health: healthFromStatus(status), status, check: '', sessions: 0,
  });
  const model: Model = {
    lbs: [], backends: ['app'], groups: ['g1', 'g2'],
    members: [{ group: 'g1', server: 'a' }, { group: 'g1', server: 'b' }, { group: 'g2', server: 'c' }],
  };

  it('readies the incoming group first, drains only ready outgoing servers (maint stays maint)', () => {
    const plan = planRotation('lb', [s('a', 'ready'), s('b', 'maint', 'MAINT'), s('c', 'drain', 'DRAIN'), s('x', 'ready')], model, ['g2']);
    expect(orderChanges(plan.changes)).toEqual([
      { backend: 'app', server: 'c', state: 'ready' },
      { backend: 'app', server: 'a', state: 'drain' },
    ]);
    expect(plan.toVerify.map((x) => x.server)).toEqual(['c']);
  });

  it('with force, incoming servers the LB calls DOWN do not count as live; servers outside groups do', () => {
    const states = [s('a', 'ready'), s('b', 'ready'), s('c', 'drain', 'DOWN')];
    const plan = planRotation('lb', states, model, ['g2']);
    expect(() => assertSomethingLive(plan, states, model, true)).toThrow(/no server live in backend app \(after it: a drain, b drain, c ready but DOWN\)/);
    expect(() => assertSomethingLive(plan, states, model, false)).not.toThrow();
    const withSpare = [...states, s('spare', 'ready')];
    expect(() => assertSomethingLive(plan, withSpare, model, true)).not.toThrow();
  });
});

describe('proxyTasks(config)', () => {
  const base = { lb: 'lb0', backends: ['app'], groups: { group1: ['a'], group2: ['b'] } };
  it('mounts one task per group plus only/flip/all/status/maintenance', () => {
    expect(Object.keys(proxyTasks(base).tasks).sort()).toEqual(['all', 'flip', 'group1', 'group2', 'maintenance', 'only', 'status']);
  });
  it('refuses bad configs at load time', () => {
    expect(() => proxyTasks({ ...base, groups: { flip: ['a'], b: ['b'] } })).toThrow(UsageError);
    expect(() => proxyTasks({ ...base, groups: { one: ['a'] } })).toThrow(/at least two groups/);
    expect(() => proxyTasks({ ...base, backends: ['app; shutdown'] })).toThrow(/backend name/);
    expect(() => proxyTasks({ ...base, driver: 'nginx' })).toThrow(/nginx\.include/);
    expect(() => proxyTasks({ ...base, groups: { maintenance: ['a'], b: ['b'] } })).toThrow(/clashes with the task proxy\.maintenance/);
    expect(() => proxyTasks({ ...base, maintenance: { retryAfter: 1.5 } })).toThrow(/retryAfter/);
    expect(() => proxyTasks({ ...base, maintenance: { haproxyMap: 'maint.map' } })).toThrow(/maintenance\.haproxyMap` must be an absolute path/);
  });
});
