/**
 * Execution logs: per tool (newest first) and one by id. Logs outlive their
 * tool, so listing works for a deleted tool's id as long as it has logs.
 */
import { createRoute, OpenAPIHono } from "@hono/zod-openapi";
import { scoped } from "../access/middleware";
import { drizzle } from "drizzle-orm/d1";
import type { ExecutionRow } from "../db/schema";
import type { AppBindings } from "../env";
import { AppError } from "../problem";
import { findExecution, listExecutions } from "../registry/execution-log";
import { problems } from "./openapi";
import { decodeCursor, pageOf } from "./pagination";
import { Execution, ExecutionList, ExecutionListQuery, IdParam } from "./schemas";

export const executionsApi = new OpenAPIHono<AppBindings>();

export function presentExecution(row: ExecutionRow) {
  return {
    id: row.id,
    tool_id: row.toolId,
    tool_name: row.toolName,
    tool_version: row.toolVersion,
    started_at: row.startedAt,
    duration_ms: row.durationMs,
    outcome: row.outcome,
    upstream_status: row.upstreamStatus,
    method: row.method,
    url: row.url,
    error_message: row.errorMessage,
    input: storedJson(row.input, row.inputTruncated),
    input_truncated: row.inputTruncated,
    output: storedJson(row.output, row.outputTruncated),
    output_truncated: row.outputTruncated,
    attempts: row.attempts,
  };
}

/** Stored payloads are JSON text; a truncated one is returned as the text it kept. */
function storedJson(text: string | null, truncated: boolean): unknown {
  if (text === null) return null;
  if (truncated) return text;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

const listRoute = createRoute({
  method: "get",
  path: "/tools/{id}/executions",
  tags: ["Execution"],
  summary: "A tool's execution log, newest first",
  ...scoped("executions:read"),
  request: { params: IdParam, query: ExecutionListQuery },
  responses: {
    200: { description: "A page of executions.", content: { "application/json": { schema: ExecutionList } } },
    ...problems(400, 401, 403, 404, 422, 500),
  },
});

executionsApi.openapi(listRoute, async (c) => {
  const { limit, cursor, outcome } = c.req.valid("query");
  const rows = await listExecutions(drizzle(c.env.DB), c.req.valid("param").id, {
    limit,
    after: decodeCursor(cursor),
    outcome,
  });
  return c.json(
    pageOf(rows, limit, (row) => row.startedAt, presentExecution),
    200,
  );
});

const getRoute = createRoute({
  method: "get",
  path: "/executions/{id}",
  tags: ["Execution"],
  summary: "One execution log entry",
  ...scoped("executions:read"),
  request: { params: IdParam },
  responses: {
    200: { description: "The log entry.", content: { "application/json": { schema: Execution } } },
    ...problems(401, 403, 404, 422, 500),
  },
});

executionsApi.openapi(getRoute, async (c) => {
  const { id } = c.req.valid("param");
  const row = await findExecution(drizzle(c.env.DB), id);
  if (!row) throw new AppError(404, "execution_not_found", `There is no execution with id "${id}".`);
  return c.json(presentExecution(row), 200);
});
