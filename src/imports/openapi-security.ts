/**
 * Security schemes → the connection an operation uses (or, when the caller
 * sent the secrets inline, the tool's own auth_config). The document says
 * which scheme an operation uses and where its credential goes; the caller
 * supplies the secret later, on the connection. Pure: secrets pass through
 * untouched.
 */
import { isPlainObject } from "../engine/schemas";
import { OperationRefused, type RefResolver } from "./openapi-refs";

/** What the caller sends as `auth_config`: any fields of any auth type, type included or not. */
export interface AuthOverrides {
  type?: "none" | "bearer_token" | "api_key" | "oauth2" | undefined;
  token?: string | undefined;
  key_name?: string | undefined;
  location?: "header" | "query" | undefined;
  value?: string | undefined;
  token_url?: string | undefined;
  client_id?: string | undefined;
  client_secret?: string | undefined;
  scope?: string | undefined;
  audience?: string | undefined;
  client_auth_method?: "client_secret_basic" | "client_secret_post" | undefined;
}

export type AuthType = NonNullable<AuthOverrides["type"]>;

/** The fields each auth type needs from the caller because a document never holds them. */
export const CALLER_FIELDS: Record<AuthType, readonly (keyof AuthOverrides)[]> = {
  none: [],
  bearer_token: ["token"],
  api_key: ["value"],
  oauth2: ["client_id", "client_secret"],
};

/** The fields that belong to each auth type (what an override may set). */
const TYPE_FIELDS: Record<AuthType, readonly (keyof AuthOverrides)[]> = {
  none: [],
  bearer_token: ["token"],
  api_key: ["key_name", "location", "value"],
  oauth2: ["token_url", "client_id", "client_secret", "scope", "audience", "client_auth_method"],
};

/**
 * A security scheme as the connection it becomes, without what the caller
 * supplies (secrets, an OAuth2 client id, a Basic username). Every operation
 * that uses the scheme shares that one connection.
 */
export type SchemeAuth =
  | { type: "api_key"; key_name: string; location: "header" | "query" }
  | { type: "bearer_token" }
  | { type: "basic" }
  | { type: "oauth2"; grant_type: "client_credentials"; token_url: string }
  | { type: "oauth2"; grant_type: "authorization_code"; authorization_url: string; token_url: string };

/** The connection an operation uses: its scheme (what names and shares it), the auth, and the scopes it asks for. */
export interface SchemeConnection {
  scheme: string;
  auth: SchemeAuth;
  scopes: string[];
}

export interface OperationAuth {
  /** The tool's own auth_config draft, secrets included when the caller sent them; null for none (or a connection). */
  config: (AuthOverrides & { type: AuthType }) | null;
  /** The scheme it came from, when the document chose it. */
  scheme: string | null;
  /** Caller-supplied fields the inline config still lacks (a secret, or an OAuth2 client id). */
  missing: string[];
  /** The connection the tool uses instead of inline auth, or null. */
  connection: SchemeConnection | null;
}

const NO_AUTH: OperationAuth = { config: null, scheme: null, missing: [], connection: null };

/**
 * The auth of one operation. `overrides` with a `type` replace the
 * document's choice for every operation (inline, as the tool's own
 * auth_config). Otherwise its `security` (or the document's) lists
 * alternatives: an alternative that `overrides` completes (all its secrets
 * sent, for a type a tool can hold) is used inline, as before connections;
 * else the first alternative toolgate can send becomes a connection shared
 * by every operation of that scheme (`viaConnection` names schemes the caller
 * wants as connections whatever `overrides` holds).
 */
export function operationAuth(
  operation: Record<string, unknown>,
  document: Record<string, unknown>,
  refs: RefResolver,
  overrides: AuthOverrides | undefined,
  baseUrl: string,
  viaConnection: ReadonlySet<string> = new Set(),
): OperationAuth {
  if (overrides?.type) return finish({ ...overrides, type: overrides.type }, null);
  const requirements = Array.isArray(operation.security)
    ? operation.security
    : Array.isArray(document.security)
      ? document.security
      : [];
  if (requirements.length === 0) return NO_AUTH;

  const schemes = isPlainObject(document.components) ? document.components.securitySchemes : undefined;
  const refused: string[] = [];
  const candidates: SchemeConnection[] = [];
  let anonymous = false;
  for (const requirement of requirements) {
    if (!isPlainObject(requirement)) continue;
    const names = Object.keys(requirement);
    if (names.length === 0) {
      anonymous = true;
      continue;
    }
    if (names.length > 1) {
      refused.push(
        `${names.join(" + ")} are required together, and a tool sends one credential (send auth_config with a type if one of them is enough)`,
      );
      continue;
    }
    const name = names[0] as string;
    const raw = isPlainObject(schemes) ? schemes[name] : undefined;
    const scheme = raw === undefined ? undefined : refs.follow(raw);
    const scopes = requirement[name];
    const derived = isPlainObject(scheme)
      ? schemeAuth(scheme, baseUrl)
      : "it is not defined in components.securitySchemes";
    if (typeof derived === "string") refused.push(`${name} (${derived})`);
    else
      candidates.push({
        scheme: name,
        auth: derived,
        scopes: Array.isArray(scopes) ? scopes.filter((s): s is string => typeof s === "string") : [],
      });
  }
  // Inline, as before connections: an alternative the caller sent every secret for.
  if (overrides)
    for (const candidate of candidates) {
      if (viaConnection.has(candidate.scheme)) continue;
      const inline = inlineAuth(candidate);
      if (!inline) continue;
      const done = finish(fill(inline, overrides), candidate.scheme);
      if (done.missing.length === 0) return done;
    }
  const chosen = candidates[0];
  if (chosen) return { config: null, scheme: chosen.scheme, missing: [], connection: chosen };
  if (anonymous) return NO_AUTH;
  throw new OperationRefused(
    "unsupported_security",
    `No security scheme it accepts can be sent by toolgate: ${refused.join("; ")}. Send auth_config with a type to use another way in, or call this operation outside toolgate.`,
  );
}

/** A scheme as the connection auth it determines, or why toolgate cannot send it. */
function schemeAuth(scheme: Record<string, unknown>, baseUrl: string): SchemeAuth | string {
  switch (scheme.type) {
    case "apiKey":
      if (typeof scheme.name !== "string" || scheme.name === "") return "an apiKey scheme without a name";
      if (scheme.in === "header" || scheme.in === "query")
        return { type: "api_key", key_name: scheme.name, location: scheme.in };
      if (scheme.in === "cookie")
        return "an API key in a cookie, which toolgate cannot send; if the API also takes the key in a header or the query, send auth_config with type api_key, key_name and location";
      return `an apiKey in ${String(scheme.in)}: only header and query keys are supported`;
    case "http": {
      const kind = typeof scheme.scheme === "string" ? scheme.scheme.toLowerCase() : "";
      if (kind === "bearer") return { type: "bearer_token" };
      if (kind === "basic") return { type: "basic" };
      return `HTTP ${kind || "(no scheme)"} authentication is not supported; only bearer and basic`;
    }
    case "oauth2": {
      const flows = isPlainObject(scheme.flows) ? scheme.flows : {};
      const resolve = (url: unknown): string | null => {
        if (typeof url !== "string") return null;
        try {
          return new URL(url, baseUrl).href;
        } catch {
          return null;
        }
      };
      // Client credentials first: it needs no person to sign in, and tools could use it before connections.
      const credentials = flows.clientCredentials;
      if (isPlainObject(credentials)) {
        const tokenUrl = resolve(credentials.tokenUrl);
        if (!tokenUrl) return `its clientCredentials tokenUrl "${String(credentials.tokenUrl)}" is not a URL`;
        return { type: "oauth2", grant_type: "client_credentials", token_url: tokenUrl };
      }
      const code = flows.authorizationCode;
      if (isPlainObject(code)) {
        const authorizationUrl = resolve(code.authorizationUrl);
        const tokenUrl = resolve(code.tokenUrl);
        if (!authorizationUrl || !tokenUrl)
          return "its authorizationCode flow lacks a valid authorizationUrl or tokenUrl";
        return {
          type: "oauth2",
          grant_type: "authorization_code",
          authorization_url: authorizationUrl,
          token_url: tokenUrl,
        };
      }
      // Implicit and password flows are for browsers and first-party apps, which toolgate is not: the API
      // still takes their access token as a bearer token, so a person pastes one (a personal access token).
      if (isPlainObject(flows.implicit) || isPlainObject(flows.password)) return { type: "bearer_token" };
      return "OAuth2 without a flow toolgate knows (clientCredentials, authorizationCode, implicit or password)";
    }
    case "openIdConnect":
      // Discovery is not run; the API takes the access token as a bearer token, as for implicit flows above.
      return { type: "bearer_token" };
    default:
      return `${String(scheme.type)} authentication is not supported`;
  }
}

/** The scheme as a tool's own auth_config, for the types a tool can hold (not Basic, not authorization code). */
function inlineAuth({ auth, scopes }: SchemeConnection): (AuthOverrides & { type: AuthType }) | null {
  switch (auth.type) {
    case "api_key":
      return { type: "api_key", key_name: auth.key_name, location: auth.location };
    case "bearer_token":
      return { type: "bearer_token" };
    case "basic":
      return null;
    case "oauth2":
      if (auth.grant_type !== "client_credentials") return null;
      return { type: "oauth2", token_url: auth.token_url, ...(scopes.length > 0 ? { scope: scopes.join(" ") } : {}) };
  }
}

/** The caller's fields for this type laid over the document's. */
function fill(derived: AuthOverrides & { type: AuthType }, overrides: AuthOverrides | undefined) {
  const out: AuthOverrides & { type: AuthType } = { ...derived };
  for (const field of TYPE_FIELDS[derived.type]) {
    const value = overrides?.[field];
    if (value !== undefined) Object.assign(out, { [field]: value });
  }
  return out;
}

function finish(config: AuthOverrides & { type: AuthType }, scheme: string | null): OperationAuth {
  const kept: AuthOverrides & { type: AuthType } = { type: config.type };
  for (const field of TYPE_FIELDS[config.type])
    if (config[field] !== undefined) Object.assign(kept, { [field]: config[field] });
  return {
    config: config.type === "none" ? null : kept,
    scheme,
    missing: CALLER_FIELDS[config.type].filter((field) => !kept[field]),
    connection: null,
  };
}
