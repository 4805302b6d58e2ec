/**
 * Maps items through an async function with at most `limit` calls in flight, keeping order.
 * Bounded so a large batch never bursts past an API's rate quota.
 */
export async function mapWithConcurrency<T, R>(
  items: readonly T[],
  limit: number,
  fn: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index] as T, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/**
 * Runs the items of each sequence in order, up to `limit` sequences at once (items of one
 * sequence conflict with each other, those of different ones do not); results in order.
 */
export async function mapSequencesWithConcurrency<T, R>(
  sequences: readonly (readonly T[])[],
  limit: number,
  fn: (item: T) => Promise<R>,
): Promise<R[]> {
  const results = await mapWithConcurrency(sequences, limit, async (sequence) => {
    const inOrder: R[] = [];
    for (const item of sequence) inOrder.push(await fn(item));
    return inOrder;
  });
  return results.flat();
}

/** Splits items into consecutive chunks of at most `size`. */
export function chunk<T>(items: readonly T[], size: number): T[][] {
  const chunks: T[][] = [];
  for (let start = 0; start < items.length; start += size) {
    chunks.push(items.slice(start, start + size));
  }
  return chunks;
}
