/**
 * One interface for every execution type. `execute.ts` picks the executor by
 * the tool's `execution_type`; validation and logging are the same for all.
 */
import type { ToolRow } from "../../db/schema";
import type { ExecutionFailure } from "../outcomes";
import type { HttpMethod } from "../request";
import type { Redactor } from "../redact";
import type { TokenCache } from "../auth/token-cache";
import { runFunctionTool } from "./function";
import { runHttpTool } from "./http";

export interface ExecutorContext {
  /** The tool's opened secrets, by field. Only the http executor touches them. */
  secrets: Record<string, string>;
  tokens: () => TokenCache;
  redactor: Redactor;
  now: Date;
}

export interface ExecutorResult {
  /** What was called, without credentials: logged and shown to the caller. */
  request: { method: HttpMethod; url: string } | null;
  result: { ok: true; statusCode: number | null; output: unknown } | { ok: false; failure: ExecutionFailure };
}

export type Executor = (tool: ToolRow, input: Record<string, unknown>, ctx: ExecutorContext) => Promise<ExecutorResult>;

export const EXECUTORS: Record<ToolRow["executionType"], Executor> = {
  http_request: runHttpTool,
  function: runFunctionTool,
};
