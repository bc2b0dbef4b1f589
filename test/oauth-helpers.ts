/**
 * Helpers for the tests against the real OAuth provider (test/oauth/): its
 * origins passed through to the network, toolgate behind a plain-HTTP
 * browser at 127.0.0.1 (the provider is at localhost, so coming back is
 * cross-site), authorization-code connections and tools on them, and what
 * the provider recorded.
 */
import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import { afterEach, beforeEach, expect, inject, vi } from "vitest";
import worker from "../src/index";
import type { HarnessLog, OAuthHarnessInfo } from "./oauth/contract";
import { PlainBrowser, pageText, type Visit } from "./oauth/plain-browser";
import { apiRequest, uniqueName, type ApiInit, type Json } from "./helpers";

export const oauth: OAuthHarnessInfo = inject("oauth");

/** The runtime's fetch, taken before any test replaces it: the browser and the harness controls use it. */
const networkFetch: typeof fetch = globalThis.fetch.bind(globalThis);

/** toolgate's public origin in these tests (PUBLIC_BASE_URL). */
export const TOOLGATE = "http://127.0.0.1:8787";

/** The settings these tests run toolgate with: the provider is plain http on localhost. */
export const OAUTH_BINDINGS = {
  ALLOW_HTTP: "true",
  OUTBOUND_ALLOWLIST: "localhost",
  PUBLIC_BASE_URL: TOOLGATE,
};

/** Calls the Worker with the OAuth test settings (plus `extra`), and waits for its deferred work. */
export async function callToolgate(
  path: string,
  init: ApiInit = {},
  extra: Record<string, string | undefined> = {},
): Promise<Response> {
  const request = apiRequest(path, init);
  return sendToToolgate(new Request(new URL(path, TOOLGATE), request), extra);
}

async function sendToToolgate(request: Request, extra: Record<string, string | undefined> = {}): Promise<Response> {
  const ctx = createExecutionContext();
  const res = await worker.fetch(request, { ...env, ...OAUTH_BINDINGS, ...extra } as Cloudflare.Env, ctx);
  await waitOnExecutionContext(ctx);
  return res;
}

/** What toolgate fetched during a test: provider and API requests, passed on to them for real. */
export interface Outbound {
  readonly calls: { method: string; url: URL }[];
  /** Requests to origins other than the harness's: each one fails the test. */
  readonly unexpected: string[];
}

/**
 * Passes toolgate's requests to the harness's origins on to the network (the
 * tests' fetch double otherwise fails them), recording each; anything else is
 * refused and fails the test.
 */
export function useProviderNetwork(): Outbound {
  const outbound = { calls: [] as { method: string; url: URL }[], unexpected: [] as string[] };
  const allowed = new Set([new URL(oauth.issuer).origin, new URL(oauth.apiOrigin).origin]);
  beforeEach(() => {
    outbound.calls.length = 0;
    outbound.unexpected.length = 0;
    vi.spyOn(globalThis, "fetch").mockImplementation(async (input, init) => {
      const request = new Request(input, init);
      const url = new URL(request.url);
      outbound.calls.push({ method: request.method, url });
      if (!allowed.has(url.origin)) {
        outbound.unexpected.push(`${request.method} ${url.href}`);
        throw new TypeError("unexpected outbound request");
      }
      return networkFetch(request);
    });
  });
  afterEach(() => {
    vi.restoreAllMocks();
    expect(outbound.unexpected, "unexpected outbound requests").toEqual([]);
  });
  return outbound;
}

/** A browser whose requests to toolgate go to the Worker (with `extra` settings) and all others to the network. */
export function newBrowser(extra: Record<string, string | undefined> = {}): PlainBrowser {
  return new PlainBrowser(async (request) => {
    const url = new URL(request.url);
    if (url.origin === TOOLGATE || url.origin === "https://toolgate.test") return sendToToolgate(request, extra);
    // The browser is not toolgate: its requests bypass the fetch double's record.
    return networkFetch(request);
  });
}

export type ClientKind = "basic" | "post" | "public";

/** Creates an authorization-code connection to the harness for `client`; returns its JSON. */
export async function createAuthCodeConnection(
  client: ClientKind = "basic",
  overrides: Record<string, unknown> = {},
): Promise<Json> {
  const registered = oauth.clients[client];
  const res = await callToolgate("/connections", {
    method: "POST",
    json: {
      name: uniqueName("conn"),
      auth_config: {
        type: "oauth2",
        grant_type: "authorization_code",
        authorization_url: oauth.authorizationUrl,
        token_url: oauth.tokenUrl,
        client_id: registered.id,
        ...(registered.secret ? { client_secret: registered.secret } : {}),
        scope: `openid profile email ${oauth.apiScopes}`,
        client_auth_method: client === "post" ? "client_secret_post" : "client_secret_basic",
        ...overrides,
      },
      allowed_origins: [oauth.apiOrigin],
    },
  });
  const body = await res.json<Json>();
  expect(res.status, JSON.stringify(body)).toBe(201);
  return body;
}

/** A GET tool on the harness's API that uses the connection. */
export async function createApiTool(connectionId: string, path = "/items"): Promise<Json> {
  const res = await callToolgate("/tools", {
    method: "POST",
    json: {
      name: uniqueName("tool"),
      execution_type: "http_request",
      method: "GET",
      endpoint_url: `${oauth.apiOrigin}${path}`,
      input_schema: { type: "object", properties: {} },
      connection_id: connectionId,
    },
  });
  const body = await res.json<Json>();
  expect(res.status, JSON.stringify(body)).toBe(201);
  return body;
}

export async function executeTool(toolId: string): Promise<{ status: number; body: Json }> {
  const res = await callToolgate(`/tools/${toolId}/execute`, { method: "POST", json: { input: {} } });
  return { status: res.status, body: await res.json<Json>() };
}

/** POST /connections/{id}/authorize: the authorization URL. */
export async function authorizeUrl(connectionId: string, init: ApiInit = {}, extra = {}): Promise<URL> {
  const res = await callToolgate(`/connections/${connectionId}/authorize`, { method: "POST", ...init }, extra);
  const body = await res.json<Json>();
  expect(res.status, JSON.stringify(body)).toBe(200);
  return new URL(body.authorization_url);
}

/** Signs in at the provider as `account` and presses Allow or Deny; returns the page toolgate showed after. */
export async function consentAtProvider(
  browser: PlainBrowser,
  start: URL | Visit,
  account: string,
  decision: "allow" | "deny" = "allow",
  from = `${TOOLGATE}/ui`,
): Promise<Visit> {
  const login = start instanceof URL ? await browser.navigate(start, { from }) : start;
  expect(pageText(login.html)).toContain("Sign in to the test provider");
  const consent = await browser.submit(login, "/login", { username: account, password: oauth.password });
  expect(pageText(consent.html)).toContain("Allow");
  return browser.submit(consent, `/${decision}`);
}

/** What the provider and its API recorded for `account`. */
export async function providerLog(account: string): Promise<HarnessLog> {
  const res = await fetchHarness(`${oauth.issuer}/__harness/log?account=${encodeURIComponent(account)}`);
  return res.json<HarnessLog>();
}

/** Revokes the account's grants at the provider, as a person does under "connected apps". */
export async function revokeAtProvider(account: string): Promise<void> {
  const res = await fetchHarness(`${oauth.issuer}/__harness/revoke?account=${encodeURIComponent(account)}`, {
    method: "POST",
  });
  expect(res.status).toBe(200);
  await res.arrayBuffer();
}

/** The harness's control endpoints, called by the test itself (never recorded as toolgate's). */
function fetchHarness(url: string, init: RequestInit = {}): Promise<Response> {
  return networkFetch(url, init);
}

export { pageText };
