/**
 * POST /imports/openapi: an OpenAPI document in, one tool per operation out.
 * The conversion is pure (src/imports/openapi.ts); this edge names the tools
 * against the registry and creates them through the registry's own writes,
 * so every rule and every secret seal is the one POST /tools applies.
 */

import { createRoute, OpenAPIHono } from "@hono/zod-openapi";
import { scoped } from "../access/middleware";
import type { AppBindings } from "../env";
import { MAX_IMPORT_OPERATIONS } from "../imports/openapi";
import { importOpenApi } from "../registry/openapi-import";
import { OpenApiImportRequest, OpenApiImportResponse } from "./imports-openapi-schemas";
import { problems } from "./openapi";

export const openapiImportApi = new OpenAPIHono<AppBindings>();

export const OPENAPI_IMPORT_PATH = "/imports/openapi";
/**
 * This route's body limit (every other route's is 1 MiB): a 16 MiB JSON
 * document, with room for the escaping it gains when sent as a JSON string.
 */
export const MAX_IMPORT_BODY_BYTES = 24 * 1024 * 1024;

const importRoute = createRoute({
  method: "post",
  path: OPENAPI_IMPORT_PATH,
  operationId: "importOpenApi",
  tags: ["Imports"],
  summary: "Import tools from an OpenAPI document",
  description: `Creates one tool per operation of an OpenAPI 3.0 or 3.1 document, or a Swagger 2.0 one (converted to 3.0 first), sent as JSON or YAML text or as a parsed object: inputs from its parameters and request body, the output schema from its first 2xx JSON response, and one connection per security scheme its operations use (created without secrets unless you send them in \`connections\`, or an existing one you map the scheme to; creating one needs the connections:write scope too). Each operation is created or skipped with a reason; with \`dry_run\` nothing is saved and each result carries the tool it would create. At most ${MAX_IMPORT_OPERATIONS} operations per import.`,
  ...scoped("tools:write"),
  request: { body: { required: true, content: { "application/json": { schema: OpenApiImportRequest } } } },
  responses: {
    200: {
      description: "Nothing was created: a dry run, or every operation was skipped.",
      content: { "application/json": { schema: OpenApiImportResponse } },
    },
    201: {
      description: "At least one tool was created.",
      content: { "application/json": { schema: OpenApiImportResponse } },
    },
    ...problems(400, 401, 403, 413, 415, 422, 500),
  },
});

openapiImportApi.openapi(importRoute, async (c) => {
  const response = await importOpenApi(c.env, c.req.valid("json"), c.get("principal")?.scopes ?? []);
  if (response.results.some((r) => r.status === "created")) return c.json(response, 201);
  return c.json(response, 200);
});
