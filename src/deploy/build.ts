// Strategy `upload`: export the commit here and run the build command once; its
// output directory is what every host receives (shipment.ts, upload.ts). Package
// registries and the git host are touched once per deploy, not once per server.
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Context } from '../core/context-types.js';
import { internal } from '../core/internal.js';
import { DplError } from '../core/errors.js';
import { sh } from '../core/quote.js';
import type { ResolvedRef } from '../git/describe.js';
import type { ReleaseConfig } from './config.js';
import type {} from './events.js'; // the EventMap entries this file emits

export interface Artifact {
  /** The build output directory (inside a temp directory `dispose` removes). */
  dir: string;
  dispose(): Promise<void>;
}

/** A tarball the deployfile made itself (`source.artifact`), unpacked to a temp directory to ship like a build. */
export async function unpackArtifact(c: Context, tarball: string): Promise<Artifact> {
  const dir = await mkdtemp(path.join(tmpdir(), 'dpl-artifact-'));
  const dispose = () => rm(dir, { recursive: true, force: true });
  try {
    await c.local(sh`tar -xf ${path.resolve(c.session.root, tarball)} -C ${dir}`);
    return { dir, dispose };
  } catch (e) {
    await dispose();
    throw e;
  }
}

export async function buildArtifact(
  c: Context,
  repoDir: string,
  resolved: ResolvedRef,
  release: string,
  build: ReleaseConfig['build'] = {},
): Promise<Artifact> {
  const dir = await mkdtemp(path.join(tmpdir(), 'dpl-build-'));
  const dispose = () => rm(dir, { recursive: true, force: true });
  try {
    const src = path.join(dir, 'src');
    internal(c).emit('deploy.build', { release, sha: resolved.sha, dir: src });
    await c.local(
      sh`git -C ${repoDir} archive --format=tar --output=${path.join(dir, 'src.tar')} ${resolved.sha}` +
        sh` && mkdir -- ${src} && tar -xf ${path.join(dir, 'src.tar')} -C ${src} && rm -f -- ${path.join(dir, 'src.tar')}`,
    );
    const env: Record<string, string> = { ...(build.env ?? {}), DPL_RELEASE: release, DPL_REVISION: resolved.sha, DPL_REF: resolved.ref };
    if (resolved.tag) env.DPL_TAG = resolved.tag;
    // The build command is the deployfile author's own shell text, run as written.
    if (build.command) await c.cd(src).withEnv(env).local(build.command);
    const output = path.resolve(src, build.output ?? '.');
    if (output !== src && !output.startsWith(src + path.sep)) {
      throw new DplError(`build.output must be inside the build directory: ${JSON.stringify(build.output)}`, { code: 'build.failed' });
    }
    if (!c.session.flags.dryRun && !(await stat(output).catch(() => undefined))?.isDirectory()) {
      throw new DplError(`build output ${build.output} was not produced by the build`, { code: 'build.failed', hint: `check build.command and build.output (looked in ${output})` });
    }
    return { dir: output, dispose };
  } catch (e) {
    await dispose();
    throw e;
  }
}
