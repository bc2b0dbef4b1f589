/**
 * Attaching credentials to an upstream request. The secret values arrive
 * here already opened (src/engine/execute.ts) and leave only inside the
 * request. The stored secrets are already registered with the call's
 * Redactor; what is derived here (Basic credentials, access tokens) is added.
 * A tool's own auth config and a connection's go through the same switch.
 */
import { textToBase64 } from "../../encoding";
import type { OutboundSettings } from "../outbound/policy";
import { appendQuery, isValidHeaderValue, removeQuery, type UpstreamRequest } from "../request";
import type { Redactor } from "../redact";
import type { TokenFetch } from "../run-detail";
import { connectionAccessToken, type AuthorizationCodeStore } from "./authorization-code";
import type { ClientAuthMethod, OAuth2Client, TokenFailure } from "./oauth2";
import type { TokenCache } from "./token-cache";
import { basicClientCredentials } from "./token-endpoint";

export type AuthParams =
  | { type: "none" }
  | { type: "bearer_token" }
  | { type: "api_key"; key_name: string; location: "header" | "query" }
  | {
      type: "oauth2";
      token_url: string;
      client_id: string;
      scope?: string;
      audience?: string;
      grant_type: "client_credentials";
      client_auth_method: ClientAuthMethod;
    };

export type AuthType = AuthParams["type"];

/**
 * The configuration of a connection (a credential shared by many tools),
 * without its secrets. Besides a tool's inline shapes it has HTTP Basic and
 * the OAuth2 authorization-code grant.
 */
export type ConnectionAuthParams =
  | { type: "bearer_token" }
  | { type: "api_key"; key_name: string; location: "header" | "query" }
  | { type: "basic"; username: string }
  | {
      type: "oauth2";
      grant_type: "client_credentials";
      token_url: string;
      client_id: string;
      scope?: string;
      audience?: string;
      client_auth_method: ClientAuthMethod;
    }
  | {
      type: "oauth2";
      grant_type: "authorization_code";
      authorization_url: string;
      token_url: string;
      client_id: string;
      scope?: string;
      audience?: string;
      /** Added to the authorization URL, e.g. { access_type: "offline", prompt: "consent" }. */
      extra_authorize_params?: Record<string, string>;
      /** How a confidential client authenticates at the token endpoint; a public client (no client_secret) sends only client_id. */
      client_auth_method: ClientAuthMethod;
    };

/**
 * The secret fields of each connection type. For the authorization-code
 * grant `client_secret` is optional (public clients have none); its tokens are
 * token state (connection_tokens), not secrets a person types.
 */
export const CONNECTION_SECRET_FIELDS: Record<ConnectionAuthParams["type"], readonly string[]> = {
  bearer_token: ["token"],
  api_key: ["value"],
  basic: ["password"],
  oauth2: ["client_secret"],
};

/** A request `POST /connections/{id}/test` sends with the credential: 2xx means it works. */
export interface ConnectionTestRequest {
  method: "GET" | "HEAD" | "POST";
  url: string;
}

/** The secret fields of each auth type. Responses list which are set, never their values. */
export const SECRET_FIELDS: Record<AuthType, readonly string[]> = {
  none: [],
  bearer_token: ["token"],
  api_key: ["value"],
  oauth2: ["client_secret"],
};

/** What the attach switch takes: a tool's inline auth config, or its connection's. */
export type AttachParams = AuthParams | ConnectionAuthParams;

/** The connection a call's credential comes from: its token cache entries are its own, per version of its secrets. */
export interface ConnectionIdentity {
  id: string;
  name: string;
  secretsVersion: number;
}

/**
 * The secret field an auth type sends in a header as it is (a bearer token
 * after "Bearer ", an API key in a header), or null when its secret is
 * encoded first (Basic credentials, OAuth2's client authentication) or sent elsewhere.
 */
export function headerSecretField(params: AttachParams): string | null {
  if (params.type === "bearer_token") return "token";
  if (params.type === "api_key" && params.location === "header") return "value";
  return null;
}

export interface AuthContext {
  params: AttachParams;
  secrets: Record<string, string>;
  /** Set when the credential is a connection's. */
  connection: ConnectionIdentity | null;
  tokens: () => TokenCache;
  /** An authorization-code connection's token state (connection_tokens): only that grant asks for it. */
  authorizationCode?: () => AuthorizationCodeStore;
  redactor: Redactor;
  signal: AbortSignal;
  outbound: OutboundSettings;
  /** Told of each look for an access token (origin, status, time; never the token), for the run detail. */
  onTokenFetch?: (fetch: TokenFetch) => void;
}

/**
 * Where a call's credentials sit on the wire. Redirects use it: a hop within
 * the origin gets them again, a hop to another origin gets none.
 */
export interface AttachedCredentials {
  apply(url: URL, headers: Headers): void;
  /** Removes the credentials, and every header that carries credentials by definition. */
  remove(url: URL, headers: Headers): void;
}

/** Headers that carry credentials whatever the auth type: never sent to another origin. */
const CREDENTIAL_HEADERS = ["authorization", "proxy-authorization", "cookie"];

function credentials(
  apply: (url: URL, headers: Headers) => void,
  extra: { header?: string; query?: string } = {},
): AttachedCredentials {
  return {
    apply,
    remove(url, headers) {
      for (const name of CREDENTIAL_HEADERS) headers.delete(name);
      if (extra.header) headers.delete(extra.header);
      if (extra.query) removeQuery(url, [extra.query]);
    },
  };
}

export type AttachResult =
  | {
      ok: true;
      credentials: AttachedCredentials;
      /**
       * The OAuth2 access token when it came from the cache: if the upstream
       * answers 401 to it, it is refused, replaced and the call retried once.
       */
      cachedToken: string | null;
    }
  | { ok: false; failure: AttachFailure };

/**
 * The connection cannot authenticate a call yet (no usable authorization-code
 * grant): the execution stops with 409 connection_not_ready, nothing sent.
 */
export interface ConnectionNotReady {
  kind: "connection_not_ready";
  status: "needs_secret" | "needs_authorization";
}

/**
 * Why credentials were not attached: the token request failed, a stored
 * secret cannot go into its header (a row saved before secret-values.ts
 * refused such values, or an API key moved from the query to a header), or
 * the connection is not ready.
 */
export type AttachFailure = TokenFailure | { kind: "unsendable_secret" } | ConnectionNotReady;

type ClientCredentialsParams = Extract<AttachParams, { type: "oauth2"; grant_type: "client_credentials" }>;

/**
 * The OAuth2 client of a client-credentials config. A connection's client
 * carries its id and secrets version into the token cache's key, so a token
 * obtained with a secret that was since replaced is never used again.
 */
export function oauth2Client(
  params: ClientCredentialsParams,
  secrets: Record<string, string>,
  connection: Pick<ConnectionIdentity, "id" | "secretsVersion"> | null = null,
): OAuth2Client {
  return {
    tokenUrl: params.token_url,
    clientId: params.client_id,
    clientSecret: secrets.client_secret ?? "",
    scope: params.scope,
    audience: params.audience,
    clientAuthMethod: params.client_auth_method,
    ...(connection ? { cacheScope: `connection:${connection.id}:${connection.secretsVersion}` } : {}),
  };
}

/**
 * HTTP Basic (RFC 7617): base64 of the UTF-8 of `username:password`. The
 * username cannot contain ":" (checked when the connection is saved).
 */
export function basicAuthorization(username: string, password: string): string {
  return `Basic ${textToBase64(`${username}:${password}`)}`;
}

export async function attachAuth(
  request: Pick<UpstreamRequest, "url" | "headers">,
  auth: AuthContext,
  options: { refused?: string } = {},
): Promise<AttachResult> {
  const attached = await credentialsFor(auth, options);
  if (!attached.ok) return attached;
  attached.credentials.apply(request.url, request.headers);
  return attached;
}

async function credentialsFor(auth: AuthContext, options: { refused?: string }): Promise<AttachResult> {
  const { params, secrets, redactor } = auth;
  // Checked here, before Headers.set, which would throw on it.
  const headerField = headerSecretField(params);
  if (headerField !== null && !isValidHeaderValue(secrets[headerField] ?? ""))
    return { ok: false, failure: { kind: "unsendable_secret" } };
  switch (params.type) {
    case "none":
      return { ok: true, credentials: credentials(() => {}), cachedToken: null };
    case "bearer_token": {
      const value = `Bearer ${secrets.token ?? ""}`;
      return { ok: true, credentials: credentials((_, h) => h.set("authorization", value)), cachedToken: null };
    }
    case "api_key": {
      const { key_name: name } = params;
      const value = secrets.value ?? "";
      const attached =
        params.location === "query"
          ? credentials((url) => appendQuery(url, [[name, value]], { replace: true }), { query: name })
          : credentials((_, h) => h.set(name, value), { header: name });
      return { ok: true, credentials: attached, cachedToken: null };
    }
    case "basic": {
      const password = secrets.password ?? "";
      const value = basicAuthorization(params.username, password);
      // The password is registered already; what carries it is too, in every form the Redactor knows.
      redactor.add(`${params.username}:${password}`);
      redactor.add(value.slice("Basic ".length));
      return { ok: true, credentials: credentials((_, h) => h.set("authorization", value)), cachedToken: null };
    }
    case "oauth2": {
      if (params.grant_type === "authorization_code") return authorizationCodeCredentials(auth, options);
      const client = oauth2Client(params, secrets, auth.connection);
      redactor.add(basicClientCredentials(client.clientId, client.clientSecret));
      const started = Date.now();
      const token = await auth.tokens().get(client, auth.signal, { ...options, outbound: auth.outbound });
      auth.onTokenFetch?.({
        endpoint: originOf(params.token_url),
        source: token.ok && token.fromCache ? "cache" : "token_endpoint",
        grant_type: token.ok && token.fromCache ? null : "client_credentials",
        status: token.ok ? (token.status ?? null) : failureStatus(token.failure),
        duration_ms: Date.now() - started,
        error: token.ok ? null : token.failure.kind,
        after_401: options.refused !== undefined,
      });
      if (!token.ok) return token;
      redactor.add(token.accessToken);
      const value = `Bearer ${token.accessToken}`;
      return {
        ok: true,
        credentials: credentials((_, h) => h.set("authorization", value)),
        cachedToken: token.fromCache ? token.accessToken : null,
      };
    }
  }
}

/**
 * The connection's access token (./authorization-code.ts: read from D1,
 * refreshed ahead of expiry under a lease). Reported as `cachedToken` when a
 * refresh token could replace it, so a 401 gets one refresh and one retry;
 * one that was just obtained is not refreshed again on a 401.
 */
async function authorizationCodeCredentials(auth: AuthContext, options: { refused?: string }): Promise<AttachResult> {
  const store = auth.authorizationCode?.();
  if (!store) return { ok: false, failure: { kind: "connection_not_ready", status: "needs_authorization" } };
  const started = Date.now();
  const token = await connectionAccessToken(
    { ...store, clientSecret: auth.secrets.client_secret, outbound: auth.outbound, redactor: auth.redactor },
    auth.signal,
    options,
  );
  // A refresh, or the stored token: whether the endpoint was asked shows in refreshStatus (or a token failure).
  const asked = token.ok ? token.refreshStatus !== null : token.failure.kind !== "connection_not_ready";
  auth.onTokenFetch?.({
    endpoint: auth.params.type === "oauth2" ? originOf(auth.params.token_url) : "",
    source: asked ? "token_endpoint" : "stored",
    grant_type: asked ? "refresh_token" : null,
    status: token.ok ? token.refreshStatus : failureStatus(token.failure),
    duration_ms: Date.now() - started,
    error: token.ok ? null : token.failure.kind,
    after_401: options.refused !== undefined,
  });
  if (!token.ok) return token;
  auth.redactor.add(token.accessToken);
  const value = `Bearer ${token.accessToken}`;
  return {
    ok: true,
    credentials: credentials((_, h) => h.set("authorization", value)),
    cachedToken: token.refreshable && token.refreshStatus === null ? token.accessToken : null,
  };
}

/** The token endpoint's origin: what the run detail names, never the path or query (which may hold anything). */
function originOf(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return "";
  }
}

function failureStatus(failure: TokenFailure | ConnectionNotReady): number | null {
  return failure.kind === "token_error" ? failure.tokenStatus : null;
}
