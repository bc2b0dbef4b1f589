/**
 * OAuth for /mcp, end to end inside workerd: the MCP SDK client's own OAuth
 * support (an OAuthClientProvider with StreamableHTTPClientTransport, its
 * fetch routed to the Worker) discovers toolgate's authorization server from
 * /mcp's 401, registers itself, and sends the person to the authorization
 * endpoint; the test is that person's browser (cookies, redirects, the
 * sign-in form, the consent form with its CSRF token). Then the token
 * exchange with PKCE, tools/list, tools/call and its log row, revocation in
 * the UI, and a 401. Beside it: what cannot be granted, what dies with an
 * API key, what a grant narrowed to chosen tools shows, and the wire format
 * of the 401 and of the metadata documents.
 */
import { createExecutionContext, env, SELF, waitOnExecutionContext } from "cloudflare:test";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { UnauthorizedError, type OAuthClientProvider } from "@modelcontextprotocol/sdk/client/auth.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import type {
  OAuthClientInformationMixed,
  OAuthClientMetadata,
  OAuthTokens,
} from "@modelcontextprotocol/sdk/shared/auth.js";
import { LATEST_PROTOCOL_VERSION } from "@modelcontextprotocol/sdk/types.js";
import { CfWorkerJsonSchemaValidator } from "@modelcontextprotocol/sdk/validation/cfworker-provider.js";
import { afterEach, describe, expect, it, vi } from "vitest";
import { API_KEY_CACHE_TTL_MS } from "../src/access/principal";
import worker from "../src/index";
import { EXECUTION_ID_META } from "../src/mcp/tools";
import {
  ADMIN_TOKEN,
  api,
  createApiKey,
  createTool,
  randomClientAddress,
  uniqueName,
  useUpstream,
  waitForLog,
  type Json,
} from "./helpers";
import { decodeEntities, formFields, textOf, withFields } from "./ui-helpers";

useUpstream();

const ORIGIN = "https://toolgate.test";
const MCP_URL = `${ORIGIN}/mcp`;
const RESOURCE_METADATA_URL = `${ORIGIN}/.well-known/oauth-protected-resource/mcp`;
const REDIRECT_URI = "https://agent.example/oauth/callback";

/**
 * SELF.fetch from a client address of its own (CF-Connecting-IP), so that the
 * tokens these tests get refused never count against another test's address
 * (src/access/throttle.ts).
 */
function fromOwnAddress(input: string | URL | Request, init?: RequestInit): Promise<Response> {
  const request = new Request(input, init);
  if (request.headers.has("cf-connecting-ip")) return SELF.fetch(request);
  const headers = new Headers(request.headers);
  headers.set("cf-connecting-ip", randomClientAddress());
  return SELF.fetch(new Request(request, { headers }));
}

const workerFetch = (input: string | URL | Request, init?: RequestInit) => fromOwnAddress(input, init);

/** What an MCP client keeps between runs: its registration, PKCE verifier and tokens. */
class TestOAuthClient implements OAuthClientProvider {
  registration: OAuthClientInformationMixed | undefined;
  saved: OAuthTokens | undefined;
  verifier = "";
  /** Where the SDK sent the person to authorize. */
  authorizationUrl: URL | null = null;

  constructor(readonly name = "Test agent") {}

  get redirectUrl() {
    return REDIRECT_URI;
  }
  get clientMetadata(): OAuthClientMetadata {
    return {
      client_name: this.name,
      redirect_uris: [REDIRECT_URI],
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
  /** What a client does when the server refuses what it holds (the SDK calls it on invalid_grant and invalid_client). */
  invalidateCredentials(scope: "all" | "client" | "tokens" | "verifier" | "discovery") {
    if (scope === "all" || scope === "tokens") this.saved = undefined;
    if (scope === "all" || scope === "client") this.registration = undefined;
  }
}

/** A browser: a cookie jar, and redirects followed on toolgate's origin (the first one elsewhere is returned). */
class Browser {
  private readonly cookies = new Map<string, string>();

  async request(url: string, init: RequestInit = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    if (this.cookies.size > 0) headers.set("cookie", [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; "));
    const res = await fromOwnAddress(new URL(url, ORIGIN).href, { ...init, headers, redirect: "manual" });
    for (const cookie of res.headers.getSetCookie()) {
      const [pair = "", ...attributes] = cookie.split(";");
      const at = pair.indexOf("=");
      const name = pair.slice(0, at).trim();
      if (attributes.some((a) => /^\s*max-age=0\s*$/i.test(a))) this.cookies.delete(name);
      else this.cookies.set(name, pair.slice(at + 1).trim());
    }
    return res;
  }

  /** GET `url`, following redirects within toolgate; the page it ends on, or where it leaves toolgate. */
  async open(url: string): Promise<{ res: Response; url: string; html: string }> {
    let current = new URL(url, ORIGIN).href;
    for (let hop = 0; hop < 10; hop++) {
      const res = await this.request(current);
      const location = res.headers.get("location");
      if (res.status >= 300 && res.status < 400 && location) {
        const next = new URL(location, current);
        if (next.origin !== ORIGIN) return { res, url: next.href, html: "" };
        current = next.href;
        continue;
      }
      return { res, url: current, html: await res.text() };
    }
    throw new Error("too many redirects");
  }

  /** Submits a form as a browser does: urlencoded, from toolgate's origin. */
  post(path: string, fields: [string, string][]): Promise<Response> {
    return this.request(path, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded", origin: ORIGIN },
      body: new URLSearchParams(fields),
    });
  }
}

/** The text of the table row that mentions `text`, cells labelled as on a phone (data-label). */
function rowOf(html: string, text: string): string {
  const row = [...html.matchAll(/<tr>([\s\S]*?)<\/tr>/g)].map((m) => m[1] ?? "").find((r) => textOf(r).includes(text));
  if (!row) throw new Error(`no row with ${text}`);
  return textOf(row.replace(/<td data-label="([^"]+)">/g, " $1 "));
}

/** The URL a page moves on to by itself (the consent's way back to the app). */
function refreshTarget(html: string): string {
  const content = /<meta http-equiv="refresh" content="0;url=([^"]+)"/.exec(html)?.[1];
  if (!content) throw new Error(`page has no refresh: ${textOf(html).slice(0, 300)}`);
  return decodeEntities(content);
}

const clients: Client[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((client) => client.close()));
});

async function connect(
  provider: TestOAuthClient,
): Promise<{ client: Client; transport: StreamableHTTPClientTransport }> {
  const transport = new StreamableHTTPClientTransport(new URL(MCP_URL), { authProvider: provider, fetch: workerFetch });
  const client = new Client(
    { name: "toolgate-oauth-tests", version: "1.0.0" },
    { jsonSchemaValidator: new CfWorkerJsonSchemaValidator() },
  );
  await client.connect(transport);
  clients.push(client);
  return { client, transport };
}

/**
 * The SDK client's first attempt: 401, discovery, registration, and the
 * authorization URL it sends the person to.
 */
async function startAuthorization(provider: TestOAuthClient): Promise<{ transport: StreamableHTTPClientTransport }> {
  const transport = new StreamableHTTPClientTransport(new URL(MCP_URL), { authProvider: provider, fetch: workerFetch });
  const client = new Client({ name: "toolgate-oauth-tests", version: "1.0.0" });
  await expect(client.connect(transport)).rejects.toBeInstanceOf(UnauthorizedError);
  expect(provider.authorizationUrl).not.toBeNull();
  return { transport };
}

interface ConsentAnswer {
  decision?: "allow" | "deny";
  /** Tool ids to narrow the grant to; absent: every tool. */
  tools?: string[];
}

/** Signs in on the way (as `token`), answers the consent page, and returns where it sends the browser back. */
async function authorizeInBrowser(
  browser: Browser,
  authorizationUrl: URL,
  token: string,
  answer: ConsentAnswer = {},
): Promise<{ consentHtml: string; returnUrl: URL }> {
  const consentHtml = await consentPage(browser, authorizationUrl, token);
  const res = await submitConsent(browser, consentHtml, answer);
  expect(res.status, await res.clone().text()).toBe(200);
  return { consentHtml, returnUrl: new URL(refreshTarget(await res.text())) };
}

/** Opens the authorization URL as a visitor who is not signed in: sign-in first, then back to the consent page. */
async function consentPage(browser: Browser, authorizationUrl: URL, token: string): Promise<string> {
  const first = await browser.open(authorizationUrl.href);
  expect(first.url).toMatch(new RegExp(`^${ORIGIN}/ui/sign-in\\?next=`));
  expect(textOf(first.html)).toContain("An app is asking to connect to toolgate");
  const next = new URL(first.url).searchParams.get("next") ?? "";
  expect(next).toBe(`${authorizationUrl.pathname}${authorizationUrl.search}`);
  const signedIn = await browser.post("/ui/sign-in", [
    ["token", token],
    ["next", next],
  ]);
  expect(signedIn.status).toBe(303);
  const consent = await browser.open(signedIn.headers.get("location") ?? "");
  expect(consent.res.status, consent.html).toBe(200);
  expect(consent.url).toBe(authorizationUrl.href);
  return consent.html;
}

function submitConsent(browser: Browser, consentHtml: string, answer: ConsentAnswer): Promise<Response> {
  const fields = withFields(formFields(consentHtml, "/ui/oauth/authorize"), {
    decision: answer.decision ?? "allow",
    ...(answer.tools ? { access: "chosen" } : {}),
  });
  return browser.post("/ui/oauth/authorize", [
    ...fields,
    ...(answer.tools ?? []).map((id) => ["tool", id] as [string, string]),
  ]);
}

/** The whole dance for a fresh client: registration, consent as `token`, code exchange. A connected SDK client. */
async function connectWithOAuth(
  token: string,
  answer: ConsentAnswer = {},
  name = uniqueName("agent"),
): Promise<{ client: Client; provider: TestOAuthClient; browser: Browser }> {
  const provider = new TestOAuthClient(name);
  const browser = new Browser();
  const { transport } = await startAuthorization(provider);
  const { returnUrl } = await authorizeInBrowser(browser, provider.authorizationUrl!, token, answer);
  await transport.finishAuth(returnUrl.searchParams.get("code") ?? "");
  const { client } = await connect(provider);
  return { client, provider, browser };
}

/** A raw JSON-RPC POST to /mcp with `token`. */
function rpc(token: string | null, body: unknown = { jsonrpc: "2.0", id: 1, method: "tools/list" }): Promise<Response> {
  return fromOwnAddress(MCP_URL, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
      "mcp-protocol-version": LATEST_PROTOCOL_VERSION,
      ...(token === null ? {} : { authorization: `Bearer ${token}` }),
    },
    body: JSON.stringify(body),
  });
}

function functionTool(overrides: Record<string, unknown> = {}) {
  return createTool({
    name: uniqueName("now"),
    execution_type: "function",
    function_name: "current_time",
    method: null,
    endpoint_url: null,
    ...overrides,
  });
}

describe("the SDK client's OAuth, end to end", () => {
  it("discovers, registers, authorizes through sign-in and consent, exchanges with PKCE, lists, calls, is revoked, gets 401", async () => {
    const tool = await functionTool();
    const provider = new TestOAuthClient("Claude (test)");
    const browser = new Browser();

    // 1. The first request is refused; the client discovers OAuth from the 401 and registers itself.
    const { transport } = await startAuthorization(provider);
    expect(provider.registration?.client_id).toEqual(expect.any(String));
    const authorizationUrl = provider.authorizationUrl!;
    expect(authorizationUrl.origin + authorizationUrl.pathname).toBe(`${ORIGIN}/ui/oauth/authorize`);
    expect(authorizationUrl.searchParams.get("code_challenge_method")).toBe("S256");
    expect(authorizationUrl.searchParams.get("resource")).toBe(MCP_URL);
    expect(authorizationUrl.searchParams.get("scope")).toBe("tools:execute");

    // 2. The person signs in, and the consent page names the app and where access goes.
    const { consentHtml, returnUrl } = await authorizeInBrowser(browser, authorizationUrl, ADMIN_TOKEN);
    const consentText = textOf(consentHtml);
    expect(consentText).toContain("Connect “Claude (test)” to toolgate?");
    expect(consentText).toContain("It registered itself with toolgate");
    expect(consentText).toContain("nobody has checked it");
    expect(consentText).toContain("Sends access to agent.example");
    expect(consentText).toContain("tools:execute");
    expect(consentText).toContain(tool.name);

    // 3. Back at the app with a code, its state and the issuer (RFC 9207).
    expect(returnUrl.origin + returnUrl.pathname).toBe(REDIRECT_URI);
    expect(returnUrl.searchParams.get("iss")).toBe(ORIGIN);
    const code = returnUrl.searchParams.get("code");
    expect(code).toEqual(expect.any(String));

    // 4. Code → tokens, with the PKCE verifier; then MCP as usual.
    await transport.finishAuth(code!);
    expect(provider.saved?.token_type.toLowerCase()).toBe("bearer");
    expect(provider.saved?.scope).toBe("tools:execute");
    expect(provider.saved?.refresh_token).toEqual(expect.any(String));
    const { client } = await connect(provider);
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name)).toContain(tool.name);
    const result = await client.callTool({ name: tool.name, arguments: {} });
    expect(result.isError).toBeUndefined();
    const executionId = (result._meta as Json)[EXECUTION_ID_META];
    const log = await waitForLog(executionId);
    expect(log).toMatchObject({ tool_id: tool.id, outcome: "success" });

    // 5. Connected apps lists the grant; revoking it ends the token at once.
    const connections = await browser.open("/ui/apps");
    const listed = rowOf(connections.html, "“Claude (test)”");
    expect(listed).toContain("App “Claude (test)” sends access to agent.example");
    expect(listed).toContain("Tools Every tool offered over MCP tools:execute");
    const rowHtml = connections.html.slice(connections.html.indexOf("“Claude (test)”"));
    const revokeAction = /action="(\/ui\/apps\/[^"]+\/revoke)"/.exec(rowHtml)?.[1];
    expect(revokeAction).toBeDefined();
    const revoked = await browser.post(decodeEntities(revokeAction!), formFields(connections.html, revokeAction!));
    expect(revoked.status).toBe(303);
    const after = await browser.open(revoked.headers.get("location") ?? "");
    expect(textOf(after.html)).toContain("Revoked the access of “Claude (test)”");
    expect(() => rowOf(after.html, "“Claude (test)”")).toThrow("no row");

    const res = await rpc(provider.saved!.access_token);
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toContain('error="invalid_token"');
    expect(res.headers.get("content-type")).toBe("application/problem+json");
    // The SDK client, asked to go on, finds its refresh token dead too and has to send the person back.
    provider.authorizationUrl = null;
    await expect(client.listTools()).rejects.toBeInstanceOf(UnauthorizedError);
    expect(provider.authorizationUrl).not.toBeNull();
  });

  it("refuses a code exchange without the PKCE verifier that matches the challenge", async () => {
    const provider = new TestOAuthClient();
    const browser = new Browser();
    await startAuthorization(provider);
    const { returnUrl } = await authorizeInBrowser(browser, provider.authorizationUrl!, ADMIN_TOKEN);
    const exchange = (verifier: string) =>
      fromOwnAddress(`${ORIGIN}/oauth/token`, {
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded" },
        body: new URLSearchParams({
          grant_type: "authorization_code",
          code: returnUrl.searchParams.get("code") ?? "",
          redirect_uri: REDIRECT_URI,
          client_id: provider.registration!.client_id,
          code_verifier: verifier,
          resource: MCP_URL,
        }),
      });
    const wrong = await exchange("a".repeat(64));
    expect(wrong.status).toBe(400);
    expect(await wrong.json()).toMatchObject({ error: "invalid_grant" });
  });

  it("sends the app access_denied when the person denies, and grants nothing", async () => {
    const provider = new TestOAuthClient();
    const browser = new Browser();
    await startAuthorization(provider);
    const { returnUrl } = await authorizeInBrowser(browser, provider.authorizationUrl!, ADMIN_TOKEN, {
      decision: "deny",
    });
    expect(returnUrl.searchParams.get("error")).toBe("access_denied");
    expect(returnUrl.searchParams.get("code")).toBeNull();
    expect(returnUrl.searchParams.get("state")).toBe(provider.authorizationUrl!.searchParams.get("state"));
  });
});

describe("no privilege escalation", () => {
  it("refuses consent by a principal without tools:execute: no Allow button, and the POST is 403", async () => {
    const key = await createApiKey(["tools:read"]);
    const provider = new TestOAuthClient();
    const browser = new Browser();
    await startAuthorization(provider);
    const html = await consentPage(browser, provider.authorizationUrl!, key.key);
    expect(textOf(html)).toContain("Your API key does not have the tools:execute scope");
    expect(html).not.toContain('value="allow"');
    const res = await submitConsent(browser, html, { decision: "allow" });
    expect(res.status).toBe(403);
    expect(textOf(await res.text())).toContain("cannot give an app access to run tools");
  });

  it("ends an API key's grants when the key is revoked: its access token answers 401, its refresh token is refused", async () => {
    const key = await createApiKey(["tools:execute"]);
    const { client, provider } = await connectWithOAuth(key.key);
    await client.listTools();
    const accessToken = provider.saved!.access_token;
    expect((await rpc(accessToken)).status).toBe(200);

    const revoke = await api(`/api-keys/${key.id}`, { method: "DELETE" });
    expect(revoke.status).toBe(204);

    const res = await rpc(accessToken);
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ code: "unauthorized" });
    const refresh = await fromOwnAddress(`${ORIGIN}/oauth/token`, {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({
        grant_type: "refresh_token",
        refresh_token: provider.saved!.refresh_token!,
        client_id: provider.registration!.client_id,
      }),
    });
    expect(refresh.status).toBe(400);
    expect(await refresh.json()).toMatchObject({ error: "invalid_grant" });
  });

  it("honours a grant narrowed to chosen tools in tools/list and tools/call", async () => {
    const chosen = await functionTool();
    const other = await functionTool();
    const { client } = await connectWithOAuth(ADMIN_TOKEN, { tools: [chosen.id] });

    const names: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await client.listTools(cursor === undefined ? {} : { cursor });
      names.push(...page.tools.map((t) => t.name));
      cursor = page.nextCursor;
    } while (cursor);
    expect(names).toEqual([chosen.name]);

    const ok = await client.callTool({ name: chosen.name, arguments: {} });
    expect(ok.isError).toBeUndefined();
    await expect(client.callTool({ name: other.name, arguments: {} })).rejects.toThrow(`Unknown tool: ${other.name}`);
  });

  it("gives a token no scope its approver no longer holds (a key's scopes edited in D1 by hand)", async () => {
    const key = await createApiKey(["tools:execute"]);
    const { provider } = await connectWithOAuth(key.key);
    expect((await rpc(provider.saved!.access_token)).status).toBe(200);
    await env.DB.prepare("UPDATE api_keys SET scopes = ? WHERE id = ?").bind('["tools:read"]', key.id).run();
    // Past the 30-second key cache (src/access/principal.ts), the row is read again.
    vi.useFakeTimers({ toFake: ["Date"] });
    try {
      vi.setSystemTime(Date.now() + API_KEY_CACHE_TTL_MS + 1000);
      const res = await rpc(provider.saved!.access_token);
      expect(res.status).toBe(403);
      expect(await res.json()).toMatchObject({ code: "insufficient_scope" });
    } finally {
      vi.useRealTimers();
    }
  });

  it("refuses a chosen tool that is not offered over MCP", async () => {
    const hidden = await functionTool({ mcp_enabled: false });
    const provider = new TestOAuthClient();
    const browser = new Browser();
    await startAuthorization(provider);
    const html = await consentPage(browser, provider.authorizationUrl!, ADMIN_TOKEN);
    expect(html).not.toContain(hidden.id);
    const res = await submitConsent(browser, html, { tools: [hidden.id] });
    expect(res.status).toBe(422);
    expect(textOf(await res.text())).toContain("no longer offered over MCP");
  });

  it("lets a principal revoke only its own grants", async () => {
    const { browser } = await connectWithOAuth(ADMIN_TOKEN, {}, "Admin agent");
    const page = (await browser.open("/ui/apps")).html;
    const action = decodeEntities(
      /action="(\/ui\/apps\/[^"]+\/revoke)"/.exec(page.slice(page.indexOf("“Admin agent”")))?.[1] ?? "",
    );
    expect(action).not.toBe("");

    const key = await createApiKey(["tools:execute"]);
    const other = new Browser();
    expect((await other.post("/ui/sign-in", [["token", key.key]])).status).toBe(303);
    const otherPage = (await other.open("/ui/apps")).html;
    expect(textOf(otherPage)).toContain("No app is connected with your sign-in");
    const res = await other.post(action, formFields(otherPage, "/ui/sign-out"));
    expect(res.status).toBe(404);
    expect(rowOf((await browser.open("/ui/apps")).html, "“Admin agent”")).toContain("Revoke");
  });

  it("lists the chosen tools by name under Connected apps", async () => {
    const chosen = await functionTool();
    const { browser } = await connectWithOAuth(ADMIN_TOKEN, { tools: [chosen.id] }, "Narrow agent");
    const row = rowOf((await browser.open("/ui/apps")).html, "“Narrow agent”");
    expect(row).toContain(`Tools ${chosen.name} tools:execute`);
    expect(row).not.toContain("Every tool offered over MCP");
  });

  it("refuses a consent answer that chose tools but none of them", async () => {
    await functionTool();
    const provider = new TestOAuthClient();
    const browser = new Browser();
    await startAuthorization(provider);
    const html = await consentPage(browser, provider.authorizationUrl!, ADMIN_TOKEN);
    const res = await submitConsent(browser, html, { tools: [] });
    expect(res.status).toBe(422);
    expect(textOf(await res.text())).toContain("Choose at least one tool");
  });

  it("accepts the consent form only with the session's CSRF token and in the browser that opened it", async () => {
    const provider = new TestOAuthClient();
    const browser = new Browser();
    await startAuthorization(provider);
    const html = await consentPage(browser, provider.authorizationUrl!, ADMIN_TOKEN);
    const fields = withFields(formFields(html, "/ui/oauth/authorize"), { decision: "allow" });

    const forged = await browser.post("/ui/oauth/authorize", withFields(fields, { _csrf: "forged" }));
    expect(forged.status).toBe(403);

    // Another browser, signed in as the same person, has the session but not the consent's binding cookie.
    const other = new Browser();
    const signedIn = await other.post("/ui/sign-in", [["token", ADMIN_TOKEN]]);
    expect(signedIn.status).toBe(303);
    const csrf = /name="_csrf" value="([^"]+)"/.exec((await other.open("/ui")).html)?.[1] ?? "";
    const elsewhere = await other.post("/ui/oauth/authorize", withFields(fields, { _csrf: csrf }));
    expect(elsewhere.status).toBe(400);
    expect(textOf(await elsewhere.text())).toContain("was not started in this browser");

    const mine = await browser.post("/ui/oauth/authorize", fields);
    expect(mine.status).toBe(200);
    expect(new URL(refreshTarget(await mine.text())).searchParams.get("code")).toEqual(expect.any(String));
  });
});

describe("bearer tokens beside OAuth", () => {
  it("still accepts ADMIN_TOKEN and API keys on /mcp", async () => {
    const key = await createApiKey(["tools:execute"]);
    expect((await rpc(ADMIN_TOKEN)).status).toBe(200);
    expect((await rpc(key.key)).status).toBe(200);
  });
});

describe("the 401 on /mcp", () => {
  it("is problem+json with toolgate's code, and WWW-Authenticate names the protected resource metadata", async () => {
    const res = await rpc(null);
    expect(res.status).toBe(401);
    expect(res.headers.get("content-type")).toBe("application/problem+json");
    expect(res.headers.get("www-authenticate")).toBe(
      `Bearer realm="toolgate", resource_metadata="${RESOURCE_METADATA_URL}", scope="tools:execute"`,
    );
    expect(await res.json()).toMatchObject({ status: 401, code: "unauthorized" });
  });

  it('adds error="invalid_token" for a token that is not valid, OAuth-shaped or not', async () => {
    for (const token of ["not-a-token", "admin-token:grant:secret"]) {
      const res = await rpc(token);
      expect(res.status).toBe(401);
      expect(res.headers.get("content-type")).toBe("application/problem+json");
      expect(res.headers.get("www-authenticate")).toBe(
        `Bearer realm="toolgate", resource_metadata="${RESOURCE_METADATA_URL}", scope="tools:execute", error="invalid_token"`,
      );
    }
  });

  it("points elsewhere than /mcp only on /mcp: the rest of the API's 401 has no resource_metadata", async () => {
    const res = await api("/tools", { token: null });
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toBe('Bearer realm="toolgate"');
  });
});

describe("the metadata documents", () => {
  it("publishes /mcp's protected resource metadata (RFC 9728) at the /mcp-suffixed path and at the root", async () => {
    for (const path of ["/.well-known/oauth-protected-resource/mcp", "/.well-known/oauth-protected-resource"]) {
      const res = await fromOwnAddress(`${ORIGIN}${path}`);
      expect(res.status, path).toBe(200);
      expect(await res.json()).toEqual({
        resource: MCP_URL,
        authorization_servers: [ORIGIN],
        scopes_supported: ["tools:execute"],
        bearer_methods_supported: ["header"],
        resource_name: "toolgate MCP server",
      });
    }
  });

  it("publishes authorization server metadata (RFC 8414): endpoints, PKCE S256, registration, the one scope", async () => {
    const res = await fromOwnAddress(`${ORIGIN}/.well-known/oauth-authorization-server`);
    expect(res.status).toBe(200);
    const metadata = await res.json<Json>();
    expect(metadata).toMatchObject({
      issuer: ORIGIN,
      authorization_endpoint: `${ORIGIN}/ui/oauth/authorize`,
      token_endpoint: `${ORIGIN}/oauth/token`,
      registration_endpoint: `${ORIGIN}/oauth/register`,
      revocation_endpoint: `${ORIGIN}/oauth/token`,
      response_types_supported: ["code"],
      code_challenge_methods_supported: ["S256"],
      scopes_supported: ["tools:execute"],
      authorization_response_iss_parameter_supported: true,
    });
    expect(metadata.grant_types_supported).toEqual(expect.arrayContaining(["authorization_code", "refresh_token"]));
    expect(metadata.token_endpoint_auth_methods_supported).toContain("none");
  });

  it("registers a client dynamically (RFC 7591) and answers its registration", async () => {
    const res = await fromOwnAddress(`${ORIGIN}/oauth/register`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        client_name: "Registered by hand",
        redirect_uris: [REDIRECT_URI],
        token_endpoint_auth_method: "none",
      }),
    });
    expect(res.status).toBe(201);
    const body = await res.json<Json>();
    expect(body).toMatchObject({
      client_name: "Registered by hand",
      redirect_uris: [REDIRECT_URI],
      token_endpoint_auth_method: "none",
    });
    expect(body.client_id).toEqual(expect.any(String));
    expect(body.client_secret).toBeUndefined();
  });
});

/** A request to the Worker at any URL, with some bindings overridden. */
async function callAt(url: string, bindings: Record<string, string>, init: RequestInit = {}): Promise<Response> {
  const ctx = createExecutionContext();
  const request = new Request(url, init);
  request.headers.set("cf-connecting-ip", randomClientAddress());
  const res = await worker.fetch(request, { ...env, ...bindings } as Cloudflare.Env, ctx);
  await waitOnExecutionContext(ctx);
  return res;
}

const unauthenticatedList: RequestInit = {
  method: "POST",
  headers: { "content-type": "application/json", accept: "application/json, text/event-stream" },
  body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/list" }),
};

describe("where OAuth runs", () => {
  it("names PUBLIC_BASE_URL as the issuer and its /mcp as the resource, whatever origin the request came to", async () => {
    const bindings = { PUBLIC_BASE_URL: "https://tools.example.com" };
    const res = await callAt(`${ORIGIN}/mcp`, bindings, unauthenticatedList);
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toBe(
      'Bearer realm="toolgate", resource_metadata="https://tools.example.com/.well-known/oauth-protected-resource/mcp", scope="tools:execute"',
    );
    const metadata = await callAt("https://tools.example.com/.well-known/oauth-protected-resource/mcp", bindings);
    expect(await metadata.json()).toMatchObject({
      resource: "https://tools.example.com/mcp",
      authorization_servers: ["https://tools.example.com"],
    });
  });

  it("runs on http only for a loopback host; elsewhere the 401 names no metadata and the endpoints say why", async () => {
    const local = await fromOwnAddress("http://127.0.0.1:8787/mcp", unauthenticatedList);
    expect(local.headers.get("www-authenticate")).toContain(
      'resource_metadata="http://127.0.0.1:8787/.well-known/oauth-protected-resource/mcp"',
    );

    const lan = await fromOwnAddress("http://toolgate.lan/mcp", unauthenticatedList);
    expect(lan.status).toBe(401);
    expect(lan.headers.get("www-authenticate")).toBe('Bearer realm="toolgate"');
    const metadata = await fromOwnAddress("http://toolgate.lan/.well-known/oauth-authorization-server");
    expect(metadata.status).toBe(404);
    expect(metadata.headers.get("content-type")).toBe("application/problem+json");
    expect(await metadata.json()).toMatchObject({ code: "oauth_unavailable" });
    // Bearer keys work there all the same.
    const withKey = await fromOwnAddress("http://toolgate.lan/mcp", {
      ...unauthenticatedList,
      headers: { ...(unauthenticatedList.headers as Record<string, string>), authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    expect(withKey.status).toBe(200);
  });

  it("fails closed on a PUBLIC_BASE_URL that is not an origin, and still serves bearer keys", async () => {
    const bindings = { PUBLIC_BASE_URL: "https://tools.example.com/toolgate" };
    const res = await callAt(`${ORIGIN}/mcp`, bindings, unauthenticatedList);
    expect(res.status).toBe(500);
    expect(await res.json()).toMatchObject({ code: "public_base_url_invalid" });
    const withKey = await callAt(`${ORIGIN}/mcp`, bindings, {
      ...unauthenticatedList,
      headers: { ...(unauthenticatedList.headers as Record<string, string>), authorization: `Bearer ${ADMIN_TOKEN}` },
    });
    expect(withKey.status).toBe(200);
  });

  it("answers browser clients' CORS on the OAuth endpoints", async () => {
    const res = await fromOwnAddress(`${ORIGIN}/.well-known/oauth-authorization-server`, {
      headers: { origin: "https://inspector.example" },
    });
    expect(res.headers.get("access-control-allow-origin")).toBe("https://inspector.example");
    const preflight = await fromOwnAddress(`${ORIGIN}/oauth/token`, {
      method: "OPTIONS",
      headers: { origin: "https://inspector.example", "access-control-request-method": "POST" },
    });
    expect(preflight.status).toBe(204);
  });
});
