/**
 * Rewrapping tool secrets: every sealed value in `tools.auth_secrets` that is
 * not under the keyring's current key is re-sealed under it, one page of
 * tools at a time. The plaintext never leaves src/crypto/seal.ts.
 *
 * Only rows holding a value under another key are read, so a run after a
 * complete one reads nothing but the rows that failed. A row is written back
 * only if its secrets are still what was read: a concurrent PUT wins, and the
 * next run picks the row up again.
 */
import { and, asc, eq, gt, sql } from "drizzle-orm";
import type { DrizzleD1Database } from "drizzle-orm/d1";
import { rewrapSecret, SealError, toolSecretAad, type Keyring, type SealFailure } from "../crypto/seal";
import { tools } from "../db/schema";

export interface ToolSecretFailure {
  kind: "tool_secret";
  tool_id: string;
  field: string | null;
  reason: SealFailure | "concurrent_change";
  key_id: string | null;
  detail: string;
}

export interface ToolRewrapPage {
  /** Secret values moved to the current key. */
  rewrapped: number;
  failures: ToolSecretFailure[];
  /** The last tool id of this page, or null when no tools are left. */
  after: string | null;
}

export async function rewrapToolSecrets(
  db: DrizzleD1Database,
  keyring: Keyring,
  after: string,
  limit: number,
): Promise<ToolRewrapPage> {
  // A value is current when it starts with exactly `v1.<current id>.` (substr: case-sensitive, unlike LIKE).
  const currentPrefix = `v1.${keyring.current.id}.`;
  const rows = await db
    .select({ id: tools.id, authSecrets: sql<string>`${tools.authSecrets}` })
    .from(tools)
    .where(
      and(
        gt(tools.id, after),
        sql`exists (select 1 from json_each(${tools.authSecrets}) where substr(json_each.value, 1, ${currentPrefix.length}) != ${currentPrefix})`,
      ),
    )
    .orderBy(asc(tools.id))
    .limit(limit + 1)
    .all();
  const page = rows.slice(0, limit);

  let rewrapped = 0;
  const failures: ToolSecretFailure[] = [];
  const updates: { id: string; before: string; after: string; count: number }[] = [];
  for (const row of page) {
    const secrets = JSON.parse(row.authSecrets) as Record<string, string>;
    let changed = 0;
    for (const [field, sealed] of Object.entries(secrets)) {
      try {
        const result = await rewrapSecret(keyring, sealed, toolSecretAad(row.id, field));
        if (result.rewrapped) {
          secrets[field] = result.sealed;
          changed++;
        }
      } catch (err) {
        if (!(err instanceof SealError)) throw err;
        failures.push(sealFailure(row.id, field, err));
      }
    }
    if (changed > 0)
      updates.push({ id: row.id, before: row.authSecrets, after: JSON.stringify(secrets), count: changed });
  }

  if (updates.length > 0) {
    const [first, ...rest] = updates.map((u) =>
      db
        .update(tools)
        .set({ authSecrets: sql`${u.after}` })
        .where(and(eq(tools.id, u.id), sql`${tools.authSecrets} = ${u.before}`)),
    );
    const results = await db.batch([first!, ...rest]);
    results.forEach((result, i) => {
      const update = updates[i]!;
      if (result.meta.changes > 0) rewrapped += update.count;
      else
        failures.push({
          kind: "tool_secret",
          tool_id: update.id,
          field: null,
          reason: "concurrent_change",
          key_id: null,
          detail: "The tool changed or was deleted while it was being rewrapped; run rewrap again.",
        });
    });
  }

  return { rewrapped, failures, after: rows.length > limit ? (page.at(-1)?.id ?? null) : null };
}

function sealFailure(toolId: string, field: string, err: SealError): ToolSecretFailure {
  const fix = `send ${field} again with PUT /tools/${toolId}`;
  const detail = {
    unknown_key: `Sealed under key ${err.keyId}, which is not in the keyring: add that key back to ENCRYPTION_KEYS and run rewrap again, or ${fix}.`,
    auth_failed: `The value fails authentication (altered, or copied from another tool or field): ${fix}.`,
    malformed: `The value is not a sealed value: ${fix}.`,
  }[err.reason];
  return { kind: "tool_secret", tool_id: toolId, field, reason: err.reason, key_id: err.keyId, detail };
}
