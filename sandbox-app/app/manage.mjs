// Management commands, run by a deploy in the new release directory:
//   node app/manage.mjs migrate        apply new app/migrations to the database ($SANDBOX_DB)
//   node app/manage.mjs collectstatic  copy app/static into public/static (media hosts)
import { appendFileSync, cpSync, existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from './ini.mjs';

const { version, host } = loadConfig();
const release = process.env.DPL_RELEASE ?? '-';

function migrate() {
  const db = process.env.SANDBOX_DB;
  if (!db) throw new Error('SANDBOX_DB is not set: which database?');
  mkdirSync(db, { recursive: true });
  const schemaFile = join(db, 'schema.json');
  const schema = existsSync(schemaFile) ? JSON.parse(readFileSync(schemaFile, 'utf8')) : { applied: [] };
  const todo = readdirSync('app/migrations').filter((f) => f.endsWith('.sql')).sort().filter((f) => !schema.applied.includes(f));
  schema.applied.push(...todo);
  writeFileSync(schemaFile, JSON.stringify(schema, null, 2) + '\n');
  const what = todo.length ? `applied ${todo.join(', ')}` : `nothing to apply (${schema.applied.length} applied)`;
  appendFileSync(join(db, 'migrate.log'), `${new Date().toISOString()} host=${host} release=${release} version=${version} ${what}\n`);
  console.log(`migrate: ${what}`);
}

function collectstatic() {
  const files = readdirSync('app/static');
  mkdirSync('public', { recursive: true });
  cpSync('app/static', 'public/static', { recursive: true });
  console.log(`collectstatic: ${files.length} files copied to public/static`);
}

const commands = { migrate, collectstatic };
const name = process.argv[2];
if (!commands[name]) {
  console.error(`usage: node app/manage.mjs ${Object.keys(commands).join('|')}`);
  process.exit(2);
}
commands[name]();
