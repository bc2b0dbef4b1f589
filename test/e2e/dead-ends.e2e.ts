/**
 * Issue 12's dead ends, each walked in Chromium as the person who found it
 * did, against `wrangler dev` and the mock upstream: what they see now.
 */
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findChromium, screenshot, signedInPage, type DevServer, type MockUpstream } from "./harness";

describe.skipIf(!findChromium())("issue 12's dead ends, in Chromium", () => {
  let server: DevServer;
  let upstream: MockUpstream;
  let page: Page;
  let stop: () => Promise<void>;

  beforeAll(async () => {
    ({ server, upstream, page, stop } = await signedInPage());
  });

  afterAll(() => stop?.());

  const api = (route: string, body: unknown) =>
    fetch(`${server.url}${route}`, {
      method: "POST",
      headers: { authorization: `Bearer ${server.adminToken}`, "content-type": "application/json" },
      body: JSON.stringify(body),
    });

  async function newTool() {
    await page.goto(`${server.url}/ui/tools/new`);
    await page.getByRole("heading", { name: "New tool" }).waitFor();
  }

  it("finds Import in the navigation, on the tools list and on the New-tool page (item 2)", async () => {
    await page.goto(`${server.url}/ui`);
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Import" }).click();
    await page.getByRole("heading", { name: "Import tools from an OpenAPI document" }).waitFor();
    expect(
      await page
        .getByRole("navigation", { name: "Main" })
        .getByRole("link", { name: "Import" })
        .getAttribute("aria-current"),
    ).toBe("page");

    await page.goto(`${server.url}/ui`);
    await page.getByRole("link", { name: "import tools from an OpenAPI document" }).click();
    await page.getByRole("heading", { name: "Import tools from an OpenAPI document" }).waitFor();

    await newTool();
    await page.getByRole("link", { name: "Import tools from it" }).click();
    await page.getByRole("heading", { name: "Import tools from an OpenAPI document" }).waitFor();
  });

  it("submits the tool form, not the hidden cURL import, when Enter is pressed in the name (item 1)", async () => {
    await newTool();
    const name = page.getByLabel("Name", { exact: true });
    await name.fill("enter_pressed");
    await name.press("Enter");
    await page.getByText("The tool was not saved. Please fix:").waitFor();
    await page.locator("#endpoint_url-error", { hasText: "Fill in the endpoint URL." }).waitFor();
    expect(await page.content()).not.toContain("not a curl command");
    expect(await page.getByLabel("Name", { exact: true }).inputValue()).toBe("enter_pressed");
  });

  it("names the characters a tool name cannot have, and says nothing green about a taken name (item 8)", async () => {
    await newTool();
    const name = page.getByLabel("Name", { exact: true });
    const feedback = page.locator("#name-feedback");
    await name.fill("get.weather!");
    await expect.poll(() => feedback.innerText()).toBe("Not allowed: “.” (dot) and “!”. Use _ instead.");
    await name.fill("get weather");
    await expect.poll(() => feedback.innerText()).toBe("Not allowed: space. Use _ instead.");

    const taken = await api("/tools", {
      name: "taken_name",
      execution_type: "function",
      function_name: "current_time",
    });
    expect(taken.status).toBe(201);
    await name.fill("taken_name");
    await page.getByLabel("Endpoint URL").fill(`${upstream.url}/webhook`);
    await page.getByRole("button", { name: "Create tool" }).click();
    await page.locator("#name-error", { hasText: 'A tool named "taken_name" already exists.' }).waitFor();
    expect(await feedback.innerText()).toBe("");
    expect(await page.content()).not.toContain("This name can be used");
    // Once changed, the name is judged again.
    await page.getByLabel("Name", { exact: true }).fill("taken_name_2");
    await expect.poll(() => feedback.innerText()).toBe("✓ This name can be used.");
  });

  it("accepts the user story's short API key with a warning, saves it and runs the tool (section 0)", async () => {
    await newTool();
    await page.getByLabel("Name", { exact: true }).fill("short_key");
    await page.getByLabel("Method").selectOption("POST");
    await page.getByLabel("Endpoint URL").fill(`${upstream.url}/webhook`);
    await page.getByLabel("How the tool signs in to the API").selectOption("api_key");
    await page.getByLabel("Header or parameter name").fill("X-Api-Key");
    const warning = page.locator("#api_key_value-short");
    await page.getByLabel("API key value").fill("abc1234567");
    expect(await warning.innerText()).toBe("");
    await page.getByLabel("API key value").fill("abc123");
    await expect
      .poll(() => warning.innerText())
      .toBe(
        "This secret has only 6 characters, which is unusual: check that it is complete. It will be accepted as it is.",
      );
    await page.getByRole("button", { name: "Create tool" }).click();
    await page.getByText("Saved. Try it here.").waitFor();
    await page.getByRole("button", { name: "Run" }).click();
    const result = page.getByRole("region", { name: "Result" });
    await result.getByText("success").waitFor();
    await result.getByText("HTTP 200").waitFor();
    expect(await page.content()).not.toContain("abc123");
  });

  it("stops saying a stored secret may be left empty once it must be entered again (item 10)", async () => {
    await page.getByRole("link", { name: "Edit" }).click();
    const key = page.getByLabel("API key value");
    const keep = page.getByText("Saved, leave empty to keep.");
    const again = page.getByText("Enter it again:");
    expect(await key.getAttribute("placeholder")).toBe("saved, leave empty to keep");
    expect(await keep.isVisible()).toBe(true);
    expect(await again.isVisible()).toBe(false);

    await page.getByLabel("Endpoint URL").fill("https://elsewhere.example.com/webhook");
    await again.waitFor();
    expect(await key.getAttribute("placeholder")).toBe("");
    expect(await keep.isVisible()).toBe(false);
    // Back where it was entered for: the stored key may stay again.
    await page.getByLabel("Endpoint URL").fill(`${upstream.url}/webhook`);
    await expect.poll(() => keep.isVisible()).toBe(true);
    expect(await key.getAttribute("placeholder")).toBe("saved, leave empty to keep");

    // The page the server answers after the refused save says the same.
    await page.getByLabel("Endpoint URL").fill("https://elsewhere.example.com/webhook");
    await page.getByRole("button", { name: "Save changes" }).click();
    await page.locator("#api_key_value-error", { hasText: "Enter the API key value again" }).waitFor();
    expect(await key.getAttribute("placeholder")).toBe("");
    expect(await keep.isVisible()).toBe(false);
    await page.getByRole("link", { name: "Cancel" }).click();
  });

  it("makes a {placeholder} typed into the URL a parameter sent in the path, and says what to do otherwise (item 3)", async () => {
    await newTool();
    await page.getByLabel("Name", { exact: true }).fill("price_of");
    await page.getByLabel("Endpoint URL").fill(`${upstream.url}/prices/{sku}`);
    await expect.poll(() => page.locator("#param-0-name").inputValue()).toBe("sku");
    expect(await page.locator("#param-0-location").inputValue()).toBe("path");
    expect(await page.locator("#param-0-required").isChecked()).toBe(true);
    expect(await page.getByText("No parameters: the tool takes no input.").isVisible()).toBe(false);
    // Changed before it is used: the row follows; taken out of the URL: the row goes.
    await page.getByLabel("Endpoint URL").fill(`${upstream.url}/prices/{code}`);
    await expect.poll(() => page.locator("#params li.param-row").count()).toBe(1);
    expect(await page.locator("#param-0-name").inputValue()).toBe("code");
    await page.getByLabel("Endpoint URL").fill(`${upstream.url}/prices`);
    await expect.poll(() => page.locator("#params li.param-row").count()).toBe(0);

    // A parameter added by hand is sent in the path once the URL has its placeholder.
    await page.getByRole("button", { name: "Add parameter" }).click();
    await page.locator("#param-0-name").fill("sku");
    expect(await page.locator("#param-0-location").inputValue()).toBe("query");
    await page.getByLabel("Endpoint URL").fill(`${upstream.url}/prices/{sku}`);
    await expect.poll(() => page.locator("#param-0-location").inputValue()).toBe("path");
    expect(await page.locator("#params li.param-row").count()).toBe(1);
    expect(await page.locator("#param-0-required").isChecked()).toBe(true);

    // Sent elsewhere on purpose: the message is at "Sent in", and says what to do.
    await page.locator("#param-0-location").selectOption("query");
    await page.getByRole("button", { name: "Create tool" }).click();
    await page
      .locator("#param-0-location-error", {
        hasText: 'The endpoint URL has {sku}, so sku must be sent in the path: choose "the path" under "Sent in"',
      })
      .waitFor();
    expect(await page.locator("#endpoint_url-error").count()).toBe(0);
    await page.locator("#param-0-location").selectOption("path");
    await page.getByRole("button", { name: "Create tool" }).click();
    await page.getByText("Saved. Try it here.").waitFor();
    await page.getByLabel("sku (required)").fill("A-1");
    await page.getByRole("button", { name: "Run" }).click();
    await page.getByRole("region", { name: "Result" }).getByText("HTTP 200").waitFor();
  });

  it("keeps a host and its port whole in the tools list, however narrow the column (item 12)", async () => {
    const created = await api("/tools", {
      name: "a_tool_with_a_rather_long_name_that_squeezes_the_columns",
      description:
        "A description long enough to take most of the row's width, so that the column with the host gets narrow.",
      execution_type: "http_request",
      method: "GET",
      endpoint_url: `${upstream.url}/weather`,
    });
    expect(created.status).toBe(201);
    const port = new URL(upstream.url).port;
    for (const width of [1280, 900, 700, 390]) {
      await page.setViewportSize({ width, height: 900 });
      await page.goto(`${server.url}/ui`);
      const parts = page.locator("tr", { hasText: "a_tool_with_a_rather_long_name" }).locator(".host-part");
      expect(await parts.allInnerTexts()).toEqual(["127.0.0.1", `:${port}`]);
      // Each part is on one line: its text has a single box.
      const boxes = await page.evaluate<number[]>(
        `[...document.querySelectorAll(".host-part")].map((el) => el.getClientRects().length)`,
      );
      expect(boxes.length).toBeGreaterThanOrEqual(2);
      expect(boxes, `at ${width} px`).toEqual(boxes.map(() => 1));
    }
    await page.setViewportSize({ width: 1280, height: 900 });
    await screenshot(page, "dead-ends-tools-list");
  });
});
