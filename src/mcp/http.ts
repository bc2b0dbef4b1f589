/**
 * /mcp: the MCP Streamable HTTP transport, stateless. Each POST carries
 * JSON-RPC messages and gets its answer in the response; there are no
 * sessions (no Mcp-Session-Id) and no server-initiated stream, so GET and
 * DELETE are 405 as the transport spec allows.
 *
 * Authentication comes first, like every API route: a bearer token with the
 * tools:execute scope, else 401 or 403 problem+json before any MCP processing.
 * The token is ADMIN_TOKEN, an API key, or an OAuth access token from
 * toolgate's own authorization server (src/oauth/).
 */
import { WebStandardStreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js";
import { Hono } from "hono";
import { parseAccept } from "hono/utils/accept";
import { authenticate, requireScope } from "../access/middleware";
import type { AppBindings } from "../env";
import { AppError } from "../problem";
import { mcpBearer } from "../oauth/bearer";
import { createMcpServer, toolAccessOf } from "./server";

export const mcpApi = new Hono<AppBindings>();

// Bearer API keys and ADMIN_TOKEN, or an OAuth access token (src/oauth/bearer.ts), whose 401 points to OAuth.
mcpApi.use("/mcp", authenticate(mcpBearer), requireScope("tools:execute"));

mcpApi.post("/mcp", async (c) => {
  const access = toolAccessOf(c.get("principal"));
  const server = createMcpServer(c.env, (work) => c.executionCtx.waitUntil(work), access);
  const transport = new WebStandardStreamableHTTPServerTransport({
    sessionIdGenerator: undefined,
    enableJsonResponse: !prefersEventStream(c.req.header("accept")),
  });
  await server.connect(transport);
  // The JSON depth check (src/api/json-depth.ts) has read the body already; Hono kept its text.
  const request = new Request(c.req.url, { method: "POST", headers: c.req.raw.headers, body: await c.req.text() });
  return transport.handleRequest(request);
});

mcpApi.all("/mcp", () => {
  throw new AppError(
    405,
    "method_not_allowed",
    "This MCP server is stateless: send JSON-RPC messages with POST. It offers no event stream (GET) and no sessions to end (DELETE).",
    {},
    { allow: "POST" },
  );
});

/**
 * Whether to answer with an SSE stream rather than one JSON body. A client
 * must accept both (the SDK refuses a POST that does not, with 406); JSON is
 * the default, and SSE is used when the Accept header ranks
 * text/event-stream above application/json by quality (RFC 9110 section 12.5.1).
 */
export function prefersEventStream(accept: string | undefined): boolean {
  const ranges = parseAccept(accept ?? "");
  return qualityOf(ranges, "text/event-stream") > qualityOf(ranges, "application/json");
}

/** The quality the most specific matching range gives `type`; 0 when none matches. */
function qualityOf(ranges: { type: string; q: number }[], type: string): number {
  const [main] = type.split("/");
  let best: { specificity: number; q: number } = { specificity: 0, q: 0 };
  for (const range of ranges) {
    const name = range.type.toLowerCase();
    const specificity = name === type ? 3 : name === `${main}/*` ? 2 : name === "*/*" ? 1 : 0;
    if (specificity > best.specificity) best = { specificity, q: range.q };
  }
  return best.q;
}
