/**
 * /tools: the registry's CRUD routes and execute. Each route's definition
 * sits beside its handler.
 */
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { drizzle } from "drizzle-orm/d1";
import { scoped } from "../access/middleware";
import { describeFailure } from "../engine/outcomes";
import { runStoredTool } from "../engine/run";
import type { AppBindings, Env } from "../env";
import { AppError } from "../problem";
import { connectionsByIds, findConnection } from "../registry/connections";
import { etagMatches, etagOf, presentStoredTool, presentTool } from "../registry/present";
import { getRunnableTool, listTools, type Db, type RunnableTool } from "../registry/queries";
import { runnableToolById, runnableToolByName } from "../registry/runnable";
import { savedByOf } from "../registry/versions";
import { createTool, removeTool, replaceToolDefinition } from "../registry/writes";
import { EXECUTE_403, EXECUTE_409, problems, problemsWith } from "./openapi";
import { decodeCursor, pageOf } from "./pagination";
import {
  ExecuteInput,
  ExecuteResult,
  IdParam,
  NameParam,
  StoredTool,
  Tool,
  ToolInput,
  ToolList,
  ToolListQuery,
} from "./schemas";

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
  operationId: "createTool",
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
  const row = await createTool(c.env, c.req.valid("json"), savedByOf(c.get("principal")));
  c.header("ETag", etagOf(row));
  c.header("Location", `/tools/${row.id}`);
  return c.json(presentTool(row, await connectionOf(drizzle(c.env.DB), row)), 201);
});

const listToolsRoute = createRoute({
  method: "get",
  path: "/tools",
  operationId: "listTools",
  tags: ["Tools"],
  summary: "List tools, oldest first",
  description:
    "With `name`, the one tool of that exact name, if there is one. With `q`, the tools whose name or description contains that text.",
  ...scoped("tools:read"),
  request: { query: ToolListQuery },
  responses: {
    200: { description: "A page of tools.", content: { "application/json": { schema: ToolList } } },
    ...problems(400, 401, 403, 422, 500),
  },
});

toolsApi.openapi(listToolsRoute, async (c) => {
  const { limit, cursor, name, q } = c.req.valid("query");
  const db = drizzle(c.env.DB);
  const rows = await listTools(db, limit, decodeCursor(cursor), { name, search: q });
  const connectionIdOf = (row: (typeof rows)[number]) => ("connectionId" in row ? row.connectionId : null);
  const connections = await connectionsByIds(
    db,
    rows.slice(0, limit).flatMap((row) => connectionIdOf(row) ?? []),
  );
  return c.json(
    pageOf(
      rows,
      limit,
      (row) => row.createdAt,
      (row) => presentStoredTool(row, connections.get(connectionIdOf(row) ?? "") ?? null),
    ),
    200,
  );
});

const getToolRoute = createRoute({
  method: "get",
  path: "/tools/{id}",
  operationId: "getTool",
  tags: ["Tools"],
  summary: "Get a tool",
  ...scoped("tools:read"),
  request: { params: IdParam },
  responses: {
    200: {
      description: "The tool; a stored row that does not read in full is a DamagedTool, which says what is wrong.",
      headers: z.object({ ETag: ETagHeader }),
      content: { "application/json": { schema: StoredTool } },
    },
    ...problems(401, 403, 404, 422, 500),
  },
});

toolsApi.openapi(getToolRoute, async (c) => {
  const { tool, connection } = await getRunnableTool(drizzle(c.env.DB), c.req.valid("param").id);
  c.header("ETag", etagOf(tool));
  return c.json(presentStoredTool(tool, connection), 200);
});

const replaceToolRoute = createRoute({
  method: "put",
  path: "/tools/{id}",
  operationId: "replaceTool",
  tags: ["Tools"],
  summary: "Replace a tool",
  description:
    "Replaces the whole definition and increments `version`. Secret fields left out keep their stored values only if the auth type and the origins of `endpoint_url` and `token_url` are unchanged; otherwise they must be sent again. With `connection_id` the tool uses that connection's credential instead (leave `auth_config` out), and its endpoint must be on one of the connection's allowed origins. Send `If-Match` with the ETag you read to avoid overwriting someone else's change.",
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
  const ifMatch = c.req.valid("header")["if-match"];
  const row = await replaceToolDefinition(
    c.env,
    c.req.valid("param").id,
    c.req.valid("json"),
    (version) => ifMatch === undefined || etagMatches(ifMatch, version),
    savedByOf(c.get("principal")),
  );
  c.header("ETag", etagOf(row));
  return c.json(presentTool(row, await connectionOf(drizzle(c.env.DB), row)), 200);
});

/** The connection a tool uses, for presenting it (its auth config); null for a tool with its own credential. */
async function connectionOf(db: Db, row: { connectionId: string | null }) {
  return row.connectionId === null ? null : ((await findConnection(db, row.connectionId)) ?? null);
}

const deleteToolRoute = createRoute({
  method: "delete",
  path: "/tools/{id}",
  operationId: "deleteTool",
  tags: ["Tools"],
  summary: "Delete a tool",
  description: "Deletes the tool, its auth config and its cached OAuth2 token. Its execution logs are kept for audit.",
  ...scoped("tools:write"),
  request: { params: IdParam },
  responses: { 204: { description: "Deleted." }, ...problems(401, 403, 404, 422, 500) },
});

toolsApi.openapi(deleteToolRoute, async (c) => {
  await removeTool(c.env, c.req.valid("param").id);
  return c.body(null, 204);
});

const executeToolRoute = createRoute({
  method: "post",
  path: "/tools/{id}/execute",
  operationId: "executeTool",
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
    ...problemsWith({ 403: EXECUTE_403, 409: EXECUTE_409 }, 400, 401, 403, 404, 409, 413, 415, 422, 500, 502, 504),
  },
});

toolsApi.openapi(executeToolRoute, async (c) => {
  const runnable = await runnableToolById(c.env, c.req.valid("param").id);
  return c.json(
    await executionResult(c.env, (work) => c.executionCtx.waitUntil(work), runnable, c.req.valid("json").input),
    200,
  );
});

const executeToolByNameRoute = createRoute({
  method: "post",
  path: "/tools/by-name/{name}/execute",
  operationId: "executeToolByName",
  tags: ["Execution"],
  summary: "Execute a tool by its name",
  description:
    "The same as POST /tools/{id}/execute, for a tool named by its exact name: the function name a model called. Under its own path because a name can look like an id.",
  ...scoped("tools:execute"),
  request: { params: NameParam, body: jsonBody(ExecuteInput) },
  responses: executeToolRoute.responses,
});

toolsApi.openapi(executeToolByNameRoute, async (c) => {
  const runnable = await runnableToolByName(c.env, c.req.valid("param").name);
  return c.json(
    await executionResult(c.env, (work) => c.executionCtx.waitUntil(work), runnable, c.req.valid("json").input),
    200,
  );
});

/** Both execute routes: run the tool, and answer its result, or its failure as problem+json. */
async function executionResult(
  env: Env,
  waitUntil: (work: Promise<unknown>) => void,
  runnable: RunnableTool,
  input: Record<string, unknown>,
): Promise<z.infer<typeof ExecuteResult>> {
  const { tool, report } = await runStoredTool(env, waitUntil, runnable, input);
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
  return {
    execution_id: report.executionId,
    tool_id: tool.id,
    tool_version: tool.version,
    status_code: result.statusCode,
    output: result.output,
    duration_ms: report.durationMs,
  };
}
