/**
 * Who a bearer token is: ADMIN_TOKEN (every scope), an API key (its scopes),
 * or nobody. ADMIN_TOKEN is compared in constant time; an API key is looked
 * up by its SHA-256 (an index lookup on a hash of 256 random bits reveals
 * nothing a timing attack could use to forge a key).
 *
 * Keys found are cached per isolate for API_KEY_CACHE_TTL_MS, so a warm
 * isolate authenticates without touching D1 and an execute costs one D1 read
 * (the tool), as issue 6 asks. The price is revocation latency: a revoked key
 * keeps working for up to API_KEY_CACHE_TTL_MS in isolates that had it cached
 * (the isolate that served the DELETE forgets it at once). Loading the key in
 * the same query as the tool would make revocation immediate, but only for
 * execute, and would tie authentication to each route's query; a short cache
 * keeps authentication one middleware for every route.
 */
import { drizzle } from "drizzle-orm/d1";
import type { ApiKeyRow } from "../db/schema";
import type { Env } from "../env";
import { hashApiKey, looksLikeApiKey } from "./api-key";
import { SCOPES, type Scope } from "./scopes";
import { findApiKeyByHash, touchApiKey } from "./store";

export const API_KEY_CACHE_TTL_MS = 30_000;
/** `last_used_at` is written at most this often per key and isolate: a write per request would cost more than the read saved. */
export const LAST_USED_RESOLUTION_MS = 60_000;
const API_KEY_CACHE_LIMIT = 1000;

/** Who holds a credential of their own: ADMIN_TOKEN, or an API key. */
export type CredentialPrincipal =
  { kind: "admin_token"; scopes: readonly Scope[] } | { kind: "api_key"; keyId: string; scopes: readonly Scope[] };

/**
 * Who a request acts for. `oauth_grant` is an OAuth access token on /mcp
 * (src/oauth/): a client acting for the principal who approved the grant
 * (`owner`), with no scope that principal lacks, on the tools the grant names
 * (`toolIds`; null is every tool offered over MCP).
 */
export type Principal =
  | CredentialPrincipal
  | {
      kind: "oauth_grant";
      grantId: string;
      clientId: string;
      owner: CredentialPrincipal;
      scopes: readonly Scope[];
      toolIds: readonly string[] | null;
    };

interface CachedApiKey {
  id: string;
  scopes: readonly Scope[];
  revoked: boolean;
  /** When this isolate last recorded a use (epoch ms), or when the row says it was used. */
  lastUsedAt: number | null;
  fetchedAt: number;
}

/** Per-isolate cache: key hash → what the api_keys row said when it was read. */
const apiKeyCache = new Map<string, CachedApiKey>();

/**
 * The shortest ADMIN_TOKEN that is accepted. The token holds every scope and
 * is typed by people, who may pick a word; 32 characters of base64 is 192 bits.
 */
export const MIN_ADMIN_TOKEN_LENGTH = 32;

/**
 * What a bearer token turned out to be. `admin_token_too_short`: it is
 * ADMIN_TOKEN, which is set to a value too short to be accepted; the
 * operator must set a new one (the caller did nothing wrong).
 */
export type TokenVerdict =
  { ok: true; principal: Principal } | { ok: false; reason: "unknown_token" | "admin_token_too_short" };

const UNKNOWN_TOKEN: TokenVerdict = { ok: false, reason: "unknown_token" };

/**
 * Who a bearer token is. `defer` runs the `last_used_at` write after the
 * response.
 */
export async function resolvePrincipal(
  env: Env,
  token: string,
  defer: (work: Promise<unknown>) => void,
): Promise<TokenVerdict> {
  if (env.ADMIN_TOKEN && (await constantTimeEqual(token, env.ADMIN_TOKEN)))
    return usableAdminToken(env) === null
      ? { ok: false, reason: "admin_token_too_short" }
      : { ok: true, principal: ADMIN_PRINCIPAL };
  if (!looksLikeApiKey(token)) return UNKNOWN_TOKEN;
  const principal = await principalForKeyHash(env, await hashApiKey(token), defer);
  return principal ? { ok: true, principal } : UNKNOWN_TOKEN;
}

/** ADMIN_TOKEN if it is set and long enough to be accepted, otherwise null. */
export function usableAdminToken(env: Env): string | null {
  return env.ADMIN_TOKEN && env.ADMIN_TOKEN.length >= MIN_ADMIN_TOKEN_LENGTH ? env.ADMIN_TOKEN : null;
}

/** ADMIN_TOKEN's principal: every scope. */
export const ADMIN_PRINCIPAL: Principal = { kind: "admin_token", scopes: SCOPES };

/**
 * The principal of an API key known only by its hash (`hashApiKey`), as a web
 * UI session stores it, or null when the key is unknown or revoked. Revoking
 * the key therefore ends such sessions (within API_KEY_CACHE_TTL_MS elsewhere).
 */
export async function resolvePrincipalByKeyHash(
  env: Env,
  keyHash: string,
  defer: (work: Promise<unknown>) => void,
): Promise<Principal | null> {
  return principalForKeyHash(env, keyHash, defer);
}

async function principalForKeyHash(
  env: Env,
  hash: string,
  defer: (work: Promise<unknown>) => void,
): Promise<Principal | null> {
  const key = await cachedApiKey(env, hash);
  if (!key || key.revoked) return null;
  const now = Date.now();
  if (key.lastUsedAt === null || now - key.lastUsedAt >= LAST_USED_RESOLUTION_MS) {
    key.lastUsedAt = now;
    const at = new Date(now).toISOString();
    const staleBefore = new Date(now - LAST_USED_RESOLUTION_MS).toISOString();
    defer(touchApiKey(drizzle(env.DB), key.id, at, staleBefore));
  }
  return { kind: "api_key", keyId: key.id, scopes: key.scopes };
}

/** Drops a key from this isolate's cache (after revoking it). */
export function forgetApiKey(id: string): void {
  for (const [hash, entry] of apiKeyCache) if (entry.id === id) apiKeyCache.delete(hash);
}

async function cachedApiKey(env: Env, hash: string): Promise<CachedApiKey | undefined> {
  const cached = apiKeyCache.get(hash);
  if (cached && Date.now() - cached.fetchedAt < API_KEY_CACHE_TTL_MS) return cached;
  apiKeyCache.delete(hash);
  const row = await findApiKeyByHash(drizzle(env.DB), hash);
  // Unknown keys are not cached: a flood of made-up tokens must not push real keys out.
  if (!row) return undefined;
  const entry = fromRow(row);
  if (apiKeyCache.size >= API_KEY_CACHE_LIMIT) {
    const oldest = apiKeyCache.keys().next().value;
    if (oldest !== undefined) apiKeyCache.delete(oldest);
  }
  apiKeyCache.set(hash, entry);
  return entry;
}

function fromRow(row: ApiKeyRow): CachedApiKey {
  return {
    id: row.id,
    // Only scopes this code knows: a row edited by hand cannot grant something new.
    scopes: SCOPES.filter((scope) => row.scopes.includes(scope)),
    revoked: row.revokedAt !== null,
    lastUsedAt: row.lastUsedAt ? Date.parse(row.lastUsedAt) : null,
    fetchedAt: Date.now(),
  };
}

/** Compares digests, so neither the length nor a prefix of the expected token leaks through timing. */
export async function constantTimeEqual(given: string, expected: string): Promise<boolean> {
  const encoder = new TextEncoder();
  const [a, b] = await Promise.all([
    crypto.subtle.digest("SHA-256", encoder.encode(given)),
    crypto.subtle.digest("SHA-256", encoder.encode(expected)),
  ]);
  return crypto.subtle.timingSafeEqual(a, b);
}
