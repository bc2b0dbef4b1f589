/**
 * Running a stored tool for a caller (the API's execute route, the UI's test
 * panel, MCP's tools/call): load it, execute it, and write its log row after
 * the response.
 */
import { drizzle } from "drizzle-orm/d1";
import type { Env } from "../env";
import { noteConnectionUse } from "../registry/connection-usage";
import { recordExecution } from "../registry/execution-log";
import { getRunnableTool, type RunnableTool } from "../registry/queries";
import type { StoredTool } from "../registry/stored-tool";
import { executeTool, type ExecutionReport } from "./execute";

export interface ToolRun {
  tool: StoredTool;
  report: ExecutionReport;
}

/** `waitUntil` is the request's ExecutionContext.waitUntil: the log row is written after the response. */
export async function runTool(
  env: Env,
  waitUntil: (work: Promise<unknown>) => void,
  toolId: string,
  input: Record<string, unknown>,
): Promise<ToolRun> {
  return runStoredTool(env, waitUntil, await getRunnableTool(drizzle(env.DB), toolId), input);
}

/** The same, for a tool the caller has already loaded with its connection (MCP finds tools by name). */
export async function runStoredTool(
  env: Env,
  waitUntil: (work: Promise<unknown>) => void,
  runnable: RunnableTool,
  input: Record<string, unknown>,
): Promise<ToolRun> {
  const defer = (work: Promise<unknown>) => waitUntil(work.catch(logDeferredFailure));
  const report = await executeTool(runnable, input, { env, defer });
  defer(recordExecution(env.DB, report.logRow));
  if (runnable.connection) noteConnectionUse(env, defer, runnable.connection, report);
  return { tool: runnable.tool, report };
}

function logDeferredFailure(err: unknown): void {
  console.error(JSON.stringify({ msg: "deferred work failed", name: (err as Error)?.name }));
}
