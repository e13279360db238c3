// Loads the deployfile's default export. A deployfile that throws while loading
// is a deployfile error (exit 2) at the user's file:line with the source line
// (attribute.ts maps the compiled file back to it); an error whose top frame is
// dpl's own stays dpl's internal error.
import { relative } from 'node:path';
import { pathToFileURL } from 'node:url';
import { DeployfileError, DplError } from '../core/errors.js';
import { isDeployfile, type AnyDeployfile } from '../core/deployfile.js';
import { compileDeployfile } from './compile.js';
import { deployfileLocation, located, mappedStack, nameAndMessage, whose } from './attribute.js';

export async function loadDeployfile(file: string): Promise<AnyDeployfile> {
  const compiled = await compileDeployfile(file);
  let mod: { default?: unknown };
  try {
    mod = (await import(pathToFileURL(compiled).href)) as { default?: unknown };
  } catch (e) {
    throw loadError(e);
  }
  const def = mod.default;
  if (!isDeployfile(def)) {
    throw new DeployfileError(`${relative(process.cwd(), file) || file} must \`export default deployfile({ tasks: { ... } })\``, {
      code: 'deployfile.load',
      hint: "import { deployfile, task } from 'dpl-deploy'",
    });
  }
  return def;
}

function loadError(e: unknown): unknown {
  const hint = 'the deployfile threw while loading; -v shows its stack';
  if (e instanceof DplError) {
    // dpl refused what the deployfile gave it (deployfile({ ... }) checks): at the deployfile's line that called.
    const loc = deployfileLocation(e);
    const err = new DeployfileError(loc ? located(loc, e.message) : `deployfile failed while loading: ${e.message}`, { code: 'deployfile.load', cause: e, hint: e.hint });
    err.stack = mappedStack(e);
    return err;
  }
  if (!(e instanceof Error)) return new DeployfileError(`deployfile failed while loading: it threw ${String(e)}`, { code: 'deployfile.load', cause: e });
  const w = whose(e);
  if (w.owner === 'dpl') return e; // dpl's own code threw: its bug, reported as one
  // The user's code, or no frame to tell (an fs promise the deployfile awaited): the deployfile's failure.
  const err = new DeployfileError(w.owner === 'user' ? located(w.at, nameAndMessage(e)) : `deployfile failed while loading: ${nameAndMessage(e)}`, { code: 'deployfile.load', cause: e, hint });
  err.stack = mappedStack(e);
  return err;
}
