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
  /** Worker var, "true" or "false" (default): permit plain http URLs. */
  ALLOW_HTTP?: string;
  /** Worker var, "true" or "false" (default): permit loopback, private, link-local and CGNAT hosts and local names. */
  ALLOW_PRIVATE_NETWORKS?: string;
  /** Worker var: hosts, `*.domains`, IPs and CIDR blocks permitted even if private, comma-separated. */
  OUTBOUND_ALLOWLIST?: string;
}

export type AppBindings = { Bindings: Env };
