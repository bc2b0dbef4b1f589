/** api_keys rows in D1, through Drizzle: the few statements key management and lookup need. */
import { and, asc, eq, gt, isNull, lt, or } from "drizzle-orm";
import type { DrizzleD1Database } from "drizzle-orm/d1";
import { apiKeys, type ApiKeyRow } from "../db/schema";

type Db = DrizzleD1Database;

export async function insertApiKey(db: Db, row: ApiKeyRow): Promise<void> {
  await db.insert(apiKeys).values(row).run();
}

export async function findApiKeyByHash(db: Db, keyHash: string): Promise<ApiKeyRow | undefined> {
  return db.select().from(apiKeys).where(eq(apiKeys.keyHash, keyHash)).get();
}

/** Oldest first, keyset-paginated like /tools. */
export async function listApiKeys(
  db: Db,
  limit: number,
  after: { at: string; id: string } | null,
): Promise<ApiKeyRow[]> {
  return db
    .select()
    .from(apiKeys)
    .where(
      after
        ? or(gt(apiKeys.createdAt, after.at), and(eq(apiKeys.createdAt, after.at), gt(apiKeys.id, after.id)))
        : undefined,
    )
    .orderBy(asc(apiKeys.createdAt), asc(apiKeys.id))
    .limit(limit + 1)
    .all();
}

/** Revokes a key; revoking it again keeps the first `revoked_at`. Undefined when there is no such key. */
export async function revokeApiKey(db: Db, id: string, at: string): Promise<ApiKeyRow | undefined> {
  await db
    .update(apiKeys)
    .set({ revokedAt: at })
    .where(and(eq(apiKeys.id, id), isNull(apiKeys.revokedAt)))
    .run();
  return db.select().from(apiKeys).where(eq(apiKeys.id, id)).get();
}

/** Records a use, unless one at least as recent as `staleBefore` is already recorded. */
export async function touchApiKey(db: Db, id: string, at: string, staleBefore: string): Promise<void> {
  await db
    .update(apiKeys)
    .set({ lastUsedAt: at })
    .where(and(eq(apiKeys.id, id), or(isNull(apiKeys.lastUsedAt), lt(apiKeys.lastUsedAt, staleBefore))))
    .run();
}

export async function findApiKeyById(db: Db, id: string): Promise<ApiKeyRow | undefined> {
  return db.select().from(apiKeys).where(eq(apiKeys.id, id)).get();
}
