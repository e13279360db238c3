import type { BedHost, BedInfo } from './types.js';
export function killHost(info: BedInfo, name: string): Promise<boolean>;
export function restartHost(info: BedInfo, name: string): Promise<void>;
export function startScratchHost(
  info: BedInfo,
  name?: string,
): Promise<
  BedHost & {
    knownHostsFile: string;
    configFile: string;
    connections(): number;
    sessionPids(): number[];
    kill(): Promise<boolean>;
    restart(): Promise<void>;
    stop(): Promise<void>;
  }
>;
export function startAgent(keys: string[]): Promise<{ socket: string; pid: number; stop(): Promise<void> }>;
