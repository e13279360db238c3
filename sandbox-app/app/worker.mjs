// The background worker (celery's part in G Adventures' fleet): takes a "job"
// every 2 s and says so in its log, until SIGTERM.
import { loadConfig } from './ini.mjs';

const { version, host } = loadConfig();
const log = (msg) => console.log(`${new Date().toISOString()} worker ${version} on ${host}: ${msg}`);
let jobs = 0;
log(`started (pid ${process.pid})`);
const timer = setInterval(() => log(`processed job ${++jobs}`), 2000);
process.on('SIGTERM', () => {
  clearInterval(timer);
  log(`stopping after ${jobs} jobs`);
  process.exit(0);
});
