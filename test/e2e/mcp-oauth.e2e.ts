/**
 * OAuth for /mcp with a real browser: the MCP SDK client in Node against
 * `wrangler dev`, and Chromium as the person who signs in and allows it.
 * What the workerd test (test/mcp-oauth.test.ts) cannot show: that a real
 * browser keeps the __Host- cookies on http://127.0.0.1, that the consent
 * page's way back to the app (a page that moves on by itself, since the
 * UI's CSP has form-action 'self') reaches the app's loopback callback, and
 * that the flow works over the network through wrangler dev.
 */
import { createServer, type Server } from "node:http";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { UnauthorizedError, type OAuthClientProvider } from "@modelcontextprotocol/sdk/client/auth.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type {
  OAuthClientInformationMixed,
  OAuthClientMetadata,
  OAuthTokens,
} from "@modelcontextprotocol/sdk/shared/auth.js";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { findChromium, freePort, launchBrowser, screenshot, startDevServer, type DevServer } from "./harness";

/** An app's loopback callback (RFC 8252), as a desktop MCP client listens for the code. */
async function startCallback(): Promise<{ url: string; received: Promise<URL>; stop(): Promise<void> }> {
  const port = await freePort();
  let resolve!: (url: URL) => void;
  const received = new Promise<URL>((r) => (resolve = r));
  const server: Server = createServer((req, res) => {
    resolve(new URL(req.url ?? "/", `http://127.0.0.1:${port}`));
    res.writeHead(200, { "content-type": "text/plain" }).end("You can close this window.");
  });
  await new Promise<void>((r) => server.listen(port, "127.0.0.1", r));
  return {
    url: `http://127.0.0.1:${port}/callback`,
    received,
    stop: () => new Promise<void>((r) => server.close(() => r())),
  };
}

class AppClient implements OAuthClientProvider {
  registration: OAuthClientInformationMixed | undefined;
  saved: OAuthTokens | undefined;
  verifier = "";
  authorizationUrl: URL | null = null;
  constructor(readonly redirectUrl: string) {}
  get clientMetadata(): OAuthClientMetadata {
    return {
      client_name: "E2E desktop agent",
      redirect_uris: [this.redirectUrl],
      grant_types: ["authorization_code", "refresh_token"],
      response_types: ["code"],
      token_endpoint_auth_method: "none",
    };
  }
  clientInformation() {
    return this.registration;
  }
  saveClientInformation(info: OAuthClientInformationMixed) {
    this.registration = info;
  }
  tokens() {
    return this.saved;
  }
  saveTokens(tokens: OAuthTokens) {
    this.saved = tokens;
  }
  redirectToAuthorization(url: URL) {
    this.authorizationUrl = url;
  }
  saveCodeVerifier(verifier: string) {
    this.verifier = verifier;
  }
  codeVerifier() {
    return this.verifier;
  }
}

describe.skipIf(!findChromium())("MCP OAuth in Chromium", () => {
  let server: DevServer;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    [server, browser] = await Promise.all([startDevServer(), launchBrowser()]);
    page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it("connects an SDK client: sign-in and consent in the browser, back to the app's callback, tools, revocation", async () => {
    const created = await fetch(`${server.url}/tools`, {
      method: "POST",
      headers: { authorization: `Bearer ${server.adminToken}`, "content-type": "application/json" },
      body: JSON.stringify({ name: "clock", execution_type: "function", function_name: "current_time" }),
    });
    expect(created.status).toBe(201);

    const callback = await startCallback();
    try {
      const app = new AppClient(callback.url);
      const mcpUrl = new URL(`${server.url}/mcp`);
      const first = new StreamableHTTPClientTransport(mcpUrl, { authProvider: app });
      await expect(new Client({ name: "e2e", version: "1" }).connect(first)).rejects.toBeInstanceOf(UnauthorizedError);

      // The person: not signed in, so toolgate's sign-in comes first, then the consent page.
      await page.goto(app.authorizationUrl!.href);
      await page.getByText("An app is asking to connect to toolgate").waitFor();
      await page.getByLabel("API token").fill(server.adminToken);
      await page.getByRole("button", { name: "Sign in" }).click();
      await page.getByRole("heading", { name: "Connect “E2E desktop agent” to toolgate?" }).waitFor();
      await page.getByText("This sends access to an app on your own computer").waitFor();
      await screenshot(page, "mcp-oauth-consent");
      await page.getByRole("button", { name: "Allow" }).click();

      // The browser goes on to the app's callback by itself, with the code.
      // (A 303 from the form's POST instead stops in Chromium: the CSP's form-action 'self' covers redirects after a form.)
      const returned = await Promise.race([
        callback.received,
        new Promise<URL>((_, reject) => setTimeout(() => reject(new Error("the callback was never reached")), 15_000)),
      ]);
      expect(returned.pathname).toBe("/callback");
      expect(returned.searchParams.get("iss")).toBe(server.url);
      await first.finishAuth(returned.searchParams.get("code") ?? "");

      const client = new Client({ name: "e2e", version: "1" });
      await client.connect(new StreamableHTTPClientTransport(mcpUrl, { authProvider: app }));
      expect((await client.listTools()).tools.map((t) => t.name)).toEqual(["clock"]);
      const result = await client.callTool({ name: "clock", arguments: {} });
      expect(result.isError).toBeUndefined();
      await client.close();

      // Revoked under Connected apps, the token answers 401.
      await page.goto(`${server.url}/ui/apps`);
      await page.getByText("“E2E desktop agent”").waitFor();
      await screenshot(page, "mcp-oauth-connected-apps");
      await page.getByRole("button", { name: "Revoke E2E desktop agent" }).click();
      await page.getByText("Revoked the access of “E2E desktop agent”").waitFor();
      const res = await fetch(mcpUrl, {
        method: "POST",
        headers: {
          authorization: `Bearer ${app.saved!.access_token}`,
          "content-type": "application/json",
          accept: "application/json, text/event-stream",
        },
        body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }),
      });
      expect(res.status).toBe(401);
    } finally {
      await callback.stop();
    }
  });
});
