/**
 * Failed authentications, throttled per client address. A bearer token that
 * the API or /mcp refuses (./middleware.ts) and a token that the web UI's
 * sign-in refuses (src/ui/routes.tsx) count against one budget per address:
 * FAILED_AUTH_LIMIT failures per FAILED_AUTH_PERIOD_SECONDS. The next failure
 * gets 429 `too_many_failed_attempts` with Retry-After, and so does every
 * request from that address with a token until the period is over.
 *
 * - A successful authentication is never slowed: the limiter is consulted only
 *   after a token failed. A locked-out address is refused before its token is
 *   checked (a lookup in memory, no I/O); otherwise a correct guess would still
 *   get through and the lockout would not slow guessing at all. The price:
 *   during a lockout a valid token from the same address is refused too
 *   (people behind one NAT share an address).
 * - Counting uses Cloudflare's Rate Limiting binding (AUTH_FAILURE_LIMITER,
 *   `[[ratelimits]]` in wrangler.toml) when it is bound, so all isolates of a
 *   Cloudflare location share one count. The binding cannot be asked without
 *   counting, so its "no" is remembered in this isolate for one period. Where
 *   it is not bound (a deployment without it, tests that call the Worker
 *   without it) or fails, each isolate counts by itself in memory: the same
 *   limit, per isolate.
 * - The address is CF-Connecting-IP, which Cloudflare sets on every request
 *   from the Internet and clients cannot set; `wrangler dev` sets it from the
 *   socket. An IPv6 address counts as its /64, which one customer can fill with
 *   addresses at will. A request without the header (or with one that is not an
 *   address) did not come through Cloudflare's edge: a service binding or a
 *   test. All of those share one budget, "unknown", so that leaving the header
 *   out is never a way around the limit.
 */
import type { Env } from "../env";
import { formatIp, parseIpv4, parseIpv6 } from "../engine/outbound/ip";
import { AppError } from "../problem";

/** Failed authentications an address may make per period; the same as `simple.limit` in wrangler.toml. */
export const FAILED_AUTH_LIMIT = 10;
/** The period in seconds; the same as `simple.period` in wrangler.toml (the binding allows 10 or 60). */
export const FAILED_AUTH_PERIOD_SECONDS = 60;
/** The budget of requests that carry no client address. */
export const UNKNOWN_ADDRESS = "unknown";
/** Addresses this isolate keeps state for; the oldest is forgotten first, so memory stays bounded. */
const TRACKED_ADDRESSES = 10_000;

const PERIOD_MS = FAILED_AUTH_PERIOD_SECONDS * 1000;

/** Per-isolate cache: address → when the binding's "no" stops applying (epoch ms). */
const bindingLockoutCache = new Map<string, number>();
/** Per-isolate cache, for counting without the binding: address → the current window and its failures. */
const isolateWindowCache = new Map<string, { startedAt: number; failures: number }>();

/** The address a request's failures count against: CF-Connecting-IP, an IPv6 one as its /64, or "unknown". */
export function clientAddress(request: Request): string {
  const header = request.headers.get("cf-connecting-ip")?.trim() ?? "";
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(header)) {
    const v4 = parseIpv4(header);
    if (v4) return formatIp({ version: 4, bytes: v4 });
  }
  const v6 = header.includes(":") ? parseIpv6(header) : null;
  if (!v6) return UNKNOWN_ADDRESS;
  v6.fill(0, 8);
  return `${formatIp({ version: 6, bytes: v6 })}/64`;
}

/** Seconds until `address` may try again, or null when it is not locked out. Memory only, no I/O. */
export function lockoutSeconds(env: Env, address: string, now = Date.now()): number | null {
  if (env.AUTH_FAILURE_LIMITER) {
    const until = bindingLockoutCache.get(address);
    if (until !== undefined && now < until) return secondsUntil(until, now);
  }
  const window = isolateWindowCache.get(address);
  if (window && window.failures > FAILED_AUTH_LIMIT && now < window.startedAt + PERIOD_MS)
    return secondsUntil(window.startedAt + PERIOD_MS, now);
  return null;
}

/**
 * Counts one failed authentication from `address`. Returns the seconds to wait
 * when this failure is over the limit (answer 429), or null (answer 401).
 */
export async function recordFailedAuthentication(env: Env, address: string, now = Date.now()): Promise<number | null> {
  const limiter = env.AUTH_FAILURE_LIMITER;
  if (limiter) {
    try {
      const { success } = await limiter.limit({ key: `auth-failure:${address}` });
      if (success) return null;
      remember(bindingLockoutCache, address, now + PERIOD_MS);
      // The binding does not say when its window ends; a whole period is the longest it can take.
      return FAILED_AUTH_PERIOD_SECONDS;
    } catch (err) {
      console.error(
        JSON.stringify({ msg: "rate limiting binding failed; counting in this isolate", name: (err as Error)?.name }),
      );
    }
  }
  let window = isolateWindowCache.get(address);
  if (!window || now >= window.startedAt + PERIOD_MS) {
    window = { startedAt: now, failures: 0 };
    remember(isolateWindowCache, address, window);
  }
  window.failures += 1;
  return window.failures > FAILED_AUTH_LIMIT ? secondsUntil(window.startedAt + PERIOD_MS, now) : null;
}

/** The 429 an API request from a locked-out address gets. */
export function tooManyFailedAttempts(retryAfterSeconds: number): AppError {
  return new AppError(
    429,
    "too_many_failed_attempts",
    `Too many failed authentication attempts from this address (more than ${FAILED_AUTH_LIMIT} in ${FAILED_AUTH_PERIOD_SECONDS} seconds). Wait ${retryAfterSeconds} seconds, then try again with a valid token.`,
    { retry_after: retryAfterSeconds },
    { "retry-after": String(retryAfterSeconds) },
  );
}

function secondsUntil(until: number, now: number): number {
  return Math.max(1, Math.ceil((until - now) / 1000));
}

function remember<V>(cache: Map<string, V>, address: string, value: V): void {
  cache.delete(address);
  if (cache.size >= TRACKED_ADDRESSES) {
    const oldest = cache.keys().next().value;
    if (oldest !== undefined) cache.delete(oldest);
  }
  cache.set(address, value);
}
