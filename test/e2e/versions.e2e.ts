/**
 * A tool's definition history in a real browser, as a person uses it: edit
 * a tool twice in the editor, open Versions, read what changed between two
 * versions, restore the first one (its API key kept, as it goes to the same
 * place), and run the restored tool.
 */
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findChromium, screenshot, signedInPage, textIn, type DevServer, type MockUpstream } from "./harness";

const WEATHER_KEY = "demo-weather-key";

describe.skipIf(!findChromium())("definition history in Chromium", () => {
  let server: DevServer;
  let upstream: MockUpstream;
  let page: Page;
  let stop: () => Promise<void>;

  beforeAll(async () => {
    ({ server, upstream, page, stop } = await signedInPage());
  });

  afterAll(() => stop?.());

  it("edits a tool twice, shows what changed between versions, and restores the first", async () => {
    const res = await fetch(`${server.url}/tools`, {
      method: "POST",
      headers: { authorization: `Bearer ${server.adminToken}`, "content-type": "application/json" },
      body: JSON.stringify({
        name: "weather_now",
        description: "Current weather for a city.",
        execution_type: "http_request",
        method: "GET",
        endpoint_url: `${upstream.url}/weather`,
        auth_config: { type: "api_key", location: "query", key_name: "appid", value: WEATHER_KEY },
        input_schema: { type: "object", properties: { q: { type: "string" } }, required: ["q"] },
      }),
    });
    expect(res.status, await res.clone().text()).toBe(201);
    const { id } = (await res.json()) as { id: string };

    // Two edits in the editor: the description, then the timeout.
    await page.goto(`${server.url}/ui/tools/${id}`);
    await page.getByRole("link", { name: "Edit" }).click();
    await page.getByLabel("Description", { exact: true }).fill("The weather right now, for any city.");
    await page.getByRole("button", { name: "Save changes" }).click();
    await page.getByText("Saved. Try it here.").waitFor();
    await page.getByRole("link", { name: "Edit" }).click();
    await page.getByLabel("Timeout (seconds)").fill("12");
    await page.getByRole("button", { name: "Save changes" }).click();
    await page.getByText("Saved. Try it here.").waitFor();

    await page.getByRole("link", { name: "Versions" }).click();
    await page.getByRole("heading", { name: "Versions of weather_now" }).waitFor();
    const rows = page.locator("tbody tr");
    await expect.poll(() => rows.count()).toBe(3);
    expect(await rows.first().innerText()).toMatch(/^3 \(current\)\s.*admin token/);
    // The newest change first: the timeout.
    const diff = await textIn(page.getByRole("region", { name: "Changes from version 2 to version 3" }));
    expect(diff).toContain("Timeout (seconds) 30 → changed to 12");
    expect(diff).not.toContain("Description");

    // Any two: the first against the newest shows both edits.
    await page.getByLabel("Compare version").selectOption("1");
    await page.getByLabel("with version").selectOption("3");
    await page.getByRole("button", { name: "Compare" }).click();
    const both = await textIn(page.getByRole("region", { name: "Changes from version 1 to version 3" }));
    expect(both).toContain("Description Current weather for a city. → changed to The weather right now, for any city.");
    expect(both).toContain("Timeout (seconds) 30 → changed to 12");
    expect(await page.content()).not.toContain(WEATHER_KEY);
    await screenshot(page, "ui-versions");

    await page.getByRole("link", { name: "Restore version 1" }).click();
    await page.getByRole("heading", { name: "Restore version 1 of weather_now" }).waitFor();
    await page.getByText("The API key is kept: version 1 sends it to the same place as now.").waitFor();
    expect(await page.locator('input[type="password"]').count()).toBe(0);
    await page.getByRole("button", { name: "Restore version 1" }).click();
    await page.getByText("Restored version 1 as version 4.").waitFor();
    await expect.poll(() => rows.count()).toBe(4);

    // The restored tool is the first version again, and runs with the key it kept.
    await page.getByRole("link", { name: "weather_now" }).click();
    await page.getByText("Current weather for a city.").waitFor();
    await page.getByLabel("q (required)").fill("Paris");
    await page.getByRole("button", { name: "Run" }).click();
    await page.getByRole("region", { name: "Result" }).getByText("HTTP 200").waitFor();
    expect(await page.content()).not.toContain(WEATHER_KEY);
  });
});
