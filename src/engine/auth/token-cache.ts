/**
 * The OAuth2 token cache: isolate memory in front of KV, with single flight.
 *
 * - Entries are keyed by an HMAC of (token_url, client_id, scope, audience,
 *   client_secret): tools with the same client share a token, however they
 *   authenticate to the token endpoint, and a changed secret never finds an
 *   old token. A connection's client adds its id and secrets version, so its
 *   tokens are its own and a rotated secret's token is never found again.
 * - KV values are sealed bound to the KV key (./binding.ts,
 *   `cachedTokenBinding`); KV refuses TTLs under 60 s, so shorter-lived
 *   tokens stay in memory only. An entry in the older v1 format is a miss:
 *   a fresh token replaces it.
 * - The HMAC key is derived from the keyring's current key, never a retired
 *   one: a key leaves the keyring for good. So after a rotation every client
 *   misses once and fetches a new token (rotation is rare; a token request is
 *   cheap), and an entry sealed under another key is one nobody will look up
 *   again: rewrap drops it (token-rewrap.ts) rather than re-seal it.
 * - Concurrent misses in one isolate share one token request.
 * - A token the upstream refused (401) is dropped before a new one is fetched.
 */
import { keyedHash, openSecret, sealSecret, type Keyring, type SealingKey } from "../../crypto/seal";
import type { OutboundSettings } from "../outbound/policy";
import { cachedTokenBinding } from "./binding";
import { requestToken, type OAuth2Client, type TokenFailure } from "./oauth2";

/** Tokens are dropped this long before the server says they expire: 30 s, or a tenth of a shorter lifetime. */
export const TOKEN_EXPIRY_MARGIN_S = 30;
/** When the token response has no `expires_in`, assume this lifetime (seconds). */
export const DEFAULT_TOKEN_LIFETIME_S = 300;
/** However long a server says a token lives, it is cached at most this long (seconds). */
export const MAX_TOKEN_CACHE_S = 24 * 60 * 60;
/**
 * The deadline of one token request, shared by every execution waiting on it.
 * Under the 30 s that waitUntil keeps the starting request alive.
 */
export const TOKEN_REQUEST_TIMEOUT_S = 25;
const KV_MIN_TTL_S = 60;
/** Every cached token lives under this KV prefix. */
export const KV_PREFIX = "oauth2-token:v1:";
const MEMORY_CACHE_LIMIT = 1000;

interface CachedToken {
  accessToken: string;
  /** Epoch milliseconds after which the token is not used. */
  expiresAt: number;
}

/** How long a token is cached, in seconds, given the lifetime its server announced. */
export function cacheLifetime(expiresIn: number | undefined): number {
  const lifetime = Math.min(expiresIn ?? DEFAULT_TOKEN_LIFETIME_S, MAX_TOKEN_CACHE_S);
  return Math.floor(lifetime - Math.min(TOKEN_EXPIRY_MARGIN_S, lifetime / 10));
}

/** Per-isolate caches: live tokens, and token requests in flight. */
const memoryTokenCache = new Map<string, CachedToken>();
const inflightTokenRequests = new Map<string, { lookup: Promise<TokenLookup>; startedAt: number }>();

export type TokenLookup =
  | {
      ok: true;
      accessToken: string;
      fromCache: boolean;
      /** The token endpoint's status when this lookup requested the token. */
      status?: number;
    }
  | { ok: false; failure: TokenFailure };

export class TokenCache {
  constructor(
    private readonly kv: KVNamespace,
    private readonly keyring: Keyring,
    /** Runs work after the response (ctx.waitUntil). */
    private readonly defer: (work: Promise<unknown>) => void,
  ) {}

  /** The entry's name: under the current key unless another key of the keyring is given. */
  async cacheKey(client: OAuth2Client, key: SealingKey = this.keyring.current): Promise<string> {
    const fields = [client.tokenUrl, client.clientId, client.scope ?? "", client.audience ?? "", client.clientSecret];
    // A tool's client keeps the five-field key it always had (its cached tokens stay valid).
    if (client.cacheScope !== undefined) fields.push(client.cacheScope);
    return keyedHash(key, JSON.stringify(fields));
  }

  /**
   * A usable access token: from memory, then KV, then the token endpoint.
   * With `refused`, that token was just answered 401: it is dropped, and a
   * newer cached token (another execution may have refreshed already) or a
   * fresh one is returned. With `fresh`, the cache is not read: a new token
   * is requested (and cached), to prove the client's secret works. A token
   * request goes through the outbound policy.
   */
  async get(
    client: OAuth2Client,
    signal: AbortSignal,
    options: { refused?: string; fresh?: boolean; outbound: OutboundSettings },
  ): Promise<TokenLookup> {
    const id = await this.cacheKey(client);
    if (options.refused) this.drop(id, options.refused);
    else if (!options.fresh) {
      const cached = await this.read(id);
      if (cached) return { ok: true, accessToken: cached.accessToken, fromCache: true };
    }
    // Checked again after the awaits above: a request may have finished meanwhile.
    const recent = options.fresh ? undefined : memoryTokenCache.get(id);
    if (recent && recent.expiresAt > Date.now() && recent.accessToken !== options.refused)
      return { ok: true, accessToken: recent.accessToken, fromCache: true };

    let inflight = inflightTokenRequests.get(id);
    // An entry older than its own deadline belongs to a request the runtime cancelled.
    if (!inflight || Date.now() - inflight.startedAt > TOKEN_REQUEST_TIMEOUT_S * 1000) {
      // The shared request runs under its own deadline, not the first caller's:
      // a tool with a short timeout must not fail the others waiting on it.
      const deadline = AbortSignal.timeout(TOKEN_REQUEST_TIMEOUT_S * 1000);
      const lookup = this.fetchAndStore(id, client, deadline, options.outbound).finally(() => {
        if (inflightTokenRequests.get(id)?.lookup === lookup) inflightTokenRequests.delete(id);
      });
      inflight = { lookup, startedAt: Date.now() };
      inflightTokenRequests.set(id, inflight);
      // Keep the starting request alive until the token arrives, even if that
      // request itself gives up first: others may be waiting on this promise.
      this.defer(lookup);
    }
    return untilAborted(inflight.lookup, signal);
  }

  /** Forgets the client's token under every key of the keyring: one cached before a rotation goes too. */
  async invalidate(client: OAuth2Client): Promise<void> {
    for (const key of this.keyring.keys.values()) {
      const id = await this.cacheKey(client, key);
      memoryTokenCache.delete(id);
      await this.kv.delete(KV_PREFIX + id);
    }
  }

  private drop(id: string, refused: string): void {
    if (memoryTokenCache.get(id)?.accessToken === refused) memoryTokenCache.delete(id);
    this.defer(
      (async () => {
        const stored = await this.openStored(id);
        if (stored?.accessToken === refused) await this.kv.delete(KV_PREFIX + id);
      })(),
    );
  }

  private async read(id: string): Promise<CachedToken | undefined> {
    const now = Date.now();
    const inMemory = memoryTokenCache.get(id);
    if (inMemory && inMemory.expiresAt > now) return inMemory;
    if (inMemory) memoryTokenCache.delete(id);
    const stored = await this.openStored(id);
    if (!stored || !(stored.expiresAt > now)) return undefined;
    remember(id, stored);
    return stored;
  }

  private async openStored(id: string): Promise<CachedToken | undefined> {
    const sealed = await this.kv.get(KV_PREFIX + id);
    if (!sealed) return undefined;
    try {
      const entry = JSON.parse(
        await openSecret(this.keyring, sealed, cachedTokenBinding(KV_PREFIX + id)),
      ) as CachedToken;
      return typeof entry.accessToken === "string" && typeof entry.expiresAt === "number" ? entry : undefined;
    } catch {
      // Sealed under another key, in the v1 format, or tampered with: a miss; a fresh token replaces it.
      return undefined;
    }
  }

  private async fetchAndStore(
    id: string,
    client: OAuth2Client,
    signal: AbortSignal,
    outbound: OutboundSettings,
  ): Promise<TokenLookup> {
    const result = await requestToken(client, signal, outbound);
    if (!result.ok) return result;
    const ttl = cacheLifetime(result.grant.expiresIn);
    if (ttl > 0) {
      const entry: CachedToken = { accessToken: result.grant.accessToken, expiresAt: Date.now() + ttl * 1000 };
      remember(id, entry);
      if (ttl >= KV_MIN_TTL_S) {
        const kvKey = KV_PREFIX + id;
        this.defer(
          sealSecret(this.keyring, JSON.stringify(entry), cachedTokenBinding(kvKey)).then((sealed) =>
            this.kv.put(kvKey, sealed, { expirationTtl: ttl }),
          ),
        );
      }
    }
    return { ok: true, accessToken: result.grant.accessToken, fromCache: false, status: result.grant.status };
  }
}

function remember(id: string, entry: CachedToken): void {
  memoryTokenCache.delete(id);
  if (memoryTokenCache.size >= MEMORY_CACHE_LIMIT) {
    const oldest = memoryTokenCache.keys().next().value;
    if (oldest !== undefined) memoryTokenCache.delete(oldest);
  }
  memoryTokenCache.set(id, entry);
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
