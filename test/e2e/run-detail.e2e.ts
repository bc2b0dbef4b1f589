/**
 * Issue 12's run detail in Chromium, as a person reads it: from a tool's
 * history to a run's page, which shows the request, the response, the
 * attempts, the token fetch and Copy as cURL. The copied command runs in a
 * shell, with the credential set as the variable it names, and gets the same
 * answer; no secret is on the page.
 */
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import type { BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findChromium, screenshot, signedInPage, type DevServer, type MockUpstream } from "./harness";

const run = promisify(execFile);

describe.skipIf(!findChromium())("run detail, in Chromium", () => {
  let server: DevServer;
  let upstream: MockUpstream;
  let context: BrowserContext;
  let page: Page;
  let stop: () => Promise<void>;

  beforeAll(async () => {
    ({ server, upstream, context, page, stop } = await signedInPage({ clipboard: true }));
  });

  afterAll(() => stop?.());

  const api = async (route: string, body: unknown) => {
    const res = await fetch(`${server.url}${route}`, {
      method: "POST",
      headers: { authorization: `Bearer ${server.adminToken}`, "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as Record<string, any> };
  };

  /** From the tool's history to its latest run (the log row lands just after the response). */
  async function openLatestRun(toolId: string) {
    for (let i = 0; i < 50; i++) {
      await page.goto(`${server.url}/ui/tools/${toolId}/history`);
      const link = page.locator("tbody tr a").first();
      if ((await link.count()) > 0) {
        await link.click();
        await page.getByRole("heading", { name: "Request", exact: true }).waitFor();
        return;
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    throw new Error("the run did not reach the history");
  }

  const section = (heading: string) =>
    page.locator("section.card", { has: page.getByRole("heading", { name: heading, exact: true }) });

  it("explains an OAuth2 run: request, response, attempt, token fetch and a cURL with $ACCESS_TOKEN", async () => {
    const created = await api("/tools", {
      name: "crm_contacts",
      execution_type: "http_request",
      method: "GET",
      endpoint_url: `${upstream.url}/crm/contacts?limit=5`,
      auth_config: {
        type: "oauth2",
        grant_type: "client_credentials",
        token_url: `${upstream.url}/oauth/token`,
        client_id: "demo-client",
        client_secret: "demo-secret",
      },
    });
    expect(created.status).toBe(201);
    const executed = await api(`/tools/${created.body.id}/execute`, { input: {} });
    expect(executed.status).toBe(200);

    await openLatestRun(created.body.id);

    const request = section("Request");
    expect(await request.locator("p").first().innerText()).toBe(`GET ${upstream.url}/crm/contacts?limit=5`);
    expect(await request.locator("tr", { hasText: "authorization" }).innerText()).toContain(
      "(not shown: it carries a credential)",
    );
    expect(await request.locator("tr", { hasText: "accept" }).innerText()).toContain("application/json");

    const response = section("Response");
    expect(await response.innerText()).toContain("Status 200");
    expect(await response.locator("tr", { hasText: "content-type" }).innerText()).toContain("application/json");
    expect(await response.locator("pre").innerText()).toContain('"name": "Ada Lovelace"');

    const attempts = section("Attempts").locator("tbody tr");
    expect(await attempts.count()).toBe(1);
    expect(await attempts.first().innerText()).toMatch(/^1\s+0 ms\s+\d+ ms\s+\d+ ms\s+HTTP 200$/);
    expect(await section("Attempts").innerText()).toContain("Cloudflare Workers do not expose them");

    const token = section("Access token").locator("tbody tr");
    expect(await token.innerText()).toMatch(
      new RegExp(`^${upstream.url.replaceAll(".", "\\.")}\\s+Requested from the token endpoint\\s+200\\s+\\d+ ms$`),
    );

    const curl = await page.locator("#curl-command").innerText();
    expect(curl).toBe(
      [
        `curl '${upstream.url}/crm/contacts?limit=5'`,
        `-H 'accept: application/json'`,
        `-H 'authorization: Bearer '"$ACCESS_TOKEN"`,
      ].join(" \\\n  "),
    );
    await page.getByRole("button", { name: "Copy as cURL" }).click();
    await page.getByRole("button", { name: "Copied" }).waitFor();
    expect(await page.evaluate<string>("navigator.clipboard.readText()")).toBe(curl);

    const html = await page.content();
    expect(html).not.toContain("demo-secret");
    expect(html).not.toMatch(/demo-token-/);
    await screenshot(page, "run-detail");
  });

  it("gives a cURL for an API key in the query that runs in a shell once $API_KEY is set", async () => {
    const created = await api("/tools", {
      name: "weather_now",
      execution_type: "http_request",
      method: "GET",
      endpoint_url: `${upstream.url}/weather`,
      input_schema: { type: "object", properties: { q: { type: "string" } } },
      auth_config: { type: "api_key", key_name: "appid", location: "query", value: "demo-weather-key" },
    });
    expect(created.status).toBe(201);
    expect((await api(`/tools/${created.body.id}/execute`, { input: { q: "Saint-Étienne d'Or" } })).status).toBe(200);

    await openLatestRun(created.body.id);
    const curl = await page.locator("#curl-command").innerText();
    expect(curl).toContain(`appid='"$API_KEY"`);
    expect(await page.content()).not.toContain("demo-weather-key");

    // The command as copied, run by a POSIX shell with the key in the variable it names.
    const { stdout } = await run("sh", ["-c", `${curl} --silent --show-error --fail`], {
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin", API_KEY: "demo-weather-key" },
    });
    expect(JSON.parse(stdout)).toEqual({ city: "Saint-Étienne d'Or", temperature_c: 18.5, conditions: "light rain" });
  });
});
