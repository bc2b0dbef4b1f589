/**
 * POST /imports/curl: a cURL command (as browsers' "Copy as cURL" writes it)
 * into a tool draft that POST /tools accepts as it is. Nothing is saved or
 * sent. The conversion is src/imports/curl.ts.
 */
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { scoped } from "../access/middleware";
import type { AppBindings } from "../env";
import { curlToToolDraft } from "../imports/curl";
import { AppError } from "../problem";
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
  })
  .openapi("CurlImportResult");

const curlImportRoute = createRoute({
  method: "post",
  path: "/imports/curl",
  operationId: "importCurl",
  tags: ["Imports"],
  summary: "Turn a cURL command into a tool draft",
  description:
    "Reads the method, URL, headers, body (JSON, form, or -F text fields as multipart) and credential of a curl command, as Chrome's and Firefox's \"Copy as cURL\" or an API's documentation write it (bash or cmd), and answers the tool definition that makes the same request: the credential in `auth_config`, the query, body fields and numeric or UUID path segments as inputs with their values as defaults. Placeholders such as `$OPENAI_API_KEY` are not kept: `needs` lists what to enter. Nothing is saved: send the draft to POST /tools.",
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
        422: "The body is not valid (`invalid_request`), or the command is not a curl command toolgate can read (`invalid_curl`, with `reason`: `not_curl`, `unterminated_quote`, `no_url`, `invalid_url`, `unsupported_method` or `credential_in_url`).",
      },
      400,
      401,
      403,
      413,
      415,
      422,
      500,
    ),
  },
});

curlImportApi.openapi(curlImportRoute, (c) => {
  const result = curlToToolDraft(c.req.valid("json").command);
  if (!result.ok) throw new AppError(422, "invalid_curl", result.detail, { reason: result.reason });
  c.header("Cache-Control", "no-store");
  return c.json({ draft: result.draft, warnings: result.warnings, needs: result.needs }, 200);
});
