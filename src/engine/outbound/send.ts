/**
 * Sending a tool's request: one or more attempts under the tool's retry
 * policy, each attempt a redirect chain, all within one deadline. Every
 * attempt is recorded for the execution log. The clock (now, sleep, random)
 * is a parameter so that the loop can be tested without waiting.
 */
import type { AttachedCredentials } from "../auth";
import { isTimeout } from "../auth/token-endpoint";
import { cancelBody } from "../body";
import type { Redactor } from "../redact";
import type { Refusal } from "./fetch";
import type { OutboundSettings } from "./policy";
import { sendFollowingRedirects, type ChainRequest, type ChainResult } from "./redirects";
import { decideRetry, sleep, type RetryPolicy } from "./retry";

/** One attempt, as the execution log shows it. */
export interface AttemptRecord {
  attempt: number;
  /** How long was waited before this attempt (backoff or Retry-After). */
  delay_ms: number;
  /** From sending until the response headers (of the last hop) arrived, or the failure. */
  duration_ms: number;
  /** The final HTTP status, or null when there was none. */
  status: number | null;
  error: "network_error" | "timeout" | "outbound_blocked" | "too_many_redirects" | null;
  /** Redirects followed (or, for outbound_blocked, the hop that was refused). */
  redirects: number;
  /** Where the attempt ended, when a redirect moved it. Secrets scrubbed. */
  final_url?: string;
}

export interface SendPlan {
  /** The request with its credentials attached. Not modified. */
  request: ChainRequest;
  credentials: AttachedCredentials;
  retry: RetryPolicy;
  outbound: OutboundSettings;
  signal: AbortSignal;
  /** Epoch ms by which everything must be over: no delay is started that would end after it. */
  deadline: number;
  redactor: Redactor;
  /** Attempts already made for this execution (a retry after a refreshed token continues the count). */
  attemptsBefore?: number;
}

export interface Clock {
  now(): number;
  sleep(ms: number, signal: AbortSignal): Promise<void>;
  random(): number;
}

export const SYSTEM_CLOCK: Clock = { now: () => Date.now(), sleep, random: Math.random };

export type SendFailure =
  | { kind: "timeout" }
  | { kind: "network_error" }
  | { kind: "outbound_blocked"; refusal: Refusal; hop: number }
  | { kind: "too_many_redirects" };

export type SendResult =
  | { ok: true; response: Response; credentialsKept: boolean; attempts: AttemptRecord[] }
  | { ok: false; failure: SendFailure; attempts: AttemptRecord[] };

const FINAL_URL_CHARS = 2048;

export async function sendWithRetries(plan: SendPlan, clock: Clock = SYSTEM_CLOCK): Promise<SendResult> {
  const attempts: AttemptRecord[] = [];
  let delayMs = 0;
  for (let n = 1; ; n++) {
    const started = clock.now();
    const record = (fields: Pick<AttemptRecord, "status" | "error" | "redirects"> & { url?: URL }) => {
      const entry: AttemptRecord = {
        attempt: (plan.attemptsBefore ?? 0) + n,
        delay_ms: delayMs,
        duration_ms: Math.max(0, clock.now() - started),
        status: fields.status,
        error: fields.error,
        redirects: fields.redirects,
      };
      if (fields.url && fields.redirects > 0)
        entry.final_url = plan.redactor.scrub(fields.url.href).slice(0, FINAL_URL_CHARS);
      attempts.push(entry);
    };

    let chain: ChainResult;
    try {
      chain = await sendFollowingRedirects(plan.request, {
        outbound: plan.outbound,
        signal: plan.signal,
        credentials: plan.credentials,
        redactor: plan.redactor,
      });
    } catch (err) {
      if (isTimeout(err) || plan.signal.aborted) {
        record({ status: null, error: "timeout", redirects: 0 });
        return { ok: false, failure: { kind: "timeout" }, attempts };
      }
      record({ status: null, error: "network_error", redirects: 0 });
      const decision = decideRetry(question(plan, n, null, null, clock));
      if (!decision.retry) return { ok: false, failure: { kind: "network_error" }, attempts };
      if (!(await wait(decision.delayMs, plan.signal, clock)))
        return { ok: false, failure: { kind: "timeout" }, attempts };
      delayMs = decision.delayMs;
      continue;
    }

    if (!chain.ok) {
      record({ status: null, error: chain.kind, redirects: chain.redirects });
      const failure: SendFailure =
        chain.kind === "outbound_blocked"
          ? { kind: "outbound_blocked", refusal: chain.refusal, hop: chain.redirects }
          : { kind: "too_many_redirects" };
      return { ok: false, failure, attempts };
    }

    const response = chain.response;
    record({ status: response.status, error: null, redirects: chain.redirects, url: chain.url });
    const decision = decideRetry(question(plan, n, response.status, response.headers.get("retry-after"), clock));
    if (!decision.retry) return { ok: true, response, credentialsKept: chain.credentialsKept, attempts };
    await cancelBody(response);
    if (!(await wait(decision.delayMs, plan.signal, clock)))
      return { ok: false, failure: { kind: "timeout" }, attempts };
    delayMs = decision.delayMs;
  }
}

function question(plan: SendPlan, attempt: number, status: number | null, retryAfter: string | null, clock: Clock) {
  return {
    attempt,
    policy: plan.retry,
    method: plan.request.method,
    status,
    retryAfter,
    now: clock.now(),
    deadline: plan.deadline,
    random: clock.random,
  };
}

/** Sleeps; false when the deadline's signal fired meanwhile. */
async function wait(ms: number, signal: AbortSignal, clock: Clock): Promise<boolean> {
  try {
    await clock.sleep(ms, signal);
    return true;
  } catch {
    return false;
  }
}
