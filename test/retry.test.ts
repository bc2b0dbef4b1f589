/**
 * The retry policy as pure functions, and the attempt loop with an injected
 * clock: the delays it chooses are asserted exactly, and nothing sleeps.
 * Retries through the Worker are in retries.test.ts.
 */
import { describe, expect, it } from "vitest";
import type { AttachedCredentials } from "../src/engine/auth";
import { STRICT_OUTBOUND } from "../src/engine/outbound/policy";
import {
  backoffDelay,
  decideRetry,
  isIdempotent,
  NO_RETRY,
  parseRetryAfter,
  type RetryPolicy,
  type RetryQuestion,
} from "../src/engine/outbound/retry";
import { sendWithRetries, type Clock, type SendPlan } from "../src/engine/outbound/send";
import { Redactor } from "../src/engine/redact";
import { json, useUpstream } from "./helpers";

const upstream = useUpstream();

const POLICY: RetryPolicy = { maxAttempts: 4, baseDelayMs: 100, maxDelayMs: 1000, retryNonIdempotent: false };
const NOW = Date.parse("2026-05-01T12:00:00Z");

function ask(overrides: Partial<RetryQuestion> = {}) {
  return decideRetry({
    attempt: 1,
    policy: POLICY,
    method: "GET",
    status: 503,
    retryAfter: null,
    now: NOW,
    deadline: NOW + 30_000,
    random: () => 0.5,
    ...overrides,
  });
}

describe("which failures are retried", () => {
  it.each([429, 502, 503, 504])("retries %i", (status) => {
    expect(ask({ status }).retry).toBe(true);
  });

  it("retries a network error (no response)", () => {
    expect(ask({ status: null }).retry).toBe(true);
  });

  it.each([200, 201, 301, 400, 401, 404, 408, 500, 501, 505])("does not retry %i", (status) => {
    expect(ask({ status })).toEqual({ retry: false, reason: "not_retryable" });
  });

  it("retries only idempotent methods unless the tool opts in", () => {
    expect(["GET", "HEAD", "PUT", "DELETE", "OPTIONS"].every(isIdempotent)).toBe(true);
    expect(["POST", "PATCH"].some(isIdempotent)).toBe(false);
    expect(ask({ method: "POST" })).toEqual({ retry: false, reason: "not_idempotent" });
    expect(ask({ method: "PATCH", status: null })).toEqual({ retry: false, reason: "not_idempotent" });
    expect(ask({ method: "POST", policy: { ...POLICY, retryNonIdempotent: true } }).retry).toBe(true);
  });

  it("stops after max_attempts, and never retries without a policy", () => {
    expect(ask({ attempt: 3 }).retry).toBe(true);
    expect(ask({ attempt: 4 })).toEqual({ retry: false, reason: "attempts_exhausted" });
    expect(ask({ policy: NO_RETRY })).toEqual({ retry: false, reason: "attempts_exhausted" });
  });
});

describe("how long to wait", () => {
  it("backs off exponentially with full jitter, capped at max_delay_ms", () => {
    const top = () => 0.999999;
    expect([1, 2, 3, 4, 5, 6].map((n) => backoffDelay(n, POLICY, top))).toEqual([100, 200, 400, 800, 1000, 1000]);
    expect([1, 2, 3].map((n) => backoffDelay(n, POLICY, () => 0))).toEqual([0, 0, 0]);
    expect(backoffDelay(3, POLICY, () => 0.5)).toBe(200);
  });

  it("reads Retry-After as seconds or an HTTP date", () => {
    expect(parseRetryAfter("0", NOW)).toBe(0);
    expect(parseRetryAfter(" 2 ", NOW)).toBe(2000);
    expect(parseRetryAfter("Fri, 01 May 2026 12:00:03 GMT", NOW)).toBe(3000);
    expect(parseRetryAfter("Fri, 01 May 2026 11:00:00 GMT", NOW)).toBe(0);
    for (const bad of [null, "", "-1", "1.5", "soon", "2026-05-01T12:00:03Z"])
      expect(parseRetryAfter(bad, NOW)).toBeNull();
  });

  it("waits what Retry-After says when it is within max_delay_ms, instead of the backoff", () => {
    expect(ask({ status: 429, retryAfter: "1" })).toEqual({ retry: true, delayMs: 1000 });
    expect(ask({ status: 503, retryAfter: "0" })).toEqual({ retry: true, delayMs: 0 });
    expect(ask({ status: 503, retryAfter: "Fri, 01 May 2026 12:00:01 GMT" })).toEqual({ retry: true, delayMs: 1000 });
  });

  it("gives up when Retry-After asks for longer than max_delay_ms", () => {
    expect(ask({ status: 429, retryAfter: "2" })).toEqual({ retry: false, reason: "retry_after_too_long" });
  });

  it("ignores an unreadable Retry-After and backs off instead", () => {
    expect(ask({ status: 429, retryAfter: "later" })).toEqual({ retry: true, delayMs: 50 });
  });

  it("never starts a wait that would end after the deadline", () => {
    expect(ask({ deadline: NOW + 51 })).toEqual({ retry: true, delayMs: 50 });
    expect(ask({ deadline: NOW + 50 })).toEqual({ retry: false, reason: "no_time_left" });
    expect(ask({ status: 429, retryAfter: "1", deadline: NOW + 999 })).toEqual({
      retry: false,
      reason: "no_time_left",
    });
  });
});

/** A clock that never sleeps: time moves only when the loop waits. */
function fakeClock(random = () => 0.999999): Clock & { waits: number[] } {
  let now = NOW;
  const waits: number[] = [];
  return {
    waits,
    now: () => now,
    random,
    async sleep(ms) {
      waits.push(ms);
      now += ms;
    },
  };
}

const NO_CREDENTIALS: AttachedCredentials = { apply() {}, remove() {} };

function plan(url: string, retry: RetryPolicy, overrides: Partial<SendPlan> = {}): SendPlan {
  return {
    request: { method: "GET", url: new URL(url), headers: new Headers(), body: undefined },
    credentials: NO_CREDENTIALS,
    retry,
    outbound: STRICT_OUTBOUND,
    signal: AbortSignal.timeout(30_000),
    deadline: NOW + 30_000,
    redactor: new Redactor(),
    ...overrides,
  };
}

describe("the attempt loop", () => {
  it("waits the backoff between attempts and records each one", async () => {
    const url = "https://retry.example.com/flaky";
    const statuses = [503, 502, 200];
    upstream.on("GET", url, () => json({}, { status: statuses.shift() }));
    const clock = fakeClock();
    const sent = await sendWithRetries(plan(url, POLICY), clock);
    expect(sent.ok && sent.response.status).toBe(200);
    expect(clock.waits).toEqual([100, 200]);
    expect(sent.attempts).toEqual([
      { attempt: 1, delay_ms: 0, duration_ms: 0, status: 503, error: null, redirects: 0 },
      { attempt: 2, delay_ms: 100, duration_ms: 0, status: 502, error: null, redirects: 0 },
      { attempt: 3, delay_ms: 200, duration_ms: 0, status: 200, error: null, redirects: 0 },
    ]);
  });

  it("honours Retry-After in seconds and as a date", async () => {
    const url = "https://retry.example.com/limited";
    const answers = [
      json({}, { status: 429, headers: { "retry-after": "1" } }),
      json({}, { status: 503, headers: { "retry-after": new Date(NOW + 1000 + 2000).toUTCString() } }),
      json({ ok: true }),
    ];
    upstream.on("GET", url, () => answers.shift() as Response);
    const clock = fakeClock();
    const sent = await sendWithRetries(plan(url, { ...POLICY, maxDelayMs: 5000 }), clock);
    expect(sent.ok && sent.response.status).toBe(200);
    expect(clock.waits).toEqual([1000, 2000]);
  });

  it("returns the last response when attempts run out, after max_attempts requests", async () => {
    const url = "https://retry.example.com/down";
    upstream.on("GET", url, () => json({}, { status: 503 }));
    const clock = fakeClock();
    const sent = await sendWithRetries(plan(url, POLICY), clock);
    expect(sent.ok && sent.response.status).toBe(503);
    expect(upstream.calls).toHaveLength(4);
    expect(clock.waits).toEqual([100, 200, 400]);
  });

  it("stops when the next wait would pass the deadline", async () => {
    const url = "https://retry.example.com/down";
    upstream.on("GET", url, () => json({}, { status: 503 }));
    const clock = fakeClock();
    const sent = await sendWithRetries(plan(url, POLICY, { deadline: NOW + 350 }), clock);
    expect(sent.ok && sent.response.status).toBe(503);
    // 100 ends at +100, 200 at +300; 400 would end at +700.
    expect(clock.waits).toEqual([100, 200]);
  });

  it("retries network errors and reports one when they persist", async () => {
    const url = "https://retry.example.com/reset";
    upstream.on("GET", url, () => {
      throw new TypeError("Network connection lost.");
    });
    const sent = await sendWithRetries(plan(url, { ...POLICY, maxAttempts: 2 }), fakeClock());
    expect(sent).toMatchObject({
      ok: false,
      failure: { kind: "network_error" },
      attempts: [
        { attempt: 1, status: null, error: "network_error" },
        { attempt: 2, status: null, error: "network_error", delay_ms: 100 },
      ],
    });
  });

  it("cancels the body of every response it retries", async () => {
    const url = "https://retry.example.com/bodies";
    let cancelled = 0;
    const statuses = [503, 503, 200];
    upstream.on(
      "GET",
      url,
      () =>
        new Response(
          new ReadableStream({
            pull(controller) {
              controller.enqueue(new TextEncoder().encode("x"));
            },
            cancel() {
              cancelled++;
            },
          }),
          { status: statuses.shift() },
        ),
    );
    const sent = await sendWithRetries(plan(url, POLICY), fakeClock());
    expect(sent.ok && sent.response.status).toBe(200);
    expect(cancelled).toBe(2);
    if (sent.ok) await sent.response.body?.cancel();
  });

  it("does not retry a POST, and retries it when the tool opts in", async () => {
    const url = "https://retry.example.com/orders";
    upstream.on("POST", url, () => json({}, { status: 503 }));
    const post = (retry: RetryPolicy) =>
      plan(url, retry, { request: { method: "POST", url: new URL(url), headers: new Headers(), body: "{}" } });
    const once = await sendWithRetries(post(POLICY), fakeClock());
    expect(once.attempts).toHaveLength(1);
    const again = await sendWithRetries(post({ ...POLICY, retryNonIdempotent: true }), fakeClock());
    expect(again.attempts).toHaveLength(4);
  });
});
