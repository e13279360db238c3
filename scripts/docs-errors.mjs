// npm run docs:errors: writes docs/errors.md from the error-code registry (scripts/errors-doc.ts).
import { writeFileSync } from 'node:fs';
import { build } from 'esbuild';

const out = await build({ entryPoints: ['scripts/errors-doc.ts'], bundle: true, format: 'esm', platform: 'node', write: false });
const { errorsMarkdown } = await import(`data:text/javascript;base64,${Buffer.from(out.outputFiles[0].text).toString('base64')}`);
writeFileSync('docs/errors.md', errorsMarkdown());
console.log('wrote docs/errors.md');
