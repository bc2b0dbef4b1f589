/**
 * The web UI in a real browser, against `wrangler dev` and the mock upstream:
 * what a person who has never read the API docs does to create, test, fix,
 * inspect and delete an API-key tool and an OAuth2 tool.
 */
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  findChromium,
  hasNoHorizontalScroll,
  overflowingElements,
  screenshot,
  startServersAndBrowser,
  type DevServer,
  type MockUpstream,
} from "./harness";

const WEATHER_KEY = "demo-weather-key";
const OAUTH_SECRET = "demo-secret";

describe.skipIf(!findChromium())("web UI in Chromium", () => {
  let server: DevServer;
  let upstream: MockUpstream;
  let context: BrowserContext;
  let page: Page;
  let stop: () => Promise<void>;

  beforeAll(async () => {
    let browser: Browser;
    ({ server, upstream, browser, stop } = await startServersAndBrowser());
    context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    page = await context.newPage();
  });

  afterAll(() => stop?.());

  /** Every page must be free of the secrets typed into it. */
  async function expectNoSecretsOnPage() {
    const html = await page.content();
    expect(html).not.toContain(WEATHER_KEY);
    expect(html).not.toContain(OAUTH_SECRET);
  }

  it("sends a person who is not signed in to the sign-in page, and signs them in", async () => {
    await page.goto(`${server.url}/`);
    await expect.poll(() => new URL(page.url()).pathname).toBe("/ui/sign-in");
    await page.getByLabel("API token").fill("not-the-token");
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByText("That token was not accepted").waitFor();

    await page.getByLabel("API token").fill(server.adminToken);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("heading", { name: "Tools", exact: true }).waitFor();
    await page.getByRole("heading", { name: "No tools yet" }).waitFor();

    const cookies = await context.cookies();
    const session = cookies.find((c) => c.name === "__Host-toolgate_session");
    expect(session).toMatchObject({ httpOnly: true, secure: true, sameSite: "Strict", path: "/" });
    expect(session?.expires).toBeGreaterThan(Date.now() / 1000);
    expect(session?.value).not.toContain(server.adminToken);
    // Page scripts cannot read it.
    expect(await page.evaluate<string>("document.cookie")).toBe("");
    await screenshot(page, "ui-empty");
  });

  it("creates an API-key tool with two parameters from the guided form", async () => {
    await page.getByRole("link", { name: "Create your first tool" }).click();
    await page.getByRole("heading", { name: "New tool" }).waitFor();

    const name = page.getByLabel("Name", { exact: true });
    await name.fill("weather now");
    await page.getByText("Not allowed: space").waitFor();
    await name.fill("weather_now");
    await page.getByText("This name can be used.").waitFor();
    await page.getByLabel("Description", { exact: true }).fill("Current weather for a city.");
    await page.getByLabel("Endpoint URL").fill(`${upstream.url}/weather`);

    await page.getByLabel("How the tool signs in to the API").selectOption("api_key");
    await expect.poll(() => page.getByLabel("Client ID").isVisible()).toBe(false);
    await page.getByLabel("Send the key in").selectOption("query");
    await page.getByLabel("Header or parameter name").fill("appid");
    await page.getByLabel("API key value").fill(WEATHER_KEY);

    await page.getByRole("button", { name: "Add parameter" }).click();
    await page.locator("#param-0-name").fill("q");
    await page.locator("#param-0-required").check();
    await page.locator("#param-0-location").selectOption("query");
    await page.locator("#param-0-description").fill("The city");
    await page.getByRole("button", { name: "Add parameter" }).click();
    // The round trip kept everything typed so far, the secret included (sealed, not in the page).
    expect(await page.locator("#param-0-name").inputValue()).toBe("q");
    expect(await page.getByLabel("API key value").getAttribute("placeholder")).toBe("entered, leave empty to keep");
    await expectNoSecretsOnPage();
    await page.locator("#param-1-name").fill("units");
    await page.locator("#param-1-location").selectOption("query");
    await page.locator("#param-1-default_value").fill("metric");
    await page.locator("#param-1-allowed_values").fill("metric\nimperial");

    await page
      .getByLabel("Sample response (JSON)")
      .fill('{"city":"Paris","temperature_c":18.5,"conditions":"light rain"}');
    await page.getByRole("button", { name: "Generate from sample" }).click();
    await page.getByText("Output schema generated").waitFor();
    expect(JSON.parse(await page.getByLabel("Output schema (JSON Schema)").inputValue())).toMatchObject({
      type: "object",
      properties: { city: { type: "string" }, temperature_c: { type: "number" } },
    });
    await screenshot(page, "ui-editor");

    await page.getByRole("button", { name: "Create tool" }).click();
    await page.getByRole("heading", { name: "weather_now" }).waitFor();
    await page.getByText("Saved. Try it here.").waitFor();
    await expectNoSecretsOnPage();
  });

  it("runs the tool from its test panel and shows the result", async () => {
    expect(await page.getByLabel("units").inputValue()).toBe("metric");
    await page.getByRole("button", { name: "Run" }).click();
    // q is required: the error is next to its field, and nothing was sent.
    await page.locator("#input-q-error", { hasText: "required" }).waitFor();

    await page.getByLabel("q (required)").fill("Paris");
    await page.getByRole("button", { name: "Run" }).click();
    const result = page.getByRole("region", { name: "Result" });
    await result.getByText("success").waitFor();
    await result.getByText("HTTP 200").waitFor();
    const request = await result.locator("dd", { hasText: "GET" }).first().innerText();
    expect(request).toContain(`${upstream.url}/weather?q=Paris&units=metric`);
    expect(await result.innerText()).toContain("light rain");
    await expectNoSecretsOnPage();
    await screenshot(page, "ui-tool-run");
  });

  it("edits the description and the stored secret still works", async () => {
    await page.getByRole("link", { name: "Edit" }).click();
    await page.getByRole("heading", { name: "Edit weather_now" }).waitFor();
    expect(await page.getByLabel("API key value").inputValue()).toBe("");
    expect(await page.getByLabel("API key value").getAttribute("placeholder")).toBe("saved, leave empty to keep");
    expect(await page.locator("#param-1-name").inputValue()).toBe("units");
    await page.getByLabel("Description", { exact: true }).fill("Current weather for a city, by name.");
    await page.getByRole("button", { name: "Save changes" }).click();
    await page.getByText("Current weather for a city, by name.").waitFor();

    await page.getByLabel("q (required)").fill("Oslo");
    await page.getByLabel("units").selectOption("imperial");
    await page.getByRole("button", { name: "Run" }).click();
    const result = page.getByRole("region", { name: "Result" });
    await result.getByText("success").waitFor();
    expect(await result.innerText()).toContain('"city": "Oslo"');
  });

  it("says that secrets must be entered again when the host changes", async () => {
    await page.getByRole("link", { name: "Edit" }).click();
    const notice = page.getByText("enter it again");
    expect(await notice.isVisible()).toBe(false);
    await page.getByLabel("Endpoint URL").fill("https://weather.example.com/weather");
    await notice.waitFor();
    expect(await notice.innerText()).toContain("the endpoint URL's host changed");
    await page.getByRole("button", { name: "Save changes" }).click();
    await page.locator("#api_key_value-error", { hasText: "Enter the API key value again" }).waitFor();
    // The rejected edit kept what was typed.
    expect(await page.getByLabel("Endpoint URL").inputValue()).toBe("https://weather.example.com/weather");
    await page.getByRole("link", { name: "Cancel" }).click();
  });

  it("shows the history, filters it, and opens a log entry", async () => {
    await page.getByRole("link", { name: "History" }).click();
    await page.getByRole("heading", { name: "History of weather_now" }).waitFor();
    const rows = page.locator("tbody tr");
    // Two successful runs, and the first try without the required q, which the engine refused and logged.
    await expect.poll(() => rows.count()).toBe(3);
    await page.getByLabel("Outcome").selectOption("input_invalid");
    await page.getByRole("button", { name: "Filter" }).click();
    await expect.poll(() => rows.count()).toBe(1);
    await page.getByLabel("Outcome").selectOption("timeout");
    await page.getByRole("button", { name: "Filter" }).click();
    await page.getByText("No run of this tool ended in timeout.").waitFor();
    await page.getByLabel("Outcome").selectOption("success");
    await page.getByRole("button", { name: "Filter" }).click();
    await expect.poll(() => rows.count()).toBe(2);
    await screenshot(page, "ui-history");

    await rows.first().getByRole("link").click();
    await page.getByRole("heading", { name: "Run of weather_now" }).waitFor();
    const input = await page.getByRole("region", { name: "Input" }).innerText();
    expect(JSON.parse(input.replace(/^Input\s*/, ""))).toEqual({ q: "Oslo", units: "imperial" });
    expect(await page.getByRole("region", { name: "Output" }).innerText()).toContain("light rain");
    await expectNoSecretsOnPage();
  });

  it("creates an OAuth2 tool, sees it fail with a wrong secret, fixes it and runs it", async () => {
    await page.getByRole("link", { name: "New tool" }).click();
    await page.getByLabel("Name", { exact: true }).fill("crm_contacts");
    await page.getByLabel("Endpoint URL").fill(`${upstream.url}/crm/contacts`);
    await page.getByLabel("How the tool signs in to the API").selectOption("oauth2");
    await page.getByLabel("Token URL").fill(`${upstream.url}/oauth/token`);
    await page.getByLabel("Client ID").fill("demo-client");
    await page.getByLabel("Client secret").fill("wrong-secret");
    await page.getByRole("button", { name: "Create tool" }).click();
    await page.getByRole("heading", { name: "crm_contacts" }).waitFor();

    await page.getByRole("button", { name: "Run" }).click();
    const result = page.getByRole("region", { name: "Result" });
    await result.getByText("auth error").waitFor();

    await page.getByRole("link", { name: "Edit" }).click();
    await page.getByLabel("Client secret").fill(OAUTH_SECRET);
    await page.getByRole("button", { name: "Save changes" }).click();
    await page.getByRole("button", { name: "Run" }).click();
    await result.getByText("success").waitFor();
    expect(await result.innerText()).toContain("Ada Lovelace");
    await expectNoSecretsOnPage();

    // Changing the scope asks for the client secret again, as the server will; undoing it takes that back.
    await page.getByRole("link", { name: "Edit" }).click();
    const notice = page.getByText("Enter it again: the scope changed");
    expect(await notice.isVisible()).toBe(false);
    await page.getByLabel("Scope (optional)").fill("contacts.write");
    await notice.waitFor();
    await page.getByLabel("Scope (optional)").fill("");
    await notice.waitFor({ state: "hidden" });
    await page.getByRole("link", { name: "Cancel" }).click();
  });

  it("lists the tools with their last run and filters them by name", async () => {
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Tools" }).click();
    const rows = page.locator("tbody tr");
    await expect.poll(() => rows.count()).toBe(2);
    expect(await rows.filter({ hasText: "weather_now" }).innerText()).toMatch(
      /GET\s+127\.0\.0\.1:\d+[\s\S]*API key[\s\S]*success/,
    );
    await screenshot(page, "ui-tools");
    await page.getByLabel("Search names and descriptions").fill("crm");
    await page.getByRole("button", { name: "Search", exact: true }).click();
    await expect.poll(() => rows.count()).toBe(1);
    expect(await rows.first().innerText()).toContain("crm_contacts");
  });

  it("has no horizontal scroll at 390 px", async () => {
    const phone = await context.newPage();
    await phone.setViewportSize({ width: 390, height: 844 });
    for (const path of ["/ui", "/ui/tools/new"]) {
      await phone.goto(`${server.url}${path}`);
      expect(await hasNoHorizontalScroll(phone), path).toBe(true);
    }
    await phone.goto(`${server.url}/ui`);
    await phone.getByRole("link", { name: "weather_now" }).click();
    await phone.getByLabel("q (required)").fill("Lima");
    await phone.getByRole("button", { name: "Run" }).click();
    await phone.getByRole("region", { name: "Result" }).getByText("success").waitFor();
    expect(await hasNoHorizontalScroll(phone), "tool page with a result").toBe(true);
    await screenshot(phone, "ui-tool-run-390");
    const toolPath = new URL(phone.url()).pathname.replace(/\/run$/, "");
    await phone.getByRole("link", { name: "Edit" }).click();
    await phone.getByRole("heading", { name: "Edit weather_now" }).waitFor();
    await screenshot(phone, "ui-editor-390");
    expect(await hasNoHorizontalScroll(phone), `editor: ${await overflowingElements(phone)}`).toBe(true);
    await phone.goto(`${server.url}${toolPath}/history`);
    expect(await hasNoHorizontalScroll(phone), "history").toBe(true);

    // The longest name a tool can have, with no place to break a line, still fits.
    const created = await context.request.post(`${server.url}/tools`, {
      headers: { authorization: `Bearer ${server.adminToken}` },
      data: {
        name: "n".repeat(64),
        execution_type: "http_request",
        method: "GET",
        endpoint_url: `${upstream.url}/weather`,
      },
    });
    expect(created.status()).toBe(201);
    const longId = ((await created.json()) as { id: string }).id;
    for (const path of [`/ui/tools/${longId}`, `/ui/tools/${longId}/delete`, `/ui/tools/${longId}/edit`]) {
      await phone.goto(`${server.url}${path}`);
      expect(await hasNoHorizontalScroll(phone), `${path}: ${await overflowingElements(phone)}`).toBe(true);
    }
    await context.request.delete(`${server.url}/tools/${longId}`, {
      headers: { authorization: `Bearer ${server.adminToken}` },
    });
    await phone.close();
  });

  it("deletes a tool after a confirmation that names it", async () => {
    await page.goto(`${server.url}/ui`);
    await page.getByRole("link", { name: "weather_now" }).click();
    await page.getByRole("link", { name: "Delete" }).click();
    await page.getByRole("heading", { name: "Delete the tool “weather_now”?" }).waitFor();
    await page.getByRole("button", { name: "Delete weather_now" }).click();
    await page.getByText("Deleted the tool weather_now.").waitFor();
    expect(await page.locator("tbody tr").count()).toBe(1);
  });

  it("works from the keyboard alone: sign out with Tab and Enter", async () => {
    await page.goto(`${server.url}/ui`);
    await page.keyboard.press("Tab"); // skip link
    expect(await page.evaluate<string>("document.activeElement.textContent")).toContain("Skip to content");
    let guard = 0;
    while ((await page.evaluate<string>("document.activeElement.textContent")) !== "Sign out" && guard++ < 20)
      await page.keyboard.press("Tab");
    await page.keyboard.press("Enter");
    await page.getByText("You are signed out.").waitFor();
    await page.goto(`${server.url}/ui`);
    await expect.poll(() => new URL(page.url()).pathname).toBe("/ui/sign-in");
  });
});
