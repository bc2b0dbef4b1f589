/**
 * Request and response shapes of the HTTP API, as zod schemas. They produce
 * the OpenAPI document, so descriptions here are what API users read.
 */
import { z } from "@hono/zod-openapi";
import { SCOPES } from "../access/scopes";
import { DEFAULT_MAX_RESPONSE_BYTES, MAX_RESPONSE_BYTES_LIMIT } from "../engine/body";
import { RETRY_DEFAULTS, RETRY_LIMITS } from "../engine/outbound/retry";
import { OUTCOMES } from "../engine/outcomes";
import { QUERY_STYLES } from "../engine/query-styles";
import { BODY_FORMATS, INPUT_LOCATIONS } from "../engine/request";
import { FORMAT_MODES } from "../engine/validated-schema";
import { CONNECTION_AUTH_CONFIG_OUTPUTS } from "./connection-schemas";
import { SecretString, TOOL_NAME } from "./field-schemas";

const FORMAT_MODE_DESCRIPTION =
  "How the schemas treat `format`. `by_draft` (the default for a new tool): asserted in draft-07 and 2019-09, and in 2020-12 an annotation, as the specification says, unless the schema's `$vocabulary` names the format-assertion vocabulary. `assert`: asserted in every draft, as for the tools saved before this setting (theirs stays `assert`). Left out when a tool is replaced: kept as it is.";

export { EMPTY_SECRET_MESSAGE, SecretString, TOOL_NAME } from "./field-schemas";

export const METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"] as const;
export const EXECUTION_TYPES = ["http_request", "function"] as const;

/**
 * A JSON Schema document: an object of any keywords, published as
 * `{"type": "object", "additionalProperties": {}}`. Give it no `type` in
 * `.openapi()`: that override drops `additionalProperties` (and null, when
 * nullable), and typed-client generators read a bare `{"type": "object"}` as
 * an object with no properties at all.
 */
export const JsonSchemaDocument = z.record(z.string(), z.unknown());

const JsonSchemaObject = JsonSchemaDocument.openapi({
  description: "A JSON Schema (draft-07 unless `$schema` names 2019-09 or 2020-12).",
});

/** An output schema may also be `true` (any output) or `false` (none), as JSON Schema allows. */
const OutputSchema = z.union([JsonSchemaDocument, z.boolean()]).openapi({
  description:
    "A JSON Schema for the output (draft-07 unless `$schema` names 2019-09 or 2020-12), or a boolean schema: `true` accepts any output, `false` none.",
});

const MappingEntry = z
  .object({
    in: z.enum(INPUT_LOCATIONS).openapi({
      description:
        "`path`, `query`, `header`, `cookie` (a pair in the Cookie header), `body` (a member of the body) or `whole_body` (the value is the whole body: JSON, or the text of a `text` body).",
    }),
    name: z
      .string()
      .min(1)
      .max(256)
      .optional()
      .openapi({ description: "The name on the wire; defaults to the property name." }),
    style: z.enum(QUERY_STYLES).optional().openapi({
      description:
        "Query inputs: OpenAPI's serialization style. Without style and explode, a list repeats the parameter and an object is sent as JSON text.",
    }),
    explode: z
      .boolean()
      .optional()
      .openapi({ description: "Query inputs: OpenAPI's explode; defaults to true for form and deepObject." }),
  })
  .openapi("InputMappingEntry");

export const InputMappingSchema = z.record(z.string(), MappingEntry).openapi({
  description:
    "Where each input property goes on the wire. Defaults: a {placeholder} property goes to the path; others to the query (GET, DELETE) or the JSON body (POST, PUT, PATCH).",
});

const AuthNone = z.object({ type: z.literal("none") });
const AuthBearerInput = z.object({ type: z.literal("bearer_token"), token: SecretString("The bearer token.") });
const AuthApiKeyBase = z.object({
  type: z.literal("api_key"),
  key_name: z.string().min(1).max(256).openapi({ description: "The header or query parameter name." }),
  location: z.enum(["header", "query"]),
});
const AuthApiKeyInput = AuthApiKeyBase.extend({ value: SecretString("The API key.") });
const AuthOAuth2Base = z.object({
  type: z.literal("oauth2"),
  token_url: z.string().min(1).max(2048),
  client_id: z.string().min(1).max(1024),
  scope: z.string().max(2048).optional(),
  audience: z.string().max(2048).optional(),
  grant_type: z
    .literal("client_credentials", { error: "Only the client_credentials grant type is supported." })
    .default("client_credentials"),
  client_auth_method: z.enum(["client_secret_basic", "client_secret_post"]).default("client_secret_basic"),
});
const AuthOAuth2Input = AuthOAuth2Base.extend({ client_secret: SecretString("The OAuth2 client secret.") });

const AUTH_TYPES_ERROR = "auth_config.type must be one of: none, bearer_token, api_key, oauth2.";

export const AuthConfigInput = z
  .discriminatedUnion("type", [AuthNone, AuthBearerInput, AuthApiKeyInput, AuthOAuth2Input], {
    error: AUTH_TYPES_ERROR,
  })
  .openapi("AuthConfigInput");
export type AuthConfigInput = z.infer<typeof AuthConfigInput>;

const SecretsSet = z.array(z.string()).openapi({ description: "Names of the secret fields that are stored." });
/**
 * A tool's auth config as responses show it: its own (none, bearer_token,
 * api_key, oauth2 client credentials), or with `connection_id`, its
 * connection's (which adds basic and the authorization-code grant).
 */
export const AuthConfigOutput = z
  .discriminatedUnion("type", [AuthNone.extend({ secrets_set: SecretsSet }), ...CONNECTION_AUTH_CONFIG_OUTPUTS])
  .openapi("AuthConfig");

const DelayMs = (description: string, fallback: number) =>
  z
    .number()
    .int()
    .min(1)
    .max(RETRY_LIMITS.delayMs)
    .default(fallback)
    .openapi({ description: `${description} 1-${RETRY_LIMITS.delayMs}, default ${fallback}.` });

export const RetryPolicyInput = z
  .object({
    max_attempts: z
      .number()
      .int()
      .min(1)
      .max(RETRY_LIMITS.maxAttempts)
      .default(RETRY_DEFAULTS.maxAttempts)
      .openapi({
        description: `Attempts in all, the first included: 1-${RETRY_LIMITS.maxAttempts}, default ${RETRY_DEFAULTS.maxAttempts}.`,
      }),
    base_delay_ms: DelayMs("The first backoff ceiling; it doubles with each attempt.", RETRY_DEFAULTS.baseDelayMs),
    max_delay_ms: DelayMs(
      "The longest wait between attempts, backoff or Retry-After; a longer Retry-After ends the retries.",
      RETRY_DEFAULTS.maxDelayMs,
    ),
    retry_non_idempotent: z
      .boolean()
      .default(false)
      .openapi({ description: "Also retry POST and PATCH, which may then run twice. Default false." }),
  })
  .refine((r) => r.max_delay_ms >= r.base_delay_ms, {
    message: "max_delay_ms must be at least base_delay_ms.",
    path: ["max_delay_ms"],
  });
export type RetryPolicyInput = z.infer<typeof RetryPolicyInput>;

export const ToolInput = z
  .object({
    name: z
      .string()
      .regex(TOOL_NAME, "name must be 1-64 characters of A-Z, a-z, 0-9, _ and -.")
      .openapi({ example: "get_weather" }),
    description: z.string().max(4096).nullish(),
    execution_type: z.enum(EXECUTION_TYPES, { error: "execution_type must be one of: http_request, function." }),
    method: z.enum(METHODS, { error: "method must be one of: GET, POST, PUT, PATCH, DELETE." }).nullish(),
    endpoint_url: z.string().max(2048).nullish().openapi({
      description: "Absolute http(s) URL; `{name}` placeholders in the path are filled from the input.",
      example: "https://api.example.com/v1/cities/{city}/weather",
    }),
    function_name: z
      .string()
      .max(128)
      .nullish()
      .openapi({ description: "For `function` tools: the built-in function to run." }),
    headers: z.record(z.string(), z.string().max(8192)).nullish(),
    timeout: z.number().int().min(1).max(300).nullish().openapi({ description: "Seconds, 1-300. Default 30." }),
    max_response_bytes: z
      .number()
      .int()
      .min(1)
      .max(MAX_RESPONSE_BYTES_LIMIT)
      .nullish()
      .openapi({
        description: `The largest upstream response body read, in bytes: 1-${MAX_RESPONSE_BYTES_LIMIT}, default ${DEFAULT_MAX_RESPONSE_BYTES}.`,
      }),
    retry: RetryPolicyInput.nullish().openapi({
      description:
        "Retries 429, 502, 503, 504 and network errors, with exponential backoff and full jitter, within the tool's timeout; only GET, PUT and DELETE unless retry_non_idempotent is set. Absent or null: one attempt only.",
    }),
    auth_config: AuthConfigInput.nullish(),
    connection_id: z.string().min(1).max(64).nullish().openapi({
      description:
        "Use this connection's credential (see /connections) instead of `auth_config`; sending both is refused. The endpoint's origin must be one of the connection's allowed_origins.",
    }),
    input_schema: JsonSchemaObject.nullish(),
    output_schema: OutputSchema.nullish(),
    input_mapping: InputMappingSchema.nullish(),
    body_format: z.enum(BODY_FORMATS).nullish().openapi({
      description:
        "How body inputs are sent: `json` (default), `form` (application/x-www-form-urlencoded), `multipart` (multipart/form-data text fields; the engine sets the Content-Type with its boundary) or `text` (the whole_body input's string as it is; Content-Type text/plain unless a static header sets another).",
    }),
    mcp_enabled: z.boolean().nullish().openapi({
      description:
        "Offer the tool to AI agents over MCP (`/mcp`): listed by tools/list, callable by tools/call. Default true.",
    }),
    format_mode: z.enum(FORMAT_MODES).nullish().openapi({ description: FORMAT_MODE_DESCRIPTION }),
  })
  .openapi("ToolInput");
export type ToolInput = z.infer<typeof ToolInput>;

export const Tool = z
  .object({
    id: z.string(),
    name: z.string(),
    description: z.string().nullable(),
    execution_type: z.enum(EXECUTION_TYPES),
    method: z.enum(METHODS).nullable(),
    endpoint_url: z.string().nullable(),
    function_name: z.string().nullable(),
    headers: z.record(z.string(), z.string()),
    timeout: z.number().int(),
    max_response_bytes: z.number().int(),
    retry: z
      .object({
        max_attempts: z.number().int(),
        base_delay_ms: z.number().int(),
        max_delay_ms: z.number().int(),
        retry_non_idempotent: z.boolean(),
      })
      .nullable(),
    auth_config: AuthConfigOutput.openapi({
      description:
        "The tool's own auth config, or, with `connection_id`, its connection's. Secret values are never returned: `secrets_set` names those stored.",
    }),
    connection_id: z
      .string()
      .nullable()
      .openapi({ description: "The connection whose credential the tool uses; null when it has its own." }),
    input_schema: JsonSchemaObject,
    output_schema: OutputSchema.nullable(),
    input_mapping: InputMappingSchema.nullable(),
    body_format: z.enum(BODY_FORMATS),
    mcp_enabled: z.boolean(),
    format_mode: z.enum(FORMAT_MODES).openapi({ description: FORMAT_MODE_DESCRIPTION }),
    version: z.number().int(),
    created_at: z.string().openapi({ format: "date-time" }),
    updated_at: z.string().openapi({ format: "date-time" }),
  })
  .openapi("Tool");

export const DamagedTool = z
  .object({
    id: z.string(),
    name: z.string(),
    description: z.string().nullable(),
    execution_type: z.string(),
    method: z.string().nullable(),
    endpoint_url: z.string().nullable(),
    mcp_enabled: z.boolean(),
    version: z.number().int(),
    created_at: z.string().openapi({ format: "date-time" }),
    updated_at: z.string().openapi({ format: "date-time" }),
    damaged: z.object({
      columns: z
        .array(
          z.object({
            column: z.string().openapi({ description: "The D1 column, for example `auth_secrets`." }),
            problem: z.string().openapi({ example: "is not valid JSON" }),
          }),
        )
        .openapi({ description: "The columns of the stored row that do not read." }),
      detail: z.string().openapi({ description: "What is wrong and what to do, in words." }),
    }),
  })
  .openapi("DamagedTool", {
    description:
      "A stored tool whose row does not read in full (a column changed outside toolgate, or corrupt): its plain fields and `damaged`. It cannot run (500 `tool_damaged`) or be exported; replace it with PUT (every secret sent again) or delete it.",
  });

/** What reads of stored tools return: the tool, or, for a damaged row, what can be read of it. */
export const StoredTool = z.union([Tool, DamagedTool]);

export const ToolList = z
  .object({
    items: z.array(StoredTool).openapi({ description: "Each a Tool, or a DamagedTool (it has `damaged`)." }),
    next_cursor: z.string().nullable(),
  })
  .openapi("ToolList");

export const ListQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(50).openapi({ description: "Page size, 1-100 (default 50)." }),
  cursor: z.string().max(512).optional().openapi({ description: "`next_cursor` from the previous page." }),
});

/** A tool's name as a lookup key: the name rule, so a name no tool can have is refused as such. */
const ToolNameKey = z.string().regex(TOOL_NAME, "name must be 1-64 characters of A-Z, a-z, 0-9, _ and -.");

/** The longest search text: a little over the longest name, and plenty for words of a description. */
export const MAX_SEARCH_LENGTH = 200;

export const ToolListQuery = ListQuery.extend({
  q: z.string().min(1).max(MAX_SEARCH_LENGTH).optional().openapi({
    description:
      "Search: only tools whose name or description contains this text, ignoring the case of ASCII letters. Taken literally (no wildcards: `%` and `_` are plain characters).",
    example: "weather",
  }),
  name: ToolNameKey.optional().openapi({
    description:
      "Only the tool with exactly this name (case-sensitive): `items` holds it, or nothing. Maps a model's function call to its tool.",
    example: "get_weather",
  }),
});

/** A `{name}` path parameter: a tool's exact name. */
export const NameParam = z.object({
  name: ToolNameKey.openapi({ param: { name: "name", in: "path" }, example: "get_weather" }),
});

/** An `{id}` path parameter (tool or execution). */
export const IdParam = z.object({
  id: z
    .string()
    .min(1)
    .max(64)
    .openapi({ param: { name: "id", in: "path" } }),
});

export const ExecuteInput = z
  .object({
    input: z
      .record(z.string(), z.unknown())
      .default({})
      .openapi({ description: "The tool's input; absent means `{}`." }),
  })
  .openapi("ExecuteRequest");

export const ExecuteResult = z
  .object({
    execution_id: z.string(),
    tool_id: z.string(),
    tool_version: z.number().int(),
    status_code: z
      .number()
      .int()
      .nullable()
      .openapi({ description: "The upstream HTTP status; null for function tools." }),
    output: z.unknown().openapi({ description: "The parsed response: JSON, text, or null for an empty body." }),
    duration_ms: z.number().int(),
  })
  .openapi("ExecuteResult");

const HeaderEntry = z
  .object({
    name: z.string(),
    value: z.string().nullable().openapi({ description: "Null when the value is not kept." }),
  })
  .openapi("RunDetailHeader");

export const RunDetail = z
  .object({
    request: z.object({
      method: z.string(),
      url: z.string().openapi({ description: "As built from the input, before credentials were attached." }),
      headers: z.array(HeaderEntry).openapi({
        description:
          "Every header sent, by name. The value is null for a credential: the auth config's header, and any header whose name says it carries one (Authorization, Cookie, X-Api-Key, …).",
      }),
      body: z.string().nullable(),
      body_truncated: z.boolean(),
      credentials: z
        .array(
          z.object({
            in: z.enum(["header", "query"]),
            name: z.string(),
            placeholder: z.string().openapi({
              description: "The shell variable `curl` uses in its place, without the `$`.",
              example: "API_KEY",
            }),
            scheme: z.enum(["Bearer", "Basic"]).optional(),
            username: z
              .string()
              .optional()
              .openapi({ description: "Basic only: the username (configuration, not a secret)." }),
          }),
        )
        .openapi({ description: "Where the call's credential went, by name; never its value." }),
    }),
    response: z
      .object({
        status: z.number().int(),
        headers: z.array(HeaderEntry).openapi({
          description:
            "Every header of the final response, by name. Values are kept only for content-type, content-length, caching, date, rate-limit and request-id headers; never for Set-Cookie.",
        }),
        body: z.string().nullable().openapi({ description: "The body as text; null when none was read." }),
        body_truncated: z.boolean(),
      })
      .nullable()
      .openapi({ description: "The final response; null when none came." }),
    attempts: z
      .array(
        z.object({
          attempt: z.number().int(),
          delay_ms: z.number().int(),
          duration_ms: z.number().int(),
          status: z.number().int().nullable(),
          error: z.enum(["network_error", "timeout", "outbound_blocked", "too_many_redirects"]).nullable(),
          redirects: z.number().int(),
          final_url: z.string().optional(),
          time_to_headers_ms: z.number().int().openapi({ description: "From sending until the response headers." }),
          total_ms: z
            .number()
            .int()
            .nullable()
            .openapi({ description: "Until the end of the body (the final attempt); null when it was not read." }),
        }),
      )
      .openapi({
        description:
          "Each attempt with its timing. Cloudflare Workers do not expose DNS lookup, connect or TLS times, so there are none.",
      }),
    token_fetches: z
      .array(
        z.object({
          endpoint: z.string().openapi({ description: "The token endpoint's origin." }),
          source: z.enum(["cache", "stored", "token_endpoint"]),
          grant_type: z.enum(["client_credentials", "refresh_token"]).nullable(),
          status: z.number().int().nullable(),
          duration_ms: z.number().int(),
          error: z.string().nullable(),
          after_401: z.boolean().openapi({ description: "Looked for because the API refused the previous token." }),
        }),
      )
      .openapi({ description: "Each look for an OAuth2 access token: origin, status and time, never a token." }),
    curl: z.string().openapi({
      description:
        "The request as a curl command, with the credential as a shell variable ($API_KEY, $TOKEN, $ACCESS_TOKEN, $PASSWORD) to set before running it.",
    }),
    truncated: z.boolean().openapi({ description: "Something was cut to keep the stored detail under 16 KiB." }),
  })
  .openapi("RunDetail");

export const Execution = z
  .object({
    id: z.string(),
    tool_id: z.string(),
    tool_name: z.string(),
    tool_version: z.number().int(),
    started_at: z.string().openapi({ format: "date-time" }),
    duration_ms: z.number().int(),
    outcome: z.enum(OUTCOMES),
    upstream_status: z.number().int().nullable(),
    method: z.string().nullable(),
    url: z.string().nullable(),
    error_message: z.string().nullable(),
    input: z.unknown(),
    input_truncated: z.boolean(),
    output: z.unknown(),
    output_truncated: z.boolean(),
    attempts: z
      .array(
        z.object({
          attempt: z.number().int(),
          delay_ms: z.number().int().openapi({ description: "Waited before this attempt." }),
          duration_ms: z.number().int(),
          status: z.number().int().nullable(),
          error: z.enum(["network_error", "timeout", "outbound_blocked", "too_many_redirects"]).nullable(),
          redirects: z.number().int(),
          final_url: z.string().optional().openapi({ description: "Where redirects led, when they did." }),
        }),
      )
      .nullable()
      .openapi({ description: "Every attempt at the upstream request; null when none was due." }),
    detail: RunDetail.nullable().openapi({
      description:
        "What the run sent and got back, redacted; null when no request was built (invalid input, function tools, runs from before it was recorded).",
    }),
  })
  .openapi("Execution");

export const ExecutionList = z
  .object({ items: z.array(Execution), next_cursor: z.string().nullable() })
  .openapi("ExecutionList");

export const ExecutionListQuery = ListQuery.extend({
  outcome: z.enum(OUTCOMES).optional().openapi({ description: "Only executions with this outcome." }),
});

const OUTCOME_FILTER_MESSAGE = `outcome must be one of: ${OUTCOMES.join(", ")}.`;
/** A bound on started_at: ISO 8601 with its offset, so that no one's local time is guessed. */
const runTimeBound = (name: "from" | "to", description: string) =>
  z.iso
    .datetime({
      offset: true,
      error: `${name} must be a date and time in ISO 8601 with its offset, such as 2026-12-04T13:05:00Z.`,
    })
    .optional()
    .openapi({ description, example: "2026-12-04T13:05:00Z" });

/** The filters of the log across tools (GET /executions), as the runs page has them. */
export const AllExecutionsQuery = ListQuery.extend({
  tool_id: z
    .string()
    .min(1, "tool_id must not be empty.")
    .max(64, "tool_id is at most 64 characters: a tool's id.")
    .optional()
    .openapi({ description: "Only runs of this tool (also a deleted one: its runs stay in the log)." }),
  outcome: z
    .enum(OUTCOMES, { error: OUTCOME_FILTER_MESSAGE })
    .optional()
    .openapi({ description: "Only executions with this outcome." }),
  upstream_status: z.coerce
    .number({ error: "upstream_status must be an HTTP status code, such as 404 or 503." })
    .int("upstream_status must be an HTTP status code, such as 404 or 503.")
    .min(100, "upstream_status must be an HTTP status code, 100-599.")
    .max(599, "upstream_status must be an HTTP status code, 100-599.")
    .optional()
    .openapi({ description: "Only runs whose API answered with this HTTP status." }),
  from: runTimeBound("from", "Only runs started at or after this time."),
  to: runTimeBound("to", "Only runs started before this time."),
});

export const ScopeSchema = z.enum(SCOPES, {
  error: `Each scope must be one of: ${SCOPES.join(", ")}.`,
});

export const ApiKeyInput = z
  .object({
    name: z
      .string()
      .min(1)
      .max(100)
      // The control characters (\p{Cc}) spelled as ranges: a regex flag would not reach the published
      // pattern (it once read "^[^\p{Cc}]*$/u"), and \p{...} needs the u flag some clients do not set.
      .regex(/^[^\x00-\x1F\x7F-\x9F]*$/, "name must not contain control characters.")
      .openapi({ description: "What the key is for, for the people who manage keys.", example: "orchestrator" }),
    scopes: z
      .array(ScopeSchema)
      .min(1, "Give at least one scope.")
      .max(SCOPES.length)
      .openapi({ description: "What the key may do. Scopes do not imply one another.", example: ["tools:execute"] }),
  })
  .openapi("ApiKeyInput");

export const ApiKey = z
  .object({
    id: z.string(),
    name: z.string(),
    scopes: z.array(ScopeSchema),
    prefix: z.string().openapi({ description: "The first characters of the key, to tell keys apart." }),
    created_at: z.string().openapi({ format: "date-time" }),
    last_used_at: z
      .string()
      .nullable()
      .openapi({ format: "date-time", description: "Accurate to about a minute; null if never used." }),
    revoked_at: z.string().nullable().openapi({ format: "date-time" }),
  })
  .openapi("ApiKey");

export const ApiKeyCreated = ApiKey.extend({
  key: z.string().openapi({
    description: "The API key. Shown only in this response: store it now; toolgate keeps only its hash.",
    example: "tg_…",
  }),
}).openapi("ApiKeyCreated");

export const ApiKeyList = z
  .object({ items: z.array(ApiKey), next_cursor: z.string().nullable() })
  .openapi("ApiKeyList");

export const RewrapQuery = z.object({
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(100)
    .default(100)
    .openapi({ description: "Tools, then connections, then cached tokens, handled per call: 1-100 (default 100)." }),
  cursor: z.string().max(2048).optional().openapi({ description: "`next_cursor` from the previous call." }),
});

const RewrapFailure = z
  .object({
    kind: z.enum(["tool_secret", "connection_secret", "cached_token"]),
    tool_id: z.string().optional(),
    connection_id: z.string().optional(),
    field: z.string().nullable().optional().openapi({ description: "The secret field; null when the whole row." }),
    kv_key: z.string().optional(),
    reason: z.enum([
      "unknown_key",
      "binding_mismatch",
      "auth_failed",
      "legacy_format",
      "malformed",
      "concurrent_change",
      "kv_unavailable",
    ]),
    key_id: z.string().nullable().optional().openapi({ description: "For unknown_key: the key the value names." }),
    detail: z.string(),
  })
  .openapi("RewrapFailure");

export const RewrapReport = z
  .object({
    current_key_id: z.string().openapi({ description: "The key everything is being moved to." }),
    key_ids: z.array(z.string()).openapi({ description: "Every key in the keyring, current first." }),
    tool_secrets: z.object({
      rewrapped: z.number().int().openapi({ description: "Secret values re-sealed under the current key." }),
      failed: z.number().int(),
    }),
    connection_secrets: z.object({
      rewrapped: z.number().int().openapi({ description: "Connection secret values re-sealed under the current key." }),
      failed: z.number().int(),
    }),
    cached_tokens: z.object({
      kept: z.number().int().openapi({ description: "Entries already under the current key." }),
      dropped: z.number().int().openapi({ description: "Entries under another key, deleted." }),
      failed: z.number().int(),
    }),
    failures: z.array(RewrapFailure),
    next_cursor: z.string().nullable().openapi({ description: "Call again with this until it is null." }),
    legacy_v1_remaining: z.number().int().openapi({
      description:
        "Tool secrets still in the v1 format, in the whole database, after this page. When it is 0, SEALED_V1_READS can be set to false.",
    }),
    sealed_v1_reads: z.boolean().openapi({ description: "Whether v1 values open (SEALED_V1_READS)." }),
    legacy_v1_note: z.string().openapi({ description: "What legacy_v1_remaining means for you, in a sentence." }),
  })
  .openapi("RewrapReport");

export const ProblemSchema = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    code: z.string(),
    errors: z.array(z.object({ path: z.string(), message: z.string(), keyword: z.string().optional() })).optional(),
  })
  .passthrough()
  .openapi("Problem");
