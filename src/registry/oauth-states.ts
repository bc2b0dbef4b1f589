/**
 * Authorization-code flows in progress (`oauth_states`). A flow's `state` is
 * 256 random bits that only the person's browser and the provider see: the
 * row's id is its SHA-256, so the table alone cannot complete a flow.
 *
 * - Bound to the connection and the principal that started the flow.
 * - Single use: the callback deletes the row in the same statement that reads
 *   it (DELETE ... RETURNING), so a state replayed, even concurrently, finds
 *   nothing.
 * - Expires 10 minutes after it was made; the cron trigger deletes old rows
 *   (src/retention.ts).
 * - The PKCE code verifier is sealed, bound to the connection's destination
 *   (like its tokens) and to this flow's row.
 * - A flow started in the web UI also has a flow cookie; the row keeps its
 *   SHA-256 (the callback checks that the browser which comes back holds it).
 */
import { eq } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import { newPkce, randomFlowValue, sha256Base64Url } from "../crypto/pkce";
import { sealSecret, type Keyring } from "../crypto/seal";
import { oauthStates, type OAuthStateRow } from "../db/schema";
import { codeVerifierBinding, type TokenOwner } from "../engine/auth/connection-tokens";

/** How long a flow may take from the authorization URL to the callback. */
export const OAUTH_STATE_TTL_MS = 10 * 60 * 1000;

export interface NewFlowState {
  /** Goes in the authorization URL; never stored. */
  state: string;
  codeChallenge: string;
  /** For flows started in the UI: the flow cookie's value; never stored. */
  flowCookie: string | null;
  /** The row's id (SHA-256 of the state). */
  stateId: string;
}

/** Stores a new flow and returns the values that go to the browser. */
export async function createFlowState(
  db: D1Database,
  keyring: Keyring,
  flow: {
    connection: TokenOwner;
    /** "admin" or the API key's id. */
    principal: string;
    redirectUri: string;
    withFlowCookie: boolean;
  },
  now = new Date(),
): Promise<NewFlowState> {
  const state = randomFlowValue();
  const stateId = await sha256Base64Url(state);
  const { verifier, challenge } = await newPkce();
  const flowCookie = flow.withFlowCookie ? randomFlowValue() : null;
  await drizzle(db)
    .insert(oauthStates)
    .values({
      id: stateId,
      connectionId: flow.connection.id,
      principal: flow.principal,
      codeVerifier: await sealSecret(keyring, verifier, codeVerifierBinding(flow.connection, stateId)),
      redirectUri: flow.redirectUri,
      flowCookieHash: flowCookie === null ? null : await sha256Base64Url(flowCookie),
      createdAt: now.toISOString(),
      expiresAt: new Date(now.getTime() + OAUTH_STATE_TTL_MS).toISOString(),
    })
    .run();
  return { state, codeChallenge: challenge, flowCookie, stateId };
}

export type ConsumedFlow =
  | { kind: "found"; row: OAuthStateRow }
  | { kind: "expired"; row: OAuthStateRow }
  /** Never made, or already used (the row is deleted on use). */
  | { kind: "unknown" };

/** Takes the flow of `state` out of the table: one statement, so a state works once. */
export async function consumeFlowState(db: D1Database, state: string, now = new Date()): Promise<ConsumedFlow> {
  if (state.length === 0 || state.length > 256) return { kind: "unknown" };
  const [row] = await drizzle(db)
    .delete(oauthStates)
    .where(eq(oauthStates.id, await sha256Base64Url(state)))
    .returning()
    .all();
  if (!row) return { kind: "unknown" };
  return row.expiresAt <= now.toISOString() ? { kind: "expired", row } : { kind: "found", row };
}
