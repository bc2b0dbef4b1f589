/**
 * What a sealed secret is bound to (docs/storage.md, "Sealed values").
 *
 * A stored credential must open only for the row, the field and the
 * destination it was entered for. Its binding is an array of strings and nulls
 * in fixed positions, which src/crypto/seal.ts uses, as opaque input, for the
 * AES-GCM additional data and for a MAC beside the ciphertext:
 *
 *   [layout, owner kind, owner id, field, ...destination facts]
 *
 * Every layout is built here and nowhere else: the registry seals with it
 * (src/registry/secrets.ts, rewrap.ts) and the engine opens with it
 * (src/engine/execute.ts), so the two cannot disagree. The destination facts
 * are what decides where and how the engine sends the secret (./index.ts,
 * ./oauth2.ts): change one in D1 and the value no longer opens; change one
 * through the API and the secret must be sent again (`destinationChanges`).
 * This file lives beside the code that attaches credentials because the two
 * must change together: a new way of sending a secret is a new fact here.
 *
 * Owner kinds: "tool" and "connection" (a credential shared by many tools),
 * each with its own destination facts.
 */
import type { SealBinding } from "../../crypto/seal";
import type { ToolRow } from "../../db/schema";
import type { Env } from "../../env";
import { parseSwitch } from "../outbound/settings";
import { originOf } from "../../registry/urls";

/** The first element of every binding. A new layout gets a new tag, so no two layouts can produce the same array. */
export const BINDING_LAYOUT = "toolgate.binding/1";

/**
 * Where and how a tool's secret is sent, in the binding's order. Null where
 * a fact does not apply to the auth type.
 */
export const TOOL_DESTINATION_FACTS = [
  "auth_type",
  /** The endpoint URL's origin (scheme, host, port): every credential and token goes there. */
  "endpoint_origin",
  /** OAuth2: the whole token URL (as the URL parser writes it), where the client secret goes. */
  "token_url",
  /** API key: "header" or "query". */
  "api_key_location",
  /** API key: the header (lower case: header names are case-insensitive) or query parameter name. */
  "api_key_name",
  "client_id",
  /** OAuth2: client_secret_basic or client_secret_post, how the client secret travels. */
  "client_auth_method",
  "scope",
  "audience",
] as const;

export type DestinationFact = (typeof TOOL_DESTINATION_FACTS)[number];
export type ToolDestination = Record<DestinationFact, string | null>;

/** What a tool's destination is computed from: the auth config as stored (without secrets) and the endpoint URL. */
export type ToolAuthShape = { authParams: unknown; endpointUrl: string | null };

/**
 * The destination facts of a tool. Total: a row changed by hand into
 * something odd gets facts (nulls) rather than an exception, so that it fails
 * to open instead of failing the request.
 */
export function toolDestination(tool: ToolAuthShape): ToolDestination {
  const params: Record<string, unknown> =
    typeof tool.authParams === "object" && tool.authParams !== null ? (tool.authParams as Record<string, unknown>) : {};
  const text = (value: unknown) => (typeof value === "string" && value !== "" ? value : null);
  const type = text(params.type) ?? "none";
  const apiKey = type === "api_key";
  const oauth2 = type === "oauth2";
  const location = apiKey ? text(params.location) : null;
  const keyName = apiKey ? text(params.key_name) : null;
  return {
    auth_type: type,
    endpoint_origin: originOf(tool.endpointUrl),
    token_url: oauth2 ? canonicalUrl(text(params.token_url)) : null,
    api_key_location: location,
    api_key_name: keyName !== null && location === "header" ? keyName.toLowerCase() : keyName,
    client_id: oauth2 ? text(params.client_id) : null,
    client_auth_method: oauth2 ? text(params.client_auth_method) : null,
    scope: oauth2 ? text(params.scope) : null,
    audience: oauth2 ? text(params.audience) : null,
  };
}

/** The binding of a tool's secret field: `[layout, "tool", id, field, ...TOOL_DESTINATION_FACTS]`. */
export function toolSecretBinding(toolId: string, field: string, destination: ToolDestination): SealBinding {
  return [BINDING_LAYOUT, "tool", toolId, field, ...TOOL_DESTINATION_FACTS.map((fact) => destination[fact])];
}

/**
 * The facts that differ between two destinations, in binding order. A stored
 * secret may stay with a replaced tool only when this is empty: the binding
 * minus its row id and field is unchanged, so the stored value still opens.
 */
export function destinationChanges(before: ToolDestination, after: ToolDestination): DestinationFact[] {
  return TOOL_DESTINATION_FACTS.filter((fact) => before[fact] !== after[fact]);
}

/**
 * Where and how a connection's secret is sent, in the binding's order. Null
 * where a fact does not apply to the auth type. A connection has no endpoint
 * of its own: its credential goes to any of its allowed origins, so the whole
 * set of them is one fact.
 */
export const CONNECTION_DESTINATION_FACTS = [
  "auth_type",
  /** OAuth2: client_credentials or authorization_code. */
  "grant_type",
  /** The allowed origins, sorted, as the JSON text of an array: every credential and access token goes only there. */
  "allowed_origins",
  /** OAuth2: the whole token URL, where the client secret (and a refresh token) goes. */
  "token_url",
  /** OAuth2 authorization code: the whole authorization URL, where people are sent to consent. */
  "authorization_url",
  "client_id",
  "client_auth_method",
  "scope",
  "audience",
  "api_key_location",
  "api_key_name",
  /** Basic: the username the password is sent with. */
  "username",
] as const;

export type ConnectionDestinationFact = (typeof CONNECTION_DESTINATION_FACTS)[number];
export type ConnectionDestination = Record<ConnectionDestinationFact, string | null>;

/** What a connection's destination is computed from: its auth config as stored (without secrets) and its allowed origins. */
export type ConnectionAuthShape = { authParams: unknown; allowedOrigins: unknown };

/** The destination facts of a connection. Total, like `toolDestination`: an odd row gets nulls and fails to open. */
export function connectionDestination(connection: ConnectionAuthShape): ConnectionDestination {
  const params: Record<string, unknown> =
    typeof connection.authParams === "object" && connection.authParams !== null
      ? (connection.authParams as Record<string, unknown>)
      : {};
  const text = (value: unknown) => (typeof value === "string" && value !== "" ? value : null);
  const type = text(params.type);
  const apiKey = type === "api_key";
  const oauth2 = type === "oauth2";
  const location = apiKey ? text(params.location) : null;
  const keyName = apiKey ? text(params.key_name) : null;
  const origins = Array.isArray(connection.allowedOrigins)
    ? JSON.stringify(connection.allowedOrigins.map((origin) => String(origin)).sort())
    : null;
  return {
    auth_type: type,
    grant_type: oauth2 ? text(params.grant_type) : null,
    allowed_origins: origins,
    token_url: oauth2 ? canonicalUrl(text(params.token_url)) : null,
    authorization_url: oauth2 ? canonicalUrl(text(params.authorization_url)) : null,
    client_id: oauth2 ? text(params.client_id) : null,
    client_auth_method: oauth2 ? text(params.client_auth_method) : null,
    scope: oauth2 ? text(params.scope) : null,
    audience: oauth2 ? text(params.audience) : null,
    api_key_location: location,
    api_key_name: keyName !== null && location === "header" ? keyName.toLowerCase() : keyName,
    username: type === "basic" ? text(params.username) : null,
  };
}

/**
 * The binding of a connection's sealed value: `[layout, "connection", id,
 * field, ...CONNECTION_DESTINATION_FACTS]`. `field` is a secret a person
 * enters (token, value, password, client_secret) or token state the service
 * obtains (access_token, refresh_token: src/engine/auth/authorization-code.ts),
 * so a changed destination makes old tokens unusable too.
 */
export function connectionSecretBinding(
  connectionId: string,
  field: string,
  destination: ConnectionDestination,
): SealBinding {
  return [
    BINDING_LAYOUT,
    "connection",
    connectionId,
    field,
    ...CONNECTION_DESTINATION_FACTS.map((fact) => destination[fact]),
  ];
}

/** The facts that differ between two connection destinations, in binding order (as `destinationChanges`). */
export function connectionDestinationChanges(
  before: ConnectionDestination,
  after: ConnectionDestination,
): ConnectionDestinationFact[] {
  return CONNECTION_DESTINATION_FACTS.filter((fact) => before[fact] !== after[fact]);
}

/** How to open one of a connection's sealed values. Connections never had v1 values. */
export function connectionSecretOpening(
  connection: { id: string } & ConnectionAuthShape,
  field: string,
): { binding: SealBinding; options: { v1Aad?: string } } {
  return { binding: connectionSecretBinding(connection.id, field, connectionDestination(connection)), options: {} };
}

/** The additional data of a v1 tool secret, read while SEALED_V1_READS is on. */
export function legacyToolSecretAad(toolId: string, field: string): string {
  return `tool:${toolId}:${field}`;
}

/**
 * How to open one of a tool's stored secrets: its binding, and its v1
 * additional data only while v1 reads are on (otherwise a v1 value fails as
 * `legacy_format`).
 */
export function toolSecretOpening(
  tool: Pick<ToolRow, "id"> & ToolAuthShape,
  field: string,
  v1Reads: boolean,
): { binding: SealBinding; options: { v1Aad?: string } } {
  return {
    binding: toolSecretBinding(tool.id, field, toolDestination(tool)),
    options: v1Reads ? { v1Aad: legacyToolSecretAad(tool.id, field) } : {},
  };
}

/**
 * SEALED_V1_READS, a switch like ALLOW_HTTP with the default true: whether
 * values in the v1 format (bound to their row and field, not to their
 * destination) still open. A value that is not a switch counts as false: it
 * fails closed, and the refusal names the setting.
 */
export function sealedV1Reads(env: Pick<Env, "SEALED_V1_READS">): boolean {
  if (env.SEALED_V1_READS === undefined) return true;
  return parseSwitch(env.SEALED_V1_READS) === true;
}

/** The binding of an OAuth2 access token cached in KV: the KV key it is stored under. */
export function cachedTokenBinding(kvKey: string): SealBinding {
  return [BINDING_LAYOUT, "oauth2-token", kvKey];
}

/**
 * The binding of a secret typed in the UI's editor and not saved yet: the
 * session (its CSRF token), the tool ("new" or its id) and the field. Never
 * stored, so never v1: the v1 switch cannot affect it.
 */
export function draftSecretBinding(sessionBinding: string, toolKey: string, field: string): SealBinding {
  return [BINDING_LAYOUT, "ui-draft", sessionBinding, toolKey, field];
}

function canonicalUrl(url: string | null): string | null {
  if (url === null) return null;
  try {
    return new URL(url).href;
  } catch {
    return url;
  }
}
