/**
 * Every way an execution can end, and the one exhaustive mapping from each to
 * what the client sees (status, problem code) and what the log records.
 */
import type { ContentfulStatusCode } from "hono/utils/http-status";
import type { SealFailure } from "../crypto/seal";
import { MAX_JSON_DEPTH } from "../json-depth";
import type { ProblemFieldError } from "../problem";
import { notReadyAdvice, type ConnectionStatus } from "./auth/connection-status";
import type { BlockReason } from "./outbound/policy";
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
  "outbound_blocked",
  "connection_not_ready",
  "internal_error",
] as const;

export type Outcome = (typeof OUTCOMES)[number];

/**
/**
 * Why stored secrets could not be opened: no usable keyring, or one of the
 * reasons a sealed value does not open (src/crypto/seal.ts): a key id the
 * keyring does not hold (retired before the row was rewrapped), a destination
 * other than the one it was sealed for (the row changed outside the service),
 * a value that fails authentication (altered), a v1 value while v1 reads are
 * off, or not a sealed value at all. Or why an opened one cannot be used: it
 * goes into a header that cannot carry it.
 */
export type SecretsUnavailableReason = "keyring_unavailable" | SealFailure | "unsendable";

export type ExecutionFailure =
  | { kind: "input_invalid"; errors: ProblemFieldError[] }
  /** `body`: the response that failed the schema, kept (redacted, size-capped) in the log row to fix the schema from. */
  | { kind: "output_invalid"; errors: ProblemFieldError[]; statusCode: number | null; body: unknown }
  | { kind: "upstream_status"; upstreamStatus: number; body: unknown }
  | { kind: "upstream_unparseable"; upstreamStatus: number }
  | { kind: "response_too_large"; upstreamStatus: number; limitBytes: number }
  | {
      kind: "outbound_blocked";
      /** Which request was refused: the tool's endpoint, its OAuth2 token URL, or a redirect hop. */
      target: "endpoint_url" | "token_url" | "redirect";
      /** For a redirect, which hop (1 = the first Location). */
      hop: number;
      reason: BlockReason;
      message: string;
    }
  | { kind: "too_many_redirects"; limit: number }
  | { kind: "outbound_config_invalid"; problems: string[] }
  | { kind: "timeout"; phase: "upstream" | "token"; timeoutSeconds: number }
  | { kind: "network_error"; phase: "upstream" | "token" }
  | { kind: "token_error"; tokenStatus: number | null; oauthError: string | null; detail: string }
  | {
      kind: "secrets_unavailable";
      reason: SecretsUnavailableReason;
      keyId: string | null;
      /** Whose stored credentials: the tool's own, or its connection's. */
      owner?: { kind: "connection"; id: string };
    }
  | {
      kind: "connection_not_ready";
      connectionId: string;
      /** Null when the connection no longer exists. */
      connectionName: string | null;
      /** `missing`: the tool names a connection that does not exist (changed outside toolgate). */
      status: Exclude<ConnectionStatus, "ready" | "error"> | "missing";
      /** For needs_secret: the secret fields not set. */
      missingSecrets: readonly string[];
    }
  | { kind: "function_failed"; functionName: string }
  /** The stored row does not read in full (src/registry/stored-tool.ts); `detail` says which columns. */
  | { kind: "tool_damaged"; detail: string }
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
        detail: `The upstream response is larger than the tool's limit of ${failure.limitBytes} bytes; it was not read further.`,
        extensions: { upstream_status: failure.upstreamStatus, limit_bytes: failure.limitBytes },
      };
    case "outbound_blocked": {
      const where =
        failure.target === "redirect"
          ? `Redirect ${failure.hop} was not followed`
          : `The request to the tool's ${failure.target} was not sent`;
      return {
        status: 403,
        code: "outbound_blocked",
        outcome: "outbound_blocked",
        detail: `${where}: ${failure.message}`,
        extensions: {
          reason: failure.reason,
          target: failure.target,
          ...(failure.target === "redirect" ? { redirect_hop: failure.hop } : {}),
        },
      };
    }
    case "too_many_redirects":
      return {
        status: 502,
        code: "too_many_redirects",
        outcome: "upstream_error",
        detail: `The upstream API redirected more than ${failure.limit} times; the last redirect was not followed.`,
        extensions: {},
      };
    case "outbound_config_invalid":
      return {
        status: 500,
        code: "outbound_config_invalid",
        outcome: "internal_error",
        detail: `The outbound policy settings are not valid, so no request is sent: ${failure.problems.join(" ")}`,
        extensions: {},
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
        detail: failure.owner
          ? connectionSecretsUnavailableDetail(failure.owner.id, failure.reason, failure.keyId)
          : secretsUnavailableDetail(failure.reason, failure.keyId),
        extensions: {
          reason: failure.reason,
          ...(failure.keyId ? { key_id: failure.keyId } : {}),
          ...(failure.owner ? { connection_id: failure.owner.id } : {}),
        },
      };
    case "connection_not_ready":
      return {
        status: 409,
        code: "connection_not_ready",
        outcome: "connection_not_ready",
        detail: notReadyAdvice(
          { id: failure.connectionId, name: failure.connectionName },
          failure.status,
          failure.missingSecrets,
        ),
        extensions: { connection_id: failure.connectionId, connection_status: failure.status },
      };
    case "function_failed":
      return {
        status: 500,
        code: "function_failed",
        outcome: "upstream_error",
        detail: `The built-in function "${failure.functionName}" failed unexpectedly.`,
        extensions: {},
      };
    case "tool_damaged":
      return { status: 500, code: "tool_damaged", outcome: "internal_error", detail: failure.detail, extensions: {} };
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

function secretsUnavailableDetail(reason: SecretsUnavailableReason, keyId: string | null): string {
  switch (reason) {
    case "keyring_unavailable":
      return "The tool's stored credentials cannot be opened: the encryption keyring (ENCRYPTION_KEYS or ENCRYPTION_KEY) is missing or malformed.";
    case "unknown_key":
      return `The tool's stored credentials are sealed under key ${keyId}, which is not in the keyring: it was retired before this tool was rewrapped. Put the key back in ENCRYPTION_KEYS, or send the tool's secrets again with PUT.`;
    case "binding_mismatch":
      return "The tool's stored credentials were sealed for another destination: its URL, token URL, API key placement or OAuth2 client was changed outside toolgate (or the credentials were copied from another tool or field), so nothing was sent. Check the tool's definition; if the change is intended, send its secrets again with PUT.";
    case "auth_failed":
      return "The tool's stored credentials fail authentication: they were altered, or copied from another tool or field.";
    case "legacy_format":
      return "The tool's stored credentials are in the old v1 format, which this deployment no longer opens (SEALED_V1_READS is not true). Set SEALED_V1_READS to true and run POST /admin/rewrap to move them to v2, or send the tool's secrets again with PUT.";
    case "malformed":
      return "The tool's stored credentials are not sealed values.";
    case "unsendable":
      return "The tool's stored credential cannot be sent in its header: it holds a line break, NUL or another character a header cannot carry (it was saved before such secrets were refused, or moved from the query to a header). Send the secret again with PUT.";
  }
}

function connectionSecretsUnavailableDetail(
  id: string,
  reason: SecretsUnavailableReason,
  keyId: string | null,
): string {
  const fix = `send its secrets again with PUT /connections/${id}`;
  switch (reason) {
    case "keyring_unavailable":
      return "The connection's stored credentials cannot be opened: the encryption keyring (ENCRYPTION_KEYS or ENCRYPTION_KEY) is missing or malformed.";
    case "unknown_key":
      return `The connection's stored credentials are sealed under key ${keyId}, which is not in the keyring: it was retired before the connection was rewrapped. Put the key back in ENCRYPTION_KEYS, or ${fix}.`;
    case "binding_mismatch":
      return `The connection's stored credentials were sealed for another destination: its allowed origins, token URL, API key placement or OAuth2 client was changed outside toolgate (or the credentials were copied from elsewhere), so nothing was sent. Check the connection; if the change is intended, ${fix}.`;
    case "auth_failed":
      return `The connection's stored credentials fail authentication: they were altered, or copied from elsewhere. ${fix[0]!.toUpperCase()}${fix.slice(1)}.`;
    case "legacy_format":
    case "malformed":
      return `The connection's stored credentials are not sealed values: ${fix}.`;
    case "unsendable":
      return `The connection's stored credential cannot be sent in its header (it holds a character a header cannot carry): ${fix}.`;
  }
}

/** "1 error", "3 errors", or, when the list was cut, "at least 100 errors; the first 100 are listed". */
function countErrors(errors: ProblemFieldError[]): string {
  const n = errors.length;
  if (n >= MAX_REPORTED_ERRORS) return `at least ${n} errors; the first ${n} are listed`;
  return `${n} error${n === 1 ? "" : "s"}`;
}
