/**
 * The MCP server: tools/list and tools/call over the registry and the engine.
 * The SDK's low-level `Server` does the protocol (initialize, version
 * negotiation, JSON-RPC); we only answer the two tool requests, with the
 * JSON Schemas the tools already have. One server per HTTP request: the
 * transport is stateless (./http.ts).
 */
import { Server } from "@modelcontextprotocol/sdk/server/index.js";
import {
  CallToolRequestSchema,
  ErrorCode,
  ListToolsRequestSchema,
  McpError,
  type CallToolResult,
  type ListToolsResult,
} from "@modelcontextprotocol/sdk/types.js";
import { CfWorkerJsonSchemaValidator } from "@modelcontextprotocol/sdk/validation/cfworker-provider.js";
import { drizzle } from "drizzle-orm/d1";
import type { Principal } from "../access/principal";
import { decodeCursor, pageOf } from "../api/pagination";
import { runStoredTool } from "../engine/run";
import type { Env } from "../env";
import { AppError } from "../problem";
import { listTools } from "../registry/queries";
import { runnableMcpTool } from "../registry/runnable";
import { isDamaged } from "../registry/stored-tool";
import { callResultOf, mcpToolOf } from "./tools";

/** Tools per tools/list page; a client follows `nextCursor` for the rest. */
export const MCP_PAGE_SIZE = 50;

export const SERVER_INFO = { name: "toolgate", version: "0.1.0" };

/**
 * The tools a caller may see and call: every tool offered over MCP, or, for
 * an OAuth grant narrowed to chosen tools, those only. A tool outside it is
 * not listed and is an unknown tool to tools/call, as if it did not exist.
 */
export type ToolAccess = { kind: "all" } | { kind: "only"; toolIds: readonly string[] };

export function toolAccessOf(principal: Principal): ToolAccess {
  return principal.kind === "oauth_grant" && principal.toolIds !== null
    ? { kind: "only", toolIds: principal.toolIds }
    : { kind: "all" };
}

export function createMcpServer(
  env: Env,
  waitUntil: (work: Promise<unknown>) => void,
  access: ToolAccess = { kind: "all" },
): Server {
  const server = new Server(SERVER_INFO, {
    capabilities: { tools: {} },
    instructions:
      "Each tool calls one HTTP API (or a built-in function) registered in toolgate. A failed call returns isError with what went wrong; the arguments can be fixed and the call retried.",
    // The SDK's default validator is Ajv, which compiles schemas with new Function: refused on Workers.
    jsonSchemaValidator: new CfWorkerJsonSchemaValidator(),
  });

  server.setRequestHandler(ListToolsRequestSchema, (request) =>
    answer(async (): Promise<ListToolsResult> => {
      const after = mcpCursor(request.params?.cursor);
      const rows = await listTools(drizzle(env.DB), MCP_PAGE_SIZE, after, {
        mcpEnabled: true,
        ids: access.kind === "only" ? access.toolIds : undefined,
      });
      // A damaged row has no schema to offer: it is left out (calling it by name says what is wrong).
      const page = pageOf(
        rows,
        MCP_PAGE_SIZE,
        (row) => row.createdAt,
        (row) => (isDamaged(row) ? null : mcpToolOf(row)),
      );
      const tools = page.items.filter((tool) => tool !== null);
      return { tools, ...(page.next_cursor ? { nextCursor: page.next_cursor } : {}) };
    }),
  );

  server.setRequestHandler(CallToolRequestSchema, (request) =>
    answer(async (): Promise<CallToolResult> => {
      const { name, arguments: args = {} } = request.params;
      const found = await runnableMcpTool(env, name);
      const runnable = found && (access.kind === "all" || access.toolIds.includes(found.tool.id)) ? found : undefined;
      // The one failure that is a protocol error: there is nothing to run (MCP spec, tools, "Error Handling").
      if (!runnable) throw protocolError(ErrorCode.InvalidParams, `Unknown tool: ${name}`);
      const { report } = await runStoredTool(env, waitUntil, runnable, args);
      return callResultOf(runnable.tool, report);
    }),
  );

  return server;
}

/** A tools/list cursor: the same opaque keyset cursor as GET /tools, refused as invalid params. */
function mcpCursor(cursor: string | undefined): { at: string; id: string } | null {
  try {
    return decodeCursor(cursor);
  } catch (err) {
    if (err instanceof AppError) throw protocolError(ErrorCode.InvalidParams, err.detail);
    throw err;
  }
}

/**
 * Runs a handler. The SDK answers a thrown error with its message, so an
 * unexpected one is logged and replaced by a generic message, as `onError`
 * does for the API (src/problem.ts).
 */
async function answer<T>(handler: () => Promise<T>): Promise<T> {
  try {
    return await handler();
  } catch (err) {
    if (err instanceof McpError) throw err;
    console.error(JSON.stringify({ msg: "unhandled MCP error", name: (err as Error)?.name }));
    throw protocolError(ErrorCode.InternalError, "The server hit an unexpected error. It has been logged.");
  }
}

/**
 * A JSON-RPC error whose message goes on the wire as written. McpError's own
 * message is "MCP error <code>: <message>", which the SDK server sends as is,
 * and the SDK client prefixes again when it rebuilds the error, so users saw
 * "MCP error -32602: MCP error -32602: Unknown tool: x".
 */
function protocolError(code: ErrorCode, message: string): McpError {
  const error = new McpError(code, message);
  error.message = message;
  return error;
}
