/**
 * /exports/functions: tools as OpenAI (Chat Completions or Responses) or
 * Anthropic function-calling definitions, ready to paste into a request's `tools` (the conversion is in
 * src/exports/function-calling.ts).
 */
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { drizzle } from "drizzle-orm/d1";
import { scoped } from "../access/middleware";
import type { ToolRow } from "../db/schema";
import type { AppBindings } from "../env";
import { exportFunction, FUNCTION_FORMATS } from "../exports/function-calling";
import { getReadableTool, listTools } from "../registry/queries";
import { isDamaged } from "../registry/stored-tool";
import { problemsWith } from "./openapi";
import { decodeCursor, pageOf } from "./pagination";
import { IdParam, JsonSchemaDocument, ListQuery } from "./schemas";

export const exportsApi = new OpenAPIHono<AppBindings>();

const OpenAiFunctionFields = z.object({
  name: z.string(),
  description: z.string().optional(),
  parameters: JsonSchemaDocument,
  strict: z.boolean(),
});

const OpenAiFunction = z
  .object({ type: z.literal("function"), function: OpenAiFunctionFields })
  .openapi("OpenAiFunction", { description: "An entry of OpenAI Chat Completions' `tools` (format=openai)." });

const OpenAiResponsesFunction = z
  .object({ type: z.literal("function") })
  .extend(OpenAiFunctionFields.shape)
  .openapi("OpenAiResponsesFunction", {
    description: "An entry of the OpenAI Responses API's `tools`, a FunctionTool (format=openai-responses).",
  });

const AnthropicTool = z
  .object({
    name: z.string(),
    description: z.string().optional(),
    input_schema: z
      .object({ type: z.literal("object") })
      .catchall(z.unknown())
      .openapi({ description: "A JSON Schema of an object." }),
    strict: z
      .literal(true)
      .optional()
      .openapi({ description: "Present when the schema was converted for strict tool use." }),
  })
  .openapi("AnthropicTool", { description: "An entry of Anthropic Messages' `tools` (format=anthropic)." });

const ExportedDefinition = z.union([OpenAiFunction, OpenAiResponsesFunction, AnthropicTool]);

const FormatQuery = z.object({
  format: z.enum(FUNCTION_FORMATS, { error: "format must be one of: openai, openai-responses, anthropic." }),
  strict: z.enum(["true", "false"], { error: "strict must be true or false." }).optional().openapi({
    description:
      "Convert each input schema to the vendor's strict subset where it can be (OpenAI's Structured Outputs; Anthropic's strict tool use), and mark those definitions strict. Tools whose schema cannot be converted are exported non-strict and listed in `strict_unavailable` with the reason.",
  }),
});

const StrictUnavailable = z.object({
  tool_id: z.string(),
  name: z.string(),
  reason: z.string().openapi({ description: "The first part of the input schema strict mode does not accept." }),
});

const ExportedList = z
  .object({
    format: z.enum(FUNCTION_FORMATS),
    strict: z.boolean(),
    items: z.array(ExportedDefinition),
    strict_unavailable: z.array(StrictUnavailable),
    next_cursor: z.string().nullable(),
  })
  .openapi("ExportedFunctionList");

const ExportedOne = z
  .object({
    format: z.enum(FUNCTION_FORMATS),
    strict: z.boolean(),
    item: ExportedDefinition,
    strict_unavailable: z
      .string()
      .nullable()
      .openapi({ description: "Why strict mode was asked for but not given; null otherwise." }),
  })
  .openapi("ExportedFunction");

const FORMAT_422 =
  "`format` is missing or not openai, openai-responses or anthropic, `strict` is not true or false, or another query parameter is not valid.";

const listRoute = createRoute({
  method: "get",
  path: "/exports/functions",
  operationId: "listFunctionExports",
  tags: ["Exports"],
  summary: "Every tool as a function-calling definition",
  description:
    "All tools, oldest first, paged like GET /tools, as function-calling definitions for OpenAI Chat Completions (`format=openai`), the OpenAI Responses API (`format=openai-responses`) or Anthropic Messages (`format=anthropic`). `items` can be passed as a request's `tools` as is.",
  ...scoped("tools:read"),
  request: { query: ListQuery.extend(FormatQuery.shape) },
  responses: {
    200: { description: "A page of definitions.", content: { "application/json": { schema: ExportedList } } },
    ...problemsWith({ 422: FORMAT_422 }, 400, 401, 403, 422, 500),
  },
});

exportsApi.openapi(listRoute, async (c) => {
  const { limit, cursor, format, strict: strictParam } = c.req.valid("query");
  const strict = strictParam === "true";
  const rows = await listTools(drizzle(c.env.DB), limit, decodeCursor(cursor));
  // A damaged row has no schema to export: it is left out (GET /tools shows it, marked).
  const page = pageOf(
    rows,
    limit,
    (row) => row.createdAt,
    (row) => (isDamaged(row) ? null : { row, ...exportFunction(row, format, strict) }),
  );
  const exported = page.items.filter((item) => item !== null);
  return c.json(
    {
      format,
      strict,
      items: exported.map((item) => item.definition),
      strict_unavailable: exported.flatMap(({ row, strictUnavailable }) =>
        strictUnavailable ? [{ tool_id: row.id, name: row.name, reason: strictUnavailable }] : [],
      ),
      next_cursor: page.next_cursor,
    },
    200,
  );
});

const getRoute = createRoute({
  method: "get",
  path: "/exports/functions/{id}",
  operationId: "getFunctionExport",
  tags: ["Exports"],
  summary: "One tool as a function-calling definition",
  ...scoped("tools:read"),
  request: { params: IdParam, query: FormatQuery },
  responses: {
    200: { description: "The definition.", content: { "application/json": { schema: ExportedOne } } },
    ...problemsWith({ 422: FORMAT_422 }, 401, 403, 404, 422, 500),
  },
});

exportsApi.openapi(getRoute, async (c) => {
  const { format, strict: strictParam } = c.req.valid("query");
  const strict = strictParam === "true";
  const row: ToolRow = await getReadableTool(drizzle(c.env.DB), c.req.valid("param").id);
  const { definition, strictUnavailable } = exportFunction(row, format, strict);
  return c.json({ format, strict, item: definition, strict_unavailable: strictUnavailable }, 200);
});
