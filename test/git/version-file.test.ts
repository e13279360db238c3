// The in-place INI edit: one line changes, every other byte stays.
import { describe, expect, it } from 'vitest';
import { DplError, UsageError } from '../../src/core/errors.js';
import { findVersion } from '../../src/git/version-file.js';
import { nextVersion, parseVersion } from '../../src/git/version.js';
import { VERSION_INI } from './helpers.js';

const spec = { path: 'version.ini', section: 'parameters', key: 'opensky.version' };
const bump = (text: string, s = spec, to = '3.0.1') => findVersion(text, s, 'version.ini').replace(to);

describe('findVersion / replace', () => {
  it('changes only the version line: comments, spacing, CRLF and other sections stay', () => {
    expect(findVersion(VERSION_INI, spec, 'f').version).toBe('3.0.0');
    expect(bump(VERSION_INI)).toBe(VERSION_INI.replace('opensky.version  = 3.0.0', 'opensky.version  = 3.0.1'));
    const crlf = '[parameters]\r\n  opensky.version=3.0.0   ; keep me\r\nx = 1\r\n';
    expect(bump(crlf)).toBe('[parameters]\r\n  opensky.version=3.0.1   ; keep me\r\nx = 1\r\n');
    const quoted = "[parameters]\nopensky.version = \"3.0.0\"\n";
    expect(bump(quoted)).toBe("[parameters]\nopensky.version = \"3.0.1\"\n");
    const noEol = '[parameters]\nopensky.version = 3.0.0';
    expect(bump(noEol)).toBe('[parameters]\nopensky.version = 3.0.1');
  });

  it('only the configured section and key', () => {
    // [database] also has `version`; the top level may have one too
    const s2 = { ...spec, section: 'database', key: 'version' };
    expect(bump(VERSION_INI, s2, '10.0.0')).toBe(VERSION_INI.replace('version = 9.9.9', 'version = 10.0.0'));
    const top = 'version = 1.2.3\n[parameters]\nversion = 9.0.0\n';
    expect(bump(top, { ...spec, section: '', key: 'version' }, '1.2.4')).toBe('version = 1.2.4\n[parameters]\nversion = 9.0.0\n');
    const dotted = '[app.meta]\nversion = 1.0.0\n';
    expect(bump(dotted, { ...spec, section: 'app.meta', key: 'version' }, '1.0.1')).toBe('[app.meta]\nversion = 1.0.1\n');
  });

  it('refuses files it cannot edit safely', () => {
    const f = (text: string) => () => findVersion(text, spec, 'version.ini');
    expect(f('[parameters]\nother = 1\n')).toThrow(/no opensky\.version in section \[parameters\]/);
    expect(f('[other]\nopensky.version = 3.0.0\n')).toThrow(/no opensky\.version/);
    expect(f('[parameters]\nopensky.version = 3.0.0\nopensky.version = 3.0.1\n')).toThrow(/set 2 times/);
    expect(f('[parameters]\nopensky.version = 3.0\n')).toThrow(/is not a semantic version/);
    expect(f('[parameters]\nopensky.version = latest and greatest\n')).toThrow(/is not a version/);
    expect(f('[parameters]\nopensky.version = 3.0.0\n')).not.toThrow();
    expect(f('x')).toThrow(DplError);
  });

  it('the fixture file round-trips through a bump and back byte-for-byte', () => {
    const once = bump(VERSION_INI);
    expect(findVersion(once, spec, 'f').replace('3.0.0')).toBe(VERSION_INI);
  });
});

describe('version strings', () => {
  it('parseVersion accepts X.Y.Z, prereleases and the tag prefix; rejects the rest as usage errors', () => {
    expect(parseVersion('3.0.1')).toBe('3.0.1');
    expect(parseVersion('v3.0.1')).toBe('3.0.1');
    expect(parseVersion('3.1.0-rc.1')).toBe('3.1.0-rc.1');
    expect(parseVersion('release-3.1.0', 'release-')).toBe('3.1.0');
    for (const bad of ['3', '3.0', 'v3', '3.0.1.2', '01.2.3', 'x.y.z', ' ', '3.0.1 ; rm -rf /']) {
      expect(() => parseVersion(bad), bad).toThrow(UsageError);
    }
  });

  it('nextVersion', () => {
    expect(nextVersion('3.0.0', 'patch')).toBe('3.0.1');
    expect(nextVersion('3.0.9', 'minor')).toBe('3.1.0');
    expect(nextVersion('3.4.5', 'major')).toBe('4.0.0');
    expect(nextVersion('3.1.0-rc.1', 'patch')).toBe('3.1.0');
    expect(nextVersion('3.0.0', '3.2.0')).toBe('3.2.0');
    expect(() => nextVersion('3.0.0', 'huge')).toThrow(UsageError);
  });
});
