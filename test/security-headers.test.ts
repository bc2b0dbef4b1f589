/**
 * Security headers on every response the Worker makes: each operation of the
 * OpenAPI document (with and without a token), /, /docs, /openapi.json,
 * /health, /mcp, every kind of error, and the web UI's pages. HTML gets the
 * page policy; everything else a policy that loads nothing. The static files
 * of public/ are served before the Worker and get theirs from public/_headers
 * (test/e2e/security-headers.e2e.ts).
 */
import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import { securityHeaders } from "../src/security-headers";
import { api, callWorker, createTool, httpTool, json, useUpstream } from "./helpers";
import { getPage, postForm, signIn } from "./ui-helpers";

const PAGE_POLICY =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";
const RESOURCE_POLICY = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/** Asserts the headers on one response (and consumes its body); `what` names it in failures. */
async function expectSecurityHeaders(res: Response, what: string): Promise<void> {
  await res.arrayBuffer();
  const html = /^text\/html\b/.test(res.headers.get("content-type") ?? "");
  expect(res.headers.get("content-security-policy"), what).toBe(html ? PAGE_POLICY : RESOURCE_POLICY);
  expect(res.headers.get("x-content-type-options"), what).toBe("nosniff");
  expect(res.headers.get("referrer-policy"), what).toBe("same-origin");
  expect(res.headers.get("x-frame-options"), what).toBe("DENY");
  expect(res.headers.get("cross-origin-opener-policy"), what).toBe("same-origin");
  expect(res.headers.get("cross-origin-resource-policy"), what).toBe("same-origin");
  expect(res.headers.get("strict-transport-security"), what).toBe("max-age=15552000; includeSubDomains");
}

type Spec = { paths: Record<string, Record<string, unknown>> };

const upstream = useUpstream();

describe("security headers", () => {
  it("are on every operation of the OpenAPI document, with a token and without", async () => {
    const doc = await (await api("/openapi.json", { token: null })).json<Spec>();
    const tool = await createTool();
    upstream.on("GET", "https://api.example.com/v1/items", () => json({ ok: true }));
    const operations = Object.entries(doc.paths).flatMap(([path, item]) =>
      Object.keys(item).map((method) => ({ method: method.toUpperCase(), path: path.replace("{id}", tool.id) })),
    );
    expect(operations.length).toBeGreaterThan(15);
    for (const { method, path } of operations) {
      // An empty JSON body: each operation answers something (200, 4xx), and every answer carries the headers.
      const init = method === "GET" || method === "DELETE" ? { method } : { method, json: {} };
      for (const token of [undefined, null]) {
        // DELETE with the admin token would delete the tool the other operations use.
        if (method === "DELETE" && token === undefined) continue;
        const res = await api(path, { ...init, token });
        await expectSecurityHeaders(res, `${method} ${path} ${token === null ? "without a token" : ""}`);
      }
    }
  });

  it("are on /, /docs, /openapi.json, /health and /mcp", async () => {
    const pages: [string, Response][] = [
      ["/", await api("/", { token: null, redirect: "manual" })],
      ["/docs", await api("/docs", { token: null })],
      ["/openapi.json", await api("/openapi.json", { token: null })],
      ["/health", await api("/health", { token: null })],
      [
        "POST /mcp",
        await api("/mcp", {
          method: "POST",
          headers: { accept: "application/json, text/event-stream" },
          json: {
            jsonrpc: "2.0",
            id: 1,
            method: "initialize",
            params: { protocolVersion: "2025-06-18", capabilities: {}, clientInfo: { name: "t", version: "1" } },
          },
        }),
      ],
      ["GET /mcp (405)", await api("/mcp")],
    ];
    expect(pages.map(([, res]) => res.status)).toEqual([302, 200, 200, 200, 200, 405]);
    expect(pages[1]![1].headers.get("content-type")).toMatch(/^text\/html/);
    for (const [what, res] of pages) await expectSecurityHeaders(res, what);
  });

  it("are on every kind of error: 401, 404, 413, 415, 422 and an unexpected 500", async () => {
    const errors: [string, Response][] = [
      ["401", await api("/tools", { token: "not-a-token" })],
      ["404 unknown route", await api("/no/such/route", { token: null })],
      ["404 unknown tool", await api(`/tools/${crypto.randomUUID()}`)],
      [
        "413",
        await api("/tools", {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify(httpTool({ description: "x".repeat(1024 * 1024) })),
        }),
      ],
      ["415", await api("/tools", { method: "POST", headers: { "content-type": "text/plain" }, body: "{}" })],
      ["422", await api("/tools", { method: "POST", json: { name: "" } })],
      ["500", await callWorker({ DB: undefined }, "/tools")],
    ];
    expect(errors.map(([, res]) => res.status)).toEqual([401, 404, 404, 413, 415, 422, 500]);
    for (const [what, res] of errors) {
      expect(res.headers.get("content-type"), what).toBe("application/problem+json");
      await expectSecurityHeaders(res, what);
    }
  });

  it("are on the web UI's pages, its redirects and its error pages", async () => {
    const session = await signIn();
    const tool = await createTool();
    const responses: [string, Response][] = [
      ["sign-in", await getPage("/ui/sign-in", null)],
      ["redirect to sign-in", await getPage("/ui", null)],
      ["tools", await getPage("/ui", session)],
      ["tool", await getPage(`/ui/tools/${tool.id}`, session)],
      ["editor", await getPage(`/ui/tools/${tool.id}/edit`, session)],
      ["404 page", await getPage("/ui/no/such/page", session)],
      ["403 page", await postForm(`/ui/tools/${tool.id}/delete`, { _csrf: "forged" }, session)],
      ["failed sign-in", await postForm("/ui/sign-in", { token: "wrong" }, null)],
    ];
    expect(responses.map(([, res]) => res.status)).toEqual([200, 303, 200, 200, 200, 404, 403, 401]);
    for (const [what, res] of responses) await expectSecurityHeaders(res, what);
  });

  it("are set on a response whose headers cannot be changed, by copying it", async () => {
    const app = new Hono();
    app.use("*", securityHeaders());
    app.get("/away", () => Response.redirect("https://toolgate.test/elsewhere", 302));
    const res = await app.request("https://toolgate.test/away");
    expect(res.status).toBe(302);
    expect(res.headers.get("location")).toBe("https://toolgate.test/elsewhere");
    await expectSecurityHeaders(res, "Response.redirect");
  });
});
