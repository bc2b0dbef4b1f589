/**
 * Stored tools as MCP sees them, and executions as MCP tool results. Pure:
 * the server (./server.ts) does the I/O.
 */
import type { CallToolResult, Tool as McpTool, ToolAnnotations } from "@modelcontextprotocol/sdk/types.js";
import type { ToolRow } from "../db/schema";
import type { ExecutionReport } from "../engine/execute";
import { describeFailure } from "../engine/outcomes";
import { isPlainObject } from "../engine/schemas";
import { isDamaged, type StoredTool } from "../registry/stored-tool";

/** Where a result names its execution log entry (GET /executions/{id}); MCP `_meta` keys are reverse-DNS prefixed. */
export const EXECUTION_ID_META = "dev.toolgate/execution_id";

/** Upstream error bodies quoted in an error result are cut here: the model needs the gist, not megabytes. */
export const QUOTED_BODY_LIMIT = 2000;

/**
 * The hints MCP clients show and act on (for example, asking before a
 * destructive call). They follow from the HTTP method's semantics (RFC 9110
 * section 9.2): GET is safe, PUT and DELETE are idempotent, DELETE destroys.
 * Nothing is claimed for POST and PATCH, so the spec's cautious defaults
 * apply (not read-only, possibly destructive, not idempotent).
 */
export function annotationsFor(tool: Pick<ToolRow, "executionType" | "method">): ToolAnnotations {
  const annotations: ToolAnnotations = {};
  if (tool.method === "GET") annotations.readOnlyHint = true;
  if (tool.method === "DELETE") annotations.destructiveHint = true;
  if (tool.method === "PUT" || tool.method === "DELETE") annotations.idempotentHint = true;
  // An HTTP tool talks to a third party's API; a built-in function runs inside toolgate.
  annotations.openWorldHint = tool.executionType === "http_request";
  return annotations;
}

/**
 * MCP requires an output schema to describe an object (results carry it as
 * `structuredContent`, a JSON object). A schema for anything else is left
 * out, and those tools' results are text only.
 */
export function offeredOutputSchema(tool: Pick<ToolRow, "outputSchema">): McpTool["outputSchema"] | undefined {
  const schema = tool.outputSchema;
  return isPlainObject(schema) && schema.type === "object" ? (schema as McpTool["outputSchema"]) : undefined;
}

/**
 * A tool as tools/list shows it. The schemas are passed on as stored: a
 * schema without `$schema` is read as draft-07 by toolgate and as 2020-12 by
 * MCP, which differ only in keywords tool inputs rarely use (tuple `items`,
 * `dependencies`); adding a `$schema` would trip clients that forward the
 * schema to model APIs that refuse the keyword.
 */
export function mcpToolOf(tool: ToolRow): McpTool {
  const outputSchema = offeredOutputSchema(tool);
  return {
    name: tool.name,
    ...(tool.description ? { description: tool.description } : {}),
    inputSchema: tool.inputSchema as McpTool["inputSchema"],
    ...(outputSchema ? { outputSchema } : {}),
    annotations: annotationsFor(tool),
  };
}

/**
 * An execution as a tools/call result. Success: the output as text (JSON,
 * or the text itself), and as `structuredContent` when the tool offers an
 * output schema (the engine has already checked the output against it).
 * Failure: `isError` with what went wrong, in words the model can act on,
 * and never `structuredContent`, so no client checks an error against the
 * output schema. The engine has already scrubbed secrets from everything here.
 */
export function callResultOf(tool: StoredTool, report: ExecutionReport): CallToolResult {
  const result = report.result;
  const _meta = { [EXECUTION_ID_META]: report.executionId };
  if (result.ok) {
    const output = result.output;
    const text = typeof output === "string" ? output : JSON.stringify(output);
    return {
      content: [{ type: "text", text }],
      ...(!isDamaged(tool) && offeredOutputSchema(tool) && isPlainObject(output) ? { structuredContent: output } : {}),
      _meta,
    };
  }
  const view = describeFailure(result.failure);
  const lines = [view.detail];
  const { errors, upstream_body: upstreamBody, ...facts } = view.extensions as Record<string, unknown>;
  if (Array.isArray(errors))
    for (const error of errors as { path: string; message: string }[])
      lines.push(`- ${inputPath(error.path)}: ${error.message}`);
  if (upstreamBody !== undefined && upstreamBody !== null) lines.push(`Upstream response: ${quote(upstreamBody)}`);
  lines.push(JSON.stringify({ code: view.code, ...facts, execution_id: report.executionId }));
  return { content: [{ type: "text", text: lines.join("\n") }], isError: true, _meta };
}

/** The engine reports input errors under `/input` (the execute request's field); over MCP the arguments are the input. */
function inputPath(pointer: string): string {
  if (pointer === "/input") return "(the arguments)";
  return pointer.startsWith("/input/") ? pointer.slice("/input".length) : pointer;
}

function quote(body: unknown): string {
  const text = typeof body === "string" ? body : JSON.stringify(body);
  return text.length > QUOTED_BODY_LIMIT ? `${text.slice(0, QUOTED_BODY_LIMIT)}… (cut)` : text;
}
