// Words for the SSH layer's events (src/ssh/events.ts). Names from a host are shown
// with control characters as \xNN: a remote file name must not drive the terminal.
import type { EventOf, Formats } from './types.js';
import type { SshEvent } from '../../ssh/events.js';

const shown = (s: string): string => s.replace(/[\x00-\x1f\x7f-\x9f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);

export const sshFormats: Formats<SshEvent> = {
  'ssh.host-key': (e, f) => (e.state === 'recorded' ? f.line(e.host, 'info', `recorded new host key ${e.keyType} ${e.fingerprint} for ${e.name} in ${e.file ?? '?'}`) : f.line(e.host, 'warn', hostKeyText(e))),
  'ssh.identity-missing': (e, f) => f.line(e.host, 'warn', `identity file ${e.file} not accessible: no such file or directory`),
  'ssh.agent-off': (e, f) => f.line(e.host, 'warn', `agent forwarding to ${e.label} is off: its host key was not verified`),
  'sftp.skipped': (e, f) => {
    const path = shown(e.path);
    if (e.reason === 'symlink') return f.line(e.host, 'warn', `get: skipped symlink ${path} (links are not followed; pass { followLinks: true } to copy what they point to)`);
    if (e.reason === 'dangling') return f.line(e.host, 'warn', `get: skipped symlink ${path}: it leads nowhere`);
    if (e.reason === 'loop') return f.line(e.host, 'warn', `get: skipped symlink ${path}: it leads to ${shown(e.target ?? '?')}, a directory this get has already entered`);
    return f.line(e.host, 'warn', `get: skipped ${path}: not a regular file or directory`);
  },
};

function hostKeyText(e: EventOf<'ssh.host-key'>): string {
  if (e.state === 'changed') return `host key of ${e.name} changed (${e.was ?? '?'} -> ${e.fingerprint}); accepted because host key checking is off`;
  const c = e.certificate;
  const what = c ? `host certificate of ${e.name} (key ${e.keyType} ${e.fingerprint}, CA ${c.ca})` : `host key ${e.keyType} ${e.fingerprint} of ${e.name}`;
  const which = c ? (c.revoked === 'ca' ? 'its CA is' : 'its key is') : 'is';
  return `${what}: ${which} marked @revoked in ${e.entry ?? '?'}; accepted because host key checking is off`;
}
