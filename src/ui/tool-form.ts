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
import { locate, type BodyFormat, type HttpMethod, type InputMapping } from "../engine/request";
import { DEFAULT_MAX_RESPONSE_BYTES } from "../engine/body";
import { jsonDepthExceeds, MAX_JSON_DEPTH } from "../json-depth";
import { addFieldError, type FieldErrors } from "./components";
import { rowsToSchema, schemaToRows, type ParameterRow } from "./parameters";

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
  bodyFormat: BodyFormat;
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
  /** The connection whose credential the tool uses instead of `auth`, or null. */
  connectionId: string | null;
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
  /** What the builder's rows do not hold but the stored schema says, kept so that saving changes nothing else. */
  frame: SchemaFrame;
  inputSchemaText: string;
  inputMappingText: string;
  outputSchemaText: string;
  sampleText: string;
  /** Offered to AI agents over MCP. */
  mcpEnabled: boolean;
  /** The version this form was loaded at (If-Match for the save); null for a new tool. */
  version: number | null;
}

/**
 * The parts of an input schema and mapping around the builder's rows: the
 * `$schema` it names, whether it refuses inputs it does not list
 * (`additionalProperties: false`; a new tool does, a tool saved through the
 * API without a schema does not), and whether its mapping was left to the
 * engine's defaults (null). Carried through the form in hidden inputs.
 */
export interface SchemaFrame {
  schemaUri: string | null;
  closed: boolean;
  implicitMapping: boolean;
}

export const NEW_TOOL_FRAME: SchemaFrame = { schemaUri: null, closed: true, implicitMapping: false };

export const SECRET_FIELD_IDS: Record<string, string> = {
  token: "bearer_token",
  value: "api_key_value",
  client_secret: "client_secret",
};

export const METHODS: readonly HttpMethod[] = ["GET", "POST", "PUT", "PATCH", "DELETE"];
export const AUTH_TYPES: readonly AuthType[] = ["none", "bearer_token", "api_key", "oauth2"];

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
    connectionId: null,
    retry: { enabled: false, maxAttempts: "3", baseDelayMs: "200", maxDelayMs: "5000", retryNonIdempotent: false },
    paramsView: "builder",
    params: [],
    builderUnavailable: null,
    frame: NEW_TOOL_FRAME,
    inputSchemaText: "",
    inputMappingText: "",
    outputSchemaText: "",
    sampleText: "",
    mcpEnabled: true,
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
  state.connectionId = tool.connection_id;
  // With a connection, auth_config is the connection's, edited on the connection, not here.
  if (tool.connection_id === null) fillAuth(state, auth);
  if (tool.retry)
    state.retry = {
      enabled: true,
      maxAttempts: String(tool.retry.max_attempts),
      baseDelayMs: String(tool.retry.base_delay_ms),
      maxDelayMs: String(tool.retry.max_delay_ms),
      retryNonIdempotent: tool.retry.retry_non_idempotent,
    };
  state.inputSchemaText = jsonText(tool.input_schema);
  state.inputMappingText = tool.input_mapping ? jsonText(tool.input_mapping) : "";
  state.outputSchemaText = tool.output_schema === null ? "" : jsonText(tool.output_schema);
  state.mcpEnabled = tool.mcp_enabled;
  state.version = tool.version;
  const rows = schemaToRows(tool.input_schema, tool.input_mapping, {
    method: state.method,
    endpointUrl: state.endpointUrl,
  });
  state.frame = frameOf(tool.input_schema, tool.input_mapping);
  if (rows.ok) state.params = rows.rows;
  else {
    state.paramsView = "advanced";
    state.builderUnavailable = rows.reason;
  }
  return state;
}

/** A tool's own auth config (none, bearer_token, api_key, oauth2 client credentials) into the form. */
function fillAuth(state: ToolFormState, auth: z.infer<typeof Tool>["auth_config"]): void {
  switch (auth.type) {
    case "none":
    case "bearer_token":
      state.auth.type = auth.type;
      return;
    case "api_key":
      state.auth.type = "api_key";
      state.auth.keyName = auth.key_name;
      state.auth.keyLocation = auth.location;
      return;
    case "oauth2":
      if (auth.grant_type !== "client_credentials") return;
      state.auth.type = "oauth2";
      state.auth.tokenUrl = auth.token_url;
      state.auth.clientId = auth.client_id;
      state.auth.scope = auth.scope ?? "";
      state.auth.audience = auth.audience ?? "";
      state.auth.clientAuthMethod = auth.client_auth_method;
      return;
    case "basic":
      // Only connections have Basic auth; a tool never shows it without connection_id.
      return;
  }
}

/** Past this many characters, a stored JSON document is shown compact rather than indented. */
export const INDENTED_JSON_LIMIT = 100_000;

/**
 * JSON for a textarea: indented, unless that is large. A schema can be as
 * large as the API's 1 MiB body limit allows; indented, and form-encoded when
 * the page is saved, it would no longer fit that limit.
 */
export function jsonText(value: unknown): string {
  const indented = JSON.stringify(value, null, 2);
  return indented.length <= INDENTED_JSON_LIMIT ? indented : JSON.stringify(value);
}

/**
 * Switches the parameters view. Builder → advanced writes the rows out as
 * schema and mapping; advanced → builder reads them back, or stays in the
 * advanced view and says why when the builder cannot show the schema.
 */
export function switchParamsView(state: ToolFormState, to: "builder" | "advanced", errors: FieldErrors): ToolFormState {
  if (to === state.paramsView) return state;
  if (to === "advanced") {
    const built = buildFromRows(state, errors);
    if (!built) return state;
    return {
      ...state,
      paramsView: "advanced",
      builderUnavailable: null,
      inputSchemaText: JSON.stringify(built.inputSchema, null, 2),
      inputMappingText: built.inputMapping === null ? "" : JSON.stringify(built.inputMapping, null, 2),
    };
  }
  const schema = parseJsonField(state.inputSchemaText, "input_schema", errors, {});
  const mapping = parseJsonField(state.inputMappingText, "input_mapping", errors, null);
  if (errors.size > 0) return state;
  const rows = schemaToRows(schema, mapping as InputMapping | null, template(state));
  if (!rows.ok) return { ...state, builderUnavailable: rows.reason };
  return {
    ...state,
    paramsView: "builder",
    builderUnavailable: null,
    params: rows.rows,
    frame: frameOf(schema, mapping),
  };
}

function template(state: ToolFormState) {
  return { method: state.method, endpointUrl: state.endpointUrl };
}

export function frameOf(schema: unknown, mapping: unknown): SchemaFrame {
  const object = schema !== null && typeof schema === "object" ? (schema as Record<string, unknown>) : {};
  return {
    schemaUri: typeof object.$schema === "string" ? object.$schema : null,
    closed: object.additionalProperties === false,
    implicitMapping: mapping === null || mapping === undefined,
  };
}

/**
 * The rows as input_schema and input_mapping, inside the form's frame. Null
 * (with the row errors added) when a row is not valid. A function tool has no
 * request to place inputs in, so it gets no mapping; neither does a tool whose
 * mapping was implicit, as long as every row still sits where the engine's
 * defaults put it.
 */
function buildFromRows(
  state: ToolFormState,
  errors: FieldErrors,
): { inputSchema: Record<string, unknown>; inputMapping: InputMapping | null } | null {
  const built = rowsToSchema(state.params);
  for (const e of built.errors) addFieldError(errors, paramFieldId(e.row, e.field), e.message);
  if (built.errors.length > 0) return null;
  const { additionalProperties: _, ...rest } = built.inputSchema;
  const inputSchema = {
    ...(state.frame.schemaUri === null ? {} : { $schema: state.frame.schemaUri }),
    ...rest,
    ...(state.frame.closed ? { additionalProperties: false } : {}),
  };
  const defaultsOnly = state.params.every(
    (row) => row.wireName === "" && locate({ ...template(state), inputMapping: null }, row.name).in === row.location,
  );
  const inputMapping =
    state.executionType !== "http_request" || (state.frame.implicitMapping && defaultsOnly) ? null : built.inputMapping;
  return { inputSchema, inputMapping };
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
    const built = buildFromRows(state, errors);
    inputSchema = built?.inputSchema ?? null;
    inputMapping = built?.inputMapping ?? null;
  } else {
    inputSchema = parseJsonField(state.inputSchemaText, "input_schema", errors, null);
    // A function tool has no request to place inputs in, and the API refuses a mapping for one.
    inputMapping =
      state.executionType === "http_request"
        ? parseJsonField(state.inputMappingText, "input_mapping", errors, null)
        : null;
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
  if (isHttp && state.connectionId === "")
    addFieldError(errors, "connection_id", "Choose a connection, or choose credentials for this tool only.");
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
          ...(state.connectionId !== null
            ? { connection_id: state.connectionId }
            : { auth_config: authConfig(state.auth) }),
        }
      : { function_name: state.functionName }),
    input_schema: inputSchema,
    input_mapping: inputMapping,
    output_schema: parseJsonField(state.outputSchemaText, "output_schema", errors, null),
    mcp_enabled: state.mcpEnabled,
  } satisfies Partial<Record<keyof ToolInput, unknown>>;
}

/** The form's auth_config, as ToolInput has it (secrets typed in this submit included). */
export function authConfig(auth: ToolFormState["auth"]): Record<string, unknown> {
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

/** JSON typed into a field, with the API's nesting limit (a deeper document would overflow the stack). */
export function parseJsonField(text: string, field: string, errors: FieldErrors, empty: unknown): unknown {
  if (text.trim() === "") return empty;
  if (jsonDepthExceeds(text, MAX_JSON_DEPTH)) {
    addFieldError(errors, field, `This JSON is nested more than ${MAX_JSON_DEPTH} levels deep.`);
    return empty;
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    addFieldError(errors, field, `This is not valid JSON: ${(err as Error).message}`);
    return empty;
  }
}

/**
 * A tool draft (the API's ToolInput shape, as POST /imports/curl returns it)
 * as a new-tool form. Its secret values go into the form's typed secrets,
 * which the page then carries sealed, never in clear.
 */
export function toolFormFromDraft(draft: {
  name: string;
  description?: string | null;
  method: HttpMethod;
  endpoint_url: string;
  headers: Record<string, string>;
  timeout?: number;
  body_format?: BodyFormat;
  auth_config: { type: AuthType } & Record<string, unknown>;
  input_schema: Record<string, unknown>;
  input_mapping: InputMapping | null;
}): ToolFormState {
  const { token, value, client_secret, ...params } = draft.auth_config;
  const state = toolFormFrom({
    id: "",
    name: draft.name,
    description: draft.description ?? null,
    execution_type: "http_request",
    method: draft.method,
    endpoint_url: draft.endpoint_url,
    function_name: null,
    headers: draft.headers,
    timeout: draft.timeout ?? 30,
    max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
    retry: null,
    auth_config: { ...params, secrets_set: [] } as z.infer<typeof Tool>["auth_config"],
    connection_id: null,
    input_schema: draft.input_schema,
    output_schema: null,
    input_mapping: draft.input_mapping,
    body_format: draft.body_format ?? "json",
    mcp_enabled: true,
    // Not a form field: a new tool gets the API's default.
    format_mode: "by_draft",
    version: 0,
    created_at: "",
    updated_at: "",
  });
  state.version = null;
  const secrets = { token, value, client_secret };
  state.auth.secrets = Object.fromEntries(
    Object.entries(secrets).filter((entry): entry is [string, string] => typeof entry[1] === "string"),
  );
  return state;
}
