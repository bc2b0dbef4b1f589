/**
 * What only a real `wrangler dev` shows: the static files of public/ are served
 * before the Worker runs, so their security headers come from public/_headers,
 * and they must be the ones src/security-headers.ts gives the Worker's own
 * responses. Then the Rate Limiting binding as wrangler dev provides it, with
 * CF-Connecting-IP taken from the socket. No browser needed.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { COMMON_SECURITY_HEADERS, PAGE_CSP, RESOURCE_CSP } from "../../src/security-headers";
import { startDevServer, type DevServer } from "./harness";

describe("security headers and the failed-authentication limit under wrangler dev", () => {
  let server: DevServer;

  beforeAll(async () => {
    server = await startDevServer();
  });

  afterAll(async () => {
    await server?.stop();
  });

  function expectHeaders(res: Response, csp: string, what: string): void {
    for (const [name, value] of Object.entries(COMMON_SECURITY_HEADERS))
      expect(res.headers.get(name), `${what}: ${name}`).toBe(value);
    expect(res.headers.get("content-security-policy"), what).toBe(csp);
  }

  it("gives every static file the headers the Worker gives its own non-HTML responses", async () => {
    const files = [
      ["/ui/app.css", "text/css"],
      ["/ui/app.js", "text/javascript"],
      ["/docs/assets/swagger-ui.css", "text/css"],
      ["/docs/assets/swagger-ui-bundle.js", "text/javascript"],
      ["/docs/assets/init.js", "text/javascript"],
    ] as const;
    for (const [path, type] of files) {
      const res = await fetch(`${server.url}${path}`);
      await res.arrayBuffer();
      expect(res.status, path).toBe(200);
      expect(res.headers.get("content-type"), path).toContain(type);
      expectHeaders(res, RESOURCE_CSP, path);
    }
    const health = await fetch(`${server.url}/health`);
    await health.arrayBuffer();
    expectHeaders(health, RESOURCE_CSP, "/health");
    const docs = await fetch(`${server.url}/docs`);
    await docs.arrayBuffer();
    expectHeaders(docs, PAGE_CSP, "/docs");
  });

  it("does not serve the _headers file itself", async () => {
    const res = await fetch(`${server.url}/_headers`);
    expect(res.status).toBe(404);
    expect(await res.text()).not.toContain("Content-Security-Policy");
  });

  // Last: it locks this machine's address out of the server for a minute.
  it(
    "answers 429 with Retry-After after 10 wrong tokens from one socket address, and still lets another in",
    { timeout: 90_000 },
    async () => {
      // Miniflare's limiter counts in windows aligned to the clock's minutes: start early in one.
      const intoMinute = Date.now() % 60_000;
      if (intoMinute > 40_000) await new Promise((resolve) => setTimeout(resolve, 60_500 - intoMinute));
      const statuses: number[] = [];
      for (let i = 0; i < 11; i++) {
        const res = await fetch(`${server.url}/tools`, { headers: { authorization: `Bearer wrong-${i}` } });
        await res.arrayBuffer();
        statuses.push(res.status);
        if (i === 10) expect(Number(res.headers.get("retry-after"))).toBe(60);
      }
      expect(statuses).toEqual([...Array(10).fill(401), 429]);
      const valid = await fetch(`${server.url}/tools`, { headers: { authorization: `Bearer ${server.adminToken}` } });
      expect(valid.status).toBe(429);
      // wrangler dev keeps a CF-Connecting-IP the client sends (Cloudflare's edge would not): another address.
      const other = await fetch(`${server.url}/tools`, {
        headers: { authorization: `Bearer ${server.adminToken}`, "cf-connecting-ip": "192.0.2.44" },
      });
      expect(other.status).toBe(200);
    },
  );
});
