/**
 * Rewrapping tool secrets: every sealed value in `tools.auth_secrets` that is
 * not a v2 value under the keyring's current key is re-sealed, as v2, under
 * it, one page of tools at a time. The plaintext never leaves
 * src/crypto/seal.ts.
 *
 * - A v1 value (bound to its row and field only) comes out bound to the row's
 *   destination as the row stands now (src/engine/auth/binding.ts). It is
 *   opened only while SEALED_V1_READS is on: once an operator turned v1 reads
 *   off, rewrap must not bring an old value back either.
 * - A v2 value opens only with the binding of the row as it stands, so a row
 *   changed outside the service is reported (`binding_mismatch`), never
 *   re-sealed for its new destination.
 * - Only rows holding a value that is not current are read, so a run after a
 *   complete one reads nothing but the rows that failed.
 * - A row is written back only if its secrets are still what was read: a
 *   concurrent PUT wins, and the next run picks the row up again. (A PUT that
 *   changes the destination must send the secrets again, so it changes them.
 *   A row whose destination is changed in D1 meanwhile gets values bound to
 *   the destination that was read, which then fail closed.)
 * - A corrupt row (auth_secrets or auth_params that do not parse, a value that
 *   is not a string, a value that does not open) is reported by tool and
 *   reason; the run goes on with the next rows.
 */
import { and, asc, eq, gt, sql, type SQLWrapper } from "drizzle-orm";
import type { DrizzleD1Database } from "drizzle-orm/d1";
import {
  rewrapSecret,
  SealError,
  type Keyring,
  type OpenOptions,
  type SealBinding,
  type SealFailure,
} from "../crypto/seal";
import { tools } from "../db/schema";
import { toolSecretOpening } from "../engine/auth/binding";
import { isPlainObject } from "../plain-object";
import { forgetRewrappedTool } from "./runnable";

export interface ToolSecretFailure {
  kind: "tool_secret";
  tool_id: string;
  /** The secret field; null when the row as a whole is the problem. */
  field: string | null;
  reason: SealFailure | "concurrent_change";
  key_id: string | null;
  detail: string;
}

export interface ToolRewrapPage {
  /** Secret values moved to the current key (v1 values included). */
  rewrapped: number;
  failures: ToolSecretFailure[];
  /** The last tool id of this page, or null when no tools are left. */
  after: string | null;
}

/**
 * A value's JSON text in auth_secrets stands for a current value when it is
 * a string that starts with exactly `v2.<current id>.`; `auth_secrets` that is
 * not a JSON object is never current (json_each must not see invalid JSON: it
 * would fail the whole query).
 */
export const secretsOf = (column: SQLWrapper) =>
  sql`json_each(case when json_valid(${column}) and json_type(${column}) = 'object' then ${column} else '{}' end)`;

export async function rewrapToolSecrets(
  db: DrizzleD1Database,
  keyring: Keyring,
  after: string,
  limit: number,
  v1Reads: boolean,
): Promise<ToolRewrapPage> {
  // substr, not LIKE: case-sensitive, and no wildcard characters to escape.
  const currentPrefix = `v2.${keyring.current.id}.`;
  const rows = await db
    .select({
      id: tools.id,
      endpointUrl: tools.endpointUrl,
      // As text: a row whose JSON does not parse must be reported, not fail the query.
      authParams: sql<string>`${tools.authParams}`,
      authSecrets: sql<string>`${tools.authSecrets}`,
    })
    .from(tools)
    .where(
      and(
        gt(tools.id, after),
        sql`(not json_valid(${tools.authSecrets}) or json_type(${tools.authSecrets}) != 'object' or exists (select 1 from ${secretsOf(tools.authSecrets)} as s where s.type != 'text' or substr(s.value, 1, ${currentPrefix.length}) != ${currentPrefix}))`,
      ),
    )
    .orderBy(asc(tools.id))
    .limit(limit + 1)
    .all();
  const page = rows.slice(0, limit);

  let rewrapped = 0;
  const failures: ToolSecretFailure[] = [];
  const updates: { row: (typeof page)[number]; after: string; count: number }[] = [];
  for (const row of page) {
    const secrets = parseObject(row.authSecrets);
    const authParams = parseObject(row.authParams);
    if (!secrets || !authParams) {
      failures.push(corruptRow(row.id, secrets ? "auth_params" : "auth_secrets"));
      continue;
    }
    const tool = { id: row.id, endpointUrl: row.endpointUrl, authParams };
    const changed = await rewrapRowSecrets(
      keyring,
      secrets,
      (field) => toolSecretOpening(tool, field, v1Reads),
      (field, err) => failures.push(sealFailure(row.id, field, err)),
    );
    if (changed > 0) updates.push({ row, after: JSON.stringify(secrets), count: changed });
  }

  if (updates.length > 0) {
    const [first, ...rest] = updates.map(({ row, after }) =>
      db
        .update(tools)
        .set({ authSecrets: sql`${after}` })
        .where(and(eq(tools.id, row.id), sql`${tools.authSecrets} = ${row.authSecrets}`)),
    );
    const results = await db.batch([first!, ...rest]);
    results.forEach((result, i) => {
      const update = updates[i]!;
      if (result.meta.changes > 0) {
        rewrapped += update.count;
        forgetRewrappedTool(update.row.id);
      } else
        failures.push({
          kind: "tool_secret",
          tool_id: update.row.id,
          field: null,
          reason: "concurrent_change",
          key_id: null,
          detail: "The tool changed or was deleted while it was being rewrapped; run rewrap again.",
        });
    });
  }

  return { rewrapped, failures, after: rows.length > limit ? (page.at(-1)?.id ?? null) : null };
}

/** How many stored tool secrets, in the whole database, are still in the v1 format. */
export async function countLegacyToolSecrets(db: DrizzleD1Database): Promise<number> {
  const row = await db.get<{ n: number }>(
    sql`select count(*) as n from ${tools}, ${secretsOf(tools.authSecrets)} as s where s.type = 'text' and substr(s.value, 1, 3) = 'v1.'`,
  );
  return Number(row?.n ?? 0);
}

export function parseObject(text: string): Record<string, unknown> | null {
  try {
    const value: unknown = JSON.parse(text);
    return isPlainObject(value) ? value : null;
  } catch {
    return null;
  }
}

function corruptRow(toolId: string, column: "auth_secrets" | "auth_params"): ToolSecretFailure {
  return {
    kind: "tool_secret",
    tool_id: toolId,
    field: null,
    reason: "malformed",
    key_id: null,
    detail: `The row's ${column} is not a JSON object, so its secrets cannot be used: send the tool's auth_config again, secrets included, with PUT /tools/${toolId}.`,
  };
}

/**
 * Rewraps, in place, each field of one row's secrets with the binding and
 * options `opening` gives for it; answers how many changed. A value that is
 * not a string or does not open goes to `failed`, and the other fields go on.
 * Shared by tools and connections (./rewrap-connections.ts).
 */
export async function rewrapRowSecrets(
  keyring: Keyring,
  secrets: Record<string, unknown>,
  opening: (field: string) => { binding: SealBinding; options: OpenOptions },
  failed: (field: string, err: SealError) => void,
): Promise<number> {
  let changed = 0;
  for (const [field, sealed] of Object.entries(secrets)) {
    if (typeof sealed !== "string") {
      failed(field, new SealError("malformed"));
      continue;
    }
    const { binding, options } = opening(field);
    try {
      const result = await rewrapSecret(keyring, sealed, binding, options);
      if (result.rewrapped) {
        secrets[field] = result.sealed;
        changed++;
      }
    } catch (err) {
      if (!(err instanceof SealError)) throw err;
      failed(field, err);
    }
  }
  return changed;
}

function sealFailure(toolId: string, field: string, err: SealError): ToolSecretFailure {
  const fix = `send ${field} again with PUT /tools/${toolId}`;
  const detail: Record<SealFailure, string> = {
    unknown_key: `Sealed under key ${err.keyId}, which is not in the keyring: add that key back to ENCRYPTION_KEYS and run rewrap again, or ${fix}.`,
    binding_mismatch: `The value was sealed for another destination: the tool's URL, token URL, API key placement or OAuth2 client changed outside toolgate (or the value was copied from another tool or field). It was left as it is: check the tool, and if the change is intended, ${fix}.`,
    auth_failed: `The value fails authentication (altered, or copied from another tool or field): ${fix}.`,
    legacy_format: `The value is in the v1 format and SEALED_V1_READS is not true, so it is not opened: ${fix}, or set SEALED_V1_READS to true and run rewrap again.`,
    malformed: `The value is not a sealed value: ${fix}.`,
  };
  return {
    kind: "tool_secret",
    tool_id: toolId,
    field,
    reason: err.reason,
    key_id: err.keyId,
    detail: detail[err.reason],
  };
}
