/**
 * Creating and revoking API keys: what POST /api-keys and DELETE
 * /api-keys/{id} do, and what the UI's API keys page does through the same
 * two functions, so the rules (normalized scopes, hash only, the isolate
 * cache forgotten on revoke) are written once.
 */
import type { DrizzleD1Database } from "drizzle-orm/d1";
import type { ApiKeyRow } from "../db/schema";
import { generateApiKey } from "./api-key";
import { forgetApiKey } from "./principal";
import { normalizeScopes, type Scope } from "./scopes";
import { insertApiKey, revokeApiKey } from "./store";

/** A key as created: its row, and the key itself, which exists only in this value and is never stored. */
export interface CreatedApiKey {
  row: ApiKeyRow;
  key: string;
}

/** Stores a new key (its hash) with these scopes, in canonical order, and returns the key once. */
export async function createApiKey(
  db: DrizzleD1Database,
  input: { name: string; scopes: readonly Scope[] },
): Promise<CreatedApiKey> {
  const generated = await generateApiKey();
  const row: ApiKeyRow = {
    id: crypto.randomUUID(),
    name: input.name,
    scopes: normalizeScopes(input.scopes),
    prefix: generated.prefix,
    keyHash: generated.hash,
    createdAt: new Date().toISOString(),
    lastUsedAt: null,
    revokedAt: null,
  };
  await insertApiKey(db, row);
  return { row, key: generated.key };
}

/** Revokes a key at once in this isolate (others within API_KEY_CACHE_TTL_MS); undefined when there is no such key. */
export async function revokeApiKeyNow(db: DrizzleD1Database, id: string): Promise<ApiKeyRow | undefined> {
  const row = await revokeApiKey(db, id, new Date().toISOString());
  if (row) forgetApiKey(id);
  return row;
}
