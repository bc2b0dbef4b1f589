/** Request and response shapes of POST /imports/openapi (zod, and so the OpenAPI document). */
import { z } from "@hono/zod-openapi";
import { SKIP_REASONS } from "../imports/openapi-refs";
import { ConnectionAuthConfig, ConnectionStatusSchema } from "./connection-schemas";
import { TOOL_NAME } from "./field-schemas";
import { EMPTY_SECRET_MESSAGE } from "./schemas";

const Secret = (description: string) =>
  z
    .string()
    .min(1, EMPTY_SECRET_MESSAGE)
    .max(8192)
    .optional()
    .openapi({ description: `${description} Write-only: never returned.`, writeOnly: true });

export const ImportAuthConfig = z
  .object({
    type: z
      .enum(["none", "bearer_token", "api_key", "oauth2"], {
        error: "auth_config.type must be one of: none, bearer_token, api_key, oauth2.",
      })
      .optional()
      .openapi({
        description:
          "Use this auth for every operation instead of the document's security schemes. Without it, the fields below fill in the auth each operation's scheme gives.",
      }),
    token: Secret("The bearer token, for http bearer schemes."),
    key_name: z.string().min(1).max(256).optional(),
    location: z.enum(["header", "query"]).optional(),
    value: Secret("The API key, for apiKey schemes."),
    token_url: z.string().min(1).max(2048).optional(),
    client_id: z.string().min(1).max(1024).optional().openapi({ description: "For OAuth2 client credentials." }),
    client_secret: Secret("The OAuth2 client secret."),
    scope: z.string().max(2048).optional(),
    audience: z.string().max(2048).optional(),
    client_auth_method: z.enum(["client_secret_basic", "client_secret_post"]).optional(),
  })
  .openapi("ImportAuthConfig");

/** What the caller says about one security scheme's connection: an existing one, or what the new one needs. */
export const ImportConnectionChoice = z
  .object({
    connection_id: z.string().min(1).max(64).optional().openapi({
      description:
        "Use this existing connection for every operation of the scheme instead of creating one. Nothing else may be sent with it.",
    }),
    name: z
      .string()
      .regex(TOOL_NAME, "name must be 1-64 characters of A-Z, a-z, 0-9, _ and -.")
      .optional()
      .openapi({ description: "The new connection's name; default: the document's title and the scheme's name." }),
    client_id: z
      .string()
      .min(1)
      .max(1024)
      .optional()
      .openapi({ description: "OAuth2 schemes: your client id at the provider (a connection needs one)." }),
    username: z
      .string()
      .min(1)
      .max(256)
      .optional()
      .openapi({ description: "HTTP basic schemes: the username (a connection needs one)." }),
    token: Secret("Bearer schemes: the token."),
    value: Secret("apiKey schemes: the key."),
    password: Secret("HTTP basic schemes: the password."),
    client_secret: Secret("OAuth2 schemes: the client secret."),
  })
  .refine((choice) => choice.connection_id === undefined || Object.keys(choice).length === 1, {
    message: "Send connection_id alone: an existing connection keeps its own name and secrets.",
    path: ["connection_id"],
  })
  .openapi("ImportConnectionChoice");
export type ImportConnectionChoice = z.infer<typeof ImportConnectionChoice>;

function isServerUrl(url: string): boolean {
  if (!/^https?:\/\//i.test(url) || !URL.canParse(url)) return false;
  const parsed = new URL(url);
  return parsed.search === "" && parsed.hash === "";
}

export const OpenApiImportRequest = z
  .object({
    document: z
      .union([z.string().min(1), z.record(z.string(), z.unknown())], {
        error: "document must be the OpenAPI document: JSON or YAML text, or an object.",
      })
      .optional()
      .openapi({
        description:
          "An OpenAPI 3.0 or 3.1 (or Swagger 2.0) document: JSON (up to 16 MiB) or YAML (up to 2 MiB) text, or the parsed object. Send this or document_url.",
      }),
    document_url: z
      .string()
      .max(2048)
      .refine((url) => /^https?:\/\//i.test(url) && URL.canParse(url), "document_url must be an absolute http(s) URL.")
      .optional()
      .openapi({
        description:
          "Where to fetch the document instead (GET, no credentials, through the outbound policy, redirects followed). Send this or document.",
        example: "https://petstore3.swagger.io/api/v3/openapi.json",
      }),
    server_url: z
      .string()
      .max(2048)
      .refine(isServerUrl, "server_url must be an absolute http(s) URL without a query or fragment.")
      .optional()
      .openapi({
        description: "The base URL to call instead of the document's servers; required when those are relative.",
        example: "https://api.example.com/v1",
      }),
    operation_ids: z.array(z.string().min(1).max(256)).min(1).max(1000).optional().openapi({
      description: "Import only these operations; ids the document lacks are listed in unknown_operation_ids.",
    }),
    auth_config: ImportAuthConfig.optional().openapi({
      description:
        "Credentials each tool keeps for itself, the way before connections: an operation whose scheme this completes (every secret sent) gets it as its own auth_config; with a type, it replaces every scheme. Leave it out to use connections.",
    }),
    connections: z.record(z.string().min(1).max(256), ImportConnectionChoice).optional().openapi({
      description:
        "By security scheme name: an existing connection_id to use, or the secrets (and OAuth2 client_id, Basic username) of the connection the import creates for it. A scheme not named here gets a new connection without its secret.",
    }),
    dry_run: z.boolean().default(false).openapi({ description: "Report what would be created; save nothing." }),
    name_prefix: z
      .string()
      .regex(/^[A-Za-z0-9_-]{0,32}$/, "name_prefix must be at most 32 characters of A-Z, a-z, 0-9, _ and -.")
      .optional()
      .openapi({ description: "Put before every tool name, such as crm_.", example: "crm_" }),
  })
  .refine((body) => (body.document === undefined) !== (body.document_url === undefined), {
    message: "Send the document in document, or its URL in document_url (one of them).",
    path: ["document"],
  })
  .openapi("OpenApiImportRequest");

const ImportResultSchema = z
  .object({
    operation_id: z.string().nullable(),
    method: z.string(),
    path: z.string(),
    status: z.enum(["created", "skipped", "would_create"]),
    tool_id: z.string().optional().openapi({ description: "The created tool's id." }),
    name: z.string().optional().openapi({ description: "The tool's name (created or would be)." }),
    reason: z.enum(SKIP_REASONS).optional().openapi({ description: "Why it was skipped: a stable code." }),
    detail: z.string().optional().openapi({ description: "Why it was skipped, in words." }),
    errors: z
      .array(z.object({ path: z.string(), message: z.string(), keyword: z.string().optional() }))
      .optional()
      .openapi({ description: "For invalid_tool: each problem, its path pointing into the tool definition." }),
    security_scheme: z
      .string()
      .optional()
      .openapi({ description: "The security scheme whose connection the tool uses (see `connections`)." }),
    connection_id: z.string().optional().openapi({ description: "The connection the created tool uses." }),
    needs_secrets: z
      .array(z.string())
      .optional()
      .openapi({ description: "auth_config fields the operation's security scheme needs and the request lacks." }),
    warnings: z.array(z.string()).optional().openapi({
      description: "What was left out of the tool (an optional parameter it cannot send, a response schema).",
    }),
    // No `type` here: it would replace `additionalProperties: {}` and leave typed clients an empty object.
    tool: z.record(z.string(), z.unknown()).optional().openapi({
      description:
        "In a dry run: the tool that would be created, as a ToolInput without its secret values (nor client_id, until one is sent).",
    }),
  })
  .openapi("OpenApiImportResult");
export type ImportResult = z.infer<typeof ImportResultSchema>;

const ImportConnectionSchema = z
  .object({
    security_scheme: z.string().openapi({ description: "The scheme's name in the document." }),
    status: z.enum(["created", "would_create", "existing", "skipped"]).openapi({
      description:
        "`created` (or `would_create` in a dry run): a new connection; `existing`: the connection_id the request mapped the scheme to; `skipped`: it could not be created, and its operations were skipped (see `detail`).",
    }),
    id: z.string().optional().openapi({ description: "created or existing: the connection's id." }),
    name: z.string(),
    auth_config: ConnectionAuthConfig.optional().openapi({
      description: "The connection's auth config, without secret values.",
    }),
    allowed_origins: z.array(z.string()),
    connection_status: ConnectionStatusSchema.optional().openapi({
      description: "created or existing: what the connection needs before its tools run.",
    }),
    needs: z.array(z.string()).openapi({
      description:
        "What to send before its tools run: secret fields (value, token, password, client_secret), client_id or username (needed to create it), or authorization (Connect, for OAuth2 authorization code).",
    }),
    operations: z.number().int().openapi({ description: "How many of the imported operations use it." }),
    detail: z.string().optional().openapi({ description: "What to do next, in words." }),
    errors: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  })
  .openapi("OpenApiImportConnection");
export type ImportConnection = z.infer<typeof ImportConnectionSchema>;

export const OpenApiImportResponse = z
  .object({
    dry_run: z.boolean(),
    openapi_version: z
      .enum(["2.0", "3.0", "3.1"])
      .openapi({ description: "The document's version; Swagger 2.0 is converted to OpenAPI 3.0 first." }),
    results: z.array(ImportResultSchema),
    connections: z.array(ImportConnectionSchema).openapi({
      description: "One per security scheme the imported operations use through a connection, in order of first use.",
    }),
    unknown_operation_ids: z.array(z.string()),
  })
  .openapi("OpenApiImportResponse");
