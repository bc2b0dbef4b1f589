/**
 * Issue 12's dead ends 9, 13 and 14, walked in Chromium as a person would,
 * against `wrangler dev` and the mock upstream: a form that outlives its
 * session, list inputs in the test panel, and a deleted tool's runs.
 */
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  findChromium,
  newSignedInPage,
  screenshot,
  startServersAndBrowser,
  type DevServer,
  type MockUpstream,
} from "./harness";

describe.skipIf(!findChromium())("issue 12's form dead ends, in Chromium", () => {
  let server: DevServer;
  let upstream: MockUpstream;
  let browser: Browser;
  let stop: () => Promise<void>;

  beforeAll(async () => {
    ({ server, upstream, browser, stop } = await startServersAndBrowser());
  });

  afterAll(() => stop?.());

  const api = (method: string, route: string, body?: unknown) =>
    fetch(`${server.url}${route}`, {
      method,
      headers: { authorization: `Bearer ${server.adminToken}`, "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });

  async function signIn(page: Page) {
    await page.getByLabel("API token").fill(server.adminToken);
    await page.getByRole("button", { name: "Sign in" }).click();
  }

  it("keeps the editor's form through a session that ended, and asks only for the secrets again (item 9)", async () => {
    const page = await newSignedInPage(browser, server);
    await page.goto(`${server.url}/ui/tools/new`);
    await page.getByLabel("Name", { exact: true }).fill("kept_through_sign_in");
    await page.getByLabel("Description", { exact: true }).fill("Posts to the webhook.");
    await page.getByLabel("Method").selectOption("POST");
    await page.getByLabel("Endpoint URL").fill(`${upstream.url}/webhook`);
    await page.getByLabel("How the tool signs in to the API").selectOption("api_key");
    await page.getByLabel("Header or parameter name").fill("X-Api-Key");
    await page.getByLabel("API key value").fill("typed-secret-1");
    // A round trip (Add parameter) carries the typed key sealed; then a parameter is named.
    await page.getByRole("button", { name: "Add parameter" }).click();
    await page.locator("#param-0-name").fill("city");
    // And a key typed again after it, in the field itself.
    await page.getByLabel("API key value").fill("typed-secret-2");

    // The session ends under the form: signed out in another tab of the same browser.
    const other = await page.context().newPage();
    await other.goto(`${server.url}/ui`);
    await other.getByRole("button", { name: "Sign out" }).click();
    await other.getByText("You are signed out.").waitFor();
    await other.close();

    await page.getByRole("button", { name: "Create tool" }).click();
    await page.getByRole("heading", { name: "Sign in to toolgate" }).waitFor();
    await page.getByText("Your session has ended, so toolgate needs you to sign in again.").waitFor();
    await page.getByText("The form you were filling in is kept in this browser tab").waitFor();
    // What the tab keeps holds no secret, sealed or not.
    const kept = await page.evaluate<string>("JSON.stringify(Object.entries(sessionStorage))");
    expect(kept).toContain("kept_through_sign_in");
    expect(kept).not.toContain("typed-secret");
    expect(kept).not.toMatch(/"draft_secret\.value","/);

    await signIn(page);
    await page.getByText("Your form is back as you left it before signing in again").waitFor();
    expect(new URL(page.url()).pathname).toBe("/ui/tools/new");
    expect(await page.getByLabel("Name", { exact: true }).inputValue()).toBe("kept_through_sign_in");
    expect(await page.getByLabel("Description", { exact: true }).inputValue()).toBe("Posts to the webhook.");
    expect(await page.getByLabel("Method").inputValue()).toBe("POST");
    expect(await page.getByLabel("Endpoint URL").inputValue()).toBe(`${upstream.url}/webhook`);
    expect(await page.getByLabel("How the tool signs in to the API").inputValue()).toBe("api_key");
    expect(await page.getByLabel("Header or parameter name").inputValue()).toBe("X-Api-Key");
    expect(await page.locator("#param-0-name").inputValue()).toBe("city");
    expect(await page.getByLabel("API key value").inputValue()).toBe("");
    await page
      .locator("#api_key_value-error", {
        hasText:
          "Type the API key value again: you typed it before your session ended, and toolgate never keeps a secret in the browser.",
      })
      .waitFor();
    await screenshot(page, "dead-ends-draft-restored");

    await page.getByLabel("API key value").fill("typed-secret-3");
    await page.getByRole("button", { name: "Create tool" }).click();
    await page.getByText("Saved. Try it here.").waitFor();
    await page.context().close();
  });

  it("gives an array input a list of typed rows, and an object input an example (item 13)", async () => {
    const created = await api("POST", "/tools", {
      name: "list_inputs",
      execution_type: "http_request",
      method: "POST",
      endpoint_url: `${upstream.url}/webhook`,
      input_schema: {
        type: "object",
        properties: {
          tags: { type: "array", items: { type: "string" } },
          counts: { type: "array", items: { type: "integer" } },
          where: { type: "object", properties: { lat: { type: "number" }, city: { type: "string" } } },
        },
      },
    });
    expect(created.status).toBe(201);
    const tool = (await created.json()) as { id: string };
    const page = await newSignedInPage(browser, server);
    await page.goto(`${server.url}/ui/tools/${tool.id}`);

    const tags = page.getByRole("group", { name: "tags" });
    await tags.getByLabel("tags item 1", { exact: true }).fill("red");
    await tags.getByRole("button", { name: "Add item" }).click();
    await tags.getByLabel("tags item 2", { exact: true }).fill("green");
    await tags.getByRole("button", { name: "Add item" }).click();
    await tags.getByLabel("tags item 3", { exact: true }).fill("blue");
    await tags.getByRole("button", { name: "Remove tags item 2" }).click();
    expect(await tags.getByLabel("tags item 2", { exact: true }).inputValue()).toBe("blue");
    const counts = page.getByRole("group", { name: "counts" });
    expect(await counts.getByLabel("counts item 1", { exact: true }).getAttribute("type")).toBe("number");
    await counts.getByLabel("counts item 1", { exact: true }).fill("30");
    // The object's field shows what to type.
    const example = await page.locator("#input-where-hint").innerText();
    expect(example).toContain("JSON, for example:");
    expect(JSON.parse(example.slice(example.indexOf("{")))).toEqual({ lat: 1.5, city: "text" });
    await screenshot(page, "dead-ends-list-inputs");

    await page.getByRole("button", { name: "Run", exact: true }).click();
    const result = page.getByRole("region", { name: "Result" });
    await result.getByText("HTTP 200").waitFor();
    const shown = JSON.parse(await result.locator("pre code").innerText()) as { received: unknown };
    expect(shown.received).toEqual({ tags: ["red", "blue"], counts: [30] });
    // The rows stay as submitted.
    expect(await tags.getByLabel("tags item 2", { exact: true }).inputValue()).toBe("blue");
    await page.context().close();
  });

  it("shows a deleted tool's runs, reached from the tools list (item 14)", async () => {
    const created = await api("POST", "/tools", {
      name: "soon_deleted",
      execution_type: "http_request",
      method: "POST",
      endpoint_url: `${upstream.url}/webhook`,
    });
    expect(created.status).toBe(201);
    const tool = (await created.json()) as { id: string };
    expect((await api("POST", `/tools/${tool.id}/execute`, { input: { note: "before deleting" } })).status).toBe(200);
    const kept = await api("POST", "/tools", {
      name: "still_here",
      execution_type: "function",
      function_name: "current_time",
    });
    const keptId = ((await kept.json()) as { id: string }).id;
    expect((await api("POST", `/tools/${keptId}/execute`, { input: {} })).status).toBe(200);

    const page = await newSignedInPage(browser, server);
    await page.goto(`${server.url}/ui/tools/${tool.id}/delete`);
    await page.getByRole("button", { name: "Delete soon_deleted" }).click();
    await page.getByText("Deleted the tool soon_deleted.").waitFor();

    await page.getByRole("link", { name: "see deleted tools and their runs" }).click();
    await page.getByRole("heading", { name: "Deleted tools" }).waitFor();
    const row = page.locator("tr", { hasText: "soon_deleted" });
    expect(await row.locator('td[data-label="Runs kept"]').innerText()).toBe("1");
    await screenshot(page, "dead-ends-deleted-tools");
    await row.getByRole("link", { name: "soon_deleted" }).click();
    await page.getByRole("heading", { name: "History of soon_deleted" }).waitFor();
    await page.getByText("This tool was deleted. Its runs are kept for audit").waitFor();
    await page.locator("td[data-label=Time] a").first().click();
    await page.getByRole("heading", { name: "Run of soon_deleted" }).waitFor();
    expect(await page.content()).toContain("before deleting");
    // Tools still there are not listed as deleted.
    await page.goto(`${server.url}/ui/deleted-tools`);
    expect(await page.locator("tr", { hasText: "soon_deleted" }).count()).toBe(1);
    expect(await page.locator("tr", { hasText: "still_here" }).count()).toBe(0);
    await page.context().close();
  });
});
