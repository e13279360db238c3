#!/bin/sh
":" //; if [ -n "$NODE_EXTRA_CA_CERTS" ]; then DPL_EXTRA_CA_CERTS=$NODE_EXTRA_CA_CERTS; export DPL_EXTRA_CA_CERTS; unset NODE_EXTRA_CA_CERTS; fi; exec node "$0" "$@"
// The `dpl` command (package.json "bin"), and `node bin/dpl.js`.
//
// Executed as a file (dpl on PATH, npx dpl, bin/dpl.js), it is first a sh script:
// line 2 moves NODE_EXTRA_CA_CERTS to DPL_EXTRA_CA_CERTS and re-runs this file
// with node. Node 20 parses that file with its whole CA store at start-up (~40 ms,
// nodejs/node#40524) though dpl rarely speaks TLS; src/cli/start.ts puts it back
// for the commands dpl runs and src/notify/webhook.ts adds it to dpl's own HTTPS.
// To node, line 2 is a string statement and a comment (`":" //...`).
import module from 'node:module';

// Node 22.1+: keep V8's compiled code on disk (NODE_COMPILE_CACHE, else the temp dir).
try {
  module.enableCompileCache?.();
} catch {}
await import('../dist/bundle/main.js');
