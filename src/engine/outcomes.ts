/**
 * Every way an execution can end, and the one exhaustive mapping from each to
 * what the client sees (status, problem code) and what the log records.
 */
import type { ContentfulStatusCode } from "hono/utils/http-status";
import { MAX_JSON_DEPTH } from "../json-depth";
import type { ProblemFieldError } from "../problem";
import { MAX_REPORTED_ERRORS } from "./validation-limits";

/** What an execution log row records as its outcome. */
export const OUTCOMES = [
  "success",
  "input_invalid",
  "output_invalid",
  "upstream_error",
  "timeout",
  "network_error",
  "auth_error",
  "internal_error",
] as const;

export type Outcome = (typeof OUTCOMES)[number];

export type ExecutionFailure =
  | { kind: "input_invalid"; errors: ProblemFieldError[] }
  | { kind: "output_invalid"; errors: ProblemFieldError[]; statusCode: number | null }
  | { kind: "upstream_status"; upstreamStatus: number; body: unknown }
  | { kind: "upstream_unparseable"; upstreamStatus: number }
  | { kind: "response_too_large"; upstreamStatus: number; limitBytes: number }
  | { kind: "timeout"; phase: "upstream" | "token"; timeoutSeconds: number }
  | { kind: "network_error"; phase: "upstream" | "token" }
  | { kind: "token_error"; tokenStatus: number | null; oauthError: string | null; detail: string }
  | { kind: "secrets_unavailable" }
  | { kind: "function_failed"; functionName: string }
  | { kind: "internal_error" };

export interface FailureView {
  status: ContentfulStatusCode;
  code: string;
  outcome: Outcome;
  detail: string;
  extensions: Record<string, unknown>;
}

export function describeFailure(failure: ExecutionFailure): FailureView {
  switch (failure.kind) {
    case "input_invalid":
      return {
        status: 422,
        code: "input_invalid",
        outcome: "input_invalid",
        detail: `The input does not match the tool's input schema (${countErrors(failure.errors)}).`,
        extensions: { errors: failure.errors },
      };
    case "output_invalid":
      return {
        status: 500,
        code: "output_invalid",
        outcome: "output_invalid",
        detail: `The upstream response does not match the tool's output schema (${countErrors(failure.errors)}).`,
        extensions: { errors: failure.errors, upstream_status: failure.statusCode },
      };
    case "upstream_status":
      return {
        status: 502,
        code: "upstream_error",
        outcome: "upstream_error",
        detail: `The upstream API answered ${failure.upstreamStatus}.`,
        extensions: { upstream_status: failure.upstreamStatus, upstream_body: failure.body },
      };
    case "upstream_unparseable":
      return {
        status: 502,
        code: "upstream_invalid_json",
        outcome: "upstream_error",
        detail: `The upstream API declared a JSON response but its body is not valid JSON (or nests deeper than ${MAX_JSON_DEPTH} levels).`,
        extensions: { upstream_status: failure.upstreamStatus },
      };
    case "response_too_large":
      return {
        status: 502,
        code: "response_too_large",
        outcome: "upstream_error",
        detail: `The upstream response is larger than ${failure.limitBytes / (1024 * 1024)} MiB; it was not read further.`,
        extensions: { upstream_status: failure.upstreamStatus },
      };
    case "timeout":
      return {
        status: 504,
        code: "upstream_timeout",
        outcome: "timeout",
        detail:
          failure.phase === "token"
            ? `The OAuth2 token endpoint did not answer within the tool's timeout of ${failure.timeoutSeconds} s.`
            : `The upstream API did not answer within the tool's timeout of ${failure.timeoutSeconds} s.`,
        extensions: {},
      };
    case "network_error":
      return {
        status: 502,
        code: failure.phase === "token" ? "token_endpoint_unreachable" : "upstream_unreachable",
        outcome: failure.phase === "token" ? "auth_error" : "network_error",
        detail:
          failure.phase === "token"
            ? "The OAuth2 token endpoint could not be reached."
            : "The upstream API could not be reached (DNS, connection or TLS failure).",
        extensions: {},
      };
    case "token_error":
      return {
        status: 502,
        code: "token_error",
        outcome: "auth_error",
        detail: `Fetching an OAuth2 access token failed. ${failure.detail}`,
        extensions: { token_status: failure.tokenStatus, oauth_error: failure.oauthError },
      };
    case "secrets_unavailable":
      return {
        status: 500,
        code: "secrets_unavailable",
        outcome: "auth_error",
        detail:
          "The tool's stored credentials cannot be decrypted: ENCRYPTION_KEY is missing, malformed or not the key they were sealed with.",
        extensions: {},
      };
    case "function_failed":
      return {
        status: 500,
        code: "function_failed",
        outcome: "upstream_error",
        detail: `The built-in function "${failure.functionName}" failed unexpectedly.`,
        extensions: {},
      };
    case "internal_error":
      return {
        status: 500,
        code: "internal_error",
        outcome: "internal_error",
        detail: "The execution failed unexpectedly. It has been logged.",
        extensions: {},
      };
  }
}

/** "1 error", "3 errors", or, when the list was cut, "at least 100 errors; the first 100 are listed". */
function countErrors(errors: ProblemFieldError[]): string {
  const n = errors.length;
  if (n >= MAX_REPORTED_ERRORS) return `at least ${n} errors; the first ${n} are listed`;
  return `${n} error${n === 1 ? "" : "s"}`;
}
