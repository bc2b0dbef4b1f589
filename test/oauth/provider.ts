/**
 * A real OAuth2 / OpenID Connect authorization server for the tests:
 * oidc-provider (not a hand-written double), run in Node on free ports, with
 *
 * - authorization code with PKCE (S256, required for every client), for a
 *   confidential client per authentication method and a public one;
 * - refresh tokens, issued for every code and ROTATED on every use: sending a
 *   used refresh token again makes the provider revoke the whole grant, as
 *   production providers do;
 * - client credentials;
 * - a login page and a consent page (Allow / Deny) that a browser, or a test
 *   speaking plain HTTP as a browser would, goes through;
 * - a protected API on another origin that accepts only access tokens the
 *   provider still knows (the provider's own lookup), so revoking a grant at
 *   the provider shows at once; its /echo answers the Authorization header it
 *   got, as careless APIs do;
 * - a record of every token request and API request, and a control to revoke
 *   an account's grants, over HTTP under /__harness/ on the provider's origin,
 *   so tests in workerd can use them too (./contract.ts).
 *
 * The provider is at `localhost` and toolgate at `127.0.0.1`: the redirect
 * back to toolgate is cross-site, as in production.
 *
 * Used by the workerd suite (./global-setup.ts starts one for every run) and
 * by the browser end-to-end tests (start one beside `startDevServer`).
 */
import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import Provider, { type Configuration, type KoaContextWithOIDC } from "oidc-provider";
import type { HarnessLog, OAuthHarnessInfo, RecordedApiRequest, RecordedTokenRequest } from "./contract";

export type { HarnessLog, OAuthHarnessInfo } from "./contract";

export interface OAuthHarnessOptions {
  /** The redirect URIs every authorization-code client accepts, e.g. `http://127.0.0.1:<port>/oauth/callback`. */
  redirectUris: string[];
  /** Access token lifetime in seconds (default 3600). */
  accessTokenTtl?: number;
}

export interface OAuthHarness extends OAuthHarnessInfo {
  log(account?: string): HarnessLog;
  /** Revokes every grant of `account` at the provider (what a person does under "connected apps"). */
  revoke(account: string): Promise<number>;
  stop(): Promise<void>;
}

const PASSWORD = "correct horse battery staple";
const API_SCOPES = "api:read api:write";

/** Starts the provider and its API on free ports of 127.0.0.1, named `localhost` in every URL. */
export async function startOAuthHarness(options: OAuthHarnessOptions): Promise<OAuthHarness> {
  const providerServer = createServer();
  const apiServer = createServer();
  const providerPort = await listen(providerServer);
  const apiPort = await listen(apiServer);
  const issuer = `http://localhost:${providerPort}`;
  const apiOrigin = `http://localhost:${apiPort}`;
  const resource = `${apiOrigin}/`;

  const clients = {
    basic: { id: "toolgate-basic", secret: secret() },
    post: { id: "toolgate-post", secret: secret() },
    public: { id: "toolgate-public" },
    machine: { id: "toolgate-machine", secret: secret() },
  };
  const codeClient = { grant_types: ["authorization_code", "refresh_token"], response_types: ["code"] };

  const tokenRequests: RecordedTokenRequest[] = [];
  const apiRequests: RecordedApiRequest[] = [];
  const presentedRefreshTokens = new Set<string>();
  /** Every refresh token issued, with its account: a refused refresh is still recorded under its account. */
  const refreshTokenAccounts = new Map<string, string>();
  /** account → the grants issued to it, so a test can revoke them. */
  const grantsByAccount = new Map<string, Set<string>>();

  const configuration: Configuration = {
    clients: [
      {
        client_id: clients.basic.id,
        client_secret: clients.basic.secret,
        redirect_uris: options.redirectUris,
        ...codeClient,
      },
      {
        client_id: clients.post.id,
        client_secret: clients.post.secret,
        token_endpoint_auth_method: "client_secret_post",
        redirect_uris: options.redirectUris,
        ...codeClient,
      },
      {
        client_id: clients.public.id,
        token_endpoint_auth_method: "none",
        redirect_uris: options.redirectUris,
        ...codeClient,
      },
      {
        client_id: clients.machine.id,
        client_secret: clients.machine.secret,
        grant_types: ["client_credentials"],
        response_types: [],
        redirect_uris: [],
      },
    ],
    // Every client must use PKCE, confidential ones too (the provider's default asks it of public clients only).
    pkce: { required: () => true },
    scopes: ["openid", "offline_access", "profile", "email"],
    claims: { openid: ["sub"], profile: ["name"], email: ["email"] },
    async findAccount(_ctx, sub) {
      return {
        accountId: sub,
        claims: () => ({ sub, name: `Test user ${sub}`, email: `${sub}@example.test` }),
      };
    },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    cookies: { keys: [secret()] },
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      introspection: { enabled: true },
      revocation: { enabled: true },
      resourceIndicators: {
        enabled: true,
        // Tokens are for the API unless a client asks for another resource; refreshing keeps the resource.
        defaultResource: () => resource,
        useGrantedResource: () => true,
        getResourceServerInfo: (_ctx: unknown, indicator: string) => {
          if (indicator !== resource) throw new Error(`unknown resource ${indicator}`);
          // Opaque: the provider stores each token, so the API can look it up and revocation shows.
          return { scope: API_SCOPES, audience: resource, accessTokenFormat: "opaque" };
        },
      },
    },
    // A refresh token with every code (no offline_access dance), and a new one on every refresh.
    issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed("refresh_token"),
    rotateRefreshToken: true,
    ttl: {
      AccessToken: options.accessTokenTtl ?? 3600,
      ClientCredentials: options.accessTokenTtl ?? 3600,
      AuthorizationCode: 60,
      Grant: 14 * 24 * 3600,
      IdToken: 3600,
      Interaction: 600,
      RefreshToken: 14 * 24 * 3600,
      Session: 3600,
    },
    // The provider's free-text error_description is never needed by the tests.
    renderError: async (ctx, out) => {
      ctx.type = "html";
      ctx.body = `<!DOCTYPE html><title>Error</title><h1>${escapeHtml(String(out.error))}</h1>`;
    },
  };

  const provider = new Provider(issuer, configuration);
  // Behind plain http on a test port: nothing to trust, but say so to silence the proxy warning.
  provider.proxy = false;

  for (const event of ["access_token.saved", "refresh_token.saved", "authorization_code.saved"] as const) {
    provider.on(event, (token: { accountId?: string; grantId?: string }) => {
      if (!token.accountId || !token.grantId) return;
      const grants = grantsByAccount.get(token.accountId) ?? new Set<string>();
      grants.add(token.grantId);
      grantsByAccount.set(token.accountId, grants);
    });
  }

  // Record every token request after the provider answered it.
  provider.use(async (ctx, next) => {
    await next();
    if (ctx.method !== "POST" || ctx.path !== "/token") return;
    const oidc = (ctx as KoaContextWithOIDC).oidc;
    const params = (oidc?.params ?? {}) as Record<string, string | undefined>;
    const refreshToken = params.refresh_token ?? null;
    const reused = refreshToken !== null && presentedRefreshTokens.has(refreshToken);
    if (refreshToken !== null) presentedRefreshTokens.add(refreshToken);
    const entities = (oidc?.entities ?? {}) as Record<string, { accountId?: string } | undefined>;
    const body = ctx.body as { error?: string; refresh_token?: string } | undefined;
    const account =
      entities.Account?.accountId ??
      entities.RefreshToken?.accountId ??
      entities.AuthorizationCode?.accountId ??
      (refreshToken !== null ? refreshTokenAccounts.get(refreshToken) : undefined) ??
      null;
    if (account !== null && typeof body?.refresh_token === "string")
      refreshTokenAccounts.set(body.refresh_token, account);
    const authorization = ctx.get("authorization");
    tokenRequests.push({
      grantType: params.grant_type ?? null,
      clientId: (oidc?.client?.clientId as string | undefined) ?? params.client_id ?? null,
      account,
      status: ctx.status,
      error: typeof body?.error === "string" ? body.error : null,
      refreshToken,
      refreshTokenReused: reused,
      codeVerifier: params.code_verifier ?? null,
      redirectUri: params.redirect_uri ?? null,
      clientAuth: authorization.startsWith("Basic ") ? "basic" : params.client_secret ? "post" : "none",
    });
  });

  const callback = provider.callback();
  providerServer.on("request", (req, res) => {
    const path = new URL(req.url ?? "/", issuer).pathname;
    if (path.startsWith("/interaction/")) return void interaction(req, res).catch((err) => fail(res, err));
    if (path.startsWith("/__harness/")) return void control(req, res).catch((err) => fail(res, err));
    callback(req, res);
  });
  apiServer.on("request", (req, res) => void api(req, res).catch((err) => fail(res, err)));

  function log(account?: string): HarnessLog {
    return {
      tokenRequests: tokenRequests.filter((r) => account === undefined || r.account === account),
      apiRequests: apiRequests.filter((r) => account === undefined || r.account === account),
    };
  }

  async function revoke(account: string): Promise<number> {
    const grants = grantsByAccount.get(account) ?? new Set<string>();
    for (const grantId of grants) {
      // The memory adapter drops every token of the grant (codes, access and refresh tokens) in one call.
      await provider.AccessToken.revokeByGrantId(grantId);
      const grant = await provider.Grant.find(grantId);
      await grant?.destroy();
    }
    grantsByAccount.delete(account);
    return grants.size;
  }

  /** The login and consent pages: plain forms, as a person sees them. */
  async function interaction(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const details = await provider.interactionDetails(req, res);
    const { uid, prompt, params } = details;
    const url = new URL(req.url ?? "/", issuer);
    if (req.method === "GET") {
      if (prompt.name === "login") return page(res, loginPage(uid, String(params.client_id), null));
      return page(res, consentPage(uid, String(params.client_id), String(params.scope ?? "")));
    }
    const form = new URLSearchParams(await readBody(req));
    if (url.pathname.endsWith("/login")) {
      const username = form.get("username") ?? "";
      if (!/^[A-Za-z0-9_.-]{1,64}$/.test(username) || form.get("password") !== PASSWORD)
        return page(res, loginPage(uid, String(params.client_id), "Wrong username or password."), 401);
      return provider.interactionFinished(
        req,
        res,
        { login: { accountId: username } },
        { mergeWithLastSubmission: false },
      );
    }
    if (url.pathname.endsWith("/deny"))
      return provider.interactionFinished(
        req,
        res,
        { error: "access_denied", error_description: "The person declined." },
        { mergeWithLastSubmission: false },
      );
    if (url.pathname.endsWith("/allow")) {
      const accountId = details.session?.accountId;
      if (!accountId) throw new Error("consent without a login");
      const grant = details.grantId
        ? ((await provider.Grant.find(details.grantId)) ??
          new provider.Grant({ accountId, clientId: String(params.client_id) }))
        : new provider.Grant({ accountId, clientId: String(params.client_id) });
      const missing = prompt.details as {
        missingOIDCScope?: string[];
        missingOIDCClaims?: string[];
        missingResourceScopes?: Record<string, string[]>;
      };
      if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(" "));
      if (missing.missingOIDCClaims) grant.addOIDCClaims(missing.missingOIDCClaims);
      for (const [indicator, scopes] of Object.entries(missing.missingResourceScopes ?? {}))
        grant.addResourceScope(indicator, scopes.join(" "));
      const grantId = await grant.save();
      return provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
    }
    res.writeHead(404).end();
  }

  async function control(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", issuer);
    const account = url.searchParams.get("account") ?? undefined;
    if (req.method === "GET" && url.pathname === "/__harness/log") return json(res, 200, log(account));
    if (req.method === "POST" && url.pathname === "/__harness/revoke" && account)
      return json(res, 200, { revoked: await revoke(account) });
    json(res, 404, { error: "not_found" });
  }

  /** The protected API: any path; answers who the token belongs to, or 401 for a token the provider does not know. */
  async function api(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", apiOrigin);
    const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? "")?.[1] ?? null;
    await readBody(req);
    const found = token
      ? ((await provider.AccessToken.find(token)) ?? (await provider.ClientCredentials.find(token)))
      : undefined;
    const known = found && !found.isExpired ? found : undefined;
    const account = (known as { accountId?: string } | undefined)?.accountId ?? null;
    const status = known ? 200 : 401;
    apiRequests.push({ method: req.method ?? "GET", path: url.pathname, token, account, status });
    if (!known) {
      res.setHeader("www-authenticate", 'Bearer error="invalid_token"');
      return json(res, 401, { error: "invalid_token" });
    }
    // /echo answers the Authorization header it received, as some APIs do: what toolgate must redact.
    if (url.pathname === "/echo") return json(res, 200, { authorization: req.headers.authorization ?? null });
    json(res, 200, { path: url.pathname, account, client_id: known.clientId, scope: known.scope ?? null });
  }

  return {
    issuer,
    authorizationUrl: `${issuer}/auth`,
    tokenUrl: `${issuer}/token`,
    apiOrigin,
    apiScopes: API_SCOPES,
    clients,
    password: PASSWORD,
    log,
    revoke,
    async stop() {
      await Promise.all([close(providerServer), close(apiServer)]);
    },
  };
}

/** The part of the harness a test in another process may use: its info, without the functions. */
export function harnessInfo(harness: OAuthHarness): OAuthHarnessInfo {
  const { issuer, authorizationUrl, tokenUrl, apiOrigin, apiScopes, clients, password } = harness;
  return { issuer, authorizationUrl, tokenUrl, apiOrigin, apiScopes, clients, password };
}

function loginPage(uid: string, clientId: string, error: string | null): string {
  return `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Sign in · Test provider</title></head><body>
<h1>Sign in to the test provider</h1>
<p>${escapeHtml(clientId)} wants to use your account.</p>
${error ? `<p role="alert">${escapeHtml(error)}</p>` : ""}
<form method="post" action="/interaction/${escapeHtml(uid)}/login">
<label>Username <input name="username" autocomplete="username" required></label>
<label>Password <input name="password" type="password" autocomplete="current-password" required></label>
<button type="submit">Sign in</button>
</form></body></html>`;
}

function consentPage(uid: string, clientId: string, scope: string): string {
  const items = scope
    .split(" ")
    .filter(Boolean)
    .map((s) => `<li>${escapeHtml(s)}</li>`)
    .join("");
  return `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Allow access · Test provider</title></head><body>
<h1>Allow ${escapeHtml(clientId)} to access your account?</h1>
<ul>${items}</ul>
<form method="post" action="/interaction/${escapeHtml(uid)}/allow"><button type="submit">Allow</button></form>
<form method="post" action="/interaction/${escapeHtml(uid)}/deny"><button type="submit">Deny</button></form>
</body></html>`;
}

function page(res: ServerResponse, html: string, status = 200): void {
  res.writeHead(status, { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" });
  res.end(html);
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
}

function fail(res: ServerResponse, err: unknown): void {
  console.error("oauth harness:", err);
  if (!res.headersSent) json(res, 500, { error: "server_error" });
  else res.end();
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function secret(): string {
  return randomBytes(24).toString("base64url");
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let data = "";
    req.on("data", (chunk: Buffer) => (data += chunk.toString()));
    req.on("end", () => resolve(data));
    req.on("error", reject);
  });
}

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", resolve);
  });
  return (server.address() as AddressInfo).port;
}

function close(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}
