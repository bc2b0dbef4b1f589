/**
 * Request and response shapes of /connections (zod, and so the OpenAPI
 * document). The rules zod cannot express (URLs, origins, header syntax) are
 * in src/registry/connection-definition.ts.
 */
import { z } from "@hono/zod-openapi";
import { CONNECTION_STATUSES } from "../engine/auth/connection-status";
import { SecretString, TOOL_NAME } from "./field-schemas";

/** How many origins a connection may list. */
export const MAX_ALLOWED_ORIGINS = 20;

const ClientAuthMethod = z
  .enum(["client_secret_basic", "client_secret_post"])
  .default("client_secret_basic")
  .openapi({ description: "How the client secret travels to the token endpoint. Default client_secret_basic." });

const Bearer = z.object({ type: z.literal("bearer_token") });
const ApiKey = z.object({
  type: z.literal("api_key"),
  key_name: z.string().min(1).max(256).openapi({ description: "The header or query parameter name." }),
  location: z.enum(["header", "query"]),
});
const Basic = z.object({
  type: z.literal("basic"),
  username: z
    .string()
    .min(1)
    .max(256)
    .openapi({ description: "Sent with the password as `Authorization: Basic base64(username:password)`." }),
});
const ClientCredentials = z.object({
  type: z.literal("oauth2"),
  grant_type: z.literal("client_credentials"),
  token_url: z.string().min(1).max(2048),
  client_id: z.string().min(1).max(1024),
  scope: z.string().max(2048).optional().openapi({ description: "Space-separated scopes to request." }),
  audience: z.string().max(2048).optional(),
  client_auth_method: ClientAuthMethod,
});
const AuthorizationCode = z.object({
  type: z.literal("oauth2"),
  grant_type: z.literal("authorization_code"),
  authorization_url: z
    .string()
    .min(1)
    .max(2048)
    .openapi({ description: "The provider's authorization endpoint, where people sign in and consent." }),
  token_url: z.string().min(1).max(2048),
  client_id: z.string().min(1).max(1024),
  scope: z.string().max(2048).optional().openapi({ description: "Space-separated scopes to ask consent for." }),
  audience: z.string().max(2048).optional(),
  extra_authorize_params: z.record(z.string().min(1).max(256), z.string().max(2048)).optional().openapi({
    description:
      'Added to the authorization URL, for example `{ "access_type": "offline", "prompt": "consent" }`. The parameters of the flow itself (response_type, client_id, redirect_uri, scope, state, code_challenge, code_challenge_method) cannot be set here.',
  }),
  client_auth_method: ClientAuthMethod,
});

const GRANT_TYPES_ERROR = "auth_config.grant_type must be client_credentials or authorization_code.";
const CONNECTION_TYPES_ERROR = "auth_config.type must be one of: bearer_token, api_key, basic, oauth2.";

export const ConnectionAuthConfigInput = z
  .discriminatedUnion(
    "type",
    [
      Bearer.extend({ token: SecretString("The bearer token.") }),
      ApiKey.extend({ value: SecretString("The API key.") }),
      Basic.extend({ password: SecretString("The password.") }),
      z.discriminatedUnion(
        "grant_type",
        [
          ClientCredentials.extend({ client_secret: SecretString("The OAuth2 client secret.") }),
          AuthorizationCode.extend({
            client_secret: SecretString("The OAuth2 client secret; leave it out for a public client."),
          }),
        ],
        { error: GRANT_TYPES_ERROR },
      ),
    ],
    { error: CONNECTION_TYPES_ERROR },
  )
  .openapi("ConnectionAuthConfigInput");
export type ConnectionAuthConfigInput = z.infer<typeof ConnectionAuthConfigInput>;

const SecretsSet = z.array(z.string()).openapi({ description: "Names of the secret fields that are stored." });

/** The shapes of a connection's auth config in responses (a tool that uses it shows the same). */
export const CONNECTION_AUTH_CONFIG_OUTPUTS = [
  Bearer.extend({ secrets_set: SecretsSet }),
  ApiKey.extend({ secrets_set: SecretsSet }),
  Basic.extend({ secrets_set: SecretsSet }),
  z.discriminatedUnion("grant_type", [
    ClientCredentials.extend({ secrets_set: SecretsSet }),
    AuthorizationCode.extend({ secrets_set: SecretsSet }),
  ]),
] as const;

/** A connection's auth config as responses show it: everything but the secrets, and which secrets are set. */
export const ConnectionAuthConfig = z
  .discriminatedUnion("type", [...CONNECTION_AUTH_CONFIG_OUTPUTS])
  .openapi("ConnectionAuthConfig");

export const ConnectionTestRequestSchema = z
  .object({
    method: z.enum(["GET", "HEAD", "POST"], { error: "test_request.method must be one of: GET, HEAD, POST." }),
    url: z.string().min(1).max(2048).openapi({ description: "An absolute URL on one of the allowed origins." }),
  })
  .openapi("ConnectionTestRequest", {
    description:
      "A request `POST /connections/{id}/test` sends with the credential; a 2xx answer means it works. POST sends no body.",
  });

export const ConnectionInput = z
  .object({
    name: z
      .string()
      .regex(TOOL_NAME, "name must be 1-64 characters of A-Z, a-z, 0-9, _ and -.")
      .openapi({ example: "weather_api" }),
    description: z.string().max(4096).nullish(),
    auth_config: ConnectionAuthConfigInput,
    allowed_origins: z
      .array(z.string().min(1).max(2048))
      .min(1, "List at least one origin the credential may be sent to.")
      .max(MAX_ALLOWED_ORIGINS, `At most ${MAX_ALLOWED_ORIGINS} origins.`)
      .openapi({
        description:
          "The origins (scheme://host[:port]) this credential may be sent to. Every tool that uses the connection must call one of them.",
        example: ["https://api.example.com"],
      }),
    test_request: ConnectionTestRequestSchema.nullish(),
  })
  .openapi("ConnectionInput");
export type ConnectionInput = z.infer<typeof ConnectionInput>;

export const ConnectionStatusSchema = z.enum(CONNECTION_STATUSES).openapi({
  description:
    "`ready`; `needs_secret` (a required secret is not set); `needs_authorization` (OAuth2 authorization code, not signed in or the grant was revoked); `error` (the credential failed the last time it was used, see `error`).",
});

export const Connection = z
  .object({
    id: z.string(),
    name: z.string(),
    description: z.string().nullable(),
    auth_config: ConnectionAuthConfig,
    allowed_origins: z.array(z.string()),
    test_request: ConnectionTestRequestSchema.nullable(),
    status: ConnectionStatusSchema,
    error: z
      .object({
        code: z.string().openapi({ description: "token_error, unauthorized or forbidden." }),
        at: z.string().openapi({ format: "date-time" }),
        message: z.string().openapi({ description: "What happened and what to do, in a sentence." }),
      })
      .optional()
      .openapi({ description: "When `status` is `error`: the last failure of the credential." }),
    tools_count: z.number().int().openapi({ description: "How many tools use the connection." }),
    last_used_at: z
      .string()
      .nullable()
      .openapi({ format: "date-time", description: "Accurate to about a minute; null if never used." }),
    version: z.number().int(),
    created_at: z.string().openapi({ format: "date-time" }),
    updated_at: z.string().openapi({ format: "date-time" }),
  })
  .openapi("Connection");

export const ConnectionList = z
  .object({ items: z.array(Connection), next_cursor: z.string().nullable() })
  .openapi("ConnectionList");

export const ConnectionTestResult = z
  .object({
    ok: z.boolean().openapi({ description: "Whether the credential worked." }),
    status: z.number().int().nullable().openapi({
      description:
        "The HTTP status of the last request sent: the test_request's, or the token endpoint's when there is none. Null when nothing answered.",
    }),
    latency_ms: z.number().int(),
    error: z
      .object({ code: z.string(), message: z.string() })
      .optional()
      .openapi({ description: "Why it did not work, when it did not." }),
  })
  .openapi("ConnectionTestResult");
