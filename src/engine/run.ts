/**
 * Running a stored tool for a caller (the API's execute routes, the UI's test
 * panel, MCP's tools/call): find it, execute it, and write its log row after
 * the response.
 */
import type { Env } from "../env";
import { noteConnectionUse } from "../registry/connection-usage";
import { recordExecution } from "../registry/execution-log";
import type { RunnableTool } from "../registry/queries";
import { forgetConnection, runnableToolById } from "../registry/runnable";
import type { StoredTool } from "../registry/stored-tool";
import { ConnectionChanged } from "./auth/authorization-code";
import { executeTool, type ExecutionReport } from "./execute";

export interface ToolRun {
  tool: StoredTool;
  report: ExecutionReport;
}

/**
 * Runs the tool `toolId`, found through the isolate's definition cache
 * (src/registry/runnable.ts). `waitUntil` is the request's
 * ExecutionContext.waitUntil: the log row is written after the response.
 */
export async function runTool(
  env: Env,
  waitUntil: (work: Promise<unknown>) => void,
  toolId: string,
  input: Record<string, unknown>,
): Promise<ToolRun> {
  return runStoredTool(env, waitUntil, await runnableToolById(env, toolId), input);
}

/** The same, for a tool the caller has already found with its connection (by name, through the cache; or read fresh, as the UI shows it). */
export async function runStoredTool(
  env: Env,
  waitUntil: (work: Promise<unknown>) => void,
  runnable: RunnableTool,
  input: Record<string, unknown>,
): Promise<ToolRun> {
  const defer = (work: Promise<unknown>) => waitUntil(work.catch(logDeferredFailure));
  let report: ExecutionReport;
  try {
    report = await executeTool(runnable, input, { env, defer });
  } catch (err) {
    // The definition came from this isolate's cache and the connection changed since (another
    // isolate saved and connected it again): nothing was sent, so run once more, read fresh.
    if (!(err instanceof ConnectionChanged)) throw err;
    forgetConnection(err.connectionId);
    runnable = await runnableToolById(env, runnable.tool.id);
    report = await executeTool(runnable, input, { env, defer });
  }
  defer(recordExecution(env, report.logRow));
  if (runnable.connection) noteConnectionUse(env, defer, runnable.connection, report);
  return { tool: runnable.tool, report };
}

function logDeferredFailure(err: unknown): void {
  console.error(JSON.stringify({ msg: "deferred work failed", name: (err as Error)?.name }));
}
