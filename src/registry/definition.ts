/**
 * Turns a validated request body into the definition we store, enforcing the
 * rules zod cannot express alone: what each execution type needs, URL
 * templates, header syntax, JSON Schemas and the input mapping.
 */
import type { AuthConfigInput, ToolInput } from "../api/schemas";
import type { ToolRow } from "../db/schema";
import type { AuthParams } from "../engine/auth";
import { DEFAULT_MAX_RESPONSE_BYTES } from "../engine/body";
import { BUILTIN_FUNCTIONS } from "../engine/executors/functions";
import type { OutboundSettings } from "../engine/outbound/policy";
import type { RetryPolicy } from "../engine/outbound/retry";
import {
  HEADER_VALUE_RULE,
  isValidHeaderValue,
  locate,
  methodHasBody,
  placeholdersOf,
  type BodyFormat,
  type HttpMethod,
  type InputMapping,
} from "../engine/request";
import { checkSchema, isPlainObject, type JsonSchema } from "../engine/schemas";
import { defaultProblems } from "../engine/schema-defaults";
import type { FormatMode } from "../engine/validated-schema";
import { pointerToken, validationError, type ProblemFieldError } from "../problem";
import { isCredentialCookieName, isCredentialHeaderName } from "./credential-headers";
import { secretValueProblems } from "./secret-values";
import { checkUrl } from "./urls";

export const DEFAULT_TIMEOUT_SECONDS = 30;

/** RFC 9110 field-name token characters. */
export const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

export interface ToolDefinition {
  name: string;
  description: string | null;
  executionType: "http_request" | "function";
  method: HttpMethod | null;
  endpointUrl: string | null;
  functionName: string | null;
  headers: Record<string, string>;
  timeoutSeconds: number;
  maxResponseBytes: number;
  retryPolicy: RetryPolicy | null;
  bodyFormat: BodyFormat;
  inputSchema: JsonSchema;
  /** A boolean is a schema too: `true` accepts any output, `false` none. */
  outputSchema: JsonSchema | boolean | null;
  inputMapping: InputMapping | null;
  authParams: AuthParams;
  /** The connection whose credential the tool uses instead of authParams (then `{ type: "none" }`), or null. */
  connectionId: string | null;
  mcpEnabled: boolean;
  /** How the schemas treat `format` (src/engine/validated-schema.ts). */
  formatMode: FormatMode;
  /** Secret values sent with this request, by field; sealed before storage. */
  providedSecrets: Record<string, string>;
}

/**
 * `outbound` is the policy the URLs must pass: a tool that could never be called is refused when saved.
 * `formatMode` is the format mode when the body sends none: "by_draft" for a new tool, the stored one for a
 * replaced tool (so that editing a tool saved before 2020-12 formats became annotations does not change them).
 */
export function normalizeDefinition(
  body: ToolInput,
  outbound: OutboundSettings,
  { formatMode = "by_draft" }: { formatMode?: FormatMode } = {},
): ToolDefinition {
  const formats = body.format_mode ?? formatMode;
  const errors: ProblemFieldError[] = [];
  const isHttp = body.execution_type === "http_request";
  const { params: authParams, provided } = splitAuth(body.auth_config ?? { type: "none" });
  const connectionId = body.connection_id ?? null;
  if (connectionId !== null && body.auth_config != null)
    errors.push({
      path: "/connection_id",
      message:
        "Send either connection_id or auth_config, not both: with connection_id the tool uses the connection's credential (GET shows it as auth_config; leave auth_config out when saving).",
    });

  let method: HttpMethod | null = null;
  let endpointUrl: string | null = null;
  let functionName: string | null = null;
  let inputSchema: JsonSchema | null = body.input_schema ?? null;
  let outputSchema: JsonSchema | boolean | null = body.output_schema ?? null;

  if (isHttp) {
    if (!body.method) errors.push({ path: "/method", message: "method is required for http_request tools." });
    else method = body.method;
    if (!body.endpoint_url)
      errors.push({ path: "/endpoint_url", message: "endpoint_url is required for http_request tools." });
    else {
      const urlErrors = checkUrl(body.endpoint_url, "/endpoint_url", true, outbound);
      errors.push(...urlErrors);
      if (urlErrors.length === 0) endpointUrl = body.endpoint_url;
    }
    if (body.function_name)
      errors.push({ path: "/function_name", message: "function_name only applies to function tools." });
  } else {
    const fn = body.function_name ? BUILTIN_FUNCTIONS.get(body.function_name) : undefined;
    if (!fn)
      errors.push({
        path: "/function_name",
        message: `function_name must be one of: ${[...BUILTIN_FUNCTIONS.keys()].join(", ")}.`,
      });
    else {
      functionName = fn.name;
      inputSchema ??= fn.inputSchema;
      outputSchema ??= fn.outputSchema;
    }
    for (const field of [
      "method",
      "endpoint_url",
      "input_mapping",
      "body_format",
      "max_response_bytes",
      "retry",
    ] as const)
      if (body[field] != null)
        errors.push({ path: `/${field}`, message: `${field} only applies to http_request tools.` });
    if (body.headers && Object.keys(body.headers).length > 0)
      errors.push({ path: "/headers", message: "headers only apply to http_request tools." });
    if (authParams.type !== "none")
      errors.push({
        path: "/auth_config/type",
        message: "function tools run inside toolgate and take no authentication.",
      });
    if (connectionId !== null)
      errors.push({
        path: "/connection_id",
        message: "function tools run inside toolgate and take no authentication, so no connection either.",
      });
  }

  const headers = body.headers ?? {};
  for (const [name, value] of Object.entries(headers)) {
    const at = `/headers/${pointerToken(name)}`;
    const nameProblem = headerNameProblem(name, { allowCredentials: false });
    if (nameProblem) errors.push({ path: at, message: nameProblem });
    if (!isValidHeaderValue(value)) errors.push({ path: at, message: HEADER_VALUE_RULE });
  }

  errors.push(...checkAuth(authParams, outbound), ...secretValueProblems(authParams, provided));

  inputSchema ??= { type: "object", properties: {} };
  if (inputSchema.type !== "object")
    errors.push({
      path: "/input_schema/type",
      message: 'The top level of input_schema must be "type": "object": inputs are named.',
    });
  else {
    const schemaErrors = checkSchema(inputSchema, "/input_schema");
    // Defaults are checked against a schema that is known to be usable.
    errors.push(...(schemaErrors.length > 0 ? schemaErrors : defaultProblems(inputSchema, "/input_schema", formats)));
  }
  if (outputSchema !== null) errors.push(...checkSchema(outputSchema, "/output_schema"));

  const inputMapping = body.input_mapping ?? null;
  if (method && endpointUrl)
    errors.push(...checkMapping(method, endpointUrl, inputSchema, inputMapping, body.body_format ?? "json"));

  if (errors.length > 0) throw validationError("invalid_tool", "The tool definition is not valid.", errors);
  return {
    name: body.name,
    description: body.description ?? null,
    executionType: body.execution_type,
    method,
    endpointUrl,
    functionName,
    headers,
    timeoutSeconds: body.timeout ?? DEFAULT_TIMEOUT_SECONDS,
    maxResponseBytes: body.max_response_bytes ?? DEFAULT_MAX_RESPONSE_BYTES,
    retryPolicy: body.retry
      ? {
          maxAttempts: body.retry.max_attempts,
          baseDelayMs: body.retry.base_delay_ms,
          maxDelayMs: body.retry.max_delay_ms,
          retryNonIdempotent: body.retry.retry_non_idempotent,
        }
      : null,
    bodyFormat: body.body_format ?? "json",
    inputSchema,
    outputSchema,
    inputMapping,
    authParams,
    connectionId,
    mcpEnabled: body.mcp_enabled ?? true,
    formatMode: formats,
    providedSecrets: provided,
  };
}

/** An auth config split into what is stored in clear (params) and the secrets it sends, by field. */
export function splitAuth(auth: AuthConfigInput): { params: AuthParams; provided: Record<string, string> } {
  switch (auth.type) {
    case "none":
      return { params: { type: "none" }, provided: {} };
    case "bearer_token":
      return { params: { type: "bearer_token" }, provided: auth.token ? { token: auth.token } : {} };
    case "api_key":
      return {
        params: { type: "api_key", key_name: auth.key_name, location: auth.location },
        provided: auth.value ? { value: auth.value } : {},
      };
    case "oauth2": {
      const params: AuthParams = {
        type: "oauth2",
        token_url: auth.token_url,
        client_id: auth.client_id,
        grant_type: auth.grant_type,
        client_auth_method: auth.client_auth_method,
      };
      if (auth.scope) params.scope = auth.scope;
      if (auth.audience) params.audience = auth.audience;
      return { params, provided: auth.client_secret ? { client_secret: auth.client_secret } : {} };
    }
  }
}

function checkAuth(auth: AuthParams, outbound: OutboundSettings): ProblemFieldError[] {
  switch (auth.type) {
    case "none":
      return [];
    case "bearer_token":
      return [];
    case "api_key": {
      if (auth.location === "query") return [];
      const errors: ProblemFieldError[] = [];
      const nameProblem = headerNameProblem(auth.key_name, { allowCredentials: true });
      if (nameProblem) errors.push({ path: "/auth_config/key_name", message: nameProblem });
      return errors;
    }
    case "oauth2":
      return checkUrl(auth.token_url, "/auth_config/token_url", false, outbound);
  }
}

/** Headers the runtime computes from the request itself, or that only concern one connection. */
export const PLATFORM_HEADERS: ReadonlySet<string> = new Set([
  "host",
  "content-length",
  "transfer-encoding",
  "connection",
  "keep-alive",
  "upgrade",
  "te",
  "trailer",
  "proxy-connection",
]);
/**
 * Why a header name cannot be configured (or mapped to an input), or null.
 * With `allowCredentials` false (static headers, headers mapped from inputs),
 * a name that says it carries a credential (./credential-headers.ts) is
 * refused: static headers are stored in plaintext and returned by the API,
 * and inputs are written to the execution log. Tools saved before the rule
 * keep executing; their editor says to move the header.
 */
export function headerNameProblem(name: string, options: { allowCredentials: boolean }): string | null {
  if (!HEADER_NAME.test(name)) return `"${name}" is not a valid header name.`;
  const lower = name.toLowerCase();
  if (PLATFORM_HEADERS.has(lower)) return `${name} is set from the request itself and cannot be configured.`;
  if (!options.allowCredentials && isCredentialHeaderName(name))
    return `${name} carries credentials: use auth_config, which stores them encrypted and never returns them.`;
  return null;
}

/**
 * Why a cookie name cannot take an input, or null: it must be a cookie-name
 * token (RFC 6265), and not a name that says it carries a credential, since
 * inputs are written to the execution log.
 */
export function cookieNameProblem(name: string): string | null {
  if (!HEADER_NAME.test(name)) return `"${name}" is not a valid cookie name.`;
  if (isCredentialCookieName(name))
    return `The cookie ${name} carries credentials, and inputs are written to the execution log: use auth_config for credentials.`;
  return null;
}

function checkMapping(
  method: HttpMethod,
  endpointUrl: string,
  inputSchema: JsonSchema,
  mapping: InputMapping | null,
  bodyFormat: BodyFormat,
): ProblemFieldError[] {
  const errors: ProblemFieldError[] = [];
  const properties = isPlainObject(inputSchema.properties) ? inputSchema.properties : {};
  const placeholders = placeholdersOf(endpointUrl);
  const pathNames = new Set<string>();
  const wholeBody = Object.entries(mapping ?? {}).filter(([, entry]) => entry.in === "whole_body");
  for (const [property, entry] of Object.entries(mapping ?? {})) {
    const at = `/input_mapping/${pointerToken(property)}`;
    if (!Object.hasOwn(properties, property))
      errors.push({ path: at, message: `input_schema has no property "${property}".` });
    const wire = entry.name ?? property;
    if (entry.in === "path") {
      if (!placeholders.includes(wire))
        errors.push({ path: `${at}/name`, message: `endpoint_url has no {${wire}} placeholder.` });
      pathNames.add(wire);
    }
    const headerProblem = entry.in === "header" ? headerNameProblem(wire, { allowCredentials: false }) : null;
    if (headerProblem) errors.push({ path: `${at}/name`, message: headerProblem });
    const cookieProblem = entry.in === "cookie" ? cookieNameProblem(wire) : null;
    if (cookieProblem) errors.push({ path: `${at}/name`, message: cookieProblem });
    if ((entry.in === "body" || entry.in === "whole_body") && !methodHasBody(method))
      errors.push({
        path: `${at}/in`,
        message: `${method} requests carry no body; map this property to query or header.`,
      });
    if ((entry.style !== undefined || entry.explode !== undefined) && entry.in !== "query")
      errors.push({ path: at, message: "style and explode apply to query inputs only." });
    if (entry.in === "whole_body" && bodyFormat !== "json" && bodyFormat !== "text")
      errors.push({
        path: `${at}/in`,
        message: `A whole_body input is sent as JSON or as text; body_format ${bodyFormat} sends named fields: map them to body.`,
      });
  }
  if (wholeBody.length > 1)
    errors.push({
      path: `/input_mapping/${pointerToken(wholeBody[1]?.[0] ?? "")}/in`,
      message: "Only one input can be the whole body.",
    });
  // A whole body, or a text one, leaves no room for named body members (mapped, or by default on POST, PUT, PATCH).
  if (wholeBody.length > 0 || bodyFormat === "text") {
    const template = { method, endpointUrl, inputMapping: mapping };
    for (const property of Object.keys(properties))
      if (locate(template, property, placeholders).in === "body")
        errors.push({
          path: `/input_mapping/${pointerToken(property)}`,
          message:
            bodyFormat === "text"
              ? "A text body is one whole_body input: map this property to the path, query, a header or a cookie."
              : "Another input is the whole body: map this property to the path, query, a header or a cookie.",
        });
  }
  for (const name of placeholders) {
    const byDefault = Object.hasOwn(properties, name) && !(mapping && Object.hasOwn(mapping, name));
    if (!byDefault && !pathNames.has(name))
      errors.push({
        path: "/endpoint_url",
        message: `The placeholder {${name}} is not an input_schema property (or mapped to the path by input_mapping).`,
      });
  }
  return errors;
}

/** The row to store for a definition, its sealed secrets and its bookkeeping fields. */
export function toolRow(
  id: string,
  def: ToolDefinition,
  secrets: Record<string, string>,
  meta: Pick<ToolRow, "version" | "createdAt" | "updatedAt">,
): ToolRow {
  return {
    id,
    name: def.name,
    description: def.description,
    executionType: def.executionType,
    method: def.method,
    endpointUrl: def.endpointUrl,
    functionName: def.functionName,
    headers: def.headers,
    timeoutSeconds: def.timeoutSeconds,
    maxResponseBytes: def.maxResponseBytes,
    retryPolicy: def.retryPolicy,
    bodyFormat: def.bodyFormat,
    inputSchema: def.inputSchema,
    outputSchema: def.outputSchema,
    inputMapping: def.inputMapping,
    authType: def.authParams.type,
    authParams: def.authParams,
    authSecrets: secrets,
    mcpEnabled: def.mcpEnabled,
    formatMode: def.formatMode,
    connectionId: def.connectionId,
    ...meta,
  };
}
