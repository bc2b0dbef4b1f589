/**
 * Connections in a real browser, against `wrangler dev`:
 * - an API key connection with the mock upstream: create it, a tool that uses
 *   it, run the tool, rotate the key, and see the delete refused while the
 *   tool uses it;
 * - OAuth2 sign-in with a real authorization server (oidc-provider, at
 *   `localhost` while toolgate is at 127.0.0.1, so the way back is
 *   cross-site): Connect, the provider's login and consent, Connected, two
 *   tools through the one connection, a revoke at the provider, Reconnect.
 * No page shows a key or a token.
 */
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startOAuthHarness, type OAuthHarness } from "../oauth/provider";
import {
  findChromium,
  freePort,
  launchBrowser,
  newSignedInPage,
  screenshot,
  signedInPage,
  startDevServer,
  type DevServer,
  type MockUpstream,
} from "./harness";

const WEATHER_KEY = "demo-weather-key";
const ROTATED_KEY = "rotated-weather-key-2";

describe.skipIf(!findChromium())("connections in Chromium", () => {
  let server: DevServer;
  let upstream: MockUpstream;
  let page: Page;
  let stop: () => Promise<void>;

  beforeAll(async () => {
    ({ server, upstream, page, stop } = await signedInPage());
  });

  afterAll(() => stop?.());

  async function expectNoKeyOnPage() {
    const html = await page.content();
    expect(html).not.toContain(WEATHER_KEY);
    expect(html).not.toContain(ROTATED_KEY);
  }

  it("creates a connection, a tool that uses it, runs it, rotates the key, and refuses the delete", async () => {
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Connections" }).click();
    await page.getByRole("heading", { name: "No connections yet" }).waitFor();
    await page.getByRole("link", { name: "New connection" }).click();
    await page.getByLabel("Name", { exact: true }).fill("weather_key");
    await page.getByLabel("Allowed origins, one a line").fill(upstream.url);
    await page.getByLabel("How the API checks who is calling").selectOption("api_key");
    await page.getByLabel("Send the key in").selectOption("query");
    await page.getByLabel("Header or parameter name").fill("appid");
    await page.getByLabel("API key value").fill(WEATHER_KEY);
    await page.getByLabel("URL", { exact: true }).fill(`${upstream.url}/weather?q=Paris`);
    await page.getByRole("button", { name: "Create connection" }).click();
    await page.getByRole("heading", { name: "Connection weather_key" }).waitFor();
    await page.getByText("Ready", { exact: true }).waitFor();
    expect(await page.getByLabel("API key value").getAttribute("placeholder")).toBe("saved, leave empty to keep");
    await expectNoKeyOnPage();
    await page.getByRole("button", { name: "Test connection" }).click();
    await page.getByText("The connection works").waitFor();

    // A tool that uses it.
    await page.getByRole("link", { name: "New tool" }).click();
    await page.getByLabel("Name", { exact: true }).fill("weather_by_connection");
    await page.getByLabel("Endpoint URL").fill(`${upstream.url}/weather`);
    await page.getByLabel("Use a saved connection").check();
    await expect.poll(() => page.getByLabel("API key value").isVisible()).toBe(false);
    await page.getByLabel("Connection", { exact: true }).selectOption({ label: "weather_key (Ready)" });
    await page.getByRole("button", { name: "Add parameter" }).click();
    await page.locator("#param-0-name").fill("q");
    await page.locator("#param-0-location").selectOption("query");
    await page.getByRole("button", { name: "Create tool" }).click();
    await page.getByText("Saved. Try it here.").waitFor();

    await page.getByLabel("q", { exact: true }).fill("Lyon");
    await page.getByRole("button", { name: "Run" }).click();
    const result = page.getByRole("region", { name: "Result" });
    await result.getByText("HTTP 200").waitFor();
    await result.getByText('"Lyon"').waitFor();
    await expectNoKeyOnPage();

    // Rotate: the next call sends the new key, which the mock refuses, so the run shows the API's 401.
    await page.goto(`${server.url}/ui/connections`);
    await page.getByRole("link", { name: "weather_key" }).click();
    await page.getByLabel("API key value").fill(ROTATED_KEY);
    await page.getByRole("button", { name: "Save changes" }).click();
    await page.getByText("Saved.", { exact: true }).waitFor();
    await expectNoKeyOnPage();
    await page.getByRole("link", { name: "weather_by_connection" }).click();
    await page.getByLabel("q", { exact: true }).fill("Lyon");
    await page.getByRole("button", { name: "Run" }).click();
    await page.getByRole("region", { name: "Result" }).getByText("HTTP 401", { exact: true }).waitFor();
    await expectNoKeyOnPage();

    // Delete is refused while the tool uses it, naming the tool.
    await page.goto(`${server.url}/ui/connections`);
    await page.getByRole("link", { name: "weather_key" }).click();
    await page.getByRole("link", { name: "Delete this connection" }).click();
    await page.getByRole("button", { name: "Delete weather_key" }).click();
    await page.getByText("was not deleted: 1 tool uses it").waitFor();
    await page.getByRole("link", { name: "weather_by_connection" }).waitFor();
    await expectNoKeyOnPage();
  });
});

describe.skipIf(!findChromium())("OAuth2 sign-in connections in Chromium", () => {
  const ACCOUNT = "e2e-person";
  let server: DevServer;
  let provider: OAuthHarness;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    // The provider must know the redirect URI before toolgate starts: pick toolgate's port first.
    const port = await freePort();
    provider = await startOAuthHarness({ redirectUris: [`http://127.0.0.1:${port}/oauth/callback`] });
    [server, browser] = await Promise.all([startDevServer({ port }), launchBrowser()]);
    page = await newSignedInPage(browser, server);
  });

  afterAll(async () => {
    await browser?.close();
    await Promise.all([server?.stop(), provider?.stop()]);
  });

  /** Neither the client secret nor any token the provider issued is on the page. */
  async function expectNoTokenOnPage() {
    const html = await page.content();
    expect(html).not.toContain(provider.clients.basic.secret);
    const log = provider.log(ACCOUNT);
    for (const request of log.apiRequests) if (request.token) expect(html).not.toContain(request.token);
    for (const request of log.tokenRequests) if (request.refreshToken) expect(html).not.toContain(request.refreshToken);
  }

  async function createTool(name: string, path: string) {
    await page.goto(`${server.url}/ui/tools/new`);
    await page.getByLabel("Name", { exact: true }).fill(name);
    await page.getByLabel("Endpoint URL").fill(`${provider.apiOrigin}${path}`);
    await page.getByLabel("Use a saved connection").check();
    await page.getByLabel("Connection", { exact: true }).selectOption({ label: "test_provider (Ready)" });
    await page.getByRole("button", { name: "Create tool" }).click();
    await page.getByText("Saved. Try it here.").waitFor();
  }

  async function run(): Promise<string> {
    await page.getByRole("button", { name: "Run" }).click();
    const result = page.getByRole("region", { name: "Result" });
    await result.waitFor();
    return (await result.textContent()) ?? "";
  }

  it("connects through the provider's consent screen, runs two tools on it, and offers Reconnect after a revoke", async () => {
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Connections" }).click();
    await page.getByRole("link", { name: "New connection" }).click();
    await page.getByLabel("Name", { exact: true }).fill("test_provider");
    await page.getByLabel("Allowed origins, one a line").fill(provider.apiOrigin);
    await page.getByLabel("How the API checks who is calling").selectOption("authorization_code");
    expect(await page.getByLabel("Redirect URI to register at the provider").inputValue()).toBe(
      `${server.url}/oauth/callback`,
    );
    await page.getByLabel("Authorization URL").fill(provider.authorizationUrl);
    await page.getByLabel("Token URL").fill(provider.tokenUrl);
    await page.getByLabel("Client ID").fill(provider.clients.basic.id);
    await page.getByLabel("Client secret").fill(provider.clients.basic.secret);
    await page.getByLabel("Scope (optional)").fill(`openid profile ${provider.apiScopes}`);
    await page.getByRole("button", { name: "Create connection" }).click();
    await page.getByRole("heading", { name: "Connection test_provider" }).waitFor();
    await page.getByText("Not signed in", { exact: true }).waitFor();

    // Connect: the provider's own login and consent pages, then back to toolgate across sites.
    await page.getByRole("button", { name: "Connect", exact: true }).click();
    await page.getByRole("heading", { name: "Sign in to the test provider" }).waitFor();
    await page.getByLabel("Username").fill(ACCOUNT);
    await page.getByLabel("Password").fill(provider.password);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("button", { name: "Allow" }).click();
    await page.getByRole("heading", { name: "Connected" }).waitFor();
    expect(new URL(page.url()).origin).toBe(server.url);
    await page.getByText("api:read").waitFor();
    await expectNoTokenOnPage();
    await page.getByRole("link", { name: "Back to the connection “test_provider”" }).click();
    await page.getByText("Ready", { exact: true }).waitFor();
    await page.getByRole("button", { name: "Reconnect" }).waitFor();
    await screenshot(page, "ui-connection");

    // Two tools share the one connection, and both reach the protected API as the signed-in person.
    await createTool("list_items", "/items");
    expect(await run()).toContain("HTTP 200");
    await createTool("list_orders", "/orders");
    const orders = await run();
    expect(orders).toContain("HTTP 200");
    expect(orders).toContain(ACCOUNT);
    expect(new Set(provider.log(ACCOUNT).apiRequests.map((r) => `${r.path} ${r.status}`))).toEqual(
      new Set(["/items 200", "/orders 200"]),
    );
    await expectNoTokenOnPage();

    // The person revokes toolgate's access at the provider: the next run cannot refresh, and says what to do.
    expect(await provider.revoke(ACCOUNT)).toBeGreaterThan(0);
    const refused = await run();
    expect(refused).toContain("test_provider");
    expect(refused).not.toContain("HTTP 200");
    await page
      .getByRole("link", { name: /test_provider/ })
      .first()
      .click();
    await page.getByText("Not signed in", { exact: true }).waitFor();
    await page.getByText("The provider no longer accepts the grant").waitFor();
    await page.getByRole("button", { name: "Reconnect" }).waitFor();
    await expectNoTokenOnPage();
  });
});
