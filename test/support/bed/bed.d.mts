import type { BedInfo } from './types.js';
export const ENCRYPTED_KEY_PASSPHRASE: string;
export interface BedLayout {
  kind: 'test' | 'bench';
  basePort: number;
  slotStride: number;
  hosts: Array<{ name: string; address: string; fault?: 'unknown-key' | 'changed-key' }>;
  refused?: { name: string; address: string };
  jumpAliases?: Array<{ name: string; target: string; jump: string }>;
}
export const TEST_LAYOUT: BedLayout;
export function benchLayout(count: number): BedLayout;
export function startBed(layout?: BedLayout): Promise<BedInfo>;
export function stopBed(info: BedInfo): Promise<void>;
