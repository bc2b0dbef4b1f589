/**
 * /admin: operations on the service itself. `POST /admin/rewrap` re-seals
 * stored secrets under the current encryption key, as Vault's transit rewrap
 * does, moves v1 values to the v2 format, and reports counts and failures:
 * ids, fields and reasons, never a secret. It works one page at a time
 * (Workers cap the D1 queries and KV operations of one request) and is safe to
 * run any number of times. Every page also says how many v1 values are left in
 * the whole database, so an operator knows when v1 reads can end.
 */
import { createRoute, OpenAPIHono } from "@hono/zod-openapi";
import { drizzle } from "drizzle-orm/d1";
import { scoped } from "../access/middleware";
import { loadKeyring } from "../crypto/keyring";
import { sealedV1Reads } from "../engine/auth/binding";
import { rewrapCachedTokens, type TokenFailure } from "../engine/auth/token-rewrap";
import type { AppBindings } from "../env";
import { AppError } from "../problem";
import { countLegacyToolSecrets, rewrapToolSecrets, type ToolSecretFailure } from "../registry/rewrap";
import { rewrapConnectionSecrets, type ConnectionSecretFailure } from "../registry/rewrap-connections";
import { problems } from "./openapi";
import { decodeCursor, encodeCursor } from "./pagination";
import { RewrapQuery, RewrapReport } from "./schemas";

export const adminApi = new OpenAPIHono<AppBindings>();

const rewrapRoute = createRoute({
  method: "post",
  path: "/admin/rewrap",
  operationId: "rewrapSecrets",
  tags: ["Admin"],
  summary: "Re-seal stored secrets under the current encryption key",
  description:
    "Re-seals every tool and connection secret that is not a v2 value under the current key of ENCRYPTION_KEYS (v1 values come out as v2, bound to the tool's destination as it stands), and deletes cached OAuth2 tokens sealed under any other key or in the v1 format (their cache names derive from that key, so they are never read again; the next execution fetches a fresh token). Works a page at a time: call again with `next_cursor` until it is null. Values already current are left alone, so it is safe to re-run. A row that cannot be rewrapped is listed in `failures` and the run goes on. `legacy_v1_remaining` counts the v1 values left in the whole database. Never returns a secret.",
  ...scoped("admin"),
  request: { query: RewrapQuery },
  responses: {
    200: {
      description: "What this page did.",
      content: { "application/json": { schema: RewrapReport } },
    },
    ...problems(400, 401, 403, 422, 500),
  },
});

adminApi.openapi(rewrapRoute, async (c) => {
  const { limit, cursor } = c.req.valid("query");
  // Tools, then connections, then cached tokens: one phase after the other, a page at a time.
  let position = decodeCursor(cursor) ?? { at: "tools", id: "" };
  if (position.at !== "tools" && position.at !== "connections" && position.at !== "tokens")
    throw new AppError(400, "invalid_cursor", "The cursor is not one this API issued; start again without it.");
  const keyring = await loadKeyring(c.env);
  const v1Reads = sealedV1Reads(c.env);
  const db = drizzle(c.env.DB);

  let rewrapped = 0;
  let connectionsRewrapped = 0;
  let kept = 0;
  let dropped = 0;
  const failures: (ToolSecretFailure | ConnectionSecretFailure | TokenFailure)[] = [];
  let next: string | null = null;

  if (position.at === "tools") {
    const page = await rewrapToolSecrets(db, keyring, position.id, limit, v1Reads);
    rewrapped = page.rewrapped;
    failures.push(...page.failures);
    if (page.after !== null) next = encodeCursor("tools", page.after);
    else position = { at: "connections", id: "" };
  }
  if (next === null && position.at === "connections") {
    const page = await rewrapConnectionSecrets(db, keyring, position.id, limit);
    connectionsRewrapped = page.rewrapped;
    failures.push(...page.failures);
    if (page.after !== null) next = encodeCursor("connections", page.after);
    else position = { at: "tokens", id: "" };
  }
  if (next === null && position.at === "tokens") {
    const page = await rewrapCachedTokens(c.env.TOKEN_CACHE, keyring, position.id || null, limit);
    kept = page.kept;
    dropped = page.dropped;
    failures.push(...page.failures);
    if (page.cursor !== null) next = encodeCursor("tokens", page.cursor);
  }

  const report = {
    current_key_id: keyring.current.id,
    key_ids: [...keyring.keys.keys()],
    tool_secrets: { rewrapped, failed: failures.filter((f) => f.kind === "tool_secret").length },
    connection_secrets: {
      rewrapped: connectionsRewrapped,
      failed: failures.filter((f) => f.kind === "connection_secret").length,
    },
    cached_tokens: { kept, dropped, failed: failures.filter((f) => f.kind === "cached_token").length },
    failures,
    next_cursor: next,
    ...legacyV1Report(await countLegacyToolSecrets(db), v1Reads),
  };
  // An audit line: counts and ids only.
  console.log(
    JSON.stringify({
      msg: "rewrap",
      current_key_id: report.current_key_id,
      tool_secrets: report.tool_secrets,
      connection_secrets: report.connection_secrets,
      cached_tokens: report.cached_tokens,
      legacy_v1_remaining: report.legacy_v1_remaining,
      more: next !== null,
    }),
  );
  return c.json(report, 200);
});

/** How many v1 values are left, whether they open, and what to do next, in a sentence. */
function legacyV1Report(remaining: number, v1Reads: boolean) {
  const values = `${remaining} tool secret${remaining === 1 ? " is" : "s are"}`;
  let note: string;
  if (remaining === 0)
    note = v1Reads
      ? "No v1 values are left: you can set SEALED_V1_READS to false."
      : "No v1 values are left, and SEALED_V1_READS is off.";
  else
    note = v1Reads
      ? `${values} still in the v1 format. Run rewrap until next_cursor is null; once this count is 0, set SEALED_V1_READS to false.`
      : `${values} in the v1 format and SEALED_V1_READS is not true, so they do not open: send their secrets again with PUT, or set SEALED_V1_READS to true and run rewrap.`;
  return { legacy_v1_remaining: remaining, sealed_v1_reads: v1Reads, legacy_v1_note: note };
}
