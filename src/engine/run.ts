/**
 * Running a stored tool for a caller (the API's execute routes, the UI's test
 * panel, MCP's tools/call): find it, execute it, and write its log row after
 * the response.
 */
import type { Env } from "../env";
import { recordExecution } from "../registry/execution-log";
import { runnableToolById } from "../registry/runnable";
import type { StoredTool } from "../registry/stored-tool";
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
  const { tool } = await runnableToolById(env, toolId);
  return runStoredTool(env, waitUntil, tool, input);
}

/** The same, for a tool the caller has already found (by name, through the cache; or read fresh, as the UI shows it). */
export async function runStoredTool(
  env: Env,
  waitUntil: (work: Promise<unknown>) => void,
  tool: StoredTool,
  input: Record<string, unknown>,
): Promise<ToolRun> {
  const defer = (work: Promise<unknown>) => waitUntil(work.catch(logDeferredFailure));
  const report = await executeTool(tool, input, { env, defer });
  defer(recordExecution(env, report.logRow));
  return { tool, report };
}

function logDeferredFailure(err: unknown): void {
  console.error(JSON.stringify({ msg: "deferred work failed", name: (err as Error)?.name }));
}
