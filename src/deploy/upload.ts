// Strategy `upload` on one host: ship only what changed since the live release.
// The script that makes the release directory also prints the live release's
// manifest and the host's `find` listing of it (no extra round trip); files whose
// content, mode and host-side stat all still match are hard links in the shipped
// tar (to `../<live release>/<path>`), everything else travels as bytes. One more
// script extracts the tar and finishes the release. GNU tar never writes into an
// existing file (it creates each one anew), and a changed file is never a link, so
// the live release cannot be modified by an upload. When linking fails (the base
// release changed under us), the directory is emptied and everything is shipped.
import { internal } from '../core/internal.js';
import type { Context } from '../core/context-types.js';
import { CommandError } from '../core/errors.js';
import { sh } from '../core/quote.js';
import type { HostRelease } from './config.js';
import { isReleaseName, layoutOf, type Layout } from './layout.js';
import { MANIFEST_NAME, parseFindListing, parseManifest, planUpload, type Entry, type HostStat, type UploadPlan } from './manifest.js';
import { runScript } from './remote.js';
import type { Shipment } from './shipment.js';

declare module '../core/events.js' {
  interface EventMap {
    /** One host's upload: files and bytes sent, files hard-linked from `base` (the live release). */
    /** `damaged`: the live release whose manifest could not be read (so every file was sent); `fallback`: why
     *  linking from `base` failed and every file was sent after all. */
    'deploy.upload': { host: string; release: string; base?: string; files: number; linked: number; bytes: number; treeBytes: number; damaged?: string; fallback?: string };
  }
}

/** Exit code of an extract script whose tar failed (a delta then falls back to a full upload). */
const EXTRACT_FAILED = 74;
const MANIFEST_MARK = '@@DPL manifest ';
const STAT_MARK = '\n@@DPL stat\n';

/** Appended to the make-directory script: the live release's name, manifest and stat listing, if it has a manifest. */
export function probeSnippet(l: Layout): string[] {
  const prev = (p: string) => sh`${l.releases}/"$prev"/` + p;
  return [
    sh`prev=$(readlink -- ${l.current} 2>/dev/null) || prev=`,
    'prev=${prev##*/}',
    `if [ -n "$prev" ] && [ -f ${prev(MANIFEST_NAME)} ]; then`,
    `  printf '${MANIFEST_MARK}%s\\n' "$prev"`,
    `  cat -- ${prev(MANIFEST_NAME)} || true`,
    `  printf '${STAT_MARK.replaceAll('\n', '\\n')}'`,
    `  find ${prev('')} -mindepth 1 -printf '%y %m %s %T@ %P\\0' 2>/dev/null || true`,
    'fi',
  ];
}

export interface Base {
  name: string;
  /** Undefined when the manifest is damaged (then everything is shipped). */
  manifest?: Map<string, Entry>;
  stat: Map<string, HostStat>;
}

/** What the probe printed; undefined when there is no live release with a manifest. */
export function parseProbe(stdout: string): Base | undefined {
  const line = stdout.startsWith(MANIFEST_MARK) ? 0 : stdout.indexOf('\n' + MANIFEST_MARK);
  if (line < 0) return undefined;
  const at = line === 0 && stdout.startsWith(MANIFEST_MARK) ? 0 : line + 1;
  const nameEnd = stdout.indexOf('\n', at);
  const name = stdout.slice(at + MANIFEST_MARK.length, nameEnd);
  if (!isReleaseName(name)) return undefined;
  const statAt = stdout.indexOf(STAT_MARK, nameEnd);
  if (statAt < 0) return { name, stat: new Map() };
  return { name, manifest: parseManifest(stdout.slice(nameEnd + 1, statAt)), stat: parseFindListing(stdout.slice(statAt + STAT_MARK.length)) };
}

function extractScript(rel: HostRelease, gzip: boolean, finish: string[], fresh: boolean): string {
  const dir = rel.path;
  return [
    'set -e',
    // A failed delta leaves links and files behind: start again from an empty directory.
    ...(fresh ? [sh`find ${dir} -type d ! -perm -u+w -exec chmod u+w {} + 2>/dev/null || true`, sh`rm -rf -- ${dir}`, sh`mkdir -- ${dir}`] : []),
    // -P: hard links name the base release as ../<name>/<path>; -p: modes exactly as built.
    sh`tar -x -p -P --no-same-owner ${gzip ? ['-z'] : []} -f - -C ${dir} || exit ${EXTRACT_FAILED}`,
    ...finish,
  ].join('\n');
}

/**
 * Make `rel` on its host from the shipment: `start` makes the directory (and claims
 * it), `finish` writes REVISION, shared links and the history record.
 */
export async function uploadRelease(c: Context, rel: HostRelease, shipment: Shipment, script: { start: string[]; finish: string[] }): Promise<void> {
  const l = layoutOf(rel.deployPath);
  const step = `prepare ${rel.name}`;
  const made = await runScript(c, rel.host, `${step}: make directory`, [...script.start, ...(shipment.reuse ? probeSnippet(l) : [])].join('\n'));
  const base = shipment.reuse ? parseProbe(made.stdout) : undefined;
  const hc = c.on(rel.host);
  const full: UploadPlan = planUpload(shipment.entries);
  let plan = base?.manifest ? planUpload(shipment.entries, { manifest: base.manifest, stat: base.stat }) : full;
  let fallback: string | undefined;
  const send = async (p: UploadPlan, fresh: boolean): Promise<number> => {
    const linkBase = p.linked.length ? base!.name : undefined;
    const { tar, gzip } = shipment.pack(p, linkBase);
    const what = `${step}: unpack ${p.entries.length - p.linked.length} entries${linkBase ? `, link ${p.linked.length} from ${linkBase}` : ''}`;
    try {
      await runScript(c, rel.host, what, extractScript(rel, gzip, script.finish, fresh), { stdinStream: tar.reader() });
    } catch (e) {
      // A failed pack ends the stream early: its error is the one to show, not tar's.
      throw tar.failure ?? e;
    }
    return tar.done;
  };
  let bytes: number;
  try {
    bytes = await send(plan, false);
  } catch (e) {
    if (!(plan.linked.length && e instanceof CommandError && e.status === EXTRACT_FAILED)) throw e;
    fallback = `linking from ${base!.name} failed: ${e.stderr.trim().split('\n').slice(-1)[0] ?? ''}`;
    plan = full;
    bytes = await send(plan, true);
  }
  const linked = plan.linked.length;
  const files = shipment.fileCount - linked;
  const damaged = base && !base.manifest ? base.name : undefined;
  internal(hc).emit('deploy.upload', { host: rel.host.name, release: rel.name, base: linked ? base!.name : undefined, files, linked, bytes, treeBytes: shipment.treeBytes, damaged, fallback });
}
