// Runs one async job per item with at most `size` in flight. Every started job
// is awaited (none abandoned mid-command); `shouldStop` only prevents starting more.

export async function runPool<T, R>(
  items: readonly T[],
  size: number,
  job: (item: T, index: number) => Promise<R>,
  shouldStop: () => boolean = () => false,
): Promise<Array<{ item: T; started: boolean; result?: R }>> {
  const slots: Array<{ item: T; started: boolean; result?: R }> = items.map((item) => ({ item, started: false }));
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length && !shouldStop()) {
      const i = next++;
      slots[i]!.started = true;
      slots[i]!.result = await job(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(Math.max(1, size), items.length) }, worker));
  return slots;
}
