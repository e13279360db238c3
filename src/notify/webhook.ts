// POSTs one JSON body to a webhook with an overall deadline. Rejects with a
// short reason (refused, HTTP 500 + body start, timed out); never throws synchronously.

export interface PostOptions {
  timeoutMs: number;
  headers?: Record<string, string>;
}

export async function postJson(url: string, body: unknown, o: PostOptions): Promise<void> {
  const payload = Buffer.from(JSON.stringify(body));
  const u = new URL(url);
  const { request } = u.protocol === 'https:' ? await import('node:https') : await import('node:http');
  await new Promise<void>((resolve, reject) => {
    const req = request(u, {
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
