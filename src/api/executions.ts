/**
 * Execution logs: across tools and per tool (newest first), and one by id.
 * Logs outlive their tool, so listing works for a deleted tool's id as long
 * as it has logs, and the list across tools keeps its runs.
 */
import { createRoute, OpenAPIHono } from "@hono/zod-openapi";
import { scoped } from "../access/middleware";
import type { AppBindings } from "../env";
import { AppError, validationError } from "../problem";
import { findExecution, listAllExecutionsInFull, listExecutions, presentExecution } from "../registry/execution-log";
import { settleLogWrites } from "../registry/log-writer";
import { problems } from "./openapi";
import { decodeCursor, pageOf } from "./pagination";
import { AllExecutionsQuery, Execution, ExecutionList, ExecutionListQuery, IdParam } from "./schemas";

export const executionsApi = new OpenAPIHono<AppBindings>();

const listAllRoute = createRoute({
  method: "get",
  path: "/executions",
  operationId: "listExecutions",
  tags: ["Execution"],
  summary: "The execution log across tools, newest first",
  description:
    "Every tool's runs, deleted tools' included, filtered by tool, outcome, upstream status and start time (`from` inclusive, `to` exclusive). Pages with `next_cursor` like the per-tool list; keep the same filters when following it.",
  ...scoped("executions:read"),
  request: { query: AllExecutionsQuery },
  responses: {
    200: { description: "A page of executions.", content: { "application/json": { schema: ExecutionList } } },
    ...problems(400, 401, 403, 422, 500),
  },
});

executionsApi.openapi(listAllRoute, async (c) => {
  const { limit, cursor, tool_id, outcome, upstream_status, from, to } = c.req.valid("query");
  // Normalised to the form started_at is stored in (toISOString, UTC), which compares as text.
  const fromAt = from === undefined ? undefined : new Date(from).toISOString();
  const toAt = to === undefined ? undefined : new Date(to).toISOString();
  if (fromAt !== undefined && toAt !== undefined && fromAt >= toAt)
    throw validationError("invalid_request", "The request query is not valid.", [
      { path: "/query/to", message: "to must be later than from." },
    ]);
  // This isolate's rows still on their way to D1 are listed too, as on the runs page.
  await settleLogWrites(c.env.DB);
  const rows = await listAllExecutionsInFull(c.env, {
    limit,
    after: decodeCursor(cursor),
    toolId: tool_id,
    outcome,
    upstreamStatus: upstream_status,
    from: fromAt,
    to: toAt,
  });
  return c.json(
    pageOf(rows, limit, (row) => row.startedAt, presentExecution),
    200,
  );
});

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
