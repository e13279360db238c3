// OpenSSH's wildcard patterns, shared by every part of src/ssh that reads them
// (ssh_config, known_hosts, algorithm lists).

/** An OpenSSH pattern (`*` any run, `?` one character) as an anchored RegExp. */
export function globRegExp(pattern: string, flags = ''): RegExp {
  const body = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${body}$`, flags);
}
