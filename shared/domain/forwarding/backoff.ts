// When to try again after a transient failure: exponential backoff with full jitter, never
// sooner than the server's Retry-After, within a retry budget.
export interface BackoffPolicy {
  baseDelayMs: number;
  maxDelayMs: number;
  /** Give up (status failed) once the first attempt is this old. */
  budgetMs: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = {
  baseDelayMs: 30_000,
  maxDelayMs: 30 * 60_000,
  budgetMs: 24 * 60 * 60_000,
};

export function retryDelayMs(
  policy: BackoffPolicy,
  attempt: number,
  retryAfterMs: number | undefined,
  random: () => number = Math.random,
): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, attempt - 1));
  const jittered = Math.round(random() * ceiling);
  return Math.max(jittered, retryAfterMs ?? 0, 1_000);
}
