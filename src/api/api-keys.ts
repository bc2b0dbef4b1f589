/**
 * /api-keys: create, list and revoke scoped API keys. Every route needs the
 * `admin` scope. A key is returned once, by create; only its hash is stored.
 */
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { drizzle } from "drizzle-orm/d1";
import { createApiKey, revokeApiKeyNow } from "../access/key-management";
import { scoped } from "../access/middleware";
import { API_KEY_CACHE_TTL_MS } from "../access/principal";
import { listApiKeys } from "../access/store";
import type { ApiKeyRow } from "../db/schema";
import type { AppBindings } from "../env";
import { AppError } from "../problem";
import { problems } from "./openapi";
import { decodeCursor, pageOf } from "./pagination";
import { ApiKey, ApiKeyCreated, ApiKeyInput, ApiKeyList, IdParam, ListQuery } from "./schemas";

export const apiKeysApi = new OpenAPIHono<AppBindings>();

function presentApiKey(row: ApiKeyRow): z.infer<typeof ApiKey> {
  return {
    id: row.id,
    name: row.name,
    scopes: row.scopes,
    prefix: row.prefix,
    created_at: row.createdAt,
    last_used_at: row.lastUsedAt,
    revoked_at: row.revokedAt,
  };
}

const createKeyRoute = createRoute({
  method: "post",
  path: "/api-keys",
  operationId: "createApiKey",
  tags: ["API keys"],
  summary: "Create an API key",
  description: "Returns the key once, in `key`. Store it then: toolgate keeps only its SHA-256 hash.",
  ...scoped("admin"),
  request: { body: { required: true, content: { "application/json": { schema: ApiKeyInput } } } },
  responses: {
    201: {
      description: "The key, with its secret `key`. Never shown again.",
      headers: z.object({
        Location: z.string().openapi({ description: "/api-keys/{id}" }),
        "Cache-Control": z.string().openapi({ description: "no-store: the body holds a secret." }),
      }),
      content: { "application/json": { schema: ApiKeyCreated } },
    },
    ...problems(400, 401, 403, 413, 415, 422, 500),
  },
});

apiKeysApi.openapi(createKeyRoute, async (c) => {
  const { row, key } = await createApiKey(drizzle(c.env.DB), c.req.valid("json"));
  c.header("Location", `/api-keys/${row.id}`);
  c.header("Cache-Control", "no-store");
  return c.json({ ...presentApiKey(row), key }, 201);
});

const listRoute = createRoute({
  method: "get",
  path: "/api-keys",
  operationId: "listApiKeys",
  tags: ["API keys"],
  summary: "List API keys, oldest first (revoked ones included)",
  ...scoped("admin"),
  request: { query: ListQuery },
  responses: {
    200: {
      description: "A page of API keys, without the keys.",
      content: { "application/json": { schema: ApiKeyList } },
    },
    ...problems(400, 401, 403, 422, 500),
  },
});

apiKeysApi.openapi(listRoute, async (c) => {
  const { limit, cursor } = c.req.valid("query");
  const rows = await listApiKeys(drizzle(c.env.DB), limit, decodeCursor(cursor));
  return c.json(
    pageOf(rows, limit, (row) => row.createdAt, presentApiKey),
    200,
  );
});

const revokeRoute = createRoute({
  method: "delete",
  path: "/api-keys/{id}",
  operationId: "revokeApiKey",
  tags: ["API keys"],
  summary: "Revoke an API key",
  description: `The key stops authenticating: at once in the isolate that serves this request, and within ${API_KEY_CACHE_TTL_MS / 1000} seconds everywhere (each isolate caches keys that long). The row is kept, with \`revoked_at\`, for audit. Revoking twice is not an error.`,
  ...scoped("admin"),
  request: { params: IdParam },
  responses: { 204: { description: "Revoked." }, ...problems(401, 403, 404, 422, 500) },
});

apiKeysApi.openapi(revokeRoute, async (c) => {
  const { id } = c.req.valid("param");
  const row = await revokeApiKeyNow(drizzle(c.env.DB), id);
  if (!row) throw new AppError(404, "api_key_not_found", `There is no API key with id "${id}".`);
  return c.body(null, 204);
});
