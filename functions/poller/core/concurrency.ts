/** Runs `fn` over `items` with at most `limit` calls in flight; results keep the items' order. */
export async function mapConcurrent<T, R>(items: readonly T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/** Runs what it is given with at most `limit` in flight, the rest waiting their turn in order, however many callers share it. */
export function createLimiter(limit: number): <R>(fn: () => Promise<R>) => Promise<R> {
  let running = 0;
  const waiting: Array<() => void> = [];
  return async (fn) => {
    if (running >= limit) await new Promise<void>((resolve) => waiting.push(resolve));
    else running += 1;
    try {
      return await fn();
    } finally {
      // The slot passes straight to the next waiter, so a caller arriving meanwhile can't jump the queue.
      const next = waiting.shift();
      if (next) next();
      else running -= 1;
    }
  };
}
