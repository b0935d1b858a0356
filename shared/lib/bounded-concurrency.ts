// Runs one async step per item with at most `limit` in flight, so work over thousands of items
// neither runs them one by one nor opens thousands of requests at once.

/** `step` for every item, at most `limit` at a time; results in the items' order. A step that throws fails the whole. */
export async function mapBounded<T, R>(
  items: readonly T[],
  limit: number,
  step: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results: R[] = new Array<R>(items.length);
  // One iterator shared by every worker: each item is taken exactly once.
  const pending = items.entries();
  const worker = async (): Promise<void> => {
    for (const [index, item] of pending) results[index] = await step(item, index);
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(limit, items.length)) }, worker));
  return results;
}
