// The sandbox's web app ("airship" in the Procfile). Every path answers with the
// greeting, the version and the host; /health answers 200 once nothing it requires
// is missing; /metrics counts the other requests by status code (metrics.mjs). A share
// of the pages (`[errors] rate` in config/app.ini) fails with 500. It
// listens on the host's own address (APP_ADDR:APP_PORT, set by the host's sshd)
// and finishes the requests it has on SIGTERM.
import { createServer } from 'node:http';
import { loadConfig } from './ini.mjs';
import { requestMetrics } from './metrics.mjs';

const { version, greeting, requires, errorRate, host } = loadConfig();
const addr = process.env.APP_ADDR ?? '127.0.0.1';
const port = Number(process.env.APP_PORT ?? 8000);
const log = (msg) => console.log(`${new Date().toISOString()} airship ${version} on ${host}: ${msg}`);
let served = 0;
const metrics = requestMetrics({ host, version });

const server = createServer((req, res) => {
  if (req.url === '/metrics') {
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' });
    return res.end(metrics.render());
  }
  if (req.url === '/health') {
    const ok = requires.length === 0;
    res.writeHead(ok ? 200 : 503, { 'content-type': 'text/plain' });
    return res.end(ok ? 'ok\n' : `unhealthy: no ${requires.join(', ')} in this sandbox\n`);
  }
  // Health checks are not traffic: like HAProxy's counters, only the requests users send count.
  res.on('finish', () => metrics.count(res.statusCode));
  served++;
  const failed = errorRate > 0 && Math.random() < errorRate;
  res.writeHead(failed ? 500 : 200, { 'content-type': 'text/plain', 'x-opensky-version': version, 'x-opensky-host': host });
  res.end(failed ? `OpenSky ${version} on ${host}: fares are unavailable (the fare cache is cold)\n` : `${greeting} - OpenSky ${version} on ${host}\n`);
});

// One line per busy 5 s instead of one per request: `dpl monitor:airship` stays readable under load.
setInterval(() => {
  if (served) log(`served ${served} requests in the last 5 s`);
  served = 0;
}, 5000).unref();

server.listen(port, addr, () => log(`listening on ${addr}:${port} (pid ${process.pid})${requires.length ? `; /health waits for ${requires.join(', ')}` : ''}`));
server.on('error', (e) => {
  log(`cannot listen on ${addr}:${port}: ${e.message}`);
  process.exit(1);
});
process.on('SIGTERM', () => {
  log('SIGTERM: finishing open requests');
  server.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 2000).unref();
});
