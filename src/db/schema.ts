import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";
import type { Scope } from "../access/scopes";
import type { AuthParams } from "../engine/auth";
import { DEFAULT_MAX_RESPONSE_BYTES } from "../engine/body";
import type { AttemptRecord } from "../engine/outbound/send";
import type { RetryPolicy } from "../engine/outbound/retry";
import { OUTCOMES } from "../engine/outcomes";
import { BODY_FORMATS, type HttpMethod, type InputMapping } from "../engine/request";

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
    outputSchema: text("output_schema", { mode: "json" }).$type<Record<string, unknown>>(),
    inputMapping: text("input_mapping", { mode: "json" }).$type<InputMapping>(),
    authType: text("auth_type").$type<AuthParams["type"]>().notNull(),
    /** The auth config without its secret fields. */
    authParams: text("auth_params", { mode: "json" }).$type<AuthParams>().notNull(),
    /** Secret field name → sealed value. */
    authSecrets: text("auth_secrets", { mode: "json" }).$type<Record<string, string>>().notNull(),
    /** Whether /mcp lists the tool and lets agents call it (src/mcp/). */
    mcpEnabled: integer("mcp_enabled", { mode: "boolean" }).notNull().default(true),
    version: integer("version").notNull(),
    createdAt: text("created_at").notNull(),
    updatedAt: text("updated_at").notNull(),
  },
  (t) => [index("tools_created_at_id").on(t.createdAt, t.id)],
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
     * The R2 object (LOG_PAYLOADS) that holds `input` and `output` when they were too large to keep
     * in D1 (src/registry/log-payloads.ts); those columns are null then. Null when they are here.
     */
    payloadKey: text("payload_key"),
  },
  (t) => [
    index("executions_tool_started").on(t.toolId, t.startedAt, t.id),
    // The retention purge finds the oldest rows across all tools.
    index("executions_started_at").on(t.startedAt),
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
