/**
 * toolgate from a typed client, as its users write one: types generated from
 * GET /openapi.json by openapi-typescript, requests through openapi-fetch.
 * test/node/openapi/typed-client.node.ts generates ./toolgate-api from the document
 * the app builds and type-checks this file against it; it is never run.
 */
import createClient from "openapi-fetch";
import type { components, paths } from "./toolgate-api";

type Tool = components["schemas"]["Tool"];

/** What Anthropic's SDK (@anthropic-ai/sdk, `Tool.InputSchema`) takes as a tool's `input_schema`. */
interface AnthropicInputSchema {
  type: "object";
  properties?: unknown | null;
  required?: Array<string> | null;
  [k: string]: unknown;
}

/** The Responses API's function tool as the openai SDK types it (`FunctionTool`). */
interface ResponsesFunctionTool {
  type: "function";
  name: string;
  parameters: { [key: string]: unknown } | null;
  strict: boolean | null;
  description?: string | null;
}

export async function weatherAgent(baseUrl: string, token: string): Promise<unknown> {
  const client = createClient<paths>({ baseUrl, headers: { Authorization: `Bearer ${token}` } });

  const created = await client.POST("/tools", {
    body: {
      name: "get_weather",
      description: "Current weather for a city",
      execution_type: "http_request",
      method: "GET",
      endpoint_url: "https://api.example.com/weather",
      auth_config: { type: "api_key", location: "query", key_name: "appid", value: "demo-weather-key" },
      input_schema: {
        type: "object",
        properties: { city: { type: "string" }, units: { type: "string", enum: ["metric", "imperial"] } },
        required: ["city"],
      },
      output_schema: { type: "object", properties: { temperature_c: { type: "number" } } },
      mcp_enabled: true,
    },
  });
  if (created.error) throw new Error(`${created.error.code}: ${created.error.detail}`);
  const tool: Tool = created.data;

  const fetched = await client.GET("/tools/{id}", { params: { path: { id: tool.id } } });
  // A row damaged in storage comes back marked, without its schemas.
  if (fetched.data !== undefined && "damaged" in fetched.data) throw new Error(fetched.data.damaged.detail);
  const inputSchema: Record<string, unknown> = fetched.data?.input_schema ?? {};
  // An output schema may be a boolean schema: `true` (any output) or `false` (none).
  const outputSchema: Record<string, unknown> | boolean | null = fetched.data?.output_schema ?? null;

  const etag = fetched.response.headers.get("etag");
  await client.PUT("/tools/{id}", {
    params: { path: { id: tool.id }, header: etag === null ? {} : { "if-match": etag } },
    body: { name: tool.name, execution_type: "http_request", input_schema: inputSchema, output_schema: null },
  });

  const found = await client.GET("/tools", { params: { query: { name: "get_weather" } } });
  const toolId = found.data?.items[0]?.id ?? tool.id;

  const run = await client.POST("/tools/{id}/execute", {
    params: { path: { id: toolId } },
    body: { input: { city: "Paris", units: "metric" } },
  });
  if (run.error)
    console.error(
      run.error.code,
      run.error.errors?.map((e) => `${e.path}: ${e.message}`),
    );
  const output: unknown = run.data?.output;

  // A model's call, by the function name it used, with its arguments as they came (strict-mode nulls too).
  const call = { name: "get_weather", arguments: '{"city":"Paris","units":null}' };
  const byName = await client.POST("/tools/by-name/{name}/execute", {
    params: { path: { name: call.name } },
    body: { input: JSON.parse(call.arguments) as Record<string, unknown> },
  });

  const anthropic = await client.GET("/exports/functions", {
    params: { query: { format: "anthropic", strict: "true", limit: 100 } },
  });
  const claudeTools: { name: string; input_schema: AnthropicInputSchema; strict?: boolean }[] = (
    anthropic.data?.items ?? []
  ).flatMap((item) => ("input_schema" in item ? [item] : []));

  const responses = await client.GET("/exports/functions", { params: { query: { format: "openai-responses" } } });
  const openaiTools: ResponsesFunctionTool[] = (responses.data?.items ?? []).flatMap((item) =>
    "parameters" in item ? [item] : [],
  );

  const one = await client.GET("/exports/functions/{id}", {
    params: { path: { id: tool.id }, query: { format: "openai", strict: "true" } },
  });
  const chatTool = one.data?.item;
  const parameters = chatTool && "function" in chatTool ? chatTool.function.parameters : undefined;
  const unavailable: string | null | undefined = one.data?.strict_unavailable;

  // The generated types say what the API takes: these are refused.
  // @ts-expect-error format is one of openai, openai-responses, anthropic
  await client.GET("/exports/functions", { params: { query: { format: "gemini" } } });
  // @ts-expect-error execution_type is required
  await client.POST("/tools", { body: { name: "nameless_kind" } });
  // @ts-expect-error the input is an object of arguments
  await client.POST("/tools/{id}/execute", { params: { path: { id: tool.id } }, body: { input: "Paris" } });

  return { outputSchema, output, byName: byName.data, claudeTools, openaiTools, parameters, unavailable };
}
