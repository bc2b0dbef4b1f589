/**
 * What the OAuth test harness (./provider.ts, in Node) tells tests that run
 * elsewhere (workerd, through `inject("oauth")`; the browser end-to-end
 * tests, directly): where the provider, its clients and its protected API
 * are, and the shape of what it records. No Node imports here, so workerd
 * tests can import it.
 */

/** A client registered at the provider. `secret` is absent for the public client. */
export interface HarnessClient {
  id: string;
  secret?: string;
}

export interface OAuthHarnessInfo {
  /** The provider's issuer: http://localhost:<port> (not 127.0.0.1, so that a redirect to toolgate is cross-site). */
  issuer: string;
  authorizationUrl: string;
  tokenUrl: string;
  /** The protected API's origin, http://localhost:<another port>: it accepts only access tokens the provider still knows. */
  apiOrigin: string;
  /** The scopes the API's resource offers; ask for them with `openid profile email` to see the account. */
  apiScopes: string;
  clients: {
    /** authorization_code + refresh_token, client_secret_basic. */
    basic: Required<HarnessClient>;
    /** authorization_code + refresh_token, client_secret_post. */
    post: Required<HarnessClient>;
    /** authorization_code + refresh_token, no secret (token_endpoint_auth_method none, PKCE only). */
    public: HarnessClient;
    /** client_credentials, client_secret_basic. */
    machine: Required<HarnessClient>;
  };
  /** The password of every account on the login page. The username is the account id, so each test can use its own. */
  password: string;
}

/** One request at the provider's token endpoint, as the harness recorded it. */
export interface RecordedTokenRequest {
  grantType: string | null;
  clientId: string | null;
  /** The account the grant belongs to, when the provider could tell (not for client_credentials or unknown tokens). */
  account: string | null;
  status: number;
  /** The provider's `error`, when it refused. */
  error: string | null;
  /** For refresh_token: the refresh token presented, to check that none is sent twice. */
  refreshToken: string | null;
  /** Whether this refresh token had been presented before (a rotation violation: the provider then revokes the grant). */
  refreshTokenReused: boolean;
  /** The PKCE verifier presented with a code, and the redirect_uri. */
  codeVerifier: string | null;
  redirectUri: string | null;
  /** How the client authenticated: "basic", "post" or "none". */
  clientAuth: "basic" | "post" | "none";
}

/** One request at the protected API. */
export interface RecordedApiRequest {
  method: string;
  path: string;
  /** The bearer token presented, or null. */
  token: string | null;
  /** The account of the token when the provider still knows it; null otherwise (answered 401). */
  account: string | null;
  status: number;
}

export interface HarnessLog {
  tokenRequests: RecordedTokenRequest[];
  apiRequests: RecordedApiRequest[];
}

declare module "vitest" {
  interface ProvidedContext {
    oauth: OAuthHarnessInfo;
  }
}
