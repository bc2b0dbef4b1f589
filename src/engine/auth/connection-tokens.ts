/**
 * The token state of an authorization-code connection, in D1
 * (`connection_tokens`, one row per connection): reading it, sealing and
 * opening its tokens, and every write, each a single statement whose WHERE
 * clause is the concurrency control.
 *
 * - The tokens are sealed with the connection's binding (./binding.ts) plus
 *   their own field name, `access_token` or `refresh_token`: a changed
 *   destination (allowed origins, token URL, client...) leaves them unopenable.
 * - `token_version` is bumped by every change of the tokens. A refresh first
 *   takes a lease with a conditional UPDATE on it (`takeRefreshLease`), so one
 *   isolate at a time talks to the provider; the refreshed tokens replace the
 *   old ones, the rotated refresh token included, in the same UPDATE that
 *   bumps the version and releases the lease, and only while that lease is
 *   still the row's (`storeRefreshedTokens`). KV could not do this: it has no
 *   compare-and-swap.
 * - Never cached with definitions: every use reads the row.
 */
import { and, eq, isNull, lte, or, sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { openSecret, sealSecret, type Keyring } from "../../crypto/seal";
import { connections, connectionTokens, type ConnectionTokenRow } from "../../db/schema";
import { connectionDestination, connectionSecretBinding, type ConnectionAuthShape } from "./binding";

export type TokenField = "access_token" | "refresh_token";

/** What the tokens are bound to: the connection's id and destination. */
export type TokenOwner = { id: string } & ConnectionAuthShape;

/** Why a grant is no longer usable (connection_tokens.invalid_reason); each means status needs_authorization. */
export const INVALID_REASONS = {
  /** The provider answered invalid_grant to the refresh token: revoked, expired or already used. */
  invalid_grant: "The provider no longer accepts the grant (it was revoked, expired, or signed out): connect again.",
  /** The access token expired and the provider gave no refresh token to get another. */
  expired: "The access token expired and the provider issued no refresh token: connect again.",
  /** The stored tokens do not open for the connection as it is now (its destination changed). */
  destination_changed:
    "The connection's provider settings or allowed origins changed since it was connected: connect again.",
} as const;

export type InvalidReason = keyof typeof INVALID_REASONS;

/** The tokens a grant or a refresh produced, in clear, on their way to being sealed. */
export interface TokensToStore {
  accessToken: string;
  /** Null: none issued (a refresh that does not rotate keeps the stored one). */
  refreshToken: string | null;
  /** Epoch ms, or null when the provider did not say. */
  expiresAt: number | null;
  grantedScope: string | null;
}

export async function readTokenRow(db: D1Database, connectionId: string): Promise<ConnectionTokenRow | undefined> {
  return drizzle(db).select().from(connectionTokens).where(eq(connectionTokens.connectionId, connectionId)).get();
}

/**
 * Whether the connection's definition in D1 is still at `version`: false when
 * it was replaced (or deleted) since the caller read it. A definition read
 * through an isolate's cache can be up to DEFINITION_CACHE_SECONDS old.
 */
export async function isCurrentDefinition(db: D1Database, connectionId: string, version: number): Promise<boolean> {
  const row = await drizzle(db)
    .select({ version: connections.version })
    .from(connections)
    .where(eq(connections.id, connectionId))
    .get();
  return row?.version === version;
}

/** Whether the connection holds a grant that has not been given up (status is not needs_authorization for want of one). */
export async function hasUsableGrant(db: D1Database, connectionId: string): Promise<boolean> {
  const row = await readTokenRow(db, connectionId);
  return row !== undefined && row.accessToken !== null && row.invalidReason === null;
}

export function sealToken(keyring: Keyring, owner: TokenOwner, field: TokenField, value: string): Promise<string> {
  return sealSecret(keyring, value, tokenBinding(owner, field));
}

/** Opens a stored token; throws SealError (a changed destination fails as binding_mismatch). */
export function openToken(keyring: Keyring, owner: TokenOwner, field: TokenField, sealed: string): Promise<string> {
  return openSecret(keyring, sealed, tokenBinding(owner, field));
}

function tokenBinding(owner: TokenOwner, field: TokenField) {
  return connectionSecretBinding(owner.id, field, connectionDestination(owner));
}

/**
 * The binding of a flow's sealed PKCE verifier: the connection's, with the
 * field `code_verifier:<state row id>`, so it opens only for that flow and
 * only while the connection's destination is what it was when the flow began.
 */
export function codeVerifierBinding(owner: TokenOwner, stateId: string) {
  return connectionSecretBinding(owner.id, `code_verifier:${stateId}`, connectionDestination(owner));
}

/**
 * Stores the tokens of a new grant (the callback of a flow): replaces any
 * previous grant, clears invalid_reason and any lease (a refresh of the old
 * grant still in flight then finds its lease gone and stores nothing).
 */
export async function storeGrantedTokens(
  db: D1Database,
  keyring: Keyring,
  owner: TokenOwner,
  tokens: TokensToStore & { account: string | null },
  now: Date,
): Promise<void> {
  const values = {
    accessToken: await sealToken(keyring, owner, "access_token", tokens.accessToken),
    refreshToken:
      tokens.refreshToken === null ? null : await sealToken(keyring, owner, "refresh_token", tokens.refreshToken),
    expiresAt: tokens.expiresAt,
    grantedScope: tokens.grantedScope,
    account: tokens.account,
    leaseId: null,
    leaseUntil: null,
    invalidReason: null,
    updatedAt: now.toISOString(),
  };
  await drizzle(db)
    .insert(connectionTokens)
    .values({ connectionId: owner.id, tokenVersion: 1, ...values })
    .onConflictDoUpdate({
      target: connectionTokens.connectionId,
      set: { ...values, tokenVersion: sql`${connectionTokens.tokenVersion} + 1` },
    })
    .run();
}

/**
 * Takes the refresh lease if the row is still at `tokenVersion` and nobody
 * holds an unexpired lease: true when this caller got it.
 */
export async function takeRefreshLease(
  db: D1Database,
  connectionId: string,
  tokenVersion: number,
  leaseId: string,
  nowMs: number,
  leaseMs: number,
): Promise<boolean> {
  const result = await drizzle(db)
    .update(connectionTokens)
    .set({ leaseId, leaseUntil: nowMs + leaseMs })
    .where(
      and(
        eq(connectionTokens.connectionId, connectionId),
        eq(connectionTokens.tokenVersion, tokenVersion),
        isNull(connectionTokens.invalidReason),
        or(isNull(connectionTokens.leaseUntil), lte(connectionTokens.leaseUntil, nowMs)),
      ),
    )
    .run();
  return result.meta.changes === 1;
}

/**
 * The refreshed tokens, the version bumped and the lease released, in one
 * UPDATE, only while `leaseId` still holds the lease. A refresh token the
 * provider rotated replaces the old one here; one it did not is kept. False
 * when the lease was lost (a new grant replaced the row meanwhile).
 */
export async function storeRefreshedTokens(
  db: D1Database,
  keyring: Keyring,
  owner: TokenOwner,
  leaseId: string,
  tokens: TokensToStore,
  now: Date,
): Promise<boolean> {
  const result = await drizzle(db)
    .update(connectionTokens)
    .set({
      accessToken: await sealToken(keyring, owner, "access_token", tokens.accessToken),
      ...(tokens.refreshToken === null
        ? {}
        : { refreshToken: await sealToken(keyring, owner, "refresh_token", tokens.refreshToken) }),
      expiresAt: tokens.expiresAt,
      ...(tokens.grantedScope === null ? {} : { grantedScope: tokens.grantedScope }),
      tokenVersion: sql`${connectionTokens.tokenVersion} + 1`,
      leaseId: null,
      leaseUntil: null,
      updatedAt: now.toISOString(),
    })
    .where(and(eq(connectionTokens.connectionId, owner.id), eq(connectionTokens.leaseId, leaseId)))
    .run();
  return result.meta.changes === 1;
}

/**
 * Marks the grant unusable (status needs_authorization): by the holder of the
 * lease (`leaseId`), or, without one, only if the row is still at
 * `tokenVersion` (a newer grant is never invalidated by what an older one did).
 */
export async function invalidateGrant(
  db: D1Database,
  connectionId: string,
  reason: InvalidReason,
  holder: { leaseId: string } | { tokenVersion: number },
  now: Date,
): Promise<boolean> {
  const result = await drizzle(db)
    .update(connectionTokens)
    .set({
      invalidReason: reason,
      tokenVersion: sql`${connectionTokens.tokenVersion} + 1`,
      leaseId: null,
      leaseUntil: null,
      updatedAt: now.toISOString(),
    })
    .where(
      and(
        eq(connectionTokens.connectionId, connectionId),
        "leaseId" in holder
          ? eq(connectionTokens.leaseId, holder.leaseId)
          : eq(connectionTokens.tokenVersion, holder.tokenVersion),
      ),
    )
    .run();
  return result.meta.changes === 1;
}

/** Gives the lease back without changing the tokens (the refresh failed for a reason that may pass). */
export async function releaseLease(db: D1Database, connectionId: string, leaseId: string): Promise<void> {
  await drizzle(db)
    .update(connectionTokens)
    .set({ leaseId: null, leaseUntil: null })
    .where(and(eq(connectionTokens.connectionId, connectionId), eq(connectionTokens.leaseId, leaseId)))
    .run();
}
