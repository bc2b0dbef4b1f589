/**
 * Running a stored tool for a caller (the API's execute route, the UI's test
 * panel, MCP's tools/call): load it, execute it, and write its log row after
 * the response.
 */
import { drizzle } from "drizzle-orm/d1";
import type { Env } from "../env";
import { recordExecution } from "../registry/execution-log";
import { getTool } from "../registry/queries";
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
  return runStoredTool(env, waitUntil, await getTool(drizzle(env.DB), toolId), input);
}

/** The same, for a tool the caller has already loaded (MCP finds tools by name). */
export async function runStoredTool(
  env: Env,
  waitUntil: (work: Promise<unknown>) => void,
  tool: StoredTool,
  input: Record<string, unknown>,
): Promise<ToolRun> {
  const defer = (work: Promise<unknown>) => waitUntil(work.catch(logDeferredFailure));
  const report = await executeTool(tool, input, { env, defer });
  defer(recordExecution(env.DB, report.logRow));
  return { tool, report };
}

function logDeferredFailure(err: unknown): void {
  console.error(JSON.stringify({ msg: "deferred work failed", name: (err as Error)?.name }));
}
