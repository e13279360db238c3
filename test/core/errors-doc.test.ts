// docs/errors.md is generated from the registry of error codes (npm run docs:errors):
// the committed file must be exactly that text, so the docs never drift from the codes.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { expect, it } from 'vitest';
import { ERROR_CODES } from '../../src/core/error-codes.js';
import { errorsMarkdown } from '../../scripts/errors-doc.js';

it('docs/errors.md is what `npm run docs:errors` makes from src/core/error-codes.ts', () => {
  const committed = readFileSync(resolve(import.meta.dirname, '../../docs/errors.md'), 'utf8');
  expect(committed, 'run `npm run docs:errors` and commit docs/errors.md').toBe(errorsMarkdown());
  for (const code of Object.keys(ERROR_CODES)) expect(committed).toContain(`| \`${code}\` |`);
});
