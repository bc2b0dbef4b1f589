/**
 * Issue 12's section 2 features in a real browser, as a person uses them:
 * API keys (created once, copied, revoked), Connect an AI agent (the
 * configurations, an execute-only key that then works on /mcp), search,
 * duplicating a tool (the secret asked for again, then the copy runs), and
 * dark mode (every page readable: text contrast measured in both schemes).
 */
import type { BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findChromium, screenshot, signedInPage, type DevServer, type MockUpstream } from "./harness";

const WEATHER_KEY = "demo-weather-key";

/**
 * Text elements whose colour is lower than 4.5:1 against the background they
 * sit on (the nearest ancestor with an opaque one), as "selector: ratio".
 * A string evaluated in the page, so that this Node-typed file needs no DOM types.
 */
const LOW_CONTRAST = `(() => {
  const rgb = (value) => (value.match(/[\\d.]+/g) || []).map(Number);
  const channel = (c) => { c /= 255; return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4; };
  const luminance = ([r, g, b]) => 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
  const background = (el) => {
    for (let node = el; node; node = node.parentElement) {
      const [r, g, b, a = 1] = rgb(getComputedStyle(node).backgroundColor);
      if (a > 0.5) return [r, g, b];
    }
    return [255, 255, 255];
  };
  const selectors = ["body", "main p", "main a", "label", ".muted", ".hint", ".field-error", ".success", ".error-summary",
    ".error-summary a", ".notice", ".badge", "button", ".button", "input", "textarea", "select", "th", "td", "code", "pre",
    "legend", "h1", "h2", ".site-header a", ".who"];
  const failures = [];
  for (const selector of selectors)
    for (const el of document.querySelectorAll(selector)) {
      if (el.closest("[hidden]") || el.getClientRects().length === 0 || !el.textContent.trim() && !/INPUT|TEXTAREA|SELECT/.test(el.tagName)) continue;
      const [l1, l2] = [luminance(rgb(getComputedStyle(el).color)), luminance(background(el))].sort((a, b) => b - a);
      const ratio = (l1 + 0.05) / (l2 + 0.05);
      if (ratio < 4.5) failures.push(selector + " " + JSON.stringify(el.textContent.trim().slice(0, 30)) + ": " + ratio.toFixed(2));
    }
  return failures;
})()`;

const PAGE_LUMINANCE = `(() => {
  const [r, g, b] = (getComputedStyle(document.documentElement).backgroundColor.match(/[\\d.]+/g) || []).map(Number);
  return (r + g + b) / 3;
})()`;

describe.skipIf(!findChromium())("issue 12 section 2 features in Chromium", () => {
  let server: DevServer;
  let upstream: MockUpstream;
  let context: BrowserContext;
  let page: Page;
  let stop: () => Promise<void>;

  const api = (path: string, token: string, init: RequestInit = {}) =>
    fetch(`${server.url}${path}`, {
      ...init,
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json", ...init.headers },
    });

  beforeAll(async () => {
    ({ server, upstream, context, page, stop } = await signedInPage({ clipboard: true }));
  });

  afterAll(() => stop?.());

  const nav = () => page.getByRole("navigation", { name: "Main" });

  it("creates an API key with chosen scopes, shows it once with a copy button, and revokes it", async () => {
    await nav().getByRole("link", { name: "API keys" }).click();
    await page.getByRole("heading", { name: "API keys", exact: true }).waitFor();
    await page.getByText("There are no API keys yet.").waitFor();
    // Plain words next to each scope.
    await page.getByText("Execute tools, and read the result of each execution it runs.").waitFor();

    await page.getByRole("button", { name: "Create key" }).click();
    await page.locator("#key-name-error", { hasText: "Give the key a name" }).waitFor();
    await page.locator("#key-scopes-error", { hasText: "Choose at least one thing the key may do." }).waitFor();

    await page.getByLabel("Name", { exact: true }).fill("weekly report workflow");
    await page.getByLabel("tools:read", { exact: true }).check();
    await page.getByLabel("tools:execute", { exact: true }).check();
    await page.getByRole("button", { name: "Create key" }).click();
    await page.getByText("Created the key “weekly report workflow”.").waitFor();
    const key = await page.locator("#new-key").innerText();
    expect(key).toMatch(/^tg_[A-Za-z0-9_-]{43}$/);
    await page.getByRole("button", { name: "Copy key" }).click();
    await page.getByRole("button", { name: "Copied" }).waitFor();
    expect(await page.evaluate<string>("navigator.clipboard.readText()")).toBe(key);
    await screenshot(page, "ui-api-keys");

    expect((await api("/tools", key)).status).toBe(200);
    expect((await api("/api-keys", key)).status).toBe(403);

    // Shown once: the list has its first characters only.
    await nav().getByRole("link", { name: "API keys" }).click();
    const row = page.locator("tbody tr", { hasText: "weekly report workflow" });
    expect(await row.innerText()).toContain(`${key.slice(0, 11)}…`);
    expect(await row.innerText()).toContain("tools:read, tools:execute");
    expect(await page.content()).not.toContain(key);

    await page.getByRole("button", { name: "Revoke weekly report workflow" }).click();
    await page.getByText("Revoked the key “weekly report workflow”. It no longer works.").waitFor();
    expect((await api("/tools", key)).status).toBe(401);
  });

  it("gives ready-to-paste agent configurations and an execute-only key that works on /mcp", async () => {
    await nav().getByRole("link", { name: "Connect an AI agent" }).click();
    await page.getByRole("heading", { name: "Connect an AI agent" }).waitFor();
    const mcpUrl = `${server.url}/mcp`;
    expect(await page.locator("#mcp-url").innerText()).toBe(mcpUrl);
    for (const client of ["Claude Desktop (and claude.ai)", "Claude Code", "Cursor", "VS Code", "MCP Inspector"])
      await page.getByRole("heading", { name: client, exact: true }).waitFor();
    expect(await page.locator("#claude-code-oauth").innerText()).toBe(
      `claude mcp add --transport http toolgate ${mcpUrl}`,
    );
    expect(JSON.parse(await page.locator("#vscode-oauth").innerText())).toEqual({
      servers: { toolgate: { type: "http", url: mcpUrl } },
    });
    await page.getByRole("link", { name: "Connected apps" }).first().waitFor();
    expect(await page.locator("#export-openai").innerText()).toContain(`${server.url}/exports/functions?format=openai`);

    await page.getByLabel("Key name").fill("laptop Claude Code");
    await page.getByRole("button", { name: "Create an execute-only key" }).click();
    await page.getByText("Created the key “laptop Claude Code”.").waitFor();
    const key = await page.locator("#new-key").innerText();
    expect(await page.locator("#claude-code-key").innerText()).toContain(`--header "Authorization: Bearer ${key}"`);
    expect(JSON.parse(await page.locator("#cursor-key").innerText())).toEqual({
      mcpServers: { toolgate: { type: "http", url: mcpUrl, headers: { Authorization: `Bearer ${key}` } } },
    });
    await page.locator("pre:has(#claude-code-key) + button").click();
    expect(await page.evaluate<string>("navigator.clipboard.readText()")).toContain(`Bearer ${key}`);
    await screenshot(page, "ui-connect-agent");

    // It runs tools over MCP, and nothing else.
    const initialize = await api("/mcp", key, {
      method: "POST",
      headers: { accept: "application/json, text/event-stream" },
      body: JSON.stringify({
        jsonrpc: "2.0",
        id: 1,
        method: "initialize",
        params: { protocolVersion: "2025-11-25", capabilities: {}, clientInfo: { name: "e2e", version: "1" } },
      }),
    });
    expect(initialize.status).toBe(200);
    expect(await initialize.text()).toContain('"serverInfo"');
    expect((await api("/tools", key)).status).toBe(403);
  });

  it("searches tool names and descriptions", async () => {
    for (const [name, description] of [
      ["crm_lookup", "Finds a customer in the CRM by e-mail."],
      ["forecast", "Tomorrow's weather for a city."],
    ]) {
      const res = await api("/tools", server.adminToken, {
        method: "POST",
        body: JSON.stringify({
          name,
          description,
          execution_type: "http_request",
          method: "GET",
          endpoint_url: `${upstream.url}/crm/contacts`,
          input_schema: { type: "object", properties: {} },
        }),
      });
      expect(res.status, await res.clone().text()).toBe(201);
    }
    await nav().getByRole("link", { name: "Tools" }).click();
    const rows = page.locator("tbody tr");
    await expect.poll(() => rows.count()).toBe(2);
    await page.getByLabel("Search names and descriptions").fill("WEATHER");
    await page.getByRole("button", { name: "Search", exact: true }).click();
    await expect.poll(() => rows.count()).toBe(1);
    expect(await rows.first().innerText()).toContain("forecast");
    await page.getByLabel("Search names and descriptions").fill("no such thing");
    await page.getByRole("button", { name: "Search", exact: true }).click();
    await page.getByText("No tool has “no such thing” in its name or description.").waitFor();
  });

  it("duplicates a tool: the copy asks for its secret, then runs with it", async () => {
    const res = await api("/tools", server.adminToken, {
      method: "POST",
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
    await page.goto(`${server.url}/ui/tools/${id}`);
    await page.getByRole("link", { name: "Duplicate" }).click();
    await page.getByRole("heading", { name: "New tool" }).waitFor();
    await page.getByText("A copy of weather_now. Review it, then create it.").waitFor();
    expect(await page.getByLabel("Name", { exact: true }).inputValue()).toBe("weather_now_copy");
    expect(await page.getByLabel("Endpoint URL").inputValue()).toBe(`${upstream.url}/weather`);
    await page.locator("#api_key_value-error", { hasText: "secrets are not copied from weather_now" }).waitFor();
    expect(await page.content()).not.toContain(WEATHER_KEY);
    await screenshot(page, "ui-duplicate");

    await page.getByRole("button", { name: "Create tool" }).click();
    await page.getByText("The tool was not saved").waitFor();
    await page.getByLabel("API key value").fill(WEATHER_KEY);
    await page.getByRole("button", { name: "Create tool" }).click();
    await page.getByRole("heading", { name: "weather_now_copy" }).waitFor();
    await page.getByLabel("q (required)").fill("Paris");
    await page.getByRole("button", { name: "Run" }).click();
    const result = page.getByRole("region", { name: "Result" });
    await result.getByText("HTTP 200").waitFor();
    expect(await page.content()).not.toContain(WEATHER_KEY);
  });

  it("follows the system's dark mode, with readable text on every page in both schemes", async () => {
    const forms = await context.newPage();
    const pages: [string, () => Promise<void>][] = [
      ["tools", () => forms.goto(`${server.url}/ui`).then(() => undefined)],
      ["tools, searched", () => forms.goto(`${server.url}/ui?q=crm`).then(() => undefined)],
      [
        "API keys with errors and a revoked key",
        async () => {
          await forms.goto(`${server.url}/ui/keys`);
          await forms.getByRole("button", { name: "Create key" }).click();
          await forms.locator("#key-scopes-error").waitFor();
        },
      ],
      [
        "a new key",
        async () => {
          await forms.goto(`${server.url}/ui/keys`);
          await forms.getByLabel("Name", { exact: true }).fill("contrast");
          await forms.getByLabel("admin", { exact: true }).check();
          await forms.getByRole("button", { name: "Create key" }).click();
          await forms.locator("#new-key").waitFor();
        },
      ],
      ["connect an agent", () => forms.goto(`${server.url}/ui/agents`).then(() => undefined)],
      [
        "a duplicate with its secret to enter",
        async () => {
          await forms.goto(`${server.url}/ui`);
          await forms.getByRole("link", { name: "weather_now", exact: true }).click();
          await forms.getByRole("link", { name: "Duplicate" }).click();
          await forms.locator("#api_key_value-error").waitFor();
        },
      ],
      [
        "a tool with a run",
        async () => {
          await forms.goto(`${server.url}/ui`);
          await forms.getByRole("link", { name: "weather_now_copy" }).click();
          await forms.getByLabel("q (required)").fill("Paris");
          await forms.getByRole("button", { name: "Run" }).click();
          await forms.getByRole("region", { name: "Result" }).getByText("HTTP 200").waitFor();
        },
      ],
      ["new tool", () => forms.goto(`${server.url}/ui/tools/new`).then(() => undefined)],
    ];
    for (const scheme of ["dark", "light"] as const) {
      await forms.emulateMedia({ colorScheme: scheme });
      for (const [what, open] of pages) {
        await open();
        const shade = await forms.evaluate<number>(PAGE_LUMINANCE);
        if (scheme === "dark") expect(shade, what).toBeLessThan(40);
        else expect(shade, what).toBeGreaterThan(220);
        expect(await forms.evaluate<string[]>(LOW_CONTRAST), `${scheme}: ${what}`).toEqual([]);
      }
    }
    await forms.emulateMedia({ colorScheme: "dark" });
    await forms.goto(`${server.url}/ui/keys`);
    await forms.getByRole("button", { name: "Create key" }).click();
    await screenshot(forms, "ui-dark-api-keys");
    await forms.close();
  });
});
