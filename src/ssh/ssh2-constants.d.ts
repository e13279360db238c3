// ssh2's algorithm lists (not in @types/ssh2): what this Node build can negotiate.
declare module 'ssh2/lib/protocol/constants.js' {
  const lists: Record<`${'DEFAULT' | 'SUPPORTED'}_${'KEX' | 'SERVER_HOST_KEY' | 'CIPHER' | 'MAC'}`, string[]>;
  export = lists;
}
