export interface MadeKey {
  key: string;
  pub: string;
  type: string;
  base64: string;
  line: string;
  fingerprint: string;
}
export function makeKey(path: string, options?: { type?: 'ed25519' | 'ecdsa' | 'rsa'; bits?: number; comment?: string }): MadeKey;
export function certify(
  ca: MadeKey,
  pubPath: string,
  options?: { host?: boolean; id?: string; principals?: string[]; validity?: string; options?: string[]; sigAlg?: string },
): string;
export function reconfigureSshd(
  h: { sshdDir: string; hostKeyFile: string; pidFile: string; logFile: string; name: string; address: string; port: number },
  options: { hostKeys?: string[]; hostCertificates?: string[]; lines?: string[] },
): Promise<void>;
