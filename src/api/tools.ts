/**
 * /tools: the registry's CRUD routes and execute. Each route's definition
 * sits beside its handler.
 */
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { scoped } from "../access/middleware";
import { drizzle } from "drizzle-orm/d1";
import { executions } from "../db/schema";
import { executeTool } from "../engine/execute";
import { requireOutboundSettings } from "../engine/outbound/settings";
import { describeFailure } from "../engine/outcomes";
import type { AppBindings } from "../env";
import { AppError } from "../problem";
import { normalizeDefinition, toolRow } from "../registry/definition";
import { forgetCachedToken } from "../registry/forget-token";
import { etagMatches, etagOf, presentTool } from "../registry/present";
import {
  deleteTool,
  getTool,
  insertTool,
  listTools,
  replaceTool,
  toolNotFound,
  versionMismatch,
} from "../registry/queries";
import { sealToolSecrets } from "../registry/secrets";
import { EXECUTE_403, problems, problemsWith } from "./openapi";
import { decodeCursor, pageOf } from "./pagination";
import { ExecuteInput, ExecuteResult, ListQuery, Tool, IdParam, ToolInput, ToolList } from "./schemas";

export const toolsApi = new OpenAPIHono<AppBindings>();

const jsonBody = <T extends z.ZodType>(schema: T) => ({
  required: true,
  content: { "application/json": { schema } },
});

const ETagHeader = z.string().openapi({ description: "The tool's version, quoted." });

const toolResponse = (description: string) => ({
  description,
  headers: z.object({ ETag: ETagHeader }),
  content: { "application/json": { schema: Tool } },
});

const createToolRoute = createRoute({
  method: "post",
  path: "/tools",
  tags: ["Tools"],
  summary: "Register a tool",
  ...scoped("tools:write"),
  request: { body: jsonBody(ToolInput) },
  responses: {
    201: {
      ...toolResponse("The tool, as stored. Secret values are never returned."),
      headers: z.object({ ETag: ETagHeader, Location: z.string().openapi({ description: "/tools/{id}" }) }),
    },
    ...problems(400, 401, 403, 409, 413, 415, 422, 500),
  },
});

toolsApi.openapi(createToolRoute, async (c) => {
  const def = normalizeDefinition(c.req.valid("json"), requireOutboundSettings(c.env));
  const id = crypto.randomUUID();
  const secrets = await sealToolSecrets(
    c.env,
    id,
    { params: def.authParams, endpointUrl: def.endpointUrl, provided: def.providedSecrets },
    null,
  );
  const now = new Date().toISOString();
  const row = toolRow(id, def, secrets, { version: 1, createdAt: now, updatedAt: now });
  await insertTool(drizzle(c.env.DB), row);
  c.header("ETag", etagOf(row));
  c.header("Location", `/tools/${id}`);
  return c.json(presentTool(row), 201);
});

const listToolsRoute = createRoute({
  method: "get",
  path: "/tools",
  tags: ["Tools"],
  summary: "List tools, oldest first",
  ...scoped("tools:read"),
  request: { query: ListQuery },
  responses: {
    200: { description: "A page of tools.", content: { "application/json": { schema: ToolList } } },
    ...problems(400, 401, 403, 422, 500),
  },
});

toolsApi.openapi(listToolsRoute, async (c) => {
  const { limit, cursor } = c.req.valid("query");
  const rows = await listTools(drizzle(c.env.DB), limit, decodeCursor(cursor));
  return c.json(
    pageOf(rows, limit, (row) => row.createdAt, presentTool),
    200,
  );
});

const getToolRoute = createRoute({
  method: "get",
  path: "/tools/{id}",
  tags: ["Tools"],
  summary: "Get a tool",
  ...scoped("tools:read"),
  request: { params: IdParam },
  responses: { 200: toolResponse("The tool."), ...problems(401, 403, 404, 422, 500) },
});

toolsApi.openapi(getToolRoute, async (c) => {
  const row = await getTool(drizzle(c.env.DB), c.req.valid("param").id);
  c.header("ETag", etagOf(row));
  return c.json(presentTool(row), 200);
});

const replaceToolRoute = createRoute({
  method: "put",
  path: "/tools/{id}",
  tags: ["Tools"],
  summary: "Replace a tool",
  description:
    "Replaces the whole definition and increments `version`. Secret fields left out keep their stored values only if the auth type and the origins of `endpoint_url` and `token_url` are unchanged; otherwise they must be sent again. Send `If-Match` with the ETag you read to avoid overwriting someone else's change.",
  ...scoped("tools:write"),
  request: {
    params: IdParam,
    headers: z.object({ "if-match": z.string().optional().openapi({ description: "The ETag from a previous read." }) }),
    body: jsonBody(ToolInput),
  },
  responses: {
    200: toolResponse("The tool, as stored."),
    ...problems(400, 401, 403, 404, 409, 412, 413, 415, 422, 500),
  },
});

toolsApi.openapi(replaceToolRoute, async (c) => {
  const db = drizzle(c.env.DB);
  const previous = await getTool(db, c.req.valid("param").id);
  const ifMatch = c.req.valid("header")["if-match"];
  if (ifMatch !== undefined && !etagMatches(ifMatch, previous.version)) throw versionMismatch(previous.id);
  const def = normalizeDefinition(c.req.valid("json"), requireOutboundSettings(c.env));
  const secrets = await sealToolSecrets(
    c.env,
    previous.id,
    { params: def.authParams, endpointUrl: def.endpointUrl, provided: def.providedSecrets },
    previous,
  );
  const row = toolRow(previous.id, def, secrets, {
    version: previous.version + 1,
    createdAt: previous.createdAt,
    updatedAt: new Date().toISOString(),
  });
  await replaceTool(db, row, previous.version);
  c.header("ETag", etagOf(row));
  return c.json(presentTool(row), 200);
});

const deleteToolRoute = createRoute({
  method: "delete",
  path: "/tools/{id}",
  tags: ["Tools"],
  summary: "Delete a tool",
  description: "Deletes the tool, its auth config and its cached OAuth2 token. Its execution logs are kept for audit.",
  ...scoped("tools:write"),
  request: { params: IdParam },
  responses: { 204: { description: "Deleted." }, ...problems(401, 403, 404, 422, 500) },
});

toolsApi.openapi(deleteToolRoute, async (c) => {
  const db = drizzle(c.env.DB);
  const row = await getTool(db, c.req.valid("param").id);
  if (!(await deleteTool(db, row.id))) throw toolNotFound(row.id);
  if (row.authType === "oauth2") await forgetCachedToken(c.env, row);
  return c.body(null, 204);
});

const executeToolRoute = createRoute({
  method: "post",
  path: "/tools/{id}/execute",
  tags: ["Execution"],
  summary: "Execute a tool",
  description:
    "Validates `input` against the tool's input schema (after filling in defaults), calls the tool, validates the response against its output schema, and returns it parsed. Every execution is logged. Failures are problem+json and carry `execution_id`.",
  ...scoped("tools:execute"),
  request: { params: IdParam, body: jsonBody(ExecuteInput) },
  responses: {
    200: {
      description: "The tool ran and its output is valid.",
      content: { "application/json": { schema: ExecuteResult } },
    },
    ...problemsWith({ 403: EXECUTE_403 }, 400, 401, 403, 404, 413, 415, 422, 500, 502, 504),
  },
});

toolsApi.openapi(executeToolRoute, async (c) => {
  const tool = await getTool(drizzle(c.env.DB), c.req.valid("param").id);
  const defer = (work: Promise<unknown>) => c.executionCtx.waitUntil(work.catch(logDeferredFailure));
  const report = await executeTool(tool, c.req.valid("json").input, { env: c.env, defer });
  defer(drizzle(c.env.DB).insert(executions).values(report.logRow).run());
  const result = report.result;
  if (!result.ok) {
    const view = describeFailure(result.failure);
    throw new AppError(view.status, view.code, view.detail, {
      ...view.extensions,
      execution_id: report.executionId,
      tool_id: tool.id,
      tool_version: tool.version,
      duration_ms: report.durationMs,
    });
  }
  return c.json(
    {
      execution_id: report.executionId,
      tool_id: tool.id,
      tool_version: tool.version,
      status_code: result.statusCode,
      output: result.output,
      duration_ms: report.durationMs,
    },
    200,
  );
});

function logDeferredFailure(err: unknown): void {
  console.error(JSON.stringify({ msg: "deferred work failed", name: (err as Error)?.name }));
}
