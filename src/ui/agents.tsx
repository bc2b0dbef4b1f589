/**
 * The "Connect an AI agent" page: GET shows the configurations; POST creates
 * an execute-only key (through src/access/key-management.ts, as POST
 * /api-keys does, checked with its ApiKeyInput schema, admin scope only) and
 * shows the configurations with that key in them, this once.
 */
import { drizzle } from "drizzle-orm/d1";
import { createApiKey } from "../access/key-management";
import { ApiKeyInput } from "../api/schemas";
import { mcpOAuthFor } from "../oauth/provider";
import { publicBaseUrl } from "../public-base-url";
import { agentClients, exportCommands } from "./agent-configs";
import { addFieldError, type FieldErrors } from "./components";
import { ConnectAgentPage } from "./pages/connect-agent";
import type { UiContext } from "./routes";
import type { Session } from "./session";

const DEFAULT_KEY_NAME = "AI agent";

/** GET /ui/agents */
export function showConnectAgent(c: UiContext, session: Session) {
  return render(c, session, { keyName: DEFAULT_KEY_NAME, errors: new Map() });
}

/** POST /ui/agents/key (admin): an API key with tools:execute only. */
export async function createAgentKey(c: UiContext, session: Session) {
  const body = await c.req.parseBody();
  const name = typeof body.name === "string" ? body.name.trim() : "";
  const parsed = ApiKeyInput.safeParse({ name, scopes: ["tools:execute"] });
  if (!parsed.success) {
    const errors: FieldErrors = new Map();
    addFieldError(
      errors,
      "agent-key-name",
      "Give the key a name of 1 to 100 characters (no line breaks or other control characters).",
    );
    return render(c, session, { keyName: name, errors }, 422);
  }
  const { row, key } = await createApiKey(drizzle(c.env.DB), parsed.data);
  return render(c, session, { keyName: name, errors: new Map(), created: { name: row.name, key } }, 201);
}

function render(
  c: UiContext,
  session: Session,
  form: { keyName: string; errors: FieldErrors; created?: { name: string; key: string } },
  status: 200 | 201 | 422 = 200,
) {
  // This server's URL as clients reach it: PUBLIC_BASE_URL, or the origin this page was asked on.
  const baseUrl = publicBaseUrl(c.env) ?? new URL(c.req.url).origin;
  const mcpUrl = `${baseUrl}/mcp`;
  const oauth = mcpOAuthFor(c.env, c.req.url) !== null;
  return c.html(
    <ConnectAgentPage
      session={session}
      mcpUrl={mcpUrl}
      baseUrl={baseUrl}
      clients={agentClients(mcpUrl, form.created?.key ?? null, oauth)}
      exports={exportCommands(baseUrl)}
      created={form.created}
      keyName={form.keyName}
      errors={form.errors}
    />,
    status,
  );
}
