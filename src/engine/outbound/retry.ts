/**
 * When to try a request again, and how long to wait first. Pure, apart from
 * `sleep`: the attempt loop (./send.ts) takes its clock as a parameter.
 *
 * - Retried: 429, 502, 503, 504, and network errors (no response at all).
 * - Only idempotent methods, unless the tool opts in: a POST that failed on
 *   the way back may already have done its work.
 * - Exponential backoff with full jitter: a random delay up to
 *   min(max_delay_ms, base_delay_ms * 2^(attempt - 1)).
 * - Retry-After (seconds or an HTTP date) replaces the backoff when it is
 *   within max_delay_ms; a longer one ends the retries, since asking sooner
 *   than the server said would only be refused again.
 * - Never past the deadline: a delay that would end after it is not waited.
 */

export interface RetryPolicy {
  /** Attempts in all, the first included: 1 means no retry. */
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  retryNonIdempotent: boolean;
}

export const NO_RETRY: RetryPolicy = { maxAttempts: 1, baseDelayMs: 0, maxDelayMs: 0, retryNonIdempotent: false };

export const RETRY_DEFAULTS = { maxAttempts: 3, baseDelayMs: 200, maxDelayMs: 5000 } as const;
export const RETRY_LIMITS = { maxAttempts: 10, delayMs: 60_000 } as const;

export const RETRYABLE_STATUSES: ReadonlySet<number> = new Set([429, 502, 503, 504]);

/** RFC 9110 section 9.2.2. */
const IDEMPOTENT_METHODS = new Set(["GET", "HEAD", "PUT", "DELETE", "OPTIONS"]);

export function isIdempotent(method: string): boolean {
  return IDEMPOTENT_METHODS.has(method.toUpperCase());
}

/** Full jitter: uniform in [0, min(max, base * 2^(attempt - 1))]. `attempt` is the one that just failed. */
export function backoffDelay(attempt: number, policy: RetryPolicy, random: () => number): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, attempt - 1));
  return Math.min(ceiling, Math.floor(random() * (ceiling + 1)));
}

/** Retry-After in milliseconds from `now`: delta-seconds or an HTTP date (RFC 9110 section 10.2.3). */
export function parseRetryAfter(value: string | null, now: number): number | null {
  if (value === null) return null;
  const text = value.trim();
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  // Only IMF-fixdate and the obsolete forms that Date.parse reads: day names keep bare numbers out.
  if (!/^[A-Za-z]{3},? /.test(text)) return null;
  const at = Date.parse(text);
  return Number.isNaN(at) ? null : Math.max(0, at - now);
}

export type RetryDecision =
  | { retry: true; delayMs: number }
  | {
      retry: false;
      reason: "not_retryable" | "not_idempotent" | "attempts_exhausted" | "retry_after_too_long" | "no_time_left";
    };

export interface RetryQuestion {
  /** The attempt that just ended, from 1. */
  attempt: number;
  policy: RetryPolicy;
  method: string;
  /** The response status, or null when no response came (a network error). */
  status: number | null;
  retryAfter: string | null;
  now: number;
  deadline: number;
  random: () => number;
}

export function decideRetry(q: RetryQuestion): RetryDecision {
  if (q.status !== null && !RETRYABLE_STATUSES.has(q.status)) return { retry: false, reason: "not_retryable" };
  if (!isIdempotent(q.method) && !q.policy.retryNonIdempotent) return { retry: false, reason: "not_idempotent" };
  if (q.attempt >= q.policy.maxAttempts) return { retry: false, reason: "attempts_exhausted" };
  const hinted = q.status === null ? null : parseRetryAfter(q.retryAfter, q.now);
  if (hinted !== null && hinted > q.policy.maxDelayMs) return { retry: false, reason: "retry_after_too_long" };
  const delayMs = hinted ?? backoffDelay(q.attempt, q.policy, q.random);
  if (q.now + delayMs >= q.deadline) return { retry: false, reason: "no_time_left" };
  return { retry: true, delayMs };
}

/** Waits `ms`, or rejects with the signal's reason as soon as it fires. */
export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    signal.addEventListener("abort", onAbort, { once: true });
  });
}
