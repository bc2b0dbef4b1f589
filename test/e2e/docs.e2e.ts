/** /docs and /health in a real browser against `wrangler dev`: the Swagger UI renders from this origin alone. */
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findChromium, launchBrowser, screenshot, startDevServer, type DevServer } from "./harness";

describe.skipIf(!findChromium())("API docs in Chromium", () => {
  let server: DevServer;
  let browser: Browser;

  beforeAll(async () => {
    [server, browser] = await Promise.all([startDevServer(), launchBrowser()]);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it("renders every operation of the API under its Content-Security-Policy, loading nothing from outside this origin", async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const requested: string[] = [];
    page.on("request", (request) => requested.push(request.url()));
    // Chromium reports each thing the policy blocks on the console ("Refused to ...").
    const blocked: string[] = [];
    page.on("console", (message) => {
      if (/Content Security Policy/i.test(message.text())) blocked.push(message.text());
    });

    const response = await page.goto(`${server.url}/docs`);
    expect(await response?.headerValue("content-security-policy")).toContain("script-src 'self'");
    await expect.poll(() => page.locator(".opblock").count()).toBeGreaterThan(0);
    const register = page.locator(".opblock-post", { hasText: "Register a tool" });
    await register.waitFor();
    expect(await register.locator(".opblock-summary-method").innerText()).toBe("POST");
    expect(await register.locator(".opblock-summary-path").innerText()).toBe("/tools");
    await page.locator(".opblock", { hasText: "/tools/{id}/execute" }).first().waitFor();
    await page.waitForLoadState("networkidle");

    const foreign = requested.filter((url) => !url.startsWith("data:") && new URL(url).origin !== server.url);
    expect(foreign).toEqual([]);
    expect(blocked).toEqual([]);
    expect(requested).toContain(`${server.url}/openapi.json`);
    await context.close();
  });

  it("renders on a 390 px wide phone screen", async () => {
    const context = await browser.newContext({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2 });
    const page = await context.newPage();
    await page.goto(`${server.url}/docs`);
    await page.locator(".opblock-post", { hasText: "Register a tool" }).waitFor();
    // Swagger UI's own layout is not ours to fix; the picture is for a person to look at.
    await screenshot(page, "docs-390");
    await context.close();
  });

  it("answers GET /health through the browser's request context", async () => {
    const context = await browser.newContext();
    const res = await context.request.get(`${server.url}/health`);
    expect(res.status()).toBe(200);
    expect(await res.json()).toEqual({ status: "ok" });
    await context.close();
  });
});
