/**
 * The OAuth2 token cache: isolate memory in front of KV, with single flight.
 *
 * - Entries are keyed by an HMAC of (token_url, client_id, scope, audience,
 *   client auth method, client_secret): tools with the same client share a
 *   token, and a changed secret never finds an old token.
 * - KV values are sealed with the AAD `oauth2-token:<key>`; KV refuses TTLs
 *   under 60 s, so shorter-lived tokens stay in memory only.
 * - Concurrent misses in one isolate share one token request.
 */
import { keyedHash, openSecret, sealSecret, type SealingKey } from "../../crypto/seal";
import { requestToken, type OAuth2Client, type TokenFailure } from "./oauth2";

/** Tokens are dropped this many seconds before the server says they expire. */
export const TOKEN_EXPIRY_MARGIN_S = 30;
/** When the token response has no `expires_in`, assume this lifetime (seconds). */
export const DEFAULT_TOKEN_LIFETIME_S = 300;
/** The deadline of one token request, shared by every execution waiting on it. */
export const TOKEN_REQUEST_TIMEOUT_S = 60;
const KV_MIN_TTL_S = 60;
const KV_PREFIX = "oauth2-token:v1:";

interface CachedToken {
  accessToken: string;
  /** Epoch milliseconds after which the token is not used. */
  expiresAt: number;
}

/** Per-isolate caches: live tokens, and token requests in flight. */
const memoryTokenCache = new Map<string, CachedToken>();
const inflightTokenRequests = new Map<string, Promise<TokenLookup>>();

export type TokenLookup = { ok: true; accessToken: string; fromCache: boolean } | { ok: false; failure: TokenFailure };

export class TokenCache {
  constructor(
    private readonly kv: KVNamespace,
    private readonly key: SealingKey,
    /** Runs work after the response (ctx.waitUntil). */
    private readonly defer: (work: Promise<unknown>) => void,
  ) {}

  async cacheKey(client: OAuth2Client): Promise<string> {
    return keyedHash(
      this.key,
      JSON.stringify([
        client.tokenUrl,
        client.clientId,
        client.scope ?? "",
        client.audience ?? "",
        client.clientAuthMethod,
        client.clientSecret,
      ]),
    );
  }

  /** A usable access token: from memory, then KV, then the token endpoint. */
  async get(client: OAuth2Client, signal: AbortSignal, options: { refresh?: boolean } = {}): Promise<TokenLookup> {
    const id = await this.cacheKey(client);
    if (!options.refresh) {
      const cached = await this.read(id);
      if (cached) return { ok: true, accessToken: cached.accessToken, fromCache: true };
    }
    let pending = inflightTokenRequests.get(id);
    if (!pending) {
      // The shared request runs under its own deadline, not the first caller's:
      // a tool with a short timeout must not fail the others waiting on it.
      pending = this.fetchAndStore(id, client, AbortSignal.timeout(TOKEN_REQUEST_TIMEOUT_S * 1000)).finally(() =>
        inflightTokenRequests.delete(id),
      );
      inflightTokenRequests.set(id, pending);
      // Keep the starting request alive until the token arrives, even if that
      // request itself gives up first: others may be waiting on this promise.
      this.defer(pending);
    }
    return untilAborted(pending, signal);
  }

  async invalidate(client: OAuth2Client): Promise<void> {
    const id = await this.cacheKey(client);
    memoryTokenCache.delete(id);
    await this.kv.delete(KV_PREFIX + id);
  }

  private async read(id: string): Promise<CachedToken | undefined> {
    const now = Date.now();
    const inMemory = memoryTokenCache.get(id);
    if (inMemory && inMemory.expiresAt > now) return inMemory;
    if (inMemory) memoryTokenCache.delete(id);
    const sealed = await this.kv.get(KV_PREFIX + id);
    if (!sealed) return undefined;
    try {
      const entry = JSON.parse(await openSecret(this.key, sealed, KV_PREFIX + id)) as CachedToken;
      if (typeof entry.accessToken !== "string" || !(entry.expiresAt > now)) return undefined;
      memoryTokenCache.set(id, entry);
      return entry;
    } catch {
      // Sealed under another key or tampered with: treat as a miss; a fresh token replaces it.
      return undefined;
    }
  }

  private async fetchAndStore(id: string, client: OAuth2Client, signal: AbortSignal): Promise<TokenLookup> {
    const result = await requestToken(client, signal);
    if (!result.ok) return result;
    const lifetime = result.grant.expiresIn ?? DEFAULT_TOKEN_LIFETIME_S;
    const ttl = Math.floor(lifetime - TOKEN_EXPIRY_MARGIN_S);
    if (ttl > 0) {
      const entry: CachedToken = { accessToken: result.grant.accessToken, expiresAt: Date.now() + ttl * 1000 };
      memoryTokenCache.set(id, entry);
      if (ttl >= KV_MIN_TTL_S) {
        const kvKey = KV_PREFIX + id;
        this.defer(
          sealSecret(this.key, JSON.stringify(entry), kvKey).then((sealed) =>
            this.kv.put(kvKey, sealed, { expirationTtl: ttl }),
          ),
        );
      }
    }
    return { ok: true, accessToken: result.grant.accessToken, fromCache: false };
  }
}

/** Waits for a shared lookup, but gives up (as a timeout) when this caller's own signal fires. */
function untilAborted(lookup: Promise<TokenLookup>, signal: AbortSignal): Promise<TokenLookup> {
  const timedOut: TokenLookup = { ok: false, failure: { kind: "timeout" } };
  if (signal.aborted) return Promise.resolve(timedOut);
  return new Promise((resolve) => {
    const onAbort = () => resolve(timedOut);
    signal.addEventListener("abort", onAbort, { once: true });
    lookup.then((result) => {
      signal.removeEventListener("abort", onAbort);
      resolve(result);
    });
  });
}
