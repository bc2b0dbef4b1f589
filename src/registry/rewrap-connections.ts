/**
 * Rewrapping connection secrets: the part of `POST /admin/rewrap` that
 * covers `connections.auth_secrets`, with the rules of ./rewrap.ts for tools.
 * Connections were never sealed in v1, so every value opens only with the
 * binding of its row as it stands (src/engine/auth/binding.ts): a row changed
 * outside the service is reported (`binding_mismatch`), never re-sealed for
 * its new destination. The plaintext never leaves src/crypto/seal.ts.
 *
 * A rewrap changes no secret, so `secrets_version` stays: a cached token is
 * still the one its secret obtained.
 */
import { and, asc, eq, gt, sql } from "drizzle-orm";
import type { DrizzleD1Database } from "drizzle-orm/d1";
import type { Keyring, SealError, SealFailure } from "../crypto/seal";
import { connections } from "../db/schema";
import { connectionSecretOpening } from "../engine/auth/binding";
import { parseObject, rewrapRowSecrets, secretsOf } from "./rewrap";
import { forgetConnection } from "./runnable";

export interface ConnectionSecretFailure {
  kind: "connection_secret";
  connection_id: string;
  /** The secret field; null when the row as a whole is the problem. */
  field: string | null;
  reason: SealFailure | "concurrent_change";
  key_id: string | null;
  detail: string;
}

export interface ConnectionRewrapPage {
  rewrapped: number;
  failures: ConnectionSecretFailure[];
  /** The last connection id of this page, or null when no connections are left. */
  after: string | null;
}

export async function rewrapConnectionSecrets(
  db: DrizzleD1Database,
  keyring: Keyring,
  after: string,
  limit: number,
): Promise<ConnectionRewrapPage> {
  const currentPrefix = `v2.${keyring.current.id}.`;
  const column = connections.authSecrets;
  const rows = await db
    .select({
      id: connections.id,
      // As text: a row whose JSON does not parse must be reported, not fail the query.
      authParams: sql<string>`${connections.authParams}`,
      allowedOrigins: sql<string>`${connections.allowedOrigins}`,
      authSecrets: sql<string>`${column}`,
    })
    .from(connections)
    .where(
      and(
        gt(connections.id, after),
        sql`(not json_valid(${column}) or json_type(${column}) != 'object' or exists (select 1 from ${secretsOf(column)} as s where s.type != 'text' or substr(s.value, 1, ${currentPrefix.length}) != ${currentPrefix}))`,
      ),
    )
    .orderBy(asc(connections.id))
    .limit(limit + 1)
    .all();
  const page = rows.slice(0, limit);

  let rewrapped = 0;
  const failures: ConnectionSecretFailure[] = [];
  const updates: { row: (typeof page)[number]; after: string; count: number }[] = [];
  for (const row of page) {
    const secrets = parseObject(row.authSecrets);
    const authParams = parseObject(row.authParams);
    const allowedOrigins = parseArray(row.allowedOrigins);
    if (!secrets || !authParams || !allowedOrigins) {
      const column = !secrets ? "auth_secrets" : !authParams ? "auth_params" : "allowed_origins";
      failures.push(
        failure(
          row.id,
          null,
          "malformed",
          null,
          `The row's ${column} does not parse, so its secrets cannot be used: ${fix(row.id)}.`,
        ),
      );
      continue;
    }
    const connection = { id: row.id, authParams, allowedOrigins };
    const changed = await rewrapRowSecrets(
      keyring,
      secrets,
      (field) => connectionSecretOpening(connection, field),
      (field, err) => failures.push(sealFailure(row.id, field, err)),
    );
    if (changed > 0) updates.push({ row, after: JSON.stringify(secrets), count: changed });
  }

  if (updates.length > 0) {
    const [first, ...rest] = updates.map(({ row, after }) =>
      db
        .update(connections)
        .set({ authSecrets: sql`${after}` })
        .where(and(eq(connections.id, row.id), sql`${connections.authSecrets} = ${row.authSecrets}`)),
    );
    const results = await db.batch([first!, ...rest]);
    results.forEach((result, i) => {
      const update = updates[i]!;
      if (result.meta.changes > 0) {
        rewrapped += update.count;
        forgetConnection(update.row.id);
      } else
        failures.push(
          failure(
            update.row.id,
            null,
            "concurrent_change",
            null,
            "The connection changed or was deleted while it was being rewrapped; run rewrap again.",
          ),
        );
    });
  }

  return { rewrapped, failures, after: rows.length > limit ? (page.at(-1)?.id ?? null) : null };
}

function parseArray(text: string): unknown[] | null {
  try {
    const value: unknown = JSON.parse(text);
    return Array.isArray(value) ? value : null;
  } catch {
    return null;
  }
}

const fix = (id: string) => `send the connection's auth_config again, secrets included, with PUT /connections/${id}`;

function failure(
  id: string,
  field: string | null,
  reason: ConnectionSecretFailure["reason"],
  keyId: string | null,
  detail: string,
): ConnectionSecretFailure {
  return { kind: "connection_secret", connection_id: id, field, reason, key_id: keyId, detail };
}

function sealFailure(id: string, field: string, err: SealError): ConnectionSecretFailure {
  const again = `send ${field} again with PUT /connections/${id}`;
  const detail: Record<SealFailure, string> = {
    unknown_key: `Sealed under key ${err.keyId}, which is not in the keyring: add that key back to ENCRYPTION_KEYS and run rewrap again, or ${again}.`,
    binding_mismatch: `The value was sealed for another destination: the connection's allowed origins, token URL, API key placement, username or OAuth2 client changed outside toolgate (or the value was copied from elsewhere). It was left as it is: check the connection, and if the change is intended, ${again}.`,
    auth_failed: `The value fails authentication (altered, or copied from elsewhere): ${again}.`,
    legacy_format: `The value is in the v1 format, which connections never used: ${again}.`,
    malformed: `The value is not a sealed value: ${again}.`,
  };
  return failure(id, field, err.reason, err.keyId, detail[err.reason]);
}
