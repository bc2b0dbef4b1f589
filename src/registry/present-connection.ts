/**
 * A stored connection as the API shows it. Secret values never leave: only
 * the names of the stored secret fields, in `auth_config.secrets_set`. The
 * status is derived here, by the one status function.
 */
import type { z } from "@hono/zod-openapi";
import type { Connection, ConnectionAuthConfig } from "../api/connection-schemas";
import type { ConnectionRow } from "../db/schema";
import { connectionErrorMessage, connectionStatus } from "../engine/auth/connection-status";
import type { ConnectionView } from "./connections";

/** The non-secret auth config and which secrets are set: what a connection, and a tool that uses it, show. */
export function connectionAuthConfig(row: ConnectionRow): z.infer<typeof ConnectionAuthConfig> {
  return { ...row.authParams, secrets_set: Object.keys(row.authSecrets).sort() } as z.infer<
    typeof ConnectionAuthConfig
  >;
}

export function presentConnection({ row, toolsCount, grant }: ConnectionView): z.infer<typeof Connection> {
  const status = connectionStatus(row, grant);
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    auth_config: connectionAuthConfig(row),
    allowed_origins: row.allowedOrigins,
    test_request: row.testRequest,
    status,
    ...(status === "error" && row.lastErrorCode !== null
      ? {
          error: {
            code: row.lastErrorCode,
            at: row.lastErrorAt ?? row.updatedAt,
            message: connectionErrorMessage(row.lastErrorCode).replaceAll("{id}", row.id),
          },
        }
      : {}),
    tools_count: toolsCount,
    last_used_at: row.lastUsedAt,
    version: row.version,
    created_at: row.createdAt,
    updated_at: row.updatedAt,
  };
}
