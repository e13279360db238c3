export function findSshd(): string | null;
export function isAlive(pid: number): boolean;
export function descendants(pid: number): number[];
export function portIsFree(address: string, port: number): Promise<boolean>;
export function freePort(address: string): Promise<number>;
export function establishedConnections(address: string, port: number): number;
export function ourConnectionsTo(address: string, port: number): number;
