import { index, integer, primaryKey, sqliteTable, text } from "drizzle-orm/sqlite-core";
import type { Scope } from "../access/scopes";
import type { AuthParams, ConnectionAuthParams, ConnectionTestRequest } from "../engine/auth";
import { DEFAULT_MAX_RESPONSE_BYTES } from "../engine/body";
import type { AttemptRecord } from "../engine/outbound/send";
import type { RetryPolicy } from "../engine/outbound/retry";
import type { StoredRunDetail } from "../engine/run-detail";
import { OUTCOMES } from "../engine/outcomes";
import { BODY_FORMATS, type HttpMethod, type InputMapping } from "../engine/request";
import { FORMAT_MODES } from "../engine/validated-schema";

/**
 * A tool definition. Auth lives on the same row so that execute loads a tool
 * and its credentials in one query, and deleting the tool deletes them too.
 * Secret auth fields are never stored here in plaintext: `auth_secrets` maps a
 * field name to a sealed value (see src/crypto/seal.ts and docs/storage.md).
 */
export const tools = sqliteTable(
  "tools",
  {
    id: text("id").primaryKey(),
    name: text("name").notNull().unique(),
    description: text("description"),
    executionType: text("execution_type", { enum: ["http_request", "function"] }).notNull(),
    method: text("method").$type<HttpMethod>(),
    endpointUrl: text("endpoint_url"),
    functionName: text("function_name"),
    headers: text("headers", { mode: "json" }).$type<Record<string, string>>().notNull(),
    timeoutSeconds: integer("timeout_seconds").notNull(),
    /** Bytes of an upstream response body read before giving up with response_too_large. */
    maxResponseBytes: integer("max_response_bytes").notNull().default(DEFAULT_MAX_RESPONSE_BYTES),
    /** The retry policy; null means one attempt only. */
    retryPolicy: text("retry_policy", { mode: "json" }).$type<RetryPolicy>(),
    bodyFormat: text("body_format", { enum: BODY_FORMATS }).notNull(),
    inputSchema: text("input_schema", { mode: "json" }).$type<Record<string, unknown>>().notNull(),
    /** An object, or a boolean schema (`true`, `false`); null: no output schema. */
    outputSchema: text("output_schema", { mode: "json" }).$type<Record<string, unknown> | boolean>(),
    inputMapping: text("input_mapping", { mode: "json" }).$type<InputMapping>(),
    /**
     * How the schemas treat `format` (src/engine/validated-schema.ts): "assert" in every draft, as for
     * every tool saved before 2020-12 formats became annotations; "by_draft" for tools saved since.
     */
    formatMode: text("format_mode", { enum: FORMAT_MODES }).notNull().default("assert"),
    authType: text("auth_type").$type<AuthParams["type"]>().notNull(),
    /** The auth config without its secret fields. */
    authParams: text("auth_params", { mode: "json" }).$type<AuthParams>().notNull(),
    /** Secret field name → sealed value. */
    authSecrets: text("auth_secrets", { mode: "json" }).$type<Record<string, string>>().notNull(),
    /** Whether /mcp lists the tool and lets agents call it (src/mcp/). */
    mcpEnabled: integer("mcp_enabled", { mode: "boolean" }).notNull().default(true),
    /**
     * The connection whose credential the tool uses, or null when the tool
     * carries its own (auth_type/auth_params/auth_secrets above). With a
     * connection, auth_type is "none", auth_params {type:"none"} and auth_secrets {}.
     */
    connectionId: text("connection_id"),
    version: integer("version").notNull(),
    createdAt: text("created_at").notNull(),
    updatedAt: text("updated_at").notNull(),
  },
  (t) => [
    index("tools_created_at_id").on(t.createdAt, t.id),
    // tools_count, connection_in_use and "the tools that use it" look tools up by connection.
    index("tools_connection_id").on(t.connectionId),
  ],
);

/**
 * One row per execution, success or failure. There is deliberately no foreign
 * key to `tools`: logs outlive the tool for audit.
 */
export const executions = sqliteTable(
  "executions",
  {
    id: text("id").primaryKey(),
    toolId: text("tool_id").notNull(),
    toolName: text("tool_name").notNull(),
    toolVersion: integer("tool_version").notNull(),
    startedAt: text("started_at").notNull(),
    durationMs: integer("duration_ms").notNull(),
    outcome: text("outcome", { enum: OUTCOMES }).notNull(),
    upstreamStatus: integer("upstream_status"),
    method: text("method").$type<HttpMethod>(),
    url: text("url"),
    errorMessage: text("error_message"),
    /** JSON text, possibly truncated (then `input_truncated` is 1). */
    input: text("input"),
    inputTruncated: integer("input_truncated", { mode: "boolean" }).notNull(),
    output: text("output"),
    outputTruncated: integer("output_truncated", { mode: "boolean" }).notNull(),
    /** JSON: every attempt at the upstream request (status or error, duration, delay before it); null when none was due. */
    attempts: text("attempts", { mode: "json" }).$type<AttemptRecord[]>(),
    /**
     * The R2 object (LOG_PAYLOADS) that holds `input`, `output` and `detail` when they were too large to
     * keep in D1 (src/registry/log-payloads.ts); those columns are null then (older objects hold no
     * `detail`, and their row keeps it). Null when they are here.
     */
    payloadKey: text("payload_key"),
    /**
     * JSON: the run detail of an http tool (src/engine/run-detail.ts): the request and response, redacted,
     * header values only where they carry no credential, token fetches; at most 16 KiB. Null when no
     * request was built (invalid input, function tools, rows from before the column).
     */
    detail: text("detail", { mode: "json" }).$type<StoredRunDetail>(),
  },
  (t) => [
    index("executions_tool_started").on(t.toolId, t.startedAt, t.id),
    // The retention purge finds the oldest rows across all tools.
    index("executions_started_at").on(t.startedAt),
    // The all-runs log across tools, newest first, filtered by outcome or by upstream status (keyset on started_at, id).
    index("executions_started_id").on(t.startedAt, t.id),
    index("executions_outcome_started").on(t.outcome, t.startedAt, t.id),
    index("executions_status_started").on(t.upstreamStatus, t.startedAt, t.id),
  ],
);

/**
 * Latency histogram buckets of the rollups, by upper bound in ms: bucket i
 * holds durations below LATENCY_BUCKET_BOUNDS_MS[i] (and at or above the one
 * before); the last bucket holds everything slower. Doubling bounds keep p50
 * and p95 within a factor of two with 17 integer columns, summable across
 * hours and tools.
 */
export const LATENCY_BUCKET_BOUNDS_MS = [
  1,
  2,
  4,
  8,
  16,
  32,
  64,
  128,
  256,
  512,
  1024,
  2048,
  4096,
  8192,
  16384,
  32768,
  Infinity,
] as const;

const latencyColumns = Object.fromEntries(
  LATENCY_BUCKET_BOUNDS_MS.map((_, i) => [`h${i}`, integer(`h${i}`).notNull().default(0)]),
) as Record<`h${number}`, ReturnType<typeof integer>>;

/**
 * The monitoring rollup (src/registry/rollups.ts): per tool, per hour, per
 * outcome, the number of calls and a latency histogram. Updated in the same
 * batch as the log rows it counts, so a chart reads a few hundred rows rather
 * than every execution. `hour` is the ISO start of the hour
 * (`2026-12-04T13:00:00.000Z`), comparable with `executions.started_at`.
 */
export const executionRollups = sqliteTable(
  "execution_rollups",
  {
    toolId: text("tool_id").notNull(),
    hour: text("hour").notNull(),
    outcome: text("outcome", { enum: OUTCOMES }).notNull(),
    /** The tool's name at its latest counted call: logs (and rollups) outlive their tool. */
    toolName: text("tool_name").notNull(),
    calls: integer("calls").notNull(),
    durationMsSum: integer("duration_ms_sum").notNull(),
    ...latencyColumns,
  },
  (t) => [
    primaryKey({ columns: [t.toolId, t.hour, t.outcome] }),
    // The dashboard (all tools over a range) and the retention purge read by hour.
    index("execution_rollups_hour").on(t.hour),
  ],
);

/**
 * API keys (src/access/). The key itself is never stored: `key_hash` is
 * base64url of its SHA-256, which is what a request's bearer token is looked
 * up by. Revoking sets `revoked_at` and keeps the row for audit.
 */
export const apiKeys = sqliteTable(
  "api_keys",
  {
    id: text("id").primaryKey(),
    name: text("name").notNull(),
    scopes: text("scopes", { mode: "json" }).$type<Scope[]>().notNull(),
    /** The first characters of the key (`tg_` + 8), so a person can tell keys apart. */
    prefix: text("prefix").notNull(),
    keyHash: text("key_hash").notNull().unique(),
    createdAt: text("created_at").notNull(),
    /** Updated at most about once a minute per isolate (src/access/principal.ts). */
    lastUsedAt: text("last_used_at"),
    revokedAt: text("revoked_at"),
  },
  (t) => [index("api_keys_created_at_id").on(t.createdAt, t.id)],
);

export type ToolRow = typeof tools.$inferSelect;
export type ExecutionRow = typeof executions.$inferSelect;
export type ApiKeyRow = typeof apiKeys.$inferSelect;

/**
 * Web UI sessions (src/ui/session.ts). The cookie holds a random session id;
 * this row holds only hashes: `id` is SHA-256 of that session id, and
 * `token_hash` is SHA-256 of the API token the person signed in with, which
 * is how the principal is found again (ADMIN_TOKEN, or the API key's row, so a
 * revoked key ends its sessions). No token is stored.
 */
export const uiSessions = sqliteTable(
  "ui_sessions",
  {
    id: text("id").primaryKey(),
    tokenHash: text("token_hash").notNull(),
    createdAt: text("created_at").notNull(),
    expiresAt: text("expires_at").notNull(),
  },
  (t) => [index("ui_sessions_expires_at").on(t.expiresAt)],
);

export type UiSessionRow = typeof uiSessions.$inferSelect;

/**
 * Connections (src/registry/connections*.ts): a credential made once and used
 * by many tools. Like a tool's inline auth, the configuration without secrets
 * is in `auth_params`, the secrets sealed in `auth_secrets` (bound to the
 * connection's id, the field and its destination: docs/storage.md).
 */
export const connections = sqliteTable(
  "connections",
  {
    id: text("id").primaryKey(),
    name: text("name").notNull().unique(),
    description: text("description"),
    /** `bearer_token`, `api_key`, `basic` or `oauth2` (the grant is in auth_params). */
    authType: text("auth_type").$type<ConnectionAuthParams["type"]>().notNull(),
    /** The auth config without its secret fields. */
    authParams: text("auth_params", { mode: "json" }).$type<ConnectionAuthParams>().notNull(),
    /** Secret field name → sealed value. A field not here is not set (status needs_secret). */
    authSecrets: text("auth_secrets", { mode: "json" }).$type<Record<string, string>>().notNull(),
    /**
     * Incremented whenever a secret changes: cached tokens are keyed by it, so
     * a token obtained with an old secret is never used again.
     */
    secretsVersion: integer("secrets_version").notNull().default(1),
    /** The origins (scheme://host[:port]) this credential may be sent to. */
    allowedOrigins: text("allowed_origins", { mode: "json" }).$type<string[]>().notNull(),
    /** An optional request that `POST /connections/{id}/test` sends with the credential. */
    testRequest: text("test_request", { mode: "json" }).$type<ConnectionTestRequest>(),
    /** The code of the last failure that concerns the credential itself (status `error`), or null. */
    lastErrorCode: text("last_error_code"),
    lastErrorAt: text("last_error_at"),
    /** Written after the response, at most once a minute per isolate. */
    lastUsedAt: text("last_used_at"),
    version: integer("version").notNull(),
    createdAt: text("created_at").notNull(),
    updatedAt: text("updated_at").notNull(),
  },
  (t) => [index("connections_created_at_id").on(t.createdAt, t.id)],
);

export type ConnectionRow = typeof connections.$inferSelect;

/**
 * OAuth2 authorization-code token state, one row per connection. Never cached
 * with definitions: a refresh takes a lease here (a conditional UPDATE on
 * `token_version`), because providers that rotate refresh tokens revoke the
 * whole grant when a used one is sent again, so one refresh at a time per
 * connection across all isolates.
 */
export const connectionTokens = sqliteTable("connection_tokens", {
  connectionId: text("connection_id").primaryKey(),
  /** Sealed (docs/storage.md). */
  accessToken: text("access_token"),
  /** Sealed; null when the provider gave none. */
  refreshToken: text("refresh_token"),
  /** Epoch milliseconds when the access token expires, or null when the provider did not say. */
  expiresAt: integer("expires_at"),
  /** Incremented by every change of the tokens; the lease is taken on it. */
  tokenVersion: integer("token_version").notNull(),
  /** The scopes the provider granted (space-separated), when it said. */
  grantedScope: text("granted_scope"),
  /** The account the grant belongs to, when the token response or ID token names one. */
  account: text("account"),
  /** A random id of the isolate's refresh in progress, and until when (epoch ms) it holds the lease. */
  leaseId: text("lease_id"),
  leaseUntil: integer("lease_until"),
  /** Set when the grant is no longer usable (`invalid_grant`, revoked): status needs_authorization. */
  invalidReason: text("invalid_reason"),
  updatedAt: text("updated_at").notNull(),
});

export type ConnectionTokenRow = typeof connectionTokens.$inferSelect;

/**
 * OAuth2 authorization-code flows in progress. The state parameter itself is
 * never stored: `id` is SHA-256 of it. Single use (deleted when the callback
 * arrives) and short-lived (10 minutes).
 */
export const oauthStates = sqliteTable(
  "oauth_states",
  {
    id: text("id").primaryKey(),
    connectionId: text("connection_id").notNull(),
    /** Who started the flow: "admin" or the API key's id. */
    principal: text("principal").notNull(),
    /** The PKCE code verifier, sealed. */
    codeVerifier: text("code_verifier").notNull(),
    redirectUri: text("redirect_uri").notNull(),
    /** SHA-256 of the SameSite=Lax flow cookie for flows started in the UI; null for flows started through the API. */
    flowCookieHash: text("flow_cookie_hash"),
    createdAt: text("created_at").notNull(),
    expiresAt: text("expires_at").notNull(),
  },
  (t) => [index("oauth_states_expires_at").on(t.expiresAt)],
);

export type OAuthStateRow = typeof oauthStates.$inferSelect;

/**
 * Every saved version of a tool's definition, without its secrets: written in
 * the same D1 batch as the tool write that made it (src/registry/versions.ts),
 * so no version is lost and none is recorded for a write that failed. No
 * foreign key to `tools`: like execution logs, versions outlive the tool for
 * audit. `secrets_set` names the secret fields the tool had then; their values
 * are never copied here.
 */
export const toolVersions = sqliteTable(
  "tool_versions",
  {
    toolId: text("tool_id").notNull(),
    /** The tool's `version` (its ETag) after the write. */
    version: integer("version").notNull(),
    /** The tool's `updated_at` of that write. */
    savedAt: text("saved_at").notNull(),
    /** Who saved it: `admin-token`, `api-key-<API key id>`, or null when not known (imports). */
    savedBy: text("saved_by"),
    name: text("name").notNull(),
    description: text("description"),
    executionType: text("execution_type", { enum: ["http_request", "function"] }).notNull(),
    method: text("method").$type<HttpMethod>(),
    endpointUrl: text("endpoint_url"),
    functionName: text("function_name"),
    headers: text("headers", { mode: "json" }).$type<Record<string, string>>().notNull(),
    timeoutSeconds: integer("timeout_seconds").notNull(),
    maxResponseBytes: integer("max_response_bytes").notNull(),
    retryPolicy: text("retry_policy", { mode: "json" }).$type<RetryPolicy>(),
    bodyFormat: text("body_format", { enum: BODY_FORMATS }).notNull(),
    inputSchema: text("input_schema", { mode: "json" }).$type<Record<string, unknown>>().notNull(),
    outputSchema: text("output_schema", { mode: "json" }).$type<Record<string, unknown> | boolean>(),
    inputMapping: text("input_mapping", { mode: "json" }).$type<InputMapping>(),
    authType: text("auth_type").$type<AuthParams["type"]>().notNull(),
    /** The auth config without its secret fields, as `tools.auth_params`. */
    authParams: text("auth_params", { mode: "json" }).$type<AuthParams>().notNull(),
    /** JSON array: the names of the secret fields stored then (never their values). */
    secretsSet: text("secrets_set", { mode: "json" }).$type<string[]>().notNull(),
    mcpEnabled: integer("mcp_enabled", { mode: "boolean" }).notNull(),
    connectionId: text("connection_id"),
    formatMode: text("format_mode", { enum: FORMAT_MODES }).notNull().default("assert"),
  },
  (t) => [primaryKey({ columns: [t.toolId, t.version] })],
);

export type ToolVersionRow = typeof toolVersions.$inferSelect;
