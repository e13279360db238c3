// One deploy's build output, scanned once (manifest.ts), and the tars made from it:
// hosts whose live release is the same get the same tar, packed once and sent to
// each of them (usually one full tar on a first deploy, one delta after).
import { createHash } from 'node:crypto';
import { stat } from 'node:fs/promises';
import { formatManifest, MANIFEST_NAME, scanTree, type Entry, type UploadPlan } from './manifest.js';
import { packTar } from './tar-pack.js';
import type { Broadcast } from './broadcast.js';

/**
 * gzip level of the shipped tar when `build.compress` is on. Level 1 packs a
 * typical build (text, minified JS) to about half at a few hundred MB/s; higher
 * levels gain little and cost the deploy machine seconds.
 *
 * Off by default, as in ssh, scp and rsync: every host pays to inflate the whole
 * build (~0.3 s of CPU per 50 MB, gzip -d), which buys nothing where the link is fast. In
 * bench/upload.mjs (50 MB build, 20 loopback hosts, 2 cores) gzip -1 sent 47% of
 * the bytes but made the deploy 1.2x rsync's time, against 1.0x without it. On a
 * slow link (a WAN, a VPN) the halved bytes win: turn it on there.
 */
export const GZIP_LEVEL = 1;

/** A tar being packed (read it while it is made) and whether it is gzipped (then the host extracts with -z). */
export interface Pack {
  tar: Broadcast;
  gzip: boolean;
}

export class Shipment {
  /** Number of regular files, and their bytes, in the build output. */
  readonly fileCount: number;
  readonly treeBytes: number;
  private readonly packs = new Map<string, Pack>();

  private constructor(
    readonly root: string,
    readonly entries: readonly Entry[],
    /** Hard-link unchanged files from the live release (config `build.reuse`, default true). */
    readonly reuse: boolean,
    /** gzip level of the tar, 0 for none (config `build.compress`, default off). */
    readonly gzip: number,
  ) {
    const files = entries.filter((e) => e.type === 'f');
    this.fileCount = files.length;
    this.treeBytes = files.reduce((n, e) => n + e.size, 0);
  }

  /** Scan `root` (nothing to scan in a dry run, where the build did not run). */
  static async scan(root: string, o: { reuse?: boolean; dryRun?: boolean; compress?: boolean } = {}): Promise<Shipment> {
    const exists = (await stat(root).catch(() => undefined))?.isDirectory();
    const entries = o.dryRun && !exists ? [] : await scanTree(root);
    return new Shipment(root, entries, o.reuse ?? true, o.compress ? GZIP_LEVEL : 0);
  }

  /**
   * The tar for `plan` (hard links to `../<linkBase>/`), packed once per distinct plan,
   * readable while it is packed. A tar that links files is gzipped whatever
   * `build.compress` says: it is mostly 512-byte link headers and the manifest,
   * which shrink ~6x, and the host inflates little (bench/upload.mjs's 1% change:
   * 0.8% of a full tar's bytes gzipped, 5.1% plain).
   */
  pack(plan: UploadPlan, linkBase: string | undefined): Pack {
    const linked = plan.linked.map((e) => `${e.path}\0${e.mtime}`).join('\0');
    const key = createHash('sha256').update(`${linkBase ?? ''}\0${linked}`).digest('hex');
    let p = this.packs.get(key);
    if (!p) {
      const manifest = Buffer.from(formatManifest(plan.entries));
      const gzip = this.gzip || (plan.linked.length ? GZIP_LEVEL : 0);
      const tar = packTar({
        root: this.root,
        entries: plan.entries,
        linked: new Set(plan.linked.map((e) => e.path)),
        linkBase: linkBase && `../${linkBase}`,
        extra: [{ name: MANIFEST_NAME, data: manifest }],
        gzip,
      });
      p = { tar, gzip: gzip > 0 };
      this.packs.set(key, p);
    }
    return p;
  }
}
