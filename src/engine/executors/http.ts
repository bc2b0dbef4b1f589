/**
 * The http_request executor: build the request, attach credentials, call the
 * upstream under the tool's timeout, and parse what comes back.
 */
import { attachAuth } from "../auth";
import { isTimeout, type TokenFailure } from "../auth/oauth2";
import type { ExecutionFailure } from "../outcomes";
import { truncateText, type Redactor } from "../redact";
import { MAX_RESPONSE_BYTES, readTextCapped, type CappedText } from "../body";
import { jsonDepthExceeds } from "../../json-depth";
import { buildUpstreamRequest, type UpstreamRequest } from "../request";
import type { Executor, ExecutorResult } from "./index";

/** How much of an upstream error body is returned to the caller. */
export const UPSTREAM_BODY_PREVIEW_CHARS = 4096;

export const runHttpTool: Executor = async (tool, input, ctx) => {
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
  // Recorded before credentials are attached, and scrubbed in case the URL itself holds one.
  const described = { method: request.method, url: ctx.redactor.scrub(request.url.toString()) };
  const fail = (failure: ExecutionFailure): ExecutorResult => ({ request: described, result: { ok: false, failure } });

  const signal = AbortSignal.timeout(tool.timeoutSeconds * 1000);
  const auth = {
    params: tool.authParams,
    secrets: ctx.secrets,
    tokens: ctx.tokens,
    redactor: ctx.redactor,
    signal,
  };

  const first = await attachAuth(request, auth);
  if (!first.ok) return fail(tokenFailure(first.failure, tool.timeoutSeconds));

  let body: CappedText;
  let response: Response;
  try {
    response = await send(request, signal);
    if (response.status === 401 && first.cachedToken) {
      // A cached token was refused: drop it, fetch a new one, and retry exactly once.
      await response.body?.cancel();
      request.headers.delete("authorization");
      const second = await attachAuth(request, auth, { refused: first.cachedToken });
      if (!second.ok) return fail(tokenFailure(second.failure, tool.timeoutSeconds));
      response = await send(request, signal);
    }
    body = await readTextCapped(response, MAX_RESPONSE_BYTES);
  } catch (err) {
    if (isTimeout(err)) return fail({ kind: "timeout", phase: "upstream", timeoutSeconds: tool.timeoutSeconds });
    return fail({ kind: "network_error", phase: "upstream" });
  }
  if (!body.ok)
    return fail({ kind: "response_too_large", upstreamStatus: response.status, limitBytes: MAX_RESPONSE_BYTES });
  const text = body.text;
  const parsed = parseBody(response.headers.get("content-type"), text);

  if (response.status < 200 || response.status > 299) {
    const body = parsed.ok ? parsed.value : text;
    return fail({ kind: "upstream_status", upstreamStatus: response.status, body: previewBody(body, ctx.redactor) });
  }
  if (!parsed.ok) return fail({ kind: "upstream_unparseable", upstreamStatus: response.status });
  return {
    request: described,
    result: { ok: true, statusCode: response.status, output: parsed.value },
  };
};

function send(request: UpstreamRequest, signal: AbortSignal): Promise<Response> {
  // Redirects are not followed: a redirect could carry credentials to another host.
  return fetch(request.url.toString(), {
    method: request.method,
    headers: request.headers,
    body: request.body,
    signal,
    redirect: "manual",
  });
}

function tokenFailure(failure: TokenFailure, timeoutSeconds: number): ExecutionFailure {
  switch (failure.kind) {
    case "timeout":
      return { kind: "timeout", phase: "token", timeoutSeconds };
    case "network_error":
      return { kind: "network_error", phase: "token" };
    case "token_error":
      return failure;
  }
}

const JSON_MEDIA_TYPE = /^application\/(?:[\w.+-]+\+)?json$/i;

export function isJsonContentType(contentType: string | null): boolean {
  const media = (contentType ?? "").split(";")[0]?.trim() ?? "";
  return JSON_MEDIA_TYPE.test(media);
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
