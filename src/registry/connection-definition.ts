/**
 * Turns a validated /connections request body into the connection we store:
 * the auth config split from its secrets, allowed origins normalised, and the
 * rules zod cannot express (URLs through the outbound policy, header syntax,
 * the Basic username, the test request's origin).
 */
import type { ConnectionAuthConfigInput, ConnectionInput } from "../api/connection-schemas";
import type { ConnectionAuthParams, ConnectionTestRequest } from "../engine/auth";
import { checkOutboundUrl, type OutboundSettings } from "../engine/outbound/policy";
import { pointerToken, validationError, type ProblemFieldError } from "../problem";
import { headerNameProblem } from "./definition";
import { secretValueProblems } from "./secret-values";
import { checkUrl } from "./urls";

export interface ConnectionDefinition {
  name: string;
  description: string | null;
  authParams: ConnectionAuthParams;
  /** Secret values sent with this request, by field; sealed before storage. */
  providedSecrets: Record<string, string>;
  /** Normalised origins (`URL.origin`), in the order given, each once. */
  allowedOrigins: string[];
  testRequest: ConnectionTestRequest | null;
}

/**
 * Authorization-URL parameters the flow sets itself: extra_authorize_params
 * cannot replace them (a redirect_uri or state of someone else's choosing
 * would hand the code to them).
 */
export const RESERVED_AUTHORIZE_PARAMS: ReadonlySet<string> = new Set([
  "response_type",
  "client_id",
  "redirect_uri",
  "scope",
  "state",
  "code_challenge",
  "code_challenge_method",
]);

export function normalizeConnection(body: ConnectionInput, outbound: OutboundSettings): ConnectionDefinition {
  const errors: ProblemFieldError[] = [];
  const { params, provided } = splitConnectionAuth(body.auth_config);
  errors.push(...checkConnectionAuth(params, provided, outbound));

  const allowedOrigins: string[] = [];
  body.allowed_origins.forEach((text, i) => {
    const origin = normalizeOrigin(text, `/allowed_origins/${i}`, outbound);
    if (!origin.ok) errors.push(origin.error);
    else if (!allowedOrigins.includes(origin.origin)) allowedOrigins.push(origin.origin);
  });

  let testRequest: ConnectionTestRequest | null = null;
  if (body.test_request) {
    const urlErrors = checkUrl(body.test_request.url, "/test_request/url", false, outbound);
    errors.push(...urlErrors);
    if (urlErrors.length === 0) {
      const origin = new URL(body.test_request.url).origin;
      if (!allowedOrigins.includes(origin))
        errors.push({
          path: "/test_request/url",
          message: `The test request must go to one of the allowed origins (${allowedOrigins.join(", ") || "none are valid"}), not ${origin}.`,
        });
      else testRequest = { method: body.test_request.method, url: body.test_request.url };
    }
  }

  if (errors.length > 0) throw validationError("invalid_connection", "The connection is not valid.", errors);
  return {
    name: body.name,
    description: body.description ?? null,
    authParams: params,
    providedSecrets: provided,
    allowedOrigins,
    testRequest,
  };
}

/**
 * An origin as toolgate compares it: `scheme://host[:port]` as the URL parser
 * writes it (lower-case host, default port dropped, IDN in punycode), which
 * must pass the outbound policy. A path, query or fragment is refused rather
 * than dropped, so nobody believes a credential is limited to a path.
 */
export function normalizeOrigin(
  text: string,
  path: string,
  outbound: OutboundSettings,
): { ok: true; origin: string } | { ok: false; error: ProblemFieldError } {
  const fail = (message: string) => ({ ok: false as const, error: { path, message } });
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    return fail("Must be an origin such as https://api.example.com.");
  }
  const verdict = checkOutboundUrl(url, outbound);
  if (!verdict.ok) return fail(verdict.message);
  if (url.pathname !== "/" || url.search !== "" || url.hash !== "" || text.endsWith("?") || text.endsWith("#"))
    return fail(
      `An origin is only scheme://host[:port], without a path, query or fragment: write ${url.origin}. A credential goes to every path of its origins.`,
    );
  return { ok: true, origin: url.origin };
}

function splitConnectionAuth(auth: ConnectionAuthConfigInput): {
  params: ConnectionAuthParams;
  provided: Record<string, string>;
} {
  const secret = (field: string, value: string | undefined) => (value ? { [field]: value } : {});
  switch (auth.type) {
    case "bearer_token":
      return { params: { type: "bearer_token" }, provided: secret("token", auth.token) };
    case "api_key":
      return {
        params: { type: "api_key", key_name: auth.key_name, location: auth.location },
        provided: secret("value", auth.value),
      };
    case "basic":
      return { params: { type: "basic", username: auth.username }, provided: secret("password", auth.password) };
    case "oauth2": {
      const common = {
        token_url: auth.token_url,
        client_id: auth.client_id,
        ...(auth.scope ? { scope: auth.scope } : {}),
        ...(auth.audience ? { audience: auth.audience } : {}),
        client_auth_method: auth.client_auth_method,
      };
      const provided = secret("client_secret", auth.client_secret);
      if (auth.grant_type === "client_credentials")
        return { params: { type: "oauth2", grant_type: "client_credentials", ...common }, provided };
      const extra = auth.extra_authorize_params;
      return {
        params: {
          type: "oauth2",
          grant_type: "authorization_code",
          authorization_url: auth.authorization_url,
          ...common,
          ...(extra && Object.keys(extra).length > 0 ? { extra_authorize_params: extra } : {}),
        },
        provided,
      };
    }
  }
}

/** The rules of each type, and of the secret values sent (the same check as a tool's: ./secret-values.ts). */
function checkConnectionAuth(
  params: ConnectionAuthParams,
  provided: Record<string, string>,
  outbound: OutboundSettings,
): ProblemFieldError[] {
  return [...checkConnectionConfig(params, outbound), ...secretValueProblems(params, provided)];
}

function checkConnectionConfig(params: ConnectionAuthParams, outbound: OutboundSettings): ProblemFieldError[] {
  switch (params.type) {
    case "bearer_token":
      return [];
    case "api_key": {
      if (params.location === "query") return [];
      const nameProblem = headerNameProblem(params.key_name, { allowCredentials: true });
      return nameProblem ? [{ path: "/auth_config/key_name", message: nameProblem }] : [];
    }
    case "basic":
      // RFC 7617: the user-id cannot contain a colon (the first one separates it from the password).
      if (params.username.includes(":"))
        return [{ path: "/auth_config/username", message: "A Basic username cannot contain a colon (:)." }];
      if (/\p{Cc}/u.test(params.username))
        return [{ path: "/auth_config/username", message: "A Basic username cannot contain control characters." }];
      return [];
    case "oauth2": {
      const errors = checkUrl(params.token_url, "/auth_config/token_url", false, outbound);
      if (params.grant_type === "authorization_code") {
        errors.push(...checkUrl(params.authorization_url, "/auth_config/authorization_url", false, outbound));
        for (const name of Object.keys(params.extra_authorize_params ?? {}))
          if (RESERVED_AUTHORIZE_PARAMS.has(name))
            errors.push({
              path: `/auth_config/extra_authorize_params/${pointerToken(name)}`,
              message: `${name} is set by the authorization flow itself and cannot be given here.`,
            });
      }
      return errors;
    }
  }
}
