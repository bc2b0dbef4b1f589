/**
 * What the "Connect an AI agent" page tells each MCP client to do, for this
 * server's /mcp URL: pure, so each snippet is tested as text. They follow
 * docs/mcp.md, which says why each looks as it does (mcp-remote for Claude
 * Desktop, `"type": "http"` for the clients that take a URL).
 */

/** What the key snippets hold when no key was just created: obviously not a key. */
export const KEY_PLACEHOLDER = "PASTE_YOUR_API_KEY_HERE";

export interface AgentSnippet {
  /** Stable, for element ids. */
  id: string;
  /** Where it goes, in words: a file, a terminal, a settings screen. */
  where: string;
  text: string;
}

export interface AgentClient {
  id: string;
  name: string;
  /** Signing in through toolgate's consent page: no key to paste. Null when OAuth is off on this origin. */
  oauth: AgentSnippet | null;
  /** The same client with an API key in the Authorization header. */
  withKey: AgentSnippet;
}

const SERVER_NAME = "toolgate";

const json = (value: unknown) => JSON.stringify(value, null, 2);

/**
 * The snippets for `mcpUrl`. `key` is a key created just now (shown once) or
 * null, for the placeholder. `oauth`: whether OAuth can run on this origin.
 */
export function agentClients(mcpUrl: string, key: string | null, oauth: boolean): AgentClient[] {
  const token = key ?? KEY_PLACEHOLDER;
  const bearer = `Bearer ${token}`;
  const urlEntry = { type: "http", url: mcpUrl };
  const headerEntry = { ...urlEntry, headers: { Authorization: bearer } };
  const clients: AgentClient[] = [
    {
      id: "claude-desktop",
      name: "Claude Desktop (and claude.ai)",
      oauth: {
        id: "claude-desktop-oauth",
        where: "Settings, Connectors, Add custom connector: give it a name and this URL, then Connect.",
        text: mcpUrl,
      },
      withKey: {
        id: "claude-desktop-key",
        where: "claude_desktop_config.json (Settings, Developer, Edit Config); restart Claude Desktop after saving.",
        text: json({
          mcpServers: {
            [SERVER_NAME]: {
              command: "npx",
              args: ["-y", "mcp-remote", mcpUrl, "--header", "Authorization:${TOOLGATE_AUTH}"],
              env: { TOOLGATE_AUTH: bearer },
            },
          },
        }),
      },
    },
    {
      id: "claude-code",
      name: "Claude Code",
      oauth: {
        id: "claude-code-oauth",
        where: "In a terminal; then, in a Claude Code session, run /mcp, choose toolgate and authenticate.",
        text: `claude mcp add --transport http ${SERVER_NAME} ${mcpUrl}`,
      },
      withKey: {
        id: "claude-code-key",
        where: "In a terminal.",
        text: `claude mcp add --transport http ${SERVER_NAME} ${mcpUrl} \\\n  --header "Authorization: ${bearer}"`,
      },
    },
    {
      id: "cursor",
      name: "Cursor",
      oauth: {
        id: "cursor-oauth",
        where: "~/.cursor/mcp.json, or .cursor/mcp.json in a project. Cursor signs in when it connects.",
        text: json({ mcpServers: { [SERVER_NAME]: urlEntry } }),
      },
      withKey: {
        id: "cursor-key",
        where:
          "~/.cursor/mcp.json, or .cursor/mcp.json in a project. Cursor may start signing in anyway when a server offers it; if it does, use the Claude Desktop configuration (mcp-remote) instead.",
        text: json({ mcpServers: { [SERVER_NAME]: headerEntry } }),
      },
    },
    {
      id: "vscode",
      name: "VS Code",
      oauth: {
        id: "vscode-oauth",
        where: ".vscode/mcp.json in your project. VS Code signs in when it connects.",
        text: json({ servers: { [SERVER_NAME]: urlEntry } }),
      },
      withKey: {
        id: "vscode-key",
        where: ".vscode/mcp.json in your project.",
        text: json({ servers: { [SERVER_NAME]: headerEntry } }),
      },
    },
    {
      id: "inspector",
      name: "MCP Inspector",
      oauth: {
        id: "inspector-oauth",
        where:
          "Start it in a terminal, choose the transport type Streamable HTTP, enter this URL and leave Authentication empty: its OAuth flow opens the consent page.",
        text: `npx @modelcontextprotocol/inspector\n# URL: ${mcpUrl}`,
      },
      withKey: {
        id: "inspector-key",
        where:
          "Start it in a terminal, choose the transport type Streamable HTTP, enter this URL, and under Authentication set the header Authorization to the value below.",
        text: `npx @modelcontextprotocol/inspector\n# URL: ${mcpUrl}\n# Authorization: ${bearer}`,
      },
    },
  ];
  return oauth ? clients : clients.map((client) => ({ ...client, oauth: null }));
}

/** The function-calling exports (docs/function-calling.md), for apps that call a model API themselves. */
export function exportCommands(baseUrl: string): AgentSnippet[] {
  return [
    ["openai", "OpenAI Chat Completions"],
    ["openai-responses", "OpenAI Responses API"],
    ["anthropic", "Anthropic Messages"],
  ].map(([format, where]) => ({
    id: `export-${format}`,
    where: `${where}: pass items as the request's tools.`,
    text: `curl -s -H "Authorization: Bearer $TOOLGATE_KEY" "${baseUrl}/exports/functions?format=${format}"`,
  }));
}
