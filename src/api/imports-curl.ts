/**
 * POST /imports/curl: a cURL command (as browsers' "Copy as cURL" writes it)
 * into a tool draft that POST /tools accepts as it is. Nothing is saved or
 * sent. The conversion is src/imports/curl.ts.
 */
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { assertScope, scoped } from "../access/middleware";
import type { AppBindings } from "../env";
import { curlToToolDraft } from "../imports/curl";
import { AppError } from "../problem";
import { matchingConnections, reuseConnection, saveAsConnection } from "../registry/curl-connections";
import { TOOL_NAME } from "./field-schemas";
import { problemsWith } from "./openapi";
import { ToolInput } from "./schemas";

export const curlImportApi = new OpenAPIHono<AppBindings>();

/** 64 KiB: far more than a browser's copy of one request, far less than the body limit. */
export const MAX_CURL_COMMAND_BYTES = 64 * 1024;

const CurlImportRequest = z
  .object({
    command: z
      .string()
      .min(1, "command must not be empty.")
      .refine((text) => new TextEncoder().encode(text).length <= MAX_CURL_COMMAND_BYTES, {
        message: `command must be at most ${MAX_CURL_COMMAND_BYTES / 1024} KiB.`,
      })
      .openapi({
        description: `A curl command line, bash or Windows cmd, at most ${MAX_CURL_COMMAND_BYTES / 1024} KiB.`,
        example: "curl 'https://api.example.com/v1/items?limit=10' -H 'Authorization: Bearer …'",
      }),
    connection_id: z.string().min(1).max(64).optional().openapi({
      description:
        "Use this connection instead of the command's credential: the draft names it (connection_id) and carries no credential. It must allow the command's origin.",
    }),
    save_connection: z
      .object({
        name: z
          .string()
          .regex(TOOL_NAME, "save_connection.name must be 1-64 characters of A-Z, a-z, 0-9, _ and -.")
          .optional(),
      })
      .optional()
      .openapi({
        description:
          "Save the command's credential as a new connection (allowed to the command's origin only; needs connections:write), and answer a draft that names it instead of carrying the credential. Default name: the host and the credential's kind.",
      }),
  })
  .refine((body) => body.connection_id === undefined || body.save_connection === undefined, {
    message: "Send connection_id (use a connection you have) or save_connection (save a new one), not both.",
    path: ["connection_id"],
  })
  .openapi("CurlImportRequest");

const CurlImportResult = z
  .object({
    draft: ToolInput.openapi({
      description:
        "A tool definition to review and send to POST /tools. Its `auth_config` holds the credential from the command; it appears nowhere else in the draft.",
    }),
    warnings: z.array(z.string()).openapi({
      description: "What was left out or changed, and why: dropped headers, cookies, unsupported options.",
    }),
    needs: z
      .array(
        z.object({
          field: z.string().openapi({
            description:
              "A JSON Pointer into the draft: `/auth_config/token`, `/auth_config/value`, or `/input_schema/properties/{name}/default`.",
          }),
          placeholders: z.array(z.string()).openapi({ description: "What the command has there, as written." }),
          detail: z.string().openapi({ description: "What to enter, in words." }),
        }),
      )
      .openapi({
        description:
          "Values the command held placeholders for (`$OPENAI_API_KEY`, `<YOUR-TOKEN>`, a `$ACCOUNT_SID` path segment): the draft leaves them out. Enter a credential in `auth_config` before saving (POST /tools refuses the draft without it); an input may get a default or be given on each call.",
      }),
    matching_connections: z.array(z.object({ id: z.string(), name: z.string(), status: z.string() })).openapi({
      description:
        "Connections that send the same kind of credential (type; for an API key, its name and place) to the command's origin: send one as connection_id to reuse it. Empty without connections:read.",
    }),
    connection: z
      .object({ status: z.enum(["created", "reused"]), id: z.string(), name: z.string() })
      .optional()
      .openapi({ description: "The connection the draft names, when save_connection or connection_id was sent." }),
  })
  .openapi("CurlImportResult");

const curlImportRoute = createRoute({
  method: "post",
  path: "/imports/curl",
  operationId: "importCurl",
  tags: ["Imports"],
  summary: "Turn a cURL command into a tool draft",
  description:
    "Reads the method, URL, headers, body (JSON, form, or -F text fields as multipart) and credential of a curl command, as Chrome's and Firefox's \"Copy as cURL\" or an API's documentation write it (bash or cmd), and answers the tool definition that makes the same request: the credential in `auth_config`, the query, body fields and numeric or UUID path segments as inputs with their values as defaults. Placeholders such as `$OPENAI_API_KEY` are not kept: `needs` lists what to enter. Nothing is saved unless you ask (\`save_connection\` saves the credential as a connection): send the draft to POST /tools. \`matching_connections\` lists the connections you could reuse instead (\`connection_id\`).",
  ...scoped("tools:write"),
  request: { body: { required: true, content: { "application/json": { schema: CurlImportRequest } } } },
  responses: {
    200: {
      description: "The draft and the warnings.",
      headers: z.object({
        "Cache-Control": z.string().openapi({ description: "no-store: the draft holds the command's credential." }),
      }),
      content: { "application/json": { schema: CurlImportResult } },
    },
    ...problemsWith(
      {
        403: "The key lacks tools:write, or save_connection was sent by a key without connections:write (`insufficient_scope`).",
        409: "save_connection named a connection that exists (`connection_name_taken`).",
        422: "The body is not valid (`invalid_request`: also a connection_id that names nothing or does not allow the command's origin, or save_connection for a command without a credential), or the command is not a curl command toolgate can read (`invalid_curl`, with `reason`: `not_curl`, `unterminated_quote`, `no_url`, `invalid_url`, `unsupported_method` or `credential_in_url`).",
      },
      400,
      401,
      403,
      409,
      413,
      415,
      422,
      500,
    ),
  },
});

curlImportApi.openapi(curlImportRoute, async (c) => {
  const body = c.req.valid("json");
  const result = curlToToolDraft(body.command);
  if (!result.ok) throw new AppError(422, "invalid_curl", result.detail, { reason: result.reason });
  const principal = c.get("principal");
  const scopes = principal?.scopes ?? [];
  const matching = scopes.includes("connections:read") ? await matchingConnections(c.env, result.draft) : [];
  let answer: { draft: unknown; connection?: { status: "created" | "reused"; id: string; name: string } } = {
    draft: result.draft,
  };
  if (body.connection_id !== undefined) answer = await reuseConnection(c.env, result.draft, body.connection_id);
  else if (body.save_connection !== undefined) {
    if (principal) assertScope(principal, "connections:write");
    answer = await saveAsConnection(c.env, result.draft, body.save_connection.name);
  }
  c.header("Cache-Control", "no-store");
  return c.json(
    {
      draft: answer.draft as z.infer<typeof ToolInput>,
      warnings: result.warnings,
      needs: answer.connection ? result.needs.filter((n) => !n.field.startsWith("/auth_config/")) : result.needs,
      matching_connections: matching,
      ...(answer.connection ? { connection: answer.connection } : {}),
    },
    200,
  );
});
