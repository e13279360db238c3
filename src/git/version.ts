// Version strings as users type them (`3.0.1`, `v3.0.1`, `patch`) and the
// "must go up" rule every start and bump enforces.
import semver from 'semver';
import { DplError, UsageError } from '../core/errors.js';

const STRICT = /^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$/;

/** `X.Y.Z` (optionally `-pre`), with an optional leading tag prefix; UsageError otherwise. */
export function parseVersion(input: string, tagPrefix = 'v', what = 'version'): string {
  let s = String(input ?? '').trim();
  if (tagPrefix && s.startsWith(tagPrefix) && STRICT.test(s.slice(tagPrefix.length))) s = s.slice(tagPrefix.length);
  const parsed = STRICT.test(s) ? semver.parse(s) : null;
  if (!parsed) {
    throw new UsageError(`invalid ${what} ${JSON.stringify(input)}: expected a semantic version like 3.0.1`, {
      code: 'version.invalid',
      hint: 'versions are MAJOR.MINOR.PATCH, optionally with a prerelease part (3.1.0-rc.1)',
    });
  }
  return parsed.version;
}

export const BUMPS = ['patch', 'minor', 'major'] as const;
export type Bump = (typeof BUMPS)[number];

/** Next version from `patch|minor|major` or an explicit version. */
export function nextVersion(current: string, to: string, tagPrefix = 'v'): string {
  if ((BUMPS as readonly string[]).includes(to)) {
    const next = semver.inc(current, to as Bump);
    if (!next) throw new DplError(`cannot bump ${current} by ${to}`, { code: 'version.invalid' });
    return next;
  }
  try {
    return parseVersion(to, tagPrefix);
  } catch (err) {
    if (err instanceof UsageError) {
      throw new UsageError(`invalid version bump ${JSON.stringify(to)}: expected patch, minor, major or X.Y.Z`, { code: 'version.invalid' });
    }
    throw err;
  }
}

/** Refuse a version that does not go above the current one. */
export function assertGreater(
  action: string,
  next: string,
  current: string,
  where: string,
  suggest: (v: string) => string,
): void {
  if (!semver.gt(next, current)) {
    const same = semver.eq(next, current);
    throw new DplError(
      `refusing to ${action}: ${next} is ${same ? 'the same as' : 'lower than'} the current version ${current} (${where})`,
      { code: 'version.invalid', hint: `versions only go up; use ${suggest(current)}` },
    );
  }
}

export function isGreater(a: string, b: string): boolean {
  return semver.gt(a, b);
}

export function incPatch(v: string): string {
  return semver.inc(v, 'patch') ?? v;
}

export function incMinor(v: string): string {
  return semver.inc(v, 'minor') ?? v;
}
