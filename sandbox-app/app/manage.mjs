// Management commands, run by a deploy in the new release directory:
//   node app/manage.mjs migrate        apply new app/migrations to the database ($SANDBOX_DB)
//   node app/manage.mjs unmigrate NAME...  undo applied migrations (a rollback's rollbackMigrations hook)
//   node app/manage.mjs collectstatic  copy app/static into public/static (media hosts)
import { appendFileSync, cpSync, existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadConfig } from './ini.mjs';

const { version, host } = loadConfig();
const release = process.env.DPL_RELEASE ?? '-';

function database() {
  const db = process.env.SANDBOX_DB;
  if (!db) throw new Error('SANDBOX_DB is not set: which database?');
  mkdirSync(db, { recursive: true });
  const schemaFile = join(db, 'schema.json');
  return { db, schemaFile, schema: existsSync(schemaFile) ? JSON.parse(readFileSync(schemaFile, 'utf8')) : { applied: [] } };
}

function migrate() {
  const { db, schemaFile, schema } = database();
  const todo = readdirSync('app/migrations').filter((f) => f.endsWith('.sql')).sort().filter((f) => !schema.applied.includes(f));
  schema.applied.push(...todo);
  writeFileSync(schemaFile, JSON.stringify(schema, null, 2) + '\n');
  const what = todo.length ? `applied ${todo.join(', ')}` : `nothing to apply (${schema.applied.length} applied)`;
  appendFileSync(join(db, 'migrate.log'), `${new Date().toISOString()} host=${host} release=${release} version=${version} ${what}\n`);
  console.log(`migrate: ${what}`);
}

/** Names as dpl records them (no extension) or as files: 0004_add_fare_cache or 0004_add_fare_cache.sql. */
function unmigrate(...names) {
  if (!names.length) throw new Error('unmigrate: which migrations?');
  const { db, schemaFile, schema } = database();
  const base = (f) => f.replace(/\.sql$/, '');
  const undone = schema.applied.filter((f) => names.some((n) => base(n) === base(f)));
  schema.applied = schema.applied.filter((f) => !undone.includes(f));
  writeFileSync(schemaFile, JSON.stringify(schema, null, 2) + '\n');
  const what = undone.length ? `undid ${undone.join(', ')}` : `nothing to undo (${names.join(', ')} not applied)`;
  appendFileSync(join(db, 'migrate.log'), `${new Date().toISOString()} host=${host} release=${release} version=${version} ${what}\n`);
  console.log(`unmigrate: ${what}`);
}

function collectstatic() {
  const files = readdirSync('app/static');
  mkdirSync('public', { recursive: true });
  cpSync('app/static', 'public/static', { recursive: true });
  console.log(`collectstatic: ${files.length} files copied to public/static`);
}

const commands = { migrate, unmigrate, collectstatic };
const [name, ...rest] = process.argv.slice(2);
if (!commands[name]) {
  console.error(`usage: node app/manage.mjs ${Object.keys(commands).join('|')}`);
  process.exit(2);
}
commands[name](...rest);
