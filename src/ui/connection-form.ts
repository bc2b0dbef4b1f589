/**
 * The connection form's state: read from a submitted form or a stored
 * connection, and turned into the API's ConnectionInput, so that saving from
 * the UI goes through exactly the rules of POST and PUT /connections. Secret
 * fields are never filled from storage: empty means "keep the stored value".
 */
import type { z } from "@hono/zod-openapi";
import type { Connection, ConnectionInput } from "../api/connection-schemas";
import type { ZodIssue } from "../registry/draft-check";
import { zodIssueInWords } from "./plain-words";

/** The form's choice of auth type: the API's type, with OAuth2 split by grant. */
export const CONNECTION_AUTH_CHOICES = [
  ["bearer_token", "Bearer token"],
  ["api_key", "API key"],
  ["basic", "Username and password (Basic)"],
  ["client_credentials", "OAuth2 client credentials (machine to machine)"],
  ["authorization_code", "OAuth2 sign-in with the provider (authorization code)"],
] as const;
export type ConnectionAuthChoice = (typeof CONNECTION_AUTH_CHOICES)[number][0];

/** Secret fields of the form: element id → the auth_config field it fills. */
export const CONNECTION_SECRET_FIELD_IDS = {
  token: "conn_token",
  value: "conn_value",
  password: "conn_password",
  client_secret: "conn_client_secret",
} as const;
export type ConnectionSecretField = keyof typeof CONNECTION_SECRET_FIELD_IDS;

export interface ConnectionFormState {
  name: string;
  description: string;
  authType: ConnectionAuthChoice;
  keyName: string;
  location: "header" | "query";
  username: string;
  tokenUrl: string;
  authorizationUrl: string;
  clientId: string;
  scope: string;
  audience: string;
  clientAuthMethod: "client_secret_basic" | "client_secret_post";
  /** extra_authorize_params, one `name=value` a line. */
  extraParams: string;
  /** allowed_origins, one a line. */
  origins: string;
  testMethod: "GET" | "HEAD" | "POST";
  testUrl: string;
  /** Secrets typed in this submit; never filled from storage. */
  secrets: Partial<Record<ConnectionSecretField, string>>;
  /** The stored version the form edits (If-Match), or null for a new connection. */
  version: number | null;
}

export function emptyConnectionForm(): ConnectionFormState {
  return {
    name: "",
    description: "",
    authType: "bearer_token",
    keyName: "",
    location: "header",
    username: "",
    tokenUrl: "",
    authorizationUrl: "",
    clientId: "",
    scope: "",
    audience: "",
    clientAuthMethod: "client_secret_basic",
    extraParams: "",
    origins: "",
    testMethod: "GET",
    testUrl: "",
    secrets: {},
    version: null,
  };
}

type Presented = z.infer<typeof Connection>;

/** The form for a stored connection, as the API presents it (secrets never included). */
export function connectionFormFrom(connection: Presented): ConnectionFormState {
  const state = emptyConnectionForm();
  const auth = connection.auth_config as Record<string, unknown> & { type: string };
  state.name = connection.name;
  state.description = connection.description ?? "";
  state.origins = connection.allowed_origins.join("\n");
  state.testMethod = connection.test_request?.method ?? "GET";
  state.testUrl = connection.test_request?.url ?? "";
  state.version = connection.version;
  const text = (key: string) => (typeof auth[key] === "string" ? (auth[key] as string) : "");
  if (auth.type === "oauth2")
    state.authType = text("grant_type") === "authorization_code" ? "authorization_code" : "client_credentials";
  else state.authType = auth.type as ConnectionAuthChoice;
  state.keyName = text("key_name");
  state.location = auth.location === "query" ? "query" : "header";
  state.username = text("username");
  state.tokenUrl = text("token_url");
  state.authorizationUrl = text("authorization_url");
  state.clientId = text("client_id");
  state.scope = text("scope");
  state.audience = text("audience");
  state.clientAuthMethod =
    auth.client_auth_method === "client_secret_post" ? "client_secret_post" : "client_secret_basic";
  const extra = auth.extra_authorize_params as Record<string, string> | undefined;
  state.extraParams = extra
    ? Object.entries(extra)
        .map(([k, v]) => `${k}=${v}`)
        .join("\n")
    : "";
  return state;
}

/** The form as the browser sent it. */
export function parseConnectionForm(body: Record<string, unknown>): ConnectionFormState {
  const text = (key: string) => {
    const value = body[key];
    const last = Array.isArray(value) ? value.at(-1) : value;
    return typeof last === "string" ? last : "";
  };
  const choice = text("auth_type");
  const state = emptyConnectionForm();
  state.name = text("name").trim();
  state.description = text("description");
  state.authType = CONNECTION_AUTH_CHOICES.some(([value]) => value === choice)
    ? (choice as ConnectionAuthChoice)
    : "bearer_token";
  state.keyName = text("key_name").trim();
  state.location = text("location") === "query" ? "query" : "header";
  state.username = text("username");
  state.tokenUrl = text("token_url").trim();
  state.authorizationUrl = text("authorization_url").trim();
  state.clientId = text("client_id").trim();
  state.scope = text("scope").trim();
  state.audience = text("audience").trim();
  state.clientAuthMethod =
    text("client_auth_method") === "client_secret_post" ? "client_secret_post" : "client_secret_basic";
  state.extraParams = text("extra_authorize_params");
  state.origins = text("allowed_origins");
  const method = text("test_method");
  state.testMethod = method === "HEAD" || method === "POST" ? method : "GET";
  state.testUrl = text("test_url").trim();
  for (const [field, id] of Object.entries(CONNECTION_SECRET_FIELD_IDS)) {
    const value = text(id);
    if (value !== "") state.secrets[field as ConnectionSecretField] = value;
  }
  const version = Number(text("version"));
  state.version = Number.isSafeInteger(version) && version > 0 ? version : null;
  return state;
}

/** The secret fields the chosen auth type has. */
export function secretFieldsOf(choice: ConnectionAuthChoice): ConnectionSecretField[] {
  switch (choice) {
    case "bearer_token":
      return ["token"];
    case "api_key":
      return ["value"];
    case "basic":
      return ["password"];
    case "client_credentials":
    case "authorization_code":
      return ["client_secret"];
  }
}

/**
 * The ConnectionInput the form describes (not yet validated: the API's
 * schema does that), with `errors` for what only the form can get wrong (a
 * line of extra parameters without `=`).
 */
export function toConnectionInput(
  state: ConnectionFormState,
  addError: (field: string, message: string) => void,
): unknown {
  const secrets: Record<string, string> = {};
  for (const field of secretFieldsOf(state.authType)) {
    const value = state.secrets[field];
    if (value !== undefined) secrets[field] = value;
  }
  const optional = (key: string, value: string) => (value === "" ? {} : { [key]: value });
  let auth: Record<string, unknown>;
  switch (state.authType) {
    case "bearer_token":
      auth = { type: "bearer_token" };
      break;
    case "api_key":
      auth = { type: "api_key", key_name: state.keyName, location: state.location };
      break;
    case "basic":
      auth = { type: "basic", username: state.username };
      break;
    case "client_credentials":
      auth = {
        type: "oauth2",
        grant_type: "client_credentials",
        token_url: state.tokenUrl,
        client_id: state.clientId,
        ...optional("scope", state.scope),
        ...optional("audience", state.audience),
        client_auth_method: state.clientAuthMethod,
      };
      break;
    case "authorization_code": {
      const extra: Record<string, string> = {};
      for (const line of state.extraParams.split(/\r?\n/)) {
        if (line.trim() === "") continue;
        const at = line.indexOf("=");
        if (at <= 0) {
          addError("extra_authorize_params", `Write each extra parameter as name=value: “${line.trim()}” has no “=”.`);
          continue;
        }
        extra[line.slice(0, at).trim()] = line.slice(at + 1).trim();
      }
      auth = {
        type: "oauth2",
        grant_type: "authorization_code",
        authorization_url: state.authorizationUrl,
        token_url: state.tokenUrl,
        client_id: state.clientId,
        ...optional("scope", state.scope),
        ...optional("audience", state.audience),
        ...(Object.keys(extra).length > 0 ? { extra_authorize_params: extra } : {}),
        client_auth_method: state.clientAuthMethod,
      };
      break;
    }
  }
  const input: Partial<Record<keyof ConnectionInput, unknown>> = {
    name: state.name,
    description: state.description.trim() === "" ? null : state.description,
    auth_config: { ...auth, ...secrets },
    allowed_origins: state.origins
      .split(/\r?\n/)
      .map((line) => line.trim())
      .filter((line) => line !== ""),
    test_request: state.testUrl === "" ? null : { method: state.testMethod, url: state.testUrl },
  };
  return input;
}

const AUTH_POINTER_FIELDS: Record<string, string> = {
  type: "conn-auth-type",
  grant_type: "conn-auth-type",
  key_name: "key_name",
  location: "location",
  username: "username",
  token_url: "token_url",
  authorization_url: "authorization_url",
  client_id: "client_id",
  scope: "scope",
  audience: "audience",
  extra_authorize_params: "extra_authorize_params",
  client_auth_method: "client_auth_method",
  ...CONNECTION_SECRET_FIELD_IDS,
};

/** The form field (element id) a problem's JSON Pointer into ConnectionInput concerns; "" for the form as a whole. */
export function connectionFieldForPointer(pointer: string): string {
  const [top = "", second] = pointer.split("/").slice(1);
  switch (top) {
    case "name":
    case "description":
      return top;
    case "allowed_origins":
      return "allowed_origins";
    case "test_request":
      return second === "method" ? "test_method" : "test_url";
    case "auth_config":
      return second === undefined ? "conn-auth-type" : (AUTH_POINTER_FIELDS[second] ?? "conn-auth-type");
    default:
      return "";
  }
}

const FIELD_LABELS: Record<string, string> = {
  name: "a name",
  key_name: "the header or parameter name",
  username: "the username",
  token_url: "the token URL",
  authorization_url: "the authorization URL",
  client_id: "the client ID",
  allowed_origins: "at least one allowed origin",
  test_url: "the test URL",
};

/** A schema issue in a person's words: "Fill in …" for an empty required field, the tool form's plain words otherwise. */
export function connectionIssueInWords(issue: ZodIssue, field: string): string {
  const empty =
    (issue.code === "too_small" && issue.origin === "string" && issue.minimum === 1) ||
    (issue.code === "invalid_type" && issue.input === undefined);
  if (empty) return `Fill in ${FIELD_LABELS[field] ?? "this field"}.`;
  if (field === "allowed_origins" && issue.code === "too_small")
    return "List at least one origin the credential may be sent to, for example https://api.example.com.";
  if (field === "name" && issue.code === "invalid_format")
    return "Use 1-64 letters, digits, _ or - for the name (no spaces or dots).";
  return zodIssueInWords(issue, field, issue.input);
}
