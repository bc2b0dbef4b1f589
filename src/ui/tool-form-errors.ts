/**
 * Where the API's complaints about a ToolInput belong on the editor's form:
 * each problem's JSON Pointer mapped to the id of the field it concerns.
 */
import type { DestinationFact } from "../engine/auth/binding";
import type { ProblemFieldError } from "../problem";
import type { DraftProblem } from "../registry/draft-check";
import { changesInWords } from "../registry/secrets";
import type { FieldErrors } from "./components";
import { apiMessageInWords, nounFor, zodIssueInWords } from "./plain-words";
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

/**
 * A problem with the form's ToolInput (./../registry/draft-check.ts, or the
 * save itself), in words: a schema issue by its code, a secret the API asks
 * for again with the form's reason (`reenter`), anything else by the API's
 * message (./plain-words.ts).
 */
export function toolProblemInWords(
  problem: DraftProblem,
  field: string,
  input: Record<string, unknown>,
  reenter: string | null,
): string {
  if (problem.issue) return zodIssueInWords(problem.issue, field, valueAt(input, problem.path));
  if (problem.path.startsWith("/auth_config/") && Object.values(SECRET_FIELD_IDS).includes(field))
    return secretMessageInWords(problem.message, field, reenter);
  return apiMessageInWords(problem.message, field);
}

/** The value at a JSON Pointer into a plain JSON value, or undefined. */
function valueAt(value: unknown, pointer: string): unknown {
  let current = value;
  for (const token of pointer.split("/").slice(1)) {
    if (current === null || typeof current !== "object") return undefined;
    const key = token.replaceAll("~1", "/").replaceAll("~0", "~");
    current = Object.hasOwn(current, key) ? (current as Record<string, unknown>)[key] : undefined;
  }
  return current;
}

/**
 * The ToolInput fields the form itself already found wrong (a number that is
 * not one, JSON that does not parse, a builder row), by the form's field ids:
 * the later checks leave them out rather than report what follows from them.
 */
export function inputKeysWithErrors(errors: FieldErrors): Set<string> {
  const keys = new Set<string>();
  for (const field of errors.keys()) {
    if (/^(?:params|param-\d+-.+|input_schema|input_mapping)$/.test(field))
      keys.add("input_schema").add("input_mapping");
    else if (/^header-\d+-/.test(field)) keys.add("headers");
    else if (field.startsWith("retry_")) keys.add("retry");
    else keys.add(field);
  }
  return keys;
}

/**
 * A URL placeholder that no parameter fills, when the builder has a
 * parameter of that name sent elsewhere: the problem belongs to that
 * parameter's "Sent in", which is what to change.
 */
export function placeholderProblem(
  problem: ProblemFieldError,
  state: ToolFormState,
): { field: string; message: string } | null {
  const name = /^The placeholder \{(.+)\} is not an input_schema property/.exec(problem.message)?.[1];
  if (name === undefined || state.paramsView !== "builder") return null;
  const row = state.params.findIndex((p) => p.name === name && p.wireName === "");
  if (row < 0) return null;
  return {
    field: paramFieldId(row, "location"),
    message: `The endpoint URL has {${name}}, so ${name} must be sent in the path: choose "the path" under "Sent in", or take {${name}} out of the URL.`,
  };
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
export function secretMessageInWords(message: string, field: string, reenter: string | null): string {
  if (reenter && / must be sent again because /.test(message))
    return `Enter ${nounFor(field)} again: ${reenter}, and ${REENTER_WHY}.`;
  return apiMessageInWords(message, field);
}
