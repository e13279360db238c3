// An HTTP GET to a node as the load balancer sees it: the TCP stream is opened by
// the LB host's transport (an SSH direct-tcpip channel, or net.connect locally),
// so firewalls and addresses are the LB's, not the deploying laptop's.
import type { Duplex } from 'node:stream';
import type { Transport } from '../transport/types.js';

export interface ProbeResult {
  ok: boolean;
  /** "200", "503 Service Unavailable", "connection refused", "timed out after 5000 ms". */
  detail: string;
}

export interface ProbeOptions {
  path: string;
  hostHeader?: string;
  timeoutMs: number;
}

/** 2xx only; a redirect is a failure (a health path that redirects is not a health path). */
export async function httpProbe(
  transport: Transport,
  target: { host: string; port: number },
  o: ProbeOptions,
): Promise<ProbeResult> {
  let stream: Duplex;
  try {
    stream = await connectWithin(transport, target, o.timeoutMs);
  } catch (e) {
    return { ok: false, detail: `cannot connect: ${shortReason(e)}` };
  }
  const host = o.hostHeader ?? (target.host.includes(':') ? `[${target.host}]:${target.port}` : `${target.host}:${target.port}`);
  const request = `GET ${o.path} HTTP/1.1\r\nHost: ${host}\r\nUser-Agent: dpl-health\r\nConnection: close\r\n\r\n`;
  return new Promise<ProbeResult>((resolve) => {
    let head = '';
    let settled = false;
    const done = (r: ProbeResult): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      stream.destroy();
      resolve(r);
    };
    const timer = setTimeout(() => done({ ok: false, detail: `no answer within ${o.timeoutMs} ms` }), o.timeoutMs);
    stream.on('data', (b: Buffer) => {
      head += b.toString('latin1');
      const eol = head.indexOf('\r\n');
      if (eol < 0 && head.length < 4096) return;
      const m = /^HTTP\/\d(?:\.\d)? (\d{3})(?: ([^\r\n]*))?/.exec(head);
      if (!m) return done({ ok: false, detail: `not an HTTP answer: ${JSON.stringify(head.slice(0, 60))}` });
      const code = Number(m[1]);
      done({ ok: code >= 200 && code < 300, detail: `${code}${m[2] ? ' ' + m[2] : ''}` });
    });
    stream.once('error', (e) => done({ ok: false, detail: shortReason(e) }));
    stream.once('close', () => done({ ok: false, detail: 'connection closed before an answer' }));
    stream.write(request);
  });
}

function connectWithin(transport: Transport, target: { host: string; port: number }, ms: number): Promise<Duplex> {
  return new Promise((resolve, reject) => {
    let late = false;
    const t = setTimeout(() => {
      late = true;
      reject(new Error(`timed out after ${ms} ms`));
    }, ms);
    transport.connect(target).then(
      (s) => {
        clearTimeout(t);
        if (late) s.destroy();
        else resolve(s);
      },
      (e) => {
        clearTimeout(t);
        reject(e);
      },
    );
  });
}

function shortReason(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  if (/ECONNREFUSED/.test(msg)) return 'connection refused';
  if (/ETIMEDOUT|EHOSTUNREACH|ENETUNREACH/.test(msg)) return msg.replace(/^.*?(E[A-Z]+).*$/, '$1');
  return msg;
}
