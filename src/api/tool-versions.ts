/**
 * A tool's definition history: every saved version (without secrets), one
 * version, and restoring one as a new version. Versions outlive their tool
 * for audit, so the reads work for a deleted tool's id as long as it has
 * versions.
 */
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { drizzle } from "drizzle-orm/d1";
import { scoped } from "../access/middleware";
import type { AppBindings } from "../env";
import { AppError } from "../problem";
import { etagMatches, etagOf, presentTool } from "../registry/present";
import { presentToolVersion, presentVersionSummary } from "../registry/present-version";
import { findTool } from "../registry/queries";
import { findConnection } from "../registry/connections";
import { restoreToolVersion } from "../registry/restore-version";
import { getToolVersion, listToolVersions, savedByOf } from "../registry/versions";
import { problemsWith } from "./openapi";
import { decodeCursor, encodeCursor } from "./pagination";
import { IdParam, Tool } from "./schemas";
import {
  RestoreInput,
  ToolVersion,
  ToolVersionList,
  ToolVersionListQuery,
  VersionParams,
} from "./tool-version-schemas";

export const toolVersionsApi = new OpenAPIHono<AppBindings>();

const NOT_FOUND = "No such tool (`tool_not_found`), or no such version (`version_not_found`).";

const listRoute = createRoute({
  method: "get",
  path: "/tools/{id}/versions",
  operationId: "listToolVersions",
  tags: ["Tools"],
  summary: "A tool's saved versions, newest first",
  description:
    "Every create, replace, restore and import of a tool saves a version of its definition, without secret values. Versions are kept after the tool is deleted.",
  ...scoped("tools:read"),
  request: { params: IdParam, query: ToolVersionListQuery },
  responses: {
    200: { description: "A page of versions.", content: { "application/json": { schema: ToolVersionList } } },
    ...problemsWith({ 404: NOT_FOUND }, 400, 401, 403, 404, 422, 500),
  },
});

toolVersionsApi.openapi(listRoute, async (c) => {
  const { id } = c.req.valid("param");
  const { limit, cursor } = c.req.valid("query");
  const db = drizzle(c.env.DB);
  const rows = await listToolVersions(db, id, limit, versionBefore(cursor, id));
  // No versions and no tool: an id that never existed. A tool saved before versions were kept lists none.
  if (rows.length === 0 && cursor === undefined && !(await findTool(db, id)))
    throw new AppError(404, "tool_not_found", `There is no tool with id "${id}", and no saved version of one.`);
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return c.json(
    {
      items: page.map(presentVersionSummary),
      next_cursor: rows.length > limit && last ? encodeCursor(String(last.version), id) : null,
    },
    200,
  );
});

/** The version a cursor points after; a cursor issued for another tool is refused. */
function versionBefore(cursor: string | undefined, id: string): number | null {
  const decoded = decodeCursor(cursor);
  if (decoded === null) return null;
  const version = Number(decoded.at);
  if (decoded.id !== id || !Number.isSafeInteger(version))
    throw new AppError(400, "invalid_cursor", "The cursor is not one this API issued; start again without it.");
  return version;
}

const getRoute = createRoute({
  method: "get",
  path: "/tools/{id}/versions/{n}",
  operationId: "getToolVersion",
  tags: ["Tools"],
  summary: "One saved version of a tool",
  ...scoped("tools:read"),
  request: { params: VersionParams },
  responses: {
    200: {
      description: "The version's definition, without secret values.",
      content: { "application/json": { schema: ToolVersion } },
    },
    ...problemsWith({ 404: NOT_FOUND }, 401, 403, 404, 422, 500),
  },
});

toolVersionsApi.openapi(getRoute, async (c) => {
  const { id, n } = c.req.valid("param");
  return c.json(presentToolVersion(await getToolVersion(drizzle(c.env.DB), id, n)), 200);
});

const restoreRoute = createRoute({
  method: "post",
  path: "/tools/{id}/versions/{n}/restore",
  operationId: "restoreToolVersion",
  tags: ["Tools"],
  summary: "Restore a saved version",
  description:
    "Saves version `n`'s definition as the tool's new version, exactly as `PUT /tools/{id}` would (the same checks, 409 and 412). Versions keep no secrets: the current ones are kept when the restored version sends them to the same destination (auth type, endpoint origin, token URL, key name and location, client) as now; otherwise send them in `secrets`, or the answer is 422 `secrets_required` naming what changed. Send `If-Match` with the ETag you read.",
  ...scoped("tools:write"),
  request: {
    params: VersionParams,
    headers: z.object({ "if-match": z.string().optional().openapi({ description: "The ETag from a previous read." }) }),
    body: { required: false, content: { "application/json": { schema: RestoreInput } } },
  },
  responses: {
    200: {
      description: "The tool, as stored: its new version.",
      headers: z.object({ ETag: z.string().openapi({ description: "The tool's new version, quoted." }) }),
      content: { "application/json": { schema: Tool } },
    },
    ...problemsWith({ 404: NOT_FOUND }, 400, 401, 403, 404, 409, 412, 413, 415, 422, 500),
  },
});

toolVersionsApi.openapi(restoreRoute, async (c) => {
  const { id, n } = c.req.valid("param");
  const ifMatch = c.req.valid("header")["if-match"];
  const body = c.req.valid("json") as z.infer<typeof RestoreInput> | undefined;
  const row = await restoreToolVersion(c.env, id, n, {
    secrets: { ...body?.secrets },
    expected: (version) => ifMatch === undefined || etagMatches(ifMatch, version),
    savedBy: savedByOf(c.get("principal")),
  });
  const db = drizzle(c.env.DB);
  const connection = row.connectionId === null ? null : ((await findConnection(db, row.connectionId)) ?? null);
  c.header("ETag", etagOf(row));
  return c.json(presentTool(row, connection), 200);
});
