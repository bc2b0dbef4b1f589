// The mock's OAuth2 authorization server and the notes API behind it, for the
// README's connection walkthrough (scripts/mock-upstream.mjs serves them).
// A demonstration, not a reference: the tests use a real provider
// (oidc-provider, test/oauth/provider.ts).
//
//   GET  /oauth/authorize         the consent page (authorization code + PKCE S256 required)
//   POST /oauth/authorize         Allow or Deny: back to redirect_uri with ?code= or ?error=access_denied
//   POST /oauth/token             grant_type authorization_code or refresh_token for client demo-app /
//                                 demo-app-secret (Basic or post); access tokens live 5 minutes, refresh
//                                 tokens rotate on every use, and a used one sent again revokes the grant
//   GET  /notes                   the notes of the token's account (needs notes:read)
//   POST /notes                   adds a note {"text": "..."} (needs notes:write)
//
// Redirect URIs: any http://127.0.0.1:<port>/oauth/callback or http://localhost:<port>/oauth/callback,
// as if both were registered for demo-app.
import { createHash, randomBytes } from "node:crypto";

const CLIENT = { id: "demo-app", secret: "demo-app-secret" };
const SCOPES = ["notes:read", "notes:write"];
const ACCESS_TOKEN_TTL_S = 300;
const ACCOUNT = { sub: "ada", name: "Ada Lovelace", email: "ada@example.com" };

/** code → the request it answers; access token → grant; refresh token → grant. */
const codes = new Map();
const accessTokens = new Map();
const refreshTokens = new Map();
/** Refresh tokens already exchanged: sending one again revokes its grant, as rotating providers do. */
const usedRefreshTokens = new Map();
const notes = [{ id: 1, text: "Buy milk" }];

/** @param {number} bytes */
function random(bytes = 24) {
  return randomBytes(bytes).toString("base64url");
}

/** @param {string} text */
function escapeHtml(text) {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** @param {string | null} uri */
function redirectUriAllowed(uri) {
  try {
    const url = uri ? new URL(uri) : null;
    return (
      url !== null &&
      url.protocol === "http:" &&
      (url.hostname === "127.0.0.1" || url.hostname === "localhost") &&
      url.pathname === "/oauth/callback"
    );
  } catch {
    return false;
  }
}

/** @param {{ grant: { scope: string, account: typeof ACCOUNT, revoked?: boolean } }} options */
function issueTokens({ grant }) {
  const accessToken = `demo-at-${random()}`;
  const refreshToken = `demo-rt-${random()}`;
  accessTokens.set(accessToken, { grant, expiresAt: Date.now() + ACCESS_TOKEN_TTL_S * 1000 });
  refreshTokens.set(refreshToken, grant);
  // An unsigned ID token: toolgate reads its name only to show who connected, never to decide anything.
  const idToken = [
    Buffer.from(JSON.stringify({ alg: "none", typ: "JWT" })).toString("base64url"),
    Buffer.from(JSON.stringify({ ...grant.account, aud: CLIENT.id })).toString("base64url"),
    "",
  ].join(".");
  return {
    access_token: accessToken,
    token_type: "Bearer",
    expires_in: ACCESS_TOKEN_TTL_S,
    refresh_token: refreshToken,
    scope: grant.scope,
    id_token: idToken,
  };
}

/** @param {{ id: string | null | undefined, secret: string | null | undefined }} client */
function clientValid(client) {
  return client.id === CLIENT.id && client.secret === CLIENT.secret;
}

/**
 * @param {import("node:http").IncomingMessage} req
 * @returns {{ grant: { scope: string, account: typeof ACCOUNT, revoked?: boolean } } | null}
 */
function bearerGrant(req) {
  const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? "")?.[1];
  const entry = token ? accessTokens.get(token) : undefined;
  if (!entry || entry.expiresAt <= Date.now() || entry.grant.revoked) return null;
  return entry;
}

function consentPage(/** @type {URLSearchParams} */ query) {
  const scopes = (query.get("scope") ?? "").split(" ").filter(Boolean);
  const hidden = [...query]
    .map(([name, value]) => `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`)
    .join("");
  return `<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Allow access · Mock provider</title>
<style>body{font:16px system-ui,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem}button{font:inherit;padding:.5rem 1rem;margin-right:.5rem}</style></head><body>
<h1>Allow ${escapeHtml(query.get("client_id") ?? "")} to use your notes?</h1>
<p>You are signed in to the mock provider as <strong>${escapeHtml(ACCOUNT.name)}</strong> (${escapeHtml(ACCOUNT.email)}).</p>
<p>It asks for:</p><ul>${scopes.map((s) => `<li>${escapeHtml(s)}</li>`).join("")}</ul>
<form method="post" action="/oauth/authorize">${hidden}
<button type="submit" name="decision" value="allow">Allow</button>
<button type="submit" name="decision" value="deny">Deny</button>
</form></body></html>`;
}

/**
 * Handles the OAuth and notes paths; false for any other path.
 * @param {import("node:http").IncomingMessage} req
 * @param {import("node:http").ServerResponse} res
 * @param {URL} url
 * @param {string} body
 * @param {(res: import("node:http").ServerResponse, status: number, body: unknown) => void} send
 * @param {(req: import("node:http").IncomingMessage, form: URLSearchParams) => { id: string | null | undefined, secret: string | null | undefined }} clientFrom
 */
export function handleOAuth(req, res, url, body, send, clientFrom) {
  if (url.pathname === "/oauth/authorize") {
    const query = req.method === "POST" ? new URLSearchParams(body) : url.searchParams;
    const redirectUri = query.get("redirect_uri");
    // Without a registered redirect URI there is nowhere safe to send an error: say it here.
    if (query.get("client_id") !== CLIENT.id || !redirectUriAllowed(redirectUri)) {
      res.writeHead(400, { "content-type": "text/plain; charset=utf-8" });
      res.end("Unknown client_id, or a redirect_uri that is not registered for it.");
      return true;
    }
    const back = new URL(/** @type {string} */ (redirectUri));
    const state = query.get("state");
    if (state) back.searchParams.set("state", state);
    const fail = (/** @type {string} */ error) => {
      back.searchParams.set("error", error);
      res.writeHead(303, { location: back.toString() });
      res.end();
      return true;
    };
    if (query.get("response_type") !== "code") return fail("unsupported_response_type");
    if (!query.get("code_challenge") || query.get("code_challenge_method") !== "S256") return fail("invalid_request");
    const scope = (query.get("scope") ?? "").split(" ").filter(Boolean);
    if (scope.some((s) => !SCOPES.includes(s))) return fail("invalid_scope");
    if (req.method === "GET") {
      res.writeHead(200, { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" });
      res.end(consentPage(query));
      return true;
    }
    if (query.get("decision") !== "allow") return fail("access_denied");
    const code = random();
    codes.set(code, {
      challenge: query.get("code_challenge"),
      redirectUri,
      scope: scope.join(" "),
      expiresAt: Date.now() + 60_000,
    });
    back.searchParams.set("code", code);
    res.writeHead(303, { location: back.toString() });
    res.end();
    return true;
  }

  if (req.method === "POST" && url.pathname === "/oauth/token") {
    const form = new URLSearchParams(body);
    const grantType = form.get("grant_type");
    if (grantType !== "authorization_code" && grantType !== "refresh_token") return false;
    if (!clientValid(clientFrom(req, form))) return (send(res, 401, { error: "invalid_client" }), true);
    if (grantType === "authorization_code") {
      const entry = codes.get(form.get("code") ?? "");
      codes.delete(form.get("code") ?? "");
      const verifier = form.get("code_verifier") ?? "";
      const challenge = createHash("sha256").update(verifier).digest("base64url");
      if (
        !entry ||
        entry.expiresAt <= Date.now() ||
        entry.redirectUri !== form.get("redirect_uri") ||
        entry.challenge !== challenge
      )
        return (send(res, 400, { error: "invalid_grant" }), true);
      return (send(res, 200, issueTokens({ grant: { scope: entry.scope, account: ACCOUNT } })), true);
    }
    const presented = form.get("refresh_token") ?? "";
    const reused = usedRefreshTokens.get(presented);
    if (reused) {
      // A used refresh token came back: someone else may hold it. End the whole grant.
      reused.revoked = true;
      return (send(res, 400, { error: "invalid_grant" }), true);
    }
    const grant = refreshTokens.get(presented);
    if (!grant || grant.revoked) return (send(res, 400, { error: "invalid_grant" }), true);
    refreshTokens.delete(presented);
    usedRefreshTokens.set(presented, grant);
    return (send(res, 200, issueTokens({ grant })), true);
  }

  if (url.pathname === "/notes") {
    const entry = bearerGrant(req);
    if (!entry) return (send(res, 401, { error: "invalid_token" }), true);
    const scopes = entry.grant.scope.split(" ");
    if (req.method === "GET") {
      if (!scopes.includes("notes:read")) return (send(res, 403, { error: "insufficient_scope" }), true);
      return (send(res, 200, { account: entry.grant.account.email, notes }), true);
    }
    if (req.method === "POST") {
      if (!scopes.includes("notes:write")) return (send(res, 403, { error: "insufficient_scope" }), true);
      let text = "";
      try {
        text = String(JSON.parse(body || "{}").text ?? "");
      } catch {
        return (send(res, 400, { error: "invalid_json" }), true);
      }
      const note = { id: notes.length + 1, text };
      notes.push(note);
      return (send(res, 201, note), true);
    }
  }
  return false;
}
