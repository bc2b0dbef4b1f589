/**
 * Failed authentications are throttled per client address (src/access/throttle.ts):
 * bearer tokens on the API and /mcp, and the web UI's sign-in, share one budget.
 * Both counting paths are driven: Cloudflare's Rate Limiting binding (Miniflare
 * provides the one wrangler.toml declares; SELF.fetch uses it) and the in-isolate
 * fallback (the Worker called without the binding), plus stand-ins for a binding
 * that refuses or fails.
 */
import { createExecutionContext, env, SELF, waitOnExecutionContext } from "cloudflare:test";
import { afterEach, describe, expect, it, vi } from "vitest";
import wranglerToml from "../wrangler.toml?raw";
import { clientAddress, FAILED_AUTH_LIMIT, FAILED_AUTH_PERIOD_SECONDS } from "../src/access/throttle";
import worker from "../src/index";
import { ADMIN_TOKEN, api, apiRequest, createApiKey, randomClientAddress, type Bindings } from "./helpers";
import { decodeEntities, ORIGIN } from "./ui-helpers";

/** Without the binding: the in-isolate fallback counts. */
const NO_BINDING: Bindings = { AUTH_FAILURE_LIMITER: undefined };

/** GET /tools from `address` with `token`, through the Worker with `bindings` (SELF, with the binding, when null). */
async function getTools(address: string, token: string, bindings: Bindings | null = NO_BINDING): Promise<Response> {
  const request = apiRequest("/tools", { token, headers: { "cf-connecting-ip": address } });
  return send(request, bindings);
}

/** A sign-in form post from `address`. */
async function signInFrom(address: string, token: string, bindings: Bindings | null = NO_BINDING): Promise<Response> {
  const request = new Request(`${ORIGIN}/ui/sign-in`, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded", origin: ORIGIN, "cf-connecting-ip": address },
    body: new URLSearchParams({ token, next: "/ui" }),
    redirect: "manual",
  });
  return send(request, bindings);
}

async function send(request: Request, bindings: Bindings | null): Promise<Response> {
  if (bindings === null) return SELF.fetch(request);
  const ctx = createExecutionContext();
  const res = await worker.fetch(request, { ...env, ...bindings } as Cloudflare.Env, ctx);
  await waitOnExecutionContext(ctx);
  return res;
}

/** `count` requests with a wrong token from `address`; their statuses. */
async function failures(address: string, count: number, bindings: Bindings | null = NO_BINDING): Promise<number[]> {
  const statuses: number[] = [];
  for (let i = 0; i < count; i++) {
    const res = await getTools(address, `wrong-token-${i}`, bindings);
    await res.arrayBuffer();
    statuses.push(res.status);
  }
  return statuses;
}

async function expectThrottled(res: Response): Promise<number> {
  const text = await res.text();
  expect(res.status, text).toBe(429);
  expect(res.headers.get("content-type")).toBe("application/problem+json");
  const retryAfter = Number(res.headers.get("retry-after"));
  expect(Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= FAILED_AUTH_PERIOD_SECONDS).toBe(true);
  expect(JSON.parse(text)).toEqual({
    type: "https://toolgate.dev/problems/too-many-failed-attempts",
    title: "Too Many Requests",
    status: 429,
    detail: `Too many failed authentication attempts from this address (more than ${FAILED_AUTH_LIMIT} in ${FAILED_AUTH_PERIOD_SECONDS} seconds). Wait ${retryAfter} seconds, then try again with a valid token.`,
    code: "too_many_failed_attempts",
    retry_after: retryAfter,
  });
  return retryAfter;
}

const ALL_ALLOWED = Array<number>(FAILED_AUTH_LIMIT).fill(401);

/** A stand-in for the Rate Limiting binding that records its calls. */
function fakeLimiter(answer: () => Promise<{ success: boolean }>) {
  const keys: string[] = [];
  return {
    keys,
    limit: (options: { key: string }) => {
      keys.push(options.key);
      return answer();
    },
  };
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe("the client address", () => {
  const from = (value: string | null) =>
    clientAddress(
      new Request("https://toolgate.test/", value === null ? {} : { headers: { "cf-connecting-ip": value } }),
    );

  it.each([
    ["203.0.113.7", "203.0.113.7"],
    ["2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64"],
    ["2001:DB8:1:2::ffff", "2001:db8:1:2::/64"],
    [null, "unknown"],
    ["", "unknown"],
    ["not-an-address", "unknown"],
    ["203.0.113.999", "unknown"],
  ])("CF-Connecting-IP %s counts as %s", (header, address) => {
    expect(from(header)).toBe(address);
  });
});

describe("failed bearer authentications, counted in the isolate (no binding)", () => {
  it(`answers ${FAILED_AUTH_LIMIT} failures with 401, then 429 with Retry-After`, async () => {
    const address = randomClientAddress();
    expect(await failures(address, FAILED_AUTH_LIMIT)).toEqual(ALL_ALLOWED);
    await expectThrottled(await getTools(address, "wrong-token-again"));
  });

  it("then refuses even a valid token from that address, and a valid token from another address still works", async () => {
    const address = randomClientAddress();
    await failures(address, FAILED_AUTH_LIMIT + 1);
    await expectThrottled(await getTools(address, ADMIN_TOKEN));
    const other = await getTools(randomClientAddress(), ADMIN_TOKEN);
    expect(other.status).toBe(200);
    const key = await createApiKey(["tools:read"]);
    expect((await getTools(randomClientAddress(), key.key)).status).toBe(200);
  });

  it("never counts a successful authentication", async () => {
    const address = randomClientAddress();
    for (let i = 0; i < FAILED_AUTH_LIMIT * 3; i++) expect((await getTools(address, ADMIN_TOKEN)).status).toBe(200);
    expect(await failures(address, FAILED_AUTH_LIMIT)).toEqual(ALL_ALLOWED);
  });

  it("counts an IPv6 client's whole /64 as one address", async () => {
    const prefix = randomClientAddress().replace(/::1$/, "");
    const statuses: number[] = [];
    for (let i = 0; i <= FAILED_AUTH_LIMIT; i++) {
      const res = await getTools(`${prefix}:${(i + 1).toString(16)}:0:0:1`, "wrong-token");
      await res.arrayBuffer();
      statuses.push(res.status);
    }
    expect(statuses).toEqual([...ALL_ALLOWED, 429]);
  });

  it("puts requests without CF-Connecting-IP into one shared budget", async () => {
    const unknown = await failures("", FAILED_AUTH_LIMIT + 1);
    // Earlier tests in this isolate may have counted there too; the limit is reached either way.
    expect(unknown.at(-1)).toBe(429);
    await expectThrottled(await getTools("not-an-address", ADMIN_TOKEN));
  });

  it("lets the address try again once the period is over", async () => {
    const address = randomClientAddress();
    const start = Date.now();
    const now = vi.spyOn(Date, "now").mockReturnValue(start);
    await failures(address, FAILED_AUTH_LIMIT);
    const retryAfter = await expectThrottled(await getTools(address, "wrong"));
    expect(retryAfter).toBe(FAILED_AUTH_PERIOD_SECONDS);
    now.mockReturnValue(start + 30_000);
    expect(await expectThrottled(await getTools(address, ADMIN_TOKEN))).toBe(FAILED_AUTH_PERIOD_SECONDS - 30);
    now.mockReturnValue(start + FAILED_AUTH_PERIOD_SECONDS * 1000);
    expect((await getTools(address, ADMIN_TOKEN)).status).toBe(200);
    expect(await failures(address, FAILED_AUTH_LIMIT)).toEqual(ALL_ALLOWED);
  });

  it("does not count a request that sends no token at all", async () => {
    const address = randomClientAddress();
    for (let i = 0; i < FAILED_AUTH_LIMIT * 2; i++) {
      const res = await send(
        apiRequest("/tools", { token: null, headers: { "cf-connecting-ip": address } }),
        NO_BINDING,
      );
      expect(res.status).toBe(401);
      await res.arrayBuffer();
    }
    expect(await failures(address, FAILED_AUTH_LIMIT)).toEqual(ALL_ALLOWED);
  });
});

describe("failed bearer authentications, counted by the Rate Limiting binding", () => {
  it("wrangler.toml binds AUTH_FAILURE_LIMITER with the limit and period the code assumes", () => {
    const block =
      /\[\[ratelimits\]\]\s*\nname = "AUTH_FAILURE_LIMITER"\s*\nnamespace_id = "\d+"\s*\nsimple = \{ limit = (\d+), period = (\d+) \}/.exec(
        wranglerToml,
      );
    expect(block?.slice(1).map(Number)).toEqual([FAILED_AUTH_LIMIT, FAILED_AUTH_PERIOD_SECONDS]);
    expect(env.AUTH_FAILURE_LIMITER).toBeDefined();
  });

  it(`answers ${FAILED_AUTH_LIMIT} failures with 401, then 429, and the isolate's own count knows nothing of them`, async () => {
    // Miniflare's limiter counts in windows aligned to the clock's minutes: start early in one.
    const intoMinute = Date.now() % 60_000;
    if (intoMinute > 40_000) await new Promise((r) => setTimeout(r, 60_500 - intoMinute));
    const address = randomClientAddress();
    expect(await failures(address, FAILED_AUTH_LIMIT, null)).toEqual(ALL_ALLOWED);
    expect(await expectThrottled(await getTools(address, "wrong-again", null))).toBe(FAILED_AUTH_PERIOD_SECONDS);
    await expectThrottled(await getTools(address, ADMIN_TOKEN, null));
    expect((await getTools(randomClientAddress(), ADMIN_TOKEN, null)).status).toBe(200);
    // The same address, through a Worker without the binding: the fallback has counted nothing.
    const res = await getTools(address, "wrong-token", NO_BINDING);
    expect(res.status).toBe(401);
  }, 60_000);

  it("asks the binding only after a failure, keyed by the address", async () => {
    const limiter = fakeLimiter(async () => ({ success: true }));
    const address = "198.51.100.23";
    for (let i = 0; i < 5; i++)
      expect((await getTools(address, ADMIN_TOKEN, { AUTH_FAILURE_LIMITER: limiter })).status).toBe(200);
    expect(limiter.keys).toEqual([]);
    expect((await getTools(address, "wrong", { AUTH_FAILURE_LIMITER: limiter })).status).toBe(401);
    expect(limiter.keys).toEqual(["auth-failure:198.51.100.23"]);
  });

  it("answers 429 when the binding says no, and remembers it for a period without asking again", async () => {
    const limiter = fakeLimiter(async () => ({ success: false }));
    const address = randomClientAddress();
    const bindings = { AUTH_FAILURE_LIMITER: limiter };
    expect(await expectThrottled(await getTools(address, "wrong", bindings))).toBe(FAILED_AUTH_PERIOD_SECONDS);
    await expectThrottled(await getTools(address, ADMIN_TOKEN, bindings));
    expect(limiter.keys).toHaveLength(1);
    expect((await getTools(randomClientAddress(), ADMIN_TOKEN, bindings)).status).toBe(200);
  });

  it("counts in the isolate when the binding fails", async () => {
    const limiter = fakeLimiter(() => Promise.reject(new Error("rate limiter unavailable")));
    const address = randomClientAddress();
    const bindings = { AUTH_FAILURE_LIMITER: limiter };
    expect(await failures(address, FAILED_AUTH_LIMIT, bindings)).toEqual(ALL_ALLOWED);
    await expectThrottled(await getTools(address, "wrong", bindings));
  });
});

describe("the web UI's sign-in", () => {
  async function pageError(res: Response): Promise<string> {
    const html = await res.text();
    return decodeEntities(/<div class="error-summary" role="alert">([\s\S]*?)<\/div>/.exec(html)?.[1] ?? "").trim();
  }

  it("shows a plain-words page with Retry-After after too many wrong tokens, and keeps the form", async () => {
    const address = randomClientAddress();
    for (let i = 0; i < FAILED_AUTH_LIMIT; i++) expect((await signInFrom(address, `wrong-${i}`)).status).toBe(401);
    const res = await signInFrom(address, "wrong-again");
    expect(res.status).toBe(429);
    expect(res.headers.get("content-type")).toBe("text/html; charset=UTF-8");
    expect(Number(res.headers.get("retry-after"))).toBe(FAILED_AUTH_PERIOD_SECONDS);
    const html = await res.clone().text();
    expect(html).toContain('<form method="post" action="/ui/sign-in">');
    expect(await pageError(res)).toBe(
      "Too many sign-in attempts with a wrong token came from your network, so signing in is paused for a while. Wait 60 seconds, then try again with the right token.",
    );
    const valid = await signInFrom(address, ADMIN_TOKEN);
    expect(valid.status).toBe(429);
    expect(valid.headers.get("set-cookie")).toBeNull();
    const elsewhere = await signInFrom(randomClientAddress(), ADMIN_TOKEN);
    expect(elsewhere.status).toBe(303);
    expect(elsewhere.headers.get("set-cookie")).toContain("__Host-toolgate_session=");
  });

  it("shares its budget with bearer tokens: failures on either count against the address", async () => {
    const address = randomClientAddress();
    const half = Math.floor(FAILED_AUTH_LIMIT / 2);
    expect(await failures(address, half)).toEqual(Array(half).fill(401));
    for (let i = half; i < FAILED_AUTH_LIMIT; i++) expect((await signInFrom(address, `wrong-${i}`)).status).toBe(401);
    expect((await signInFrom(address, "wrong")).status).toBe(429);
    await expectThrottled(await getTools(address, ADMIN_TOKEN));
  });

  it("uses the binding where it is bound", async () => {
    const limiter = fakeLimiter(async () => ({ success: false }));
    const res = await signInFrom(randomClientAddress(), "wrong", { AUTH_FAILURE_LIMITER: limiter });
    expect(res.status).toBe(429);
    expect(limiter.keys).toHaveLength(1);
  });
});

describe("the OpenAPI document", () => {
  it("declares 429 with Retry-After on every operation that authenticates", async () => {
    type Operation = { responses: Record<string, { headers?: Record<string, unknown> }> };
    const doc = await (
      await api("/openapi.json", { token: null })
    ).json<{
      paths: Record<string, Record<string, Operation>>;
    }>();
    const missing: string[] = [];
    let authenticated = 0;
    for (const [path, item] of Object.entries(doc.paths))
      for (const [method, operation] of Object.entries(item)) {
        if (!operation.responses["401"]) continue;
        authenticated++;
        if (!operation.responses["429"]?.headers?.["Retry-After"]) missing.push(`${method} ${path}`);
      }
    expect(authenticated).toBeGreaterThan(15);
    expect(missing).toEqual([]);
  });
});
