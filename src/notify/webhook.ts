// POSTs one JSON body to a webhook with an overall deadline. Rejects with a
// short reason (refused, HTTP 500 + body start, timed out); never throws synchronously.

export interface PostOptions {
  timeoutMs: number;
  headers?: Record<string, string>;
}

export async function postJson(url: string, body: unknown, o: PostOptions): Promise<void> {
  const payload = Buffer.from(JSON.stringify(body));
  const u = new URL(url);
  const https = u.protocol === 'https:';
  // node:https, not fetch: Node 20's fetch cannot be given a CA (see extraCa). Loaded when first used.
  const { request } = https ? await import('node:https') : await import('node:http');
  const ca = https ? await extraCa() : undefined;
  await new Promise<void>((resolve, reject) => {
    const req = request(u, {
      ...(ca ? { ca } : {}),
      method: 'POST',
      headers: {
        'content-type': 'application/json; charset=utf-8',
        'content-length': String(payload.length),
        'user-agent': 'dpl',
        ...o.headers,
      },
    });
    const deadline = setTimeout(() => req.destroy(new Error(`timed out after ${o.timeoutMs / 1000} s`)), o.timeoutMs);
    const done = (err?: Error): void => {
      clearTimeout(deadline);
      if (err) reject(err);
      else resolve();
    };
    req.on('error', (e: NodeJS.ErrnoException) => done(new Error(e.code === 'ECONNREFUSED' ? 'connection refused' : e.message)));
    req.on('response', (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (b: Buffer) => chunks.length < 16 && chunks.push(b));
      res.on('error', (e) => done(e));
      res.on('end', () => {
        const status = res.statusCode ?? 0;
        if (status >= 200 && status < 300) return done();
        const text = Buffer.concat(chunks).toString('utf8').trim().slice(0, 200);
        done(new Error(`HTTP ${status}${text ? `: ${text}` : ''}`));
      });
    });
    req.end(payload);
  });
}

/**
 * Node's bundled CAs plus NODE_EXTRA_CA_CERTS, as node itself would trust them.
 * bin/dpl.js starts node without that variable (parsing it costs ~40 ms of start-up)
 * and start.ts puts it back, so node has not loaded it: it is added here. Node 20's
 * fetch has no `ca` option (it would need undici's Agent, not a public builtin).
 */
async function extraCa(): Promise<string[] | undefined> {
  const file = process.env['NODE_EXTRA_CA_CERTS'];
  if (!file || /--use-(openssl|system)-ca/.test(`${process.execArgv.join(' ')} ${process.env['NODE_OPTIONS'] ?? ''}`)) return undefined;
  try {
    const [{ rootCertificates }, { readFile }] = await Promise.all([import('node:tls'), import('node:fs/promises')]);
    return [...rootCertificates, await readFile(file, 'utf8')];
  } catch {
    return undefined; // as node does with an unreadable file: the bundled CAs only
  }
}
