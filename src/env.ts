import type { Principal } from "./access/principal";

/**
 * The Worker's bindings. This is the only place their names are spelled out;
 * everything else receives them through `c.env` or an explicit parameter.
 */
export interface Env {
  /** D1: tool definitions and execution logs. */
  DB: D1Database;
  /** KV: encrypted OAuth2 access tokens, keyed by an HMAC of the client identity. */
  TOKEN_CACHE: KVNamespace;
  /**
   * KV: toolgate as an OAuth authorization server for /mcp (src/oauth/): the
   * clients that registered, the grants people approved and their tokens, as
   * @cloudflare/workers-oauth-provider lays them out (docs/storage.md).
   */
  OAUTH_KV: KVNamespace;
  /**
   * Worker secret: the keyring, base64 keys of 32 bytes separated by commas,
   * the current one first (src/crypto/keyring.ts). When set, ENCRYPTION_KEY is ignored.
   */
  ENCRYPTION_KEYS?: string;
  /** Worker secret: one base64 key of 32 bytes, a one-key keyring (the setting before ENCRYPTION_KEYS). */
  ENCRYPTION_KEY?: string;
  /**
   * Worker secret: the bootstrap bearer token, which holds every scope (src/access/).
   * Shorter than 32 characters, it is never accepted (`admin_token_too_short`).
   */
  ADMIN_TOKEN?: string;
  /**
   * Rate Limiting binding (`[[ratelimits]]` in wrangler.toml): counts failed
   * authentications per client address (src/access/throttle.ts). Without it,
   * each isolate counts in memory.
   */
  AUTH_FAILURE_LIMITER?: RateLimit;
  /** Worker var, a switch ("true"/"false", also 1/0, yes/no, on/off; default false): permit plain http URLs. */
  ALLOW_HTTP?: string;
  /** Worker var, a switch like ALLOW_HTTP: permit loopback, private, link-local and CGNAT hosts and local names. */
  ALLOW_PRIVATE_NETWORKS?: string;
  /** Worker var: hosts, `*.domains`, IPs and CIDR blocks permitted even if private, separated by commas or spaces. */
  OUTBOUND_ALLOWLIST?: string;
  /**
   * Worker var, a switch like ALLOW_HTTP but true when unset: whether stored
   * secrets in the v1 format (bound to their row, not to their destination)
   * still open. Set it to false once POST /admin/rewrap reports none left; a
   * value that is not a switch counts as false (docs/storage.md).
   */
  SEALED_V1_READS?: string;
  /**
   * Worker var: execution logs older than this many days are purged by the
   * cron trigger. Default 30; a value that is not a whole number from 1 to
   * 36500 purges nothing (see src/retention.ts).
   */
  LOG_RETENTION_DAYS?: string;
  /**
   * Worker var: the public origin of this deployment, as clients reach it,
   * such as https://toolgate.example.com (no path). What must name the
   * service by an absolute URL uses it: the OpenAPI document's `servers`
   * (src/public-base-url.ts), OAuth for /mcp's issuer (src/oauth/), and the
   * OAuth2 redirect URI of connections (`<PUBLIC_BASE_URL>/oauth/callback`).
   * Unset: `servers` is the relative "/", and OAuth uses each request's origin
   * (a connection's redirect URI, that of the request that started the flow).
   */
  PUBLIC_BASE_URL?: string;
  /**
   * Worker var: how long, in seconds, an isolate may run a tool from its definition cache
   * before reading it again (src/registry/definition-cache.ts): the longest another
   * isolate's change can go unseen. Default 5; 0 reads D1 on every execute; at most 3600.
   */
  DEFINITION_CACHE_SECONDS?: string;
  /**
   * Optional Queue (wrangler.toml `[[queues.producers]]`, commented out by default): when
   * bound, execution log rows go through it and this Worker's queue() consumer inserts them
   * (src/registry/log-consumer.ts). Unbound, each isolate group-commits them to D1.
   */
  LOG_QUEUE?: Queue;
  /**
   * Optional R2 bucket (wrangler.toml `[[r2_buckets]]`, commented out by default): when bound,
   * large log payloads are kept here rather than in D1 (src/registry/log-payloads.ts).
   */
  LOG_PAYLOADS?: R2Bucket;
  /**
   * Worker var: how many seconds before an OAuth2 authorization-code access
   * token expires it is refreshed (at most half its lifetime). A whole number
   * from 0 to 3600; anything else is the default, 60
   * (src/engine/auth/authorization-code.ts).
   */
  OAUTH_REFRESH_MARGIN_SECONDS?: string;
}

export type AppBindings = {
  Bindings: Env;
  /** Set by src/access/middleware.ts on every protected route. */
  Variables: { principal: Principal };
};
