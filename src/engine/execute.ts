/**
 * The execution pipeline: validate input, open secrets (the tool's own, or
 * its connection's), run the executor, validate output, and produce the log
 * row. The caller (./run.ts) loads the tool with its connection and writes
 * the log row after responding.
 */
import type { ConnectionRow, ExecutionRow, ToolRow } from "../db/schema";
import type { Env } from "../env";
import type { RunnableTool } from "../registry/queries";
import { damageInWords, isDamaged } from "../registry/stored-tool";
import type { AttachParams } from "./auth";
import { authorizationCodeStore, ConnectionChanged } from "./auth/authorization-code";
import { missingConnectionSecrets } from "./auth/connection-status";
import { TokenCache } from "./auth/token-cache";
import { newExecutionId } from "./execution-id";
import { EXECUTORS, type ExecutorResult } from "./executors";
import { readOutboundSettings } from "./outbound/settings";
import { openConnectionSecrets, openToolSecrets } from "./open-secrets";
import { describeFailure, type ExecutionFailure } from "./outcomes";
import { Redactor, truncateText } from "./redact";
import { newRunTrace, storedRunDetail, type RunTrace } from "./run-detail";
import { jsonPrefix } from "./json-prefix";
import { inputProblems, outputProblems, preparedInput } from "./tool-validation";

/** How much input and output a log row keeps (characters of JSON). */
export const LOG_PAYLOAD_LIMIT = 16 * 1024;

export interface ExecuteDeps {
  env: Env;
  /** Work that may finish after the response (ctx.waitUntil). */
  defer: (work: Promise<unknown>) => void;
}

export interface ExecutionReport {
  executionId: string;
  durationMs: number;
  result: ExecutorResult["result"];
  /** What was sent upstream (method, URL, header names), or null when nothing was due. */
  request: ExecutorResult["request"];
  logRow: ExecutionRow;
}

export async function executeTool(
  { tool, connection }: RunnableTool,
  rawInput: Record<string, unknown>,
  deps: ExecuteDeps,
): Promise<ExecutionReport> {
  const started = Date.now();
  const startedAt = new Date(started);
  const executionId = newExecutionId(started);
  const redactor = new Redactor();
  const trace = newRunTrace();

  // A row that does not read in full (src/registry/stored-tool.ts) cannot run; it is still logged.
  const damaged = isDamaged(tool);
  // A null for an optional property that cannot be null means "not given" (strict-mode callers send them).
  const input = damaged ? rawInput : preparedInput(tool, rawInput);
  let outcome: ExecutorResult;
  try {
    outcome = damaged
      ? failed(null, { kind: "tool_damaged", detail: damageInWords(tool) })
      : await run(tool, connection, input, deps, redactor, trace, startedAt);
  } catch (err) {
    // The connection's definition was stale (a cached one): the caller runs it again, read fresh (./run.ts).
    if (err instanceof ConnectionChanged) throw err;
    // A bug or a platform failure (KV down, say): still answered as a problem and logged.
    console.error(
      JSON.stringify({ msg: "execution failed unexpectedly", tool_id: tool.id, name: (err as Error)?.name }),
    );
    outcome = failed(null, { kind: "internal_error" });
  }

  // Everything that leaves an execution passes through the redactor once, here:
  // upstream bodies that echo credentials, token-endpoint errors, outputs.
  outcome = {
    request: outcome.request,
    attempts: redactor.scrubValue(outcome.attempts ?? null),
    result: redactor.scrubValue(outcome.result),
  };

  const durationMs = Date.now() - started;
  return {
    executionId,
    durationMs,
    result: outcome.result,
    request: outcome.request,
    logRow: logRowFor(tool, executionId, startedAt, durationMs, input, outcome, redactor, trace),
  };
}

/** Validate input, open secrets, run the executor, validate output. Failures are values. */
async function run(
  tool: ToolRow,
  connection: ConnectionRow | null,
  input: Record<string, unknown>,
  deps: ExecuteDeps,
  redactor: Redactor,
  trace: RunTrace,
  now: Date,
): Promise<ExecutorResult> {
  const inputErrors = inputProblems(tool, input);
  if (inputErrors.length > 0) return failed(null, { kind: "input_invalid", errors: inputErrors });

  const usesConnection = tool.connectionId !== null && tool.executionType === "http_request";
  if (usesConnection) {
    const notReady = connectionNotReady(tool.connectionId!, connection);
    if (notReady) return failed(null, notReady);
  }
  const credential = usesConnection && connection ? connection : null;
  const opened = credential ? await openConnectionSecrets(credential, deps.env) : await openToolSecrets(tool, deps.env);
  if (!opened.ok)
    return failed(null, {
      kind: "secrets_unavailable",
      reason: opened.reason,
      keyId: opened.keyId,
      ...(credential ? { owner: { kind: "connection" as const, id: credential.id } } : {}),
    });
  for (const value of Object.values(opened.secrets)) redactor.add(value);

  let tokens: TokenCache | undefined;
  const outcome = await EXECUTORS[tool.executionType](tool, input, {
    secrets: opened.secrets,
    authParams: (credential?.authParams ?? tool.authParams) as AttachParams,
    connection: credential && {
      id: credential.id,
      name: credential.name,
      secretsVersion: credential.secretsVersion,
      allowedOrigins: credential.allowedOrigins,
    },
    tokens: () => {
      if (!opened.keyring) throw new Error("token cache requested for a tool without sealed secrets");
      return (tokens ??= new TokenCache(deps.env.TOKEN_CACHE, opened.keyring, deps.defer));
    },
    authorizationCode: () => {
      if (!credential || !opened.keyring) throw new Error("token state requested for a call without a connection");
      return authorizationCodeStore(deps.env, opened.keyring, credential, deps.defer);
    },
    redactor,
    trace,
    now,
    outbound: readOutboundSettings(deps.env),
  });
  if (!outcome.result.ok) return outcome;

  const errors = outputProblems(tool, outcome.result.output);
  if (errors.length > 0)
    return {
      ...failed(outcome.request, {
        kind: "output_invalid",
        errors,
        statusCode: outcome.result.statusCode,
        body: outcome.result.output,
      }),
      attempts: outcome.attempts ?? null,
    };
  return outcome;
}

function failed(request: ExecutorResult["request"], failure: ExecutionFailure): ExecutorResult {
  return { request, result: { ok: false, failure } };
}

/**
 * Why a tool's connection cannot be used now, or null. A secret not set
 * stops the call here; an authorization-code grant that is not usable stops
 * it where the token is read (./auth/index.ts).
 */
function connectionNotReady(connectionId: string, connection: ConnectionRow | null): ExecutionFailure | null {
  if (!connection)
    return { kind: "connection_not_ready", connectionId, connectionName: null, status: "missing", missingSecrets: [] };
  const missing = missingConnectionSecrets(connection);
  if (missing.length === 0) return null;
  return {
    kind: "connection_not_ready",
    connectionId,
    connectionName: connection.name,
    status: "needs_secret",
    missingSecrets: missing,
  };
}

function logRowFor(
  tool: Pick<ToolRow, "id" | "name" | "version">,
  id: string,
  startedAt: Date,
  durationMs: number,
  input: unknown,
  outcome: ExecutorResult,
  redactor: Redactor,
  trace: RunTrace,
): ExecutionRow {
  const result = outcome.result;
  const view = result.ok ? null : describeFailure(result.failure);
  // Value by value first: a short secret is found as a whole string, which JSON text escapes.
  const inputText = loggedJson(redactor.scrubValue(input), redactor);
  const outputValue = result.ok ? result.output : failureOutput(result.failure);
  const outputText = outputValue === undefined ? null : loggedJson(outputValue, redactor);
  return {
    id,
    toolId: tool.id,
    toolName: tool.name,
    toolVersion: tool.version,
    startedAt: startedAt.toISOString(),
    durationMs,
    outcome: view ? view.outcome : "success",
    upstreamStatus: result.ok ? result.statusCode : upstreamStatusOf(result.failure),
    method: outcome.request?.method ?? null,
    url: outcome.request ? redactor.scrub(outcome.request.url) : null,
    errorMessage: view ? redactor.scrub(view.detail) : null,
    input: inputText.text,
    inputTruncated: inputText.truncated,
    output: outputText?.text ?? null,
    outputTruncated: outputText?.truncated ?? false,
    attempts: outcome.attempts ?? null,
    payloadKey: null,
    // Scrubbed here, last: by now the redactor knows every secret of the call, access tokens included.
    detail: storedRunDetail(trace, redactor),
  };
}

/**
 * What a failed execution's log row keeps as its output: the errors, or the
 * upstream body; for a response that failed the output schema, both, so that
 * the run shows what the API returned and the schema can be fixed from it.
 */
function failureOutput(failure: ExecutionFailure): unknown {
  switch (failure.kind) {
    case "input_invalid":
      return { errors: failure.errors };
    case "output_invalid":
      return { errors: failure.errors, response: failure.body };
    case "upstream_status":
      return failure.body;
    default:
      return undefined;
  }
}

function upstreamStatusOf(failure: ExecutionFailure): number | null {
  switch (failure.kind) {
    case "upstream_status":
    case "upstream_unparseable":
    case "response_too_large":
      return failure.upstreamStatus;
    case "output_invalid":
      return failure.statusCode;
    default:
      return null;
  }
}

/**
 * A payload as its log row keeps it: its JSON text scrubbed, then clipped to
 * LOG_PAYLOAD_LIMIT. Only the start of the JSON is written (./json-prefix.ts),
 * enough that after scrubbing, what is kept lies well before the end of what
 * was written: a secret's form that runs over that end, which a scrub of the
 * start alone cannot see, is then wholly past the clip. Replacing a long
 * secret with REDACTED shortens the text, so more is written when too little
 * is left. What is kept is what scrubbing the whole JSON keeps (test/json-prefix.test.ts).
 */
export function loggedJson(value: unknown, redactor: Redactor): { text: string; truncated: boolean } {
  const margin = redactor.cutMargin();
  for (let wanted = LOG_PAYLOAD_LIMIT + margin; ; wanted *= 4) {
    const json = jsonPrefix(value, wanted);
    const scrubbed = redactor.scrub(json?.text ?? "null");
    if (!json || json.complete || scrubbed.length >= LOG_PAYLOAD_LIMIT + margin) return clip(scrubbed);
  }
}

function clip(text: string): { text: string; truncated: boolean } {
  if (text.length <= LOG_PAYLOAD_LIMIT) return { text, truncated: false };
  return { text: truncateText(text, LOG_PAYLOAD_LIMIT), truncated: true };
}
