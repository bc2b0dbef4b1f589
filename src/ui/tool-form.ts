/**
 * The tool editor's form: what it holds (ToolFormState), how a submitted form
 * becomes that state, how a stored tool becomes it, and how it becomes the
 * API's ToolInput. Validation is not done here: the state is turned into the
 * same ToolInput the API takes, and the API's own schema and rules (zod,
 * src/registry/definition.ts, src/registry/secrets.ts) judge it. Their
 * problem pointers are mapped back onto the form's fields by `fieldForPointer`.
 */
import type { z } from "@hono/zod-openapi";
import type { Tool, ToolInput } from "../api/schemas";
import type { HttpMethod } from "../engine/request";
import { addFieldError, type FieldErrors } from "./components";
import { PARAM_LOCATIONS, PARAM_TYPES, rowsToSchema, schemaToRows, type ParameterRow } from "./parameters";

export type AuthType = "none" | "bearer_token" | "api_key" | "oauth2";

export interface ToolFormState {
  executionType: "http_request" | "function";
  functionName: string;
  name: string;
  description: string;
  method: HttpMethod;
  endpointUrl: string;
  timeout: string;
  maxResponseBytes: string;
  bodyFormat: "json" | "form";
  headers: { name: string; value: string }[];
  auth: {
    type: AuthType;
    keyName: string;
    keyLocation: "header" | "query";
    tokenUrl: string;
    clientId: string;
    scope: string;
    audience: string;
    clientAuthMethod: "client_secret_basic" | "client_secret_post";
    /** Entered secret values by field (token, value, client_secret); never filled from storage. */
    secrets: Record<string, string>;
  };
  retry: {
    enabled: boolean;
    maxAttempts: string;
    baseDelayMs: string;
    maxDelayMs: string;
    retryNonIdempotent: boolean;
  };
  /** Which view of the parameters is the source of truth when the form is submitted. */
  paramsView: "builder" | "advanced";
  params: ParameterRow[];
  /** Why the builder cannot show the schema, when it cannot (the advanced view is then the only one). */
  builderUnavailable: string | null;
  inputSchemaText: string;
  inputMappingText: string;
  outputSchemaText: string;
  sampleText: string;
  /** The version this form was loaded at (If-Match for the save); null for a new tool. */
  version: number | null;
}

export const SECRET_FIELD_IDS: Record<string, string> = {
  token: "bearer_token",
  value: "api_key_value",
  client_secret: "client_secret",
};

const METHODS: readonly HttpMethod[] = ["GET", "POST", "PUT", "PATCH", "DELETE"];
const AUTH_TYPES: readonly AuthType[] = ["none", "bearer_token", "api_key", "oauth2"];

export function emptyToolForm(): ToolFormState {
  return {
    executionType: "http_request",
    functionName: "",
    name: "",
    description: "",
    method: "GET",
    endpointUrl: "",
    timeout: "",
    maxResponseBytes: "",
    bodyFormat: "json",
    headers: [],
    auth: {
      type: "none",
      keyName: "",
      keyLocation: "header",
      tokenUrl: "",
      clientId: "",
      scope: "",
      audience: "",
      clientAuthMethod: "client_secret_basic",
      secrets: {},
    },
    retry: { enabled: false, maxAttempts: "3", baseDelayMs: "200", maxDelayMs: "5000", retryNonIdempotent: false },
    paramsView: "builder",
    params: [],
    builderUnavailable: null,
    inputSchemaText: "",
    inputMappingText: "",
    outputSchemaText: "",
    sampleText: "",
    version: null,
  };
}

/** A stored tool (as the API presents it, secrets already absent) as an editor form. */
export function toolFormFrom(tool: z.infer<typeof Tool>): ToolFormState {
  const state = emptyToolForm();
  const auth = tool.auth_config;
  state.executionType = tool.execution_type;
  state.functionName = tool.function_name ?? "";
  state.name = tool.name;
  state.description = tool.description ?? "";
  state.method = tool.method ?? "GET";
  state.endpointUrl = tool.endpoint_url ?? "";
  state.timeout = String(tool.timeout);
  state.maxResponseBytes = String(tool.max_response_bytes);
  state.bodyFormat = tool.body_format;
  state.headers = Object.entries(tool.headers).map(([name, value]) => ({ name, value }));
  state.auth.type = auth.type;
  if (auth.type === "api_key") {
    state.auth.keyName = auth.key_name;
    state.auth.keyLocation = auth.location;
  }
  if (auth.type === "oauth2") {
    state.auth.tokenUrl = auth.token_url;
    state.auth.clientId = auth.client_id;
    state.auth.scope = auth.scope ?? "";
    state.auth.audience = auth.audience ?? "";
    state.auth.clientAuthMethod = auth.client_auth_method;
  }
  if (tool.retry)
    state.retry = {
      enabled: true,
      maxAttempts: String(tool.retry.max_attempts),
      baseDelayMs: String(tool.retry.base_delay_ms),
      maxDelayMs: String(tool.retry.max_delay_ms),
      retryNonIdempotent: tool.retry.retry_non_idempotent,
    };
  state.inputSchemaText = JSON.stringify(tool.input_schema, null, 2);
  state.inputMappingText = tool.input_mapping ? JSON.stringify(tool.input_mapping, null, 2) : "";
  state.outputSchemaText = tool.output_schema ? JSON.stringify(tool.output_schema, null, 2) : "";
  state.version = tool.version;
  const rows = schemaToRows(tool.input_schema, tool.input_mapping, {
    method: state.method,
    endpointUrl: state.endpointUrl,
  });
  if (rows.ok) state.params = rows.rows;
  else {
    state.paramsView = "advanced";
    state.builderUnavailable = rows.reason;
  }
  return state;
}

type FormBody = Record<string, string | File | (string | File)[]>;

/** A submitted editor form as state. Unknown or malformed values fall back to defaults; nothing is thrown. */
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
  state.bodyFormat = oneOf("body_format", ["json", "form"] as const, "json");
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
  state.retry = {
    enabled: checked("retry_enabled"),
    maxAttempts: text("retry_max_attempts").trim(),
    baseDelayMs: text("retry_base_delay_ms").trim(),
    maxDelayMs: text("retry_max_delay_ms").trim(),
    retryNonIdempotent: checked("retry_non_idempotent"),
  };
  state.paramsView = text("params_view") === "advanced" ? "advanced" : "builder";
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

/**
 * Switches the parameters view. Builder → advanced writes the rows out as
 * schema and mapping; advanced → builder reads them back, or stays in the
 * advanced view and says why when the builder cannot show the schema.
 */
export function switchParamsView(state: ToolFormState, to: "builder" | "advanced", errors: FieldErrors): ToolFormState {
  if (to === state.paramsView) return state;
  if (to === "advanced") {
    const built = rowsToSchema(state.params);
    if (built.errors.length > 0) {
      for (const e of built.errors) addFieldError(errors, paramFieldId(e.row, e.field), e.message);
      return state;
    }
    return {
      ...state,
      paramsView: "advanced",
      builderUnavailable: null,
      inputSchemaText: JSON.stringify(built.inputSchema, null, 2),
      inputMappingText: JSON.stringify(built.inputMapping, null, 2),
    };
  }
  const schema = parseJsonField(state.inputSchemaText, "input_schema", errors, {});
  const mapping = parseJsonField(state.inputMappingText, "input_mapping", errors, null);
  if (errors.size > 0) return state;
  const rows = schemaToRows(schema, mapping as never, { method: state.method, endpointUrl: state.endpointUrl });
  if (!rows.ok) return { ...state, builderUnavailable: rows.reason };
  return { ...state, paramsView: "builder", builderUnavailable: null, params: rows.rows };
}

export const paramFieldId = (row: number, field: keyof ParameterRow | string) =>
  `param-${row}-${field.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)}`;

/**
 * The form as the API's ToolInput (plain JSON, checked by the caller with the
 * API's schema). Errors here are only those of the form itself: JSON that
 * does not parse, numbers that are not numbers, and the builder's rows.
 */
export function toToolInput(state: ToolFormState, errors: FieldErrors): Record<string, unknown> {
  let inputSchema: unknown;
  let inputMapping: unknown;
  if (state.paramsView === "builder") {
    const built = rowsToSchema(state.params);
    for (const e of built.errors) addFieldError(errors, paramFieldId(e.row, e.field), e.message);
    inputSchema = built.inputSchema;
    // A function tool has no request to place inputs in, and the API refuses a mapping for one.
    inputMapping = state.executionType === "http_request" ? built.inputMapping : null;
  } else {
    inputSchema = parseJsonField(state.inputSchemaText, "input_schema", errors, null);
    inputMapping = parseJsonField(state.inputMappingText, "input_mapping", errors, null);
  }
  const headers: Record<string, string> = {};
  state.headers.forEach((header, i) => {
    if (header.name === "" && header.value === "") return;
    if (header.name === "") addFieldError(errors, `header-${i}-name`, "Give this header a name, or clear its value.");
    else if (Object.keys(headers).some((n) => n.toLowerCase() === header.name.toLowerCase()))
      addFieldError(errors, `header-${i}-name`, `The header ${header.name} is listed twice.`);
    else headers[header.name] = header.value;
  });
  const isHttp = state.executionType === "http_request";
  return {
    name: state.name,
    description: state.description.trim() === "" ? null : state.description,
    execution_type: state.executionType,
    ...(isHttp
      ? {
          method: state.method,
          endpoint_url: state.endpointUrl,
          headers,
          body_format: state.bodyFormat,
          timeout: numberField(state.timeout, "timeout", errors),
          max_response_bytes: numberField(state.maxResponseBytes, "max_response_bytes", errors),
          retry: state.retry.enabled
            ? {
                max_attempts: numberField(state.retry.maxAttempts, "retry_max_attempts", errors) ?? undefined,
                base_delay_ms: numberField(state.retry.baseDelayMs, "retry_base_delay_ms", errors) ?? undefined,
                max_delay_ms: numberField(state.retry.maxDelayMs, "retry_max_delay_ms", errors) ?? undefined,
                retry_non_idempotent: state.retry.retryNonIdempotent,
              }
            : null,
          auth_config: authConfig(state.auth),
        }
      : { function_name: state.functionName }),
    input_schema: inputSchema,
    input_mapping: inputMapping,
    output_schema: parseJsonField(state.outputSchemaText, "output_schema", errors, null),
  } satisfies Partial<Record<keyof ToolInput, unknown>>;
}

function authConfig(auth: ToolFormState["auth"]): Record<string, unknown> {
  const secret = (field: string) => (auth.secrets[field] ? { [field]: auth.secrets[field] } : {});
  switch (auth.type) {
    case "none":
      return { type: "none" };
    case "bearer_token":
      return { type: "bearer_token", ...secret("token") };
    case "api_key":
      return { type: "api_key", key_name: auth.keyName, location: auth.keyLocation, ...secret("value") };
    case "oauth2":
      return {
        type: "oauth2",
        token_url: auth.tokenUrl,
        client_id: auth.clientId,
        ...(auth.scope ? { scope: auth.scope } : {}),
        ...(auth.audience ? { audience: auth.audience } : {}),
        client_auth_method: auth.clientAuthMethod,
        ...secret("client_secret"),
      };
  }
}

function numberField(text: string, field: string, errors: FieldErrors): number | null {
  if (text === "") return null;
  const value = Number(text);
  if (!Number.isFinite(value)) {
    addFieldError(errors, field, "Enter a number.");
    return null;
  }
  return value;
}

function parseJsonField(text: string, field: string, errors: FieldErrors, empty: unknown): unknown {
  if (text.trim() === "") return empty;
  try {
    return JSON.parse(text);
  } catch (err) {
    addFieldError(errors, field, `This is not valid JSON: ${(err as Error).message}`);
    return empty;
  }
}

const AUTH_POINTER_FIELDS: Record<string, string> = {
  type: "auth_type",
  key_name: "api_key_name",
  location: "api_key_location",
  token_url: "token_url",
  client_id: "client_id",
  scope: "oauth_scope",
  audience: "audience",
  client_auth_method: "client_auth_method",
  grant_type: "auth_type",
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
      return top;
    case "headers": {
      const i = state.headers.findIndex((h) => h.name === second);
      return i >= 0 ? `header-${i}-${third === undefined ? "name" : "value"}` : "headers";
    }
    case "auth_config":
      return second === undefined ? "auth_type" : (AUTH_POINTER_FIELDS[second] ?? "auth_type");
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
