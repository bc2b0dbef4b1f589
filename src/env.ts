/**
 * The Worker's bindings. This is the only place their names are spelled out;
 * everything else receives them through `c.env` or an explicit parameter.
 */
export interface Env {
  /** D1: tool definitions and execution logs. */
  DB: D1Database;
  /** KV: encrypted OAuth2 access tokens, keyed by an HMAC of the client identity. */
  TOKEN_CACHE: KVNamespace;
  /** Worker secret: base64 of 32 random bytes, the AES-256-GCM key for stored secrets. */
  ENCRYPTION_KEY?: string;
  /** Worker secret: the bearer token that guards /tools* and /executions*. */
  ADMIN_TOKEN?: string;
  /**
   * Worker var: execution logs older than this many days are purged by the
   * cron trigger. Default 30; a value that is not a whole number from 1 to
   * 36500 purges nothing (see src/retention.ts).
   */
  LOG_RETENTION_DAYS?: string;
}

export type AppBindings = { Bindings: Env };
