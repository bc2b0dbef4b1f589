/**
 * Monitoring in a real browser, as a person uses it: run tools from their
 * pages, open Monitoring from the navigation and read the charts (their
 * titles and descriptions say the counts), switch the range to 7 days, open
 * one tool's charts, then find a failed run in All runs by its outcome.
 */
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findChromium, screenshot, signedInPage, textIn, type DevServer, type MockUpstream } from "./harness";

const WEATHER_KEY = "demo-weather-key";

describe.skipIf(!findChromium())("monitoring in Chromium", () => {
  let server: DevServer;
  let upstream: MockUpstream;
  let page: Page;
  let stop: () => Promise<void>;

  beforeAll(async () => {
    ({ server, upstream, page, stop } = await signedInPage());
  });

  afterAll(() => stop?.());

  const nav = () => page.getByRole("navigation", { name: "Main" });

  /** A weather tool against the mock upstream, sending `key` (the upstream answers 401 to a wrong one). */
  async function createTool(name: string, key: string): Promise<string> {
    const res = await fetch(`${server.url}/tools`, {
      method: "POST",
      headers: { authorization: `Bearer ${server.adminToken}`, "content-type": "application/json" },
      body: JSON.stringify({
        name,
        description: "Current weather for a city.",
        execution_type: "http_request",
        method: "GET",
        endpoint_url: `${upstream.url}/weather`,
        auth_config: { type: "api_key", location: "query", key_name: "appid", value: key },
        input_schema: { type: "object", properties: { q: { type: "string" } }, required: ["q"] },
      }),
    });
    expect(res.status, await res.clone().text()).toBe(201);
    return ((await res.json()) as { id: string }).id;
  }

  /** Runs the open tool page's test panel once and waits for the result to say `expected`. */
  async function runFromPage(city: string, expected: string | RegExp) {
    await page.getByLabel("q (required)").fill(city);
    await page.getByRole("button", { name: "Run" }).click();
    await page.getByRole("region", { name: "Result" }).getByText(expected, { exact: true }).waitFor();
  }

  it("charts the calls of each tool, in two ranges, and finds a failed run by its outcome", async () => {
    const goodId = await createTool("weather_now", WEATHER_KEY);
    await createTool("weather_wrong_key", "not-the-key");

    await page.goto(`${server.url}/ui/tools/${goodId}`);
    // Each result names its city, so that every run is waited for, not the one before.
    for (const city of ["Paris", "Oslo", "Lima"]) await runFromPage(city, new RegExp(`"city": "${city}"`));
    await nav().getByRole("link", { name: "Tools" }).click();
    await page.getByRole("link", { name: "weather_wrong_key" }).click();
    await runFromPage("Paris", "HTTP 401");

    // The log is written in batches after the response: the page shows the runs once they are flushed.
    await nav().getByRole("link", { name: "Monitoring" }).click();
    await page.getByRole("heading", { name: "Monitoring", exact: true }).waitFor();
    const chartDesc = page.locator('svg[data-chart="dashboard-calls"] desc');
    await expect
      .poll(async () => {
        await page.reload();
        return (await chartDesc.count()) ? chartDesc.textContent() : "";
      })
      .toBe("weather_now: 3 calls, 0 errors; weather_wrong_key: 1 calls, 1 errors");
    expect(await page.locator('svg[data-chart="dashboard-calls"] title').textContent()).toBe(
      "Calls per tool, last 24 hours",
    );
    const rows = page.locator("tbody tr");
    expect(await textIn(rows.nth(0))).toMatch(/^weather_now 3 0 100% \S/);
    expect(await textIn(rows.nth(1))).toMatch(/^weather_wrong_key 1 1 0% \S/);
    await screenshot(page, "ui-monitoring");

    // Sorted by errors, the failing tool comes first; over 7 days the counts are the same.
    await page.getByRole("link", { name: "errors", exact: true }).click();
    await expect.poll(() => textIn(rows.first())).toMatch(/^weather_wrong_key /);
    await page.getByRole("navigation", { name: "Range" }).getByRole("link", { name: "Last 7 days" }).click();
    await page
      .getByRole("navigation", { name: "Range" })
      .locator('[aria-current="page"]', { hasText: "Last 7 days" })
      .waitFor();
    expect(await page.locator('svg[data-chart="dashboard-calls"] title').textContent()).toBe(
      "Calls per tool, last 7 days",
    );
    expect(await textIn(rows.first())).toMatch(/^weather_wrong_key 1 1 0% /);

    // One tool's charts, from the dashboard's table.
    await rows.getByRole("link", { name: "weather_now" }).click();
    await page.getByRole("heading", { name: "Monitoring weather_now" }).waitFor();
    expect(await page.locator('svg[data-chart="calls"] title').textContent()).toBe(
      "Calls of weather_now, last 7 days: 3 calls",
    );
    expect(await page.locator('svg[data-chart="success"] title').textContent()).toBe(
      "Success rate of weather_now, last 7 days: 100%",
    );
    expect(await textIn(page.locator("p.summary"))).toMatch(/^3 calls in the last 7 days, 100% succeeded; p50 /);
    // Seven bars, one per day, and the day of the runs holds all three.
    expect(await page.locator('svg[data-chart="calls"] rect.ok').count()).toBe(1);
    expect(await page.locator('svg[data-chart="calls"] rect.bad').count()).toBe(0);

    // All runs: every tool's runs, then only the failed one.
    await nav().getByRole("link", { name: "All runs" }).click();
    await page.getByRole("heading", { name: "All runs" }).waitFor();
    await expect.poll(() => rows.count()).toBe(4);
    await page.getByLabel("Tool", { exact: true }).selectOption({ label: "weather_now" });
    await page.getByRole("button", { name: "Filter" }).click();
    await expect.poll(() => rows.count()).toBe(3);
    await page.getByLabel("Tool", { exact: true }).selectOption({ label: "All tools" });
    await page.getByLabel("Outcome").selectOption("upstream_error");
    await page.getByRole("button", { name: "Filter" }).click();
    await expect.poll(() => rows.count()).toBe(1);
    expect(await textIn(rows.first())).toMatch(/weather_wrong_key upstream error 401 \d+ ms$/);
    await screenshot(page, "ui-all-runs");
    await page.getByLabel("Outcome").selectOption("timeout");
    await page.getByRole("button", { name: "Filter" }).click();
    await page.getByText("No run matches these filters.").waitFor();
    expect(await page.content()).not.toContain(WEATHER_KEY);
  });
});
