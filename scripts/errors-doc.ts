// The text of docs/errors.md, made from the one registry of error codes
// (src/core/error-codes.ts). `npm run docs:errors` writes it; test/core/errors-doc.test.ts
// checks that the committed file is this text, so the two never drift.
import { ERROR_CODES } from '../src/core/error-codes.js';

export function errorsMarkdown(): string {
  const rows = Object.entries(ERROR_CODES).map(([code, text]) => `| \`${code}\` | ${text.replace(/\|/g, '\\|')} |`);
  return [
    '# Error codes',
    '',
    '<!-- Generated from src/core/error-codes.ts by `npm run docs:errors`: edit the registry, not this file. -->',
    '',
    'Every error dpl reports has a stable `code`: match on it, not on the English text, which may change.',
    'Codes are only ever added, never renamed or reused.',
    '',
    'Where the code appears:',
    '',
    '- `err.code` on every error dpl throws (`DplError` and its subclasses); a `HostError` also has `err.host`,',
    '  and its `message` does not name the host (the terminal shows `[host] message`).',
    '- `--json` and the run log (`.dpl/logs/<run>/events.jsonl`): `run.end` has `code` and, for an error about',
    '  one host, `host`; when a task failed on hosts (`hosts.failed`), `failures` lists',
    '  `{ host, code, message, hint? }` for each. Each failed `host.end` has its `code`.',
    '- The exit status: 2 for a wrong command line or deployfile (`usage*`, `config.invalid`, `ssh-config.invalid`,',
    '  `deployfile.*` but `deployfile.code`), 130 for `interrupted`, 1 for the rest.',
    '',
    '| code | meaning |',
    '| --- | --- |',
    ...rows,
    '',
  ].join('\n');
}
