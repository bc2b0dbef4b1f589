/**
 * A submitted editor form (as `parseBody({ all: true })` gives it) read back
 * into the editor's state. Field names are those of ./pages/tool-editor.tsx;
 * rows are `header.N.*` and `param.N.*`. Unknown or malformed values fall back
 * to defaults; nothing here throws.
 */
import { BODY_FORMATS } from "../engine/request";
import { PARAM_LOCATIONS, PARAM_TYPES } from "./parameters";
import { AUTH_TYPES, emptyToolForm, METHODS, SECRET_FIELD_IDS, type ToolFormState } from "./tool-form";

export type FormBody = Record<string, string | File | (string | File)[]>;

export function parseToolForm(body: FormBody): ToolFormState {
  const text = (name: string): string => {
    const value = body[name];
    const last = Array.isArray(value) ? value.at(-1) : value;
    return typeof last === "string" ? last : "";
  };
  const checked = (name: string) => ["true", "on"].includes(text(name));
  const oneOf = <T extends string>(name: string, allowed: readonly T[], fallback: T): T =>
    (allowed as readonly string[]).includes(text(name)) ? (text(name) as T) : fallback;

  const state = emptyToolForm();
  state.executionType = text("execution_type") === "function" ? "function" : "http_request";
  state.functionName = text("function_name");
  state.name = text("name").trim();
  state.description = text("description");
  state.method = oneOf("method", METHODS, "GET");
  state.endpointUrl = text("endpoint_url").trim();
  state.timeout = text("timeout").trim();
  state.maxResponseBytes = text("max_response_bytes").trim();
  state.bodyFormat = oneOf("body_format", BODY_FORMATS, "json");
  state.headers = indexes(body, "header").map((i) => ({
    name: text(`header.${i}.name`).trim(),
    value: text(`header.${i}.value`),
  }));
  state.auth = {
    type: oneOf("auth_type", AUTH_TYPES, "none"),
    keyName: text("api_key_name").trim(),
    keyLocation: oneOf("api_key_location", ["header", "query"] as const, "header"),
    tokenUrl: text("token_url").trim(),
    clientId: text("client_id").trim(),
    scope: text("oauth_scope").trim(),
    audience: text("audience").trim(),
    clientAuthMethod: oneOf(
      "client_auth_method",
      ["client_secret_basic", "client_secret_post"] as const,
      "client_secret_basic",
    ),
    secrets: Object.fromEntries(
      Object.entries(SECRET_FIELD_IDS)
        .map(([field, id]) => [field, text(id)] as const)
        .filter(([, value]) => value !== ""),
    ),
  };
  // "Use a saved connection" vs "Credentials for this tool only"; "" = connection chosen but none picked yet.
  const source = text("auth_source");
  state.connectionId =
    source === "own" ? null : source === "connection" ? text("connection_id") : text("connection_id") || null;
  state.retry = {
    enabled: checked("retry_enabled"),
    maxAttempts: text("retry_max_attempts").trim(),
    baseDelayMs: text("retry_base_delay_ms").trim(),
    maxDelayMs: text("retry_max_delay_ms").trim(),
    retryNonIdempotent: checked("retry_non_idempotent"),
  };
  state.paramsView = text("params_view") === "advanced" ? "advanced" : "builder";
  state.frame = {
    schemaUri: text("frame_schema") || null,
    closed: text("frame_closed") !== "false",
    implicitMapping: text("frame_implicit_mapping") === "true",
  };
  state.params = indexes(body, "param").map((i) => ({
    name: text(`param.${i}.name`).trim(),
    type: oneOf(`param.${i}.type`, PARAM_TYPES, "string"),
    required: checked(`param.${i}.required`),
    location: oneOf(`param.${i}.location`, PARAM_LOCATIONS, "query"),
    wireName: text(`param.${i}.wire_name`).trim(),
    description: text(`param.${i}.description`),
    defaultValue: text(`param.${i}.default`),
    allowedValues: text(`param.${i}.allowed`),
  }));
  state.inputSchemaText = text("input_schema");
  state.inputMappingText = text("input_mapping");
  state.outputSchemaText = text("output_schema");
  state.sampleText = text("sample");
  // The editor sends a hidden "false" before the checkbox, so a form without the field keeps the default.
  state.mcpEnabled = text("mcp_enabled") !== "false";
  const version = Number(text("version"));
  state.version = Number.isInteger(version) && version > 0 ? version : null;
  return state;
}

/** The row indexes present in a form for `prefix.N.field` names, in order. */
function indexes(body: FormBody, prefix: string): number[] {
  const found = new Set<number>();
  for (const key of Object.keys(body)) {
    const match = new RegExp(`^${prefix}\\.(\\d{1,3})\\.`).exec(key);
    if (match) found.add(Number(match[1]));
  }
  return [...found].sort((a, b) => a - b);
}
