/**
 * Attaching credentials to an upstream request. The secret values arrive
 * here already opened (src/engine/execute.ts) and leave only inside the
 * request. The stored secrets are already registered with the call's
 * Redactor; what is derived here (Basic credentials, access tokens) is added.
 */
import { appendQuery, type UpstreamRequest } from "../request";
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

export interface AuthContext {
  params: AuthParams;
  secrets: Record<string, string>;
  tokens: () => TokenCache;
  redactor: Redactor;
  signal: AbortSignal;
}

export type AttachResult =
  | {
      ok: true;
      /**
       * The OAuth2 access token when it came from the cache: if the upstream
       * answers 401 to it, it is refused, replaced and the call retried once.
       */
      cachedToken: string | null;
    }
  | { ok: false; failure: TokenFailure };

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
  const { params, secrets, redactor } = auth;
  switch (params.type) {
    case "none":
      return { ok: true, cachedToken: null };
    case "bearer_token":
      request.headers.set("authorization", `Bearer ${secrets.token ?? ""}`);
      return { ok: true, cachedToken: null };
    case "api_key":
      if (params.location === "query")
        appendQuery(request.url, [[params.key_name, secrets.value ?? ""]], { replace: true });
      else request.headers.set(params.key_name, secrets.value ?? "");
      return { ok: true, cachedToken: null };
    case "oauth2": {
      const client = oauth2Client(params, secrets);
      redactor.add(basicCredentials(client.clientId, client.clientSecret));
      const token = await auth.tokens().get(client, auth.signal, options);
      if (!token.ok) return token;
      redactor.add(token.accessToken);
      request.headers.set("authorization", `Bearer ${token.accessToken}`);
      return { ok: true, cachedToken: token.fromCache ? token.accessToken : null };
    }
  }
}
