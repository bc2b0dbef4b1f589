/**
 * The http_request executor: build the request, check it against the
 * outbound policy, attach credentials, send it (retries and redirects in
 * ../outbound/send.ts) under the tool's timeout, and parse what comes back.
 */
import { attachAuth, type AttachFailure, type AttachResult } from "../auth";
import { isTimeout } from "../auth/token-endpoint";
import { cancelBody, readTextCapped, type CappedText } from "../body";
import { checkOutboundUrl } from "../outbound/policy";
import { MAX_REDIRECTS } from "../outbound/redirects";
import { NO_RETRY } from "../outbound/retry";
import { sendWithRetries, type AttemptRecord, type SendFailure, type SendPlan } from "../outbound/send";
import type { ExecutionFailure } from "../outcomes";
import { truncateText, type Redactor } from "../redact";
import { isJsonContentType } from "../../encoding";
import { jsonDepthExceeds } from "../../json-depth";
import { buildUpstreamRequest } from "../request";
import { recordRequest, recordResponse, type TokenFetch } from "../run-detail";
import type { DescribedRequest, Executor, ExecutorContext, ExecutorResult } from "./index";

/** How much of an upstream error body is returned to the caller. */
export const UPSTREAM_BODY_PREVIEW_CHARS = 4096;

export const runHttpTool: Executor = async (tool, input, ctx) => {
  if (!ctx.outbound.ok)
    return {
      request: null,
      result: { ok: false, failure: { kind: "outbound_config_invalid", problems: ctx.outbound.problems } },
    };
  const outbound = ctx.outbound.settings;
  const built = buildUpstreamRequest(
    {
      method: tool.method ?? "GET",
      endpointUrl: tool.endpointUrl ?? "",
      headers: tool.headers,
      bodyFormat: tool.bodyFormat,
      inputMapping: tool.inputMapping,
    },
    input,
  );
  if (!built.ok)
    return { request: null, result: { ok: false, failure: { kind: "input_invalid", errors: built.errors } } };
  const request = built.request;
  // For the run detail, before credentials are attached: the credential's place is named, never its value.
  ctx.trace.request = recordRequest(request, ctx.authParams);
  // Recorded before credentials are attached, and scrubbed in case the URL itself holds one.
  const described: DescribedRequest = { method: request.method, url: ctx.redactor.scrub(request.url.toString()) };
  let attempts: AttemptRecord[] = [];
  const fail = (failure: ExecutionFailure): ExecutorResult => ({
    request: described,
    attempts,
    result: { ok: false, failure },
  });

  // Checked before any credential is fetched: a refused endpoint gets no token request either.
  const verdict = checkOutboundUrl(request.url, outbound);
  if (!verdict.ok)
    return fail({
      kind: "outbound_blocked",
      target: "endpoint_url",
      hop: 0,
      reason: verdict.reason,
      message: verdict.message,
    });

  // A connection's credential goes only to the origins it was entered for, however the tool row reads.
  const connection = ctx.connection;
  if (connection && !connection.allowedOrigins.includes(request.url.origin))
    return fail({
      kind: "outbound_blocked",
      target: "endpoint_url",
      hop: 0,
      reason: "origin_not_allowed",
      message: `${request.url.origin} is not one of the allowed origins of connection "${connection.name}" (${connection.allowedOrigins.join(", ")}): add it to the connection's allowed_origins, or change the tool's endpoint_url.`,
    });

  const timeoutMs = tool.timeoutSeconds * 1000;
  const deadline = Date.now() + timeoutMs;
  const signal = AbortSignal.timeout(timeoutMs);
  const auth = {
    params: ctx.authParams,
    secrets: ctx.secrets,
    connection,
    tokens: ctx.tokens,
    authorizationCode: ctx.authorizationCode,
    redactor: ctx.redactor,
    signal,
    outbound,
    onTokenFetch: (fetch: TokenFetch) => ctx.trace.tokenFetches.push(fetch),
  };
  const authFailure = (result: Extract<AttachResult, { ok: false }>) =>
    fail(attachFailure(result.failure, tool.timeoutSeconds, connection));

  const first = await attachAuth(request, auth);
  if (!first.ok) return authFailure(first);
  described.headerNames = [...request.headers.keys()];
  const plan: SendPlan = {
    request,
    credentials: first.credentials,
    retry: tool.retryPolicy ?? NO_RETRY,
    outbound,
    signal,
    deadline,
    redactor: ctx.redactor,
  };
  let sent = await sendWithRetries(plan);
  attempts = sent.attempts;
  if (sent.ok && sent.response.status === 401 && first.cachedToken && sent.credentialsKept) {
    // A cached token was refused: drop it, fetch a new one, and send again exactly once.
    ctx.trace.response = recordResponse(sent.response, null, null);
    await cancelBody(sent.response);
    first.credentials.remove(request.url, request.headers);
    const second = await attachAuth(request, auth, { refused: first.cachedToken });
    if (!second.ok) return authFailure(second);
    sent = await sendWithRetries({ ...plan, credentials: second.credentials, attemptsBefore: attempts.length });
    attempts = [...attempts, ...sent.attempts];
  }
  if (!sent.ok) return fail(sendFailure(sent.failure, tool.timeoutSeconds));

  const response = sent.response;
  let body: CappedText;
  const headersAt = Date.now();
  try {
    body = await readTextCapped(response, tool.maxResponseBytes, signal);
  } catch (err) {
    ctx.trace.response = recordResponse(response, null, null);
    if (isTimeout(err) || signal.aborted)
      return fail({ kind: "timeout", phase: "upstream", timeoutSeconds: tool.timeoutSeconds });
    return fail({ kind: "network_error", phase: "upstream" });
  }
  ctx.trace.response = recordResponse(response, body.ok ? body.text : null, body.ok ? Date.now() - headersAt : null);
  if (!body.ok)
    return fail({ kind: "response_too_large", upstreamStatus: response.status, limitBytes: tool.maxResponseBytes });
  const text = body.text;
  const parsed = parseBody(response.headers.get("content-type"), text);
  // JSON is redacted value by value in the run detail: escapes the text form hides are decoded by then.
  if (parsed.ok && isJsonContentType(response.headers.get("content-type"))) ctx.trace.response.json = parsed.value;

  if (response.status < 200 || response.status > 299) {
    const body = parsed.ok ? parsed.value : text;
    return fail({ kind: "upstream_status", upstreamStatus: response.status, body: previewBody(body, ctx.redactor) });
  }
  if (!parsed.ok) return fail({ kind: "upstream_unparseable", upstreamStatus: response.status });
  return {
    request: described,
    attempts,
    result: { ok: true, statusCode: response.status, output: parsed.value },
  };
};

function sendFailure(failure: SendFailure, timeoutSeconds: number): ExecutionFailure {
  switch (failure.kind) {
    case "timeout":
      return { kind: "timeout", phase: "upstream", timeoutSeconds };
    case "network_error":
      return { kind: "network_error", phase: "upstream" };
    case "too_many_redirects":
      return { kind: "too_many_redirects", limit: MAX_REDIRECTS };
    case "outbound_blocked":
      return {
        kind: "outbound_blocked",
        target: failure.hop === 0 ? "endpoint_url" : "redirect",
        hop: failure.hop,
        reason: failure.refusal.reason,
        message: failure.refusal.message,
      };
  }
}

function attachFailure(
  failure: AttachFailure,
  timeoutSeconds: number,
  connection: ExecutorContext["connection"],
): ExecutionFailure {
  switch (failure.kind) {
    case "unsendable_secret":
      return {
        kind: "secrets_unavailable",
        reason: "unsendable",
        keyId: null,
        ...(connection ? { owner: { kind: "connection" as const, id: connection.id } } : {}),
      };
    case "connection_not_ready":
      return {
        kind: "connection_not_ready",
        connectionId: connection?.id ?? "",
        connectionName: connection?.name ?? null,
        status: failure.status,
        missingSecrets: [],
      };
    case "timeout":
      return { kind: "timeout", phase: "token", timeoutSeconds };
    case "network_error":
      return { kind: "network_error", phase: "token" };
    case "token_error":
      return failure;
    case "outbound_blocked":
      return {
        kind: "outbound_blocked",
        target: "token_url",
        hop: 0,
        reason: failure.refusal.reason,
        message: failure.refusal.message,
      };
  }
}

/** JSON for a JSON content type, null for an empty body, otherwise the text. */
export function parseBody(contentType: string | null, text: string): { ok: true; value: unknown } | { ok: false } {
  if (text.length === 0) return { ok: true, value: null };
  if (!isJsonContentType(contentType)) return { ok: true, value: text };
  // Output validation and redaction recurse: JSON nested deeper than that is refused as unparseable.
  if (jsonDepthExceeds(text)) return { ok: false };
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch {
    return { ok: false };
  }
}

function previewBody(body: unknown, redactor: Redactor): unknown {
  const scrubbed = redactor.scrubValue(body);
  const text = typeof scrubbed === "string" ? scrubbed : JSON.stringify(scrubbed);
  if (text.length <= UPSTREAM_BODY_PREVIEW_CHARS) return scrubbed;
  return `${truncateText(text, UPSTREAM_BODY_PREVIEW_CHARS)}… (truncated)`;
}
