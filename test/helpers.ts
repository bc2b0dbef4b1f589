/**
 * Test helpers: calling the Worker, creating tools, and an upstream double
 * that intercepts every outbound fetch. A request no test expected fails the
 * test that caused it.
 */
import { createExecutionContext, env, SELF, waitOnExecutionContext } from "cloudflare:test";
import { afterEach, beforeEach, expect, vi } from "vitest";
import type { Env } from "../src/env";
import worker from "../src/index";

export const ADMIN_TOKEN = "test-admin-token-for-the-test-suite";

export type ApiInit = RequestInit & { json?: unknown; token?: string | null };

/**
 * A client address of its own (a random /64 of the documentation prefix), as
 * Cloudflare's CF-Connecting-IP gives one: failed authentications are
 * throttled per address (src/access/throttle.ts), so that no test's refused
 * tokens count against another's.
 */
export function randomClientAddress(): string {
  const group = () => Math.floor(Math.random() * 0x10000).toString(16);
  return `2001:db8:${group()}:${group()}::1`;
}

/**
 * A request to the Worker: the admin token unless `token` says otherwise, and
 * `json` as the body, from a client address of its own unless `headers` names one.
 */
export function apiRequest(path: string, init: ApiInit = {}): Request {
  const headers = new Headers(init.headers);
  if (!headers.has("cf-connecting-ip")) headers.set("cf-connecting-ip", randomClientAddress());
  if (init.token !== null) headers.set("authorization", `Bearer ${init.token ?? ADMIN_TOKEN}`);
  let body = init.body;
  if (init.json !== undefined) {
    body = JSON.stringify(init.json);
    if (!headers.has("content-type")) headers.set("content-type", "application/json");
  }
  return new Request(`https://toolgate.test${path}`, { ...init, headers, body });
}

export function api(path: string, init: ApiInit = {}): Promise<Response> {
  return SELF.fetch(apiRequest(path, init));
}

/** Worker bindings to override for one call, such as `{ ALLOW_HTTP: "true" }` or another keyring. */
export type Bindings = Partial<Record<keyof Cloudflare.Env | keyof Env, unknown>>;

/** Calls the Worker directly with different bindings, and waits for its deferred work. */
export async function callWorker(bindings: Bindings, path: string, init: ApiInit = {}): Promise<Response> {
  const request = apiRequest(path, init);
  const ctx = createExecutionContext();
  const res = await worker.fetch(request, { ...env, ...bindings } as Cloudflare.Env, ctx);
  await waitOnExecutionContext(ctx);
  return res;
}

export function uniqueName(prefix = "tool"): string {
  return `${prefix}_${crypto.randomUUID().slice(0, 8)}`;
}

export type ToolBody = Record<string, unknown>;

/**
 * A parsed JSON response. `any` on purpose: tests walk response bodies of
 * many shapes and assert on exact values, which is where mistakes show.
 */
export type Json = Record<string, any>;

export function httpTool(overrides: ToolBody = {}): ToolBody {
  return {
    name: uniqueName(),
    execution_type: "http_request",
    method: "GET",
    endpoint_url: "https://api.example.com/v1/items",
    input_schema: { type: "object", properties: {} },
    ...overrides,
  };
}

/** Creates a tool and returns its JSON; fails the test if creation fails. `bindings` override the Worker's. */
export async function createTool(overrides: ToolBody = {}, bindings?: Bindings): Promise<Json> {
  const init: ApiInit = { method: "POST", json: httpTool(overrides) };
  const res = bindings ? await callWorker(bindings, "/tools", init) : await api("/tools", init);
  const body = await res.json<Json>();
  expect(res.status, JSON.stringify(body)).toBe(201);
  return body;
}

/** Creates an API key with the admin token; returns the response body, `key` included. */
export async function createApiKey(scopes: string[], name = uniqueName("key")): Promise<Json & { key: string }> {
  const res = await api("/api-keys", { method: "POST", json: { name, scopes } });
  const body = await res.json<Json & { key: string }>();
  expect(res.status, JSON.stringify(body)).toBe(201);
  return body;
}

export async function execute(
  toolId: string,
  input: unknown = {},
  bindings?: Bindings,
): Promise<{ status: number; body: Json; res: Response }> {
  const init: ApiInit = { method: "POST", json: { input } };
  const path = `/tools/${toolId}/execute`;
  const res = bindings ? await callWorker(bindings, path, init) : await api(path, init);
  return { status: res.status, body: await res.json<Json>(), res };
}

/**
 * The execution's log, once its row is in D1 (the API answers from the isolate's group-commit buffer
 * sooner, and tests then read the row straight from D1).
 */
export async function waitForLog(executionId: string): Promise<Json> {
  for (let attempt = 0; attempt < 100; attempt++) {
    const res = await api(`/executions/${executionId}`);
    const landed = await env.DB.prepare("SELECT 1 FROM executions WHERE id = ?").bind(executionId).first();
    if (res.status === 200 && landed) return res.json<Json>();
    await res.arrayBuffer();
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`no log row for execution ${executionId}`);
}

export interface RecordedRequest {
  method: string;
  url: URL;
  headers: Headers;
  body: string;
}

type Handler = (request: RecordedRequest) => Response | Promise<Response>;

export interface Upstream {
  /** Answers requests whose method and URL (without query, or matching the RegExp on the full URL) match. */
  on(method: string, url: string | RegExp, handler: Handler): void;
  readonly calls: RecordedRequest[];
  callsTo(url: string): RecordedRequest[];
}

/**
 * Installs the upstream double for every test in the file. Handlers that
 * never resolve still honour the request's AbortSignal, so timeouts work.
 */
export function useUpstream(): Upstream {
  let routes: { method: string; url: string | RegExp; handler: Handler }[] = [];
  let unexpected: string[] = [];
  const calls: RecordedRequest[] = [];
  const upstream: Upstream = {
    on(method, url, handler) {
      routes.push({ method, url, handler });
    },
    calls,
    callsTo(url) {
      return calls.filter((c) => `${c.url.origin}${c.url.pathname}` === url);
    },
  };
  beforeEach(() => {
    routes = [];
    unexpected = [];
    calls.length = 0;
    vi.spyOn(globalThis, "fetch").mockImplementation(async (input, init) => {
      const request = new Request(input, init);
      const recorded: RecordedRequest = {
        method: request.method,
        url: new URL(request.url),
        headers: new Headers(request.headers),
        body: new TextDecoder().decode(await request.arrayBuffer()),
      };
      calls.push(recorded);
      const route = routes.find(
        (r) =>
          r.method === recorded.method &&
          (typeof r.url === "string"
            ? `${recorded.url.origin}${recorded.url.pathname}` === r.url
            : r.url.test(recorded.url.href)),
      );
      if (!route) {
        unexpected.push(`${recorded.method} ${recorded.url.href}`);
        throw new TypeError("unexpected outbound request");
      }
      const signal = init?.signal ?? request.signal;
      return new Promise<Response>((resolve, reject) => {
        if (signal?.aborted) return reject(signal.reason);
        signal?.addEventListener("abort", () => reject(signal.reason));
        Promise.resolve(route.handler(recorded)).then(resolve, reject);
      });
    });
  });
  afterEach(() => {
    vi.restoreAllMocks();
    expect(unexpected, "unexpected outbound requests").toEqual([]);
  });
  return upstream;
}

export function json(body: unknown, init: ResponseInit = {}): Response {
  const headers = new Headers(init.headers);
  if (!headers.has("content-type")) headers.set("content-type", "application/json");
  return new Response(JSON.stringify(body), { ...init, headers });
}
