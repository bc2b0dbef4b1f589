/**
 * /admin: operations on the service itself. `POST /admin/rewrap` re-seals
 * stored secrets under the current encryption key, as Vault's transit rewrap
 * does, and reports counts and failures: ids, fields and reasons, never a
 * secret. It works one page at a time (Workers cap the D1 queries and KV
 * operations of one request) and is safe to run any number of times.
 */
import { createRoute, OpenAPIHono } from "@hono/zod-openapi";
import { drizzle } from "drizzle-orm/d1";
import { scoped } from "../access/middleware";
import { loadKeyring } from "../crypto/keyring";
import { rewrapCachedTokens, type TokenFailure } from "../engine/auth/token-rewrap";
import type { AppBindings } from "../env";
import { AppError } from "../problem";
import { rewrapToolSecrets, type ToolSecretFailure } from "../registry/rewrap";
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
    "Re-seals every tool secret not under the current key of ENCRYPTION_KEYS, and deletes cached OAuth2 tokens sealed under any other key (their cache names derive from that key, so they are never read again; the next execution fetches a fresh token). Works a page at a time: call again with `next_cursor` until it is null. Values already under the current key are left alone, so it is safe to re-run. Never returns a secret.",
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
  let position = decodeCursor(cursor) ?? { at: "tools", id: "" };
  if (position.at !== "tools" && position.at !== "tokens")
    throw new AppError(400, "invalid_cursor", "The cursor is not one this API issued; start again without it.");
  const keyring = await loadKeyring(c.env);

  let rewrapped = 0;
  let kept = 0;
  let dropped = 0;
  const failures: (ToolSecretFailure | TokenFailure)[] = [];
  let next: string | null = null;

  if (position.at === "tools") {
    const page = await rewrapToolSecrets(drizzle(c.env.DB), keyring, position.id, limit);
    rewrapped = page.rewrapped;
    failures.push(...page.failures);
    if (page.after !== null) next = encodeCursor("tools", page.after);
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
    cached_tokens: { kept, dropped, failed: failures.filter((f) => f.kind === "cached_token").length },
    failures,
    next_cursor: next,
  };
  // An audit line: counts and ids only.
  console.log(
    JSON.stringify({
      msg: "rewrap",
      current_key_id: report.current_key_id,
      tool_secrets: report.tool_secrets,
      cached_tokens: report.cached_tokens,
      more: next !== null,
    }),
  );
  return c.json(report, 200);
});
