/**
 * Execution logs: per tool (newest first) and one by id. Logs outlive their
 * tool, so listing works for a deleted tool's id as long as it has logs.
 */
import { createRoute, OpenAPIHono } from "@hono/zod-openapi";
import { scoped } from "../access/middleware";
import { drizzle } from "drizzle-orm/d1";
import type { AppBindings } from "../env";
import { AppError } from "../problem";
import { findExecution, listExecutions, presentExecution } from "../registry/execution-log";
import { problems } from "./openapi";
import { decodeCursor, pageOf } from "./pagination";
import { Execution, ExecutionList, ExecutionListQuery, IdParam } from "./schemas";

export const executionsApi = new OpenAPIHono<AppBindings>();

const listRoute = createRoute({
  method: "get",
  path: "/tools/{id}/executions",
  operationId: "listToolExecutions",
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
  operationId: "getExecution",
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
