/** A failure worth another attempt: network error, timeout, 5xx or 429. */
export class TransientFailure extends Error {
  override name = 'TransientFailure';
  /**
   * The request may have reached the server and been processed even though no answer came (a timeout,
   * a connection lost after sending). `false` when the server answered or the connection was never made.
   */
  readonly maybeProcessed: boolean;

  constructor(
    message: string,
    /** Server-requested wait (`Retry-After`), in milliseconds. */
    readonly retryAfterMs?: number,
    options?: { cause?: unknown; maybeProcessed?: boolean },
  ) {
    super(message, options);
    this.maybeProcessed = options?.maybeProcessed ?? false;
  }
}

export interface RetryPolicy {
  maxAttempts: number;
  budgetMs: number;
  baseDelayMs: number;
  /**
   * Whether repeating an attempt the server may already have processed is harmless. Default `true`.
   * When `false`, a failure with `maybeProcessed` is final.
   */
  idempotent?: boolean;
}

/**
 * Runs `attempt` until it succeeds, throws something other than `TransientFailure`, runs out of
 * attempts, or would overrun the time budget. Waits grow exponentially with full jitter
 * (AWS Architecture Blog, "Exponential Backoff and Jitter"), or follow `Retry-After` when given.
 * `attempt` receives the time left, so it can bound its own request timeout by the budget.
 */
export async function withRetries<T>(
  policy: RetryPolicy,
  attempt: (remainingMs: number) => Promise<T>,
  now: () => number = Date.now,
): Promise<T> {
  const deadline = now() + policy.budgetMs;
  for (let n = 1; ; n++) {
    try {
      return await attempt(deadline - now());
    } catch (err) {
      if (!(err instanceof TransientFailure) || n >= policy.maxAttempts) throw err;
      if (err.maybeProcessed && policy.idempotent === false) throw err;
      const backoff = Math.random() * policy.baseDelayMs * 2 ** (n - 1);
      const wait = err.retryAfterMs ?? backoff;
      if (now() + wait >= deadline) throw err;
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  }
}

/** `Retry-After` as milliseconds: delta-seconds or an HTTP date (RFC 9110 §10.2.3). */
export function parseRetryAfter(value: string | null): number | undefined {
  if (!value) return undefined;
  if (/^\d+$/.test(value.trim())) return Number(value.trim()) * 1000;
  const date = Date.parse(value);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}
