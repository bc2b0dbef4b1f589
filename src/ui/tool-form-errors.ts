/**
 * Where the API's complaints about a ToolInput belong on the editor's form:
 * each problem's JSON Pointer mapped to the id of the field it concerns.
 */
import type { DestinationFact } from "../engine/auth/binding";
import { changesInWords } from "../registry/secrets";
import { SECRET_FIELD_IDS, paramFieldId, type ToolFormState } from "./tool-form";

const AUTH_POINTER_FIELDS: Record<string, string> = {
  type: "auth-type",
  key_name: "api_key_name",
  location: "api_key_location",
  token_url: "token_url",
  client_id: "client_id",
  scope: "oauth_scope",
  audience: "audience",
  client_auth_method: "client_auth_method",
  grant_type: "auth-type",
  ...SECRET_FIELD_IDS,
};

const RETRY_POINTER_FIELDS: Record<string, string> = {
  max_attempts: "retry_max_attempts",
  base_delay_ms: "retry_base_delay_ms",
  max_delay_ms: "retry_max_delay_ms",
  retry_non_idempotent: "retry_non_idempotent",
};

/** The form field (its element id) that a problem's JSON Pointer into ToolInput concerns; "" for the form as a whole. */
export function fieldForPointer(pointer: string, state: ToolFormState): string {
  const [top = "", second, third, fourth] = pointer
    .split("/")
    .slice(1)
    .map((t) => t.replaceAll("~1", "/").replaceAll("~0", "~"));
  const rowOf = (name: string | undefined) => state.params.findIndex((p) => p.name === name);
  switch (top) {
    case "name":
    case "description":
    case "method":
    case "endpoint_url":
    case "timeout":
    case "max_response_bytes":
    case "body_format":
    case "output_schema":
    case "function_name":
    case "connection_id":
      return top;
    case "headers": {
      const i = state.headers.findIndex((h) => h.name === second);
      return i >= 0 ? `header-${i}-${third === undefined ? "name" : "value"}` : "headers";
    }
    case "auth_config":
      return second === undefined ? "auth-type" : (AUTH_POINTER_FIELDS[second] ?? "auth-type");
    case "retry":
      return second === undefined ? "retry_enabled" : (RETRY_POINTER_FIELDS[second] ?? "retry_enabled");
    case "input_schema":
      if (state.paramsView === "advanced") return "input_schema";
      if (second === "properties" && rowOf(third) >= 0)
        return paramFieldId(
          rowOf(third),
          fourth === "default" ? "defaultValue" : fourth === "enum" ? "allowedValues" : "name",
        );
      return "params";
    case "input_mapping":
      if (state.paramsView === "advanced") return "input_mapping";
      return rowOf(second) >= 0 ? paramFieldId(rowOf(second), "location") : "params";
    default:
      return "";
  }
}

/** The labels the editor shows, by field id, for messages that must name their field. */
const FIELD_LABELS: Record<string, string> = {
  name: "a name",
  endpoint_url: "the endpoint URL",
  api_key_name: "the header or parameter name",
  token_url: "the token URL",
  client_id: "the client ID",
  bearer_token: "the bearer token",
  api_key_value: "the API key value",
  client_secret: "the client secret",
};

/**
 * A schema issue in words for people who fill in forms: a required field left
 * empty says which, instead of zod's "expected string to have >=1 characters".
 */
export function friendlyIssue(
  issue: { code: string; message: string; minimum?: unknown; origin?: unknown; input?: unknown },
  field: string,
): string {
  const empty =
    (issue.code === "too_small" && issue.origin === "string" && issue.minimum === 1) ||
    (issue.code === "invalid_type" && issue.input === undefined);
  return empty ? `Fill in ${FIELD_LABELS[field] ?? "this field"}.` : issue.message;
}

/** Each fact a stored secret is bound to (src/engine/auth/binding.ts), as the form names it. */
export const DESTINATION_WORDS: Record<DestinationFact, string> = {
  auth_type: "the authentication type",
  endpoint_origin: "the endpoint URL's host",
  token_url: "the token URL",
  api_key_location: "where the key is sent",
  api_key_name: "the header or parameter name",
  client_id: "the client ID",
  client_auth_method: "the client authentication",
  scope: "the scope",
  audience: "the audience",
};

/** Why a stored secret cannot stay (src/registry/secrets.ts's verdict), in the form's words. */
export function reenterInWords(changed: readonly DestinationFact[]): string {
  return changesInWords(changed, DESTINATION_WORDS);
}

/** The end of every sentence that asks for a stored secret again. */
export const REENTER_WHY = "a stored secret only goes where it was entered for";

/**
 * The API's messages about secret fields, in the form's words. `reenter`:
 * why stored secrets cannot stay with the form (`reenterInWords`), or null.
 */
export function friendlySecretMessage(message: string, field: string, reenter: string | null): string {
  if (reenter && / must be sent again because /.test(message))
    return `Enter ${FIELD_LABELS[field] ?? "the secret"} again: ${reenter}, and ${REENTER_WHY}.`;
  if (/ is required for .* authentication\.$/.test(message)) return `Fill in ${FIELD_LABELS[field] ?? "the secret"}.`;
  return message;
}
