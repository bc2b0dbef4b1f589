/**
 * Security schemes → a tool's auth_config. The document says which scheme an
 * operation uses and where its credential goes; the caller supplies the
 * secret (and may override any field). Pure: secrets pass through untouched.
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

export interface OperationAuth {
  /** The auth_config draft, secrets included when the caller sent them; null for none. */
  config: (AuthOverrides & { type: AuthType }) | null;
  /** The scheme it came from, when the document chose it. */
  scheme: string | null;
  /** Caller-supplied fields the config still lacks (a secret, or an OAuth2 client id). */
  missing: string[];
}

/**
 * The auth of one operation: its `security` (or the document's) picks the
 * first alternative toolgate can send and the caller sent the secrets for
 * (else the first it can send); `overrides` with a `type` replace the
 * document's choice for every operation, without one they fill in fields.
 */
export function operationAuth(
  operation: Record<string, unknown>,
  document: Record<string, unknown>,
  refs: RefResolver,
  overrides: AuthOverrides | undefined,
  baseUrl: string,
): OperationAuth {
  if (overrides?.type) return finish({ ...overrides, type: overrides.type }, null);
  const requirements = Array.isArray(operation.security)
    ? operation.security
    : Array.isArray(document.security)
      ? document.security
      : [];
  if (requirements.length === 0) return { config: null, scheme: null, missing: [] };

  const schemes = isPlainObject(document.components) ? document.components.securitySchemes : undefined;
  const refused: string[] = [];
  const candidates: OperationAuth[] = [];
  let anonymous = false;
  for (const requirement of requirements) {
    if (!isPlainObject(requirement)) continue;
    const names = Object.keys(requirement);
    if (names.length === 0) {
      anonymous = true;
      continue;
    }
    if (names.length > 1) {
      refused.push(`${names.join(" + ")} (several schemes at once)`);
      continue;
    }
    const name = names[0] as string;
    const raw = isPlainObject(schemes) ? schemes[name] : undefined;
    const scheme = raw === undefined ? undefined : refs.follow(raw);
    const scopes = requirement[name];
    const derived = isPlainObject(scheme)
      ? fromScheme(scheme, Array.isArray(scopes) ? scopes : [], baseUrl)
      : "it is not defined in components.securitySchemes";
    if (typeof derived === "string") refused.push(`${name} (${derived})`);
    else candidates.push(finish(fill(derived, overrides), name));
  }
  // The first alternative the caller sent everything for; else the first toolgate can send at all.
  const chosen = candidates.find((c) => c.missing.length === 0) ?? candidates[0];
  if (chosen) return chosen;
  if (anonymous) return { config: null, scheme: null, missing: [] };
  throw new OperationRefused(
    "unsupported_security",
    `No security scheme it accepts can be sent by toolgate: ${refused.join("; ")}. Send auth_config with a type to use another.`,
  );
}

/** A scheme as the auth fields it determines, or why toolgate cannot send it. */
function fromScheme(
  scheme: Record<string, unknown>,
  scopes: unknown[],
  baseUrl: string,
): (AuthOverrides & { type: AuthType }) | string {
  switch (scheme.type) {
    case "apiKey":
      if (typeof scheme.name !== "string" || scheme.name === "") return "an apiKey scheme without a name";
      if (scheme.in === "header" || scheme.in === "query")
        return { type: "api_key", key_name: scheme.name, location: scheme.in };
      return `an apiKey in ${String(scheme.in)}: only header and query keys are supported`;
    case "http": {
      const kind = typeof scheme.scheme === "string" ? scheme.scheme.toLowerCase() : "";
      if (kind === "bearer") return { type: "bearer_token" };
      return `HTTP ${kind || "(no scheme)"} authentication is not supported; only bearer`;
    }
    case "oauth2": {
      const flow = isPlainObject(scheme.flows) ? scheme.flows.clientCredentials : undefined;
      if (!isPlainObject(flow) || typeof flow.tokenUrl !== "string")
        return "OAuth2 without a clientCredentials flow; only client credentials are supported";
      let tokenUrl: string;
      try {
        tokenUrl = new URL(flow.tokenUrl, baseUrl).href;
      } catch {
        return `its tokenUrl "${flow.tokenUrl}" is not a URL`;
      }
      const scope = scopes.filter((s): s is string => typeof s === "string").join(" ");
      return { type: "oauth2", token_url: tokenUrl, ...(scope ? { scope } : {}) };
    }
    default:
      return `${String(scheme.type)} authentication is not supported`;
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
  };
}
