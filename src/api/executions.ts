/**
 * Execution logs: per tool (newest first) and one by id. Logs outlive their
 * tool, so listing works for a deleted tool's id as long as it has logs.
 */
import { createRoute, OpenAPIHono } from "@hono/zod-openapi";
import { scoped } from "../access/middleware";
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
  const rows = await listExecutions(c.env, c.req.valid("param").id, {
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
  description:
    "Log rows are written after the response. Without a log queue, the isolate that ran the execution answers from its buffer until the row is in D1. With one (LOG_QUEUE), a row still on its way answers 404 `execution_pending` with Retry-After; so does any isolate that does not hold the row yet. An id that never existed answers 404 `execution_not_found`.",
  ...scoped("executions:read"),
  request: { params: IdParam },
  responses: {
    200: { description: "The log entry.", content: { "application/json": { schema: Execution } } },
    ...problems(401, 403, 404, 422, 500),
  },
});

/** Seconds a caller should wait before asking again for a row that is on its way. */
export const PENDING_RETRY_AFTER_S = { groupCommit: 1, queue: 5 };

executionsApi.openapi(getRoute, async (c) => {
  const { id } = c.req.valid("param");
  const lookup = await findExecution(c.env, id);
  if (lookup.found) return c.json(presentExecution(lookup.row), 200);
  if (lookup.pending)
    throw new AppError(
      404,
      "execution_pending",
      `The log entry of execution "${id}" is not written yet: log rows are written after the response. Ask again after Retry-After seconds.`,
      {},
      { "retry-after": String(c.env.LOG_QUEUE ? PENDING_RETRY_AFTER_S.queue : PENDING_RETRY_AFTER_S.groupCommit) },
    );
  throw new AppError(404, "execution_not_found", `There is no execution with id "${id}".`);
});
