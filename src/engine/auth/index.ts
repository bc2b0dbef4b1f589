/**
 * Attaching credentials to an upstream request. The secret values arrive
 * here already opened (src/engine/execute.ts) and leave only inside the
 * request. The stored secrets are already registered with the call's
 * Redactor; what is derived here (Basic credentials, access tokens) is added.
 */
import type { OutboundSettings } from "../outbound/policy";
import { appendQuery, isValidHeaderValue, removeQuery, type UpstreamRequest } from "../request";
import type { Redactor } from "../redact";
import { basicCredentials, type ClientAuthMethod, type OAuth2Client, type TokenFailure } from "./oauth2";
import type { TokenCache } from "./token-cache";

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

/** The secret fields of each auth type. Responses list which are set, never their values. */
export const SECRET_FIELDS: Record<AuthType, readonly string[]> = {
  none: [],
  bearer_token: ["token"],
  api_key: ["value"],
  oauth2: ["client_secret"],
};

/**
 * The secret field an auth type sends in a header as it is (a bearer token
 * after "Bearer ", an API key in a header), or null when its secret is
 * encoded first (OAuth2's Basic credentials) or sent elsewhere.
 */
export function headerSecretField(params: AuthParams): string | null {
  if (params.type === "bearer_token") return "token";
  if (params.type === "api_key" && params.location === "header") return "value";
  return null;
}

export interface AuthContext {
  params: AuthParams;
  secrets: Record<string, string>;
  tokens: () => TokenCache;
  redactor: Redactor;
  signal: AbortSignal;
  outbound: OutboundSettings;
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
 * Why credentials were not attached: the token request failed, or a stored
 * secret cannot go into its header (a row saved before secret-values.ts
 * refused such values, or an API key moved from the query to a header).
 */
export type AttachFailure = TokenFailure | { kind: "unsendable_secret" };

export function oauth2Client(
  params: Extract<AuthParams, { type: "oauth2" }>,
  secrets: Record<string, string>,
): OAuth2Client {
  return {
    tokenUrl: params.token_url,
    clientId: params.client_id,
    clientSecret: secrets.client_secret ?? "",
    scope: params.scope,
    audience: params.audience,
    clientAuthMethod: params.client_auth_method,
  };
}

export async function attachAuth(
  request: UpstreamRequest,
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
    case "oauth2": {
      const client = oauth2Client(params, secrets);
      redactor.add(basicCredentials(client.clientId, client.clientSecret));
      const token = await auth.tokens().get(client, auth.signal, { ...options, outbound: auth.outbound });
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
