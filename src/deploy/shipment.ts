// One deploy's build output, scanned once (manifest.ts), and the tars made from it:
// hosts whose live release is the same get the same tar, packed once and sent to
// each of them (usually one full tar on a first deploy, one delta after).
import { createHash } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { formatManifest, MANIFEST_NAME, scanTree, type Entry, type UploadPlan } from './manifest.js';
import { packTar } from './tar-pack.js';
import type { Broadcast } from './broadcast.js';

/**
 * gzip level of the shipped tar. Level 1 packs a typical build (text, minified JS)
 * to about a quarter at a few hundred MB/s; higher levels gain little and cost
 * the deploy machine seconds. Measured in bench/upload.mjs.
 */
export const GZIP_LEVEL = 1;

export class Shipment {
  /** Number of regular files, and their bytes, in the build output. */
  readonly fileCount: number;
  readonly treeBytes: number;
  private readonly packs = new Map<string, Broadcast>();

  private constructor(
    readonly root: string,
    readonly entries: readonly Entry[],
    /** Hard-link unchanged files from the live release (config `build.reuse`, default true). */
    readonly reuse: boolean,
    readonly gzip: number,
  ) {
    const files = entries.filter((e) => e.type === 'f');
    this.fileCount = files.length;
    this.treeBytes = files.reduce((n, e) => n + e.size, 0);
  }

  /** Scan `root` (nothing to scan in a dry run, where the build did not run). */
  static async scan(root: string, o: { reuse?: boolean; dryRun?: boolean; gzip?: number } = {}): Promise<Shipment> {
    const exists = (await stat(root).catch(() => undefined))?.isDirectory();
    const entries = o.dryRun && !exists ? [] : await scanTree(root);
    return new Shipment(root, entries, o.reuse ?? true, o.gzip ?? GZIP_LEVEL);
  }

  /** The tar for `plan` (hard links to `../<linkBase>/`), packed once per distinct plan, readable while it is packed. */
  pack(plan: UploadPlan, linkBase: string | undefined): Broadcast {
    const linked = plan.linked.map((e) => `${e.path}\0${e.mtime}`).join('\0');
    const key = createHash('sha256').update(`${linkBase ?? ''}\0${linked}`).digest('hex');
    let p = this.packs.get(key);
    if (!p) {
      const manifest = Buffer.from(formatManifest(plan.entries));
      p = packTar({
        root: this.root,
        entries: plan.entries,
        linked: new Set(plan.linked.map((e) => e.path)),
        linkBase: linkBase && `../${linkBase}`,
        extra: [{ name: MANIFEST_NAME, data: manifest }],
        gzip: this.gzip,
      });
      this.packs.set(key, p);
    }
    return p;
  }
}
