/**
 * One interface for every execution type. `execute.ts` picks the executor by
 * the tool's `execution_type`; validation and logging are the same for all.
 */
import type { ToolRow } from "../../db/schema";
import type { ExecutionFailure } from "../outcomes";
import type { HttpMethod } from "../request";
import type { Redactor } from "../redact";
import type { AttachParams, ConnectionIdentity } from "../auth";
import type { AuthorizationCodeStore } from "../auth/authorization-code";
import type { TokenCache } from "../auth/token-cache";
import type { AttemptRecord } from "../outbound/send";
import type { SettingsResult } from "../outbound/settings";
import type { RunTrace } from "../run-detail";
import { runFunctionTool } from "./function";
import { runHttpTool } from "./http";

export interface ExecutorContext {
  /** The opened secrets of the tool, or of its connection, by field. Only the http executor touches them. */
  secrets: Record<string, string>;
  /** How the credential is attached: the tool's own auth config, or its connection's. */
  authParams: AttachParams;
  /** The connection the credential belongs to, or null: its allowed origins bound where the tool may call. */
  connection: (ConnectionIdentity & { allowedOrigins: readonly string[] }) | null;
  tokens: () => TokenCache;
  /** The token state of an authorization-code connection, read per call (never from a definition cache). */
  authorizationCode: () => AuthorizationCodeStore;
  redactor: Redactor;
  /** What the http executor sent and got back, credential-free, for the log row's run detail. */
  trace: RunTrace;
  now: Date;
  /** The outbound policy's settings (or why they cannot be read). Only the http executor sends requests. */
  outbound: SettingsResult;
}

export interface DescribedRequest {
  method: HttpMethod;
  /** The URL as built from the input, before credentials are attached, secrets scrubbed. */
  url: string;
  /** The names (never the values) of the headers sent, credentials included, once they are attached. */
  headerNames?: string[];
}

export interface ExecutorResult {
  /** What was called, without credentials: logged and shown to the caller. */
  request: DescribedRequest | null;
  /** Every attempt at the upstream request, for the log; null when sending was never due. */
  attempts?: AttemptRecord[] | null;
  result: { ok: true; statusCode: number | null; output: unknown } | { ok: false; failure: ExecutionFailure };
}

export type Executor = (tool: ToolRow, input: Record<string, unknown>, ctx: ExecutorContext) => Promise<ExecutorResult>;

export const EXECUTORS: Record<ToolRow["executionType"], Executor> = {
  http_request: runHttpTool,
  function: runFunctionTool,
};
