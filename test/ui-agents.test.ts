/**
 * "Connect an AI agent": the configuration of each client for this server's
 * URL (PUBLIC_BASE_URL, or the origin asked), with OAuth where it can run,
 * and the execute-only key the page creates and puts in them, once.
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { agentClients, KEY_PLACEHOLDER } from "../src/ui/agent-configs";
import { api, callWorker, createApiKey } from "./helpers";
import {
  decodeEntities,
  duplicateIds,
  fieldError,
  getPage,
  postForm,
  signIn,
  textOf,
  unlabelledControls,
} from "./ui-helpers";

/** The text of the <code> element with this id. */
function codeOf(html: string, id: string): string {
  const match = new RegExp(`<code id="${id}">([\\s\\S]*?)</code>`).exec(html);
  if (!match) throw new Error(`no code block ${id}`);
  return decodeEntities(match[1] ?? "");
}

describe("agent configurations", () => {
  const url = "https://tg.example.com/mcp";

  it("gives each client its own format, with the key in the Authorization header", () => {
    const clients = new Map(agentClients(url, "tg_k", true).map((client) => [client.id, client]));
    expect([...clients.keys()]).toEqual(["claude-desktop", "claude-code", "cursor", "vscode", "inspector"]);
    expect(clients.get("claude-code")?.oauth?.text).toBe(`claude mcp add --transport http toolgate ${url}`);
    expect(clients.get("claude-code")?.withKey.text).toBe(
      `claude mcp add --transport http toolgate ${url} \\\n  --header "Authorization: Bearer tg_k"`,
    );
    expect(JSON.parse(clients.get("vscode")?.oauth?.text ?? "")).toEqual({
      servers: { toolgate: { type: "http", url } },
    });
    expect(JSON.parse(clients.get("vscode")?.withKey.text ?? "")).toEqual({
      servers: { toolgate: { type: "http", url, headers: { Authorization: "Bearer tg_k" } } },
    });
    expect(JSON.parse(clients.get("cursor")?.withKey.text ?? "")).toEqual({
      mcpServers: { toolgate: { type: "http", url, headers: { Authorization: "Bearer tg_k" } } },
    });
    expect(JSON.parse(clients.get("claude-desktop")?.withKey.text ?? "")).toEqual({
      mcpServers: {
        toolgate: {
          command: "npx",
          args: ["-y", "mcp-remote", url, "--header", "Authorization:${TOOLGATE_AUTH}"],
          env: { TOOLGATE_AUTH: "Bearer tg_k" },
        },
      },
    });
    expect(clients.get("inspector")?.withKey.text).toContain("Authorization: Bearer tg_k");
  });

  it("uses a placeholder without a key, and offers no OAuth where it cannot run", () => {
    const clients = agentClients(url, null, false);
    for (const client of clients) {
      expect(client.oauth).toBeNull();
      expect(client.withKey.text).toContain(KEY_PLACEHOLDER);
    }
  });
});

describe("the Connect an AI agent page", () => {
  it("shows the configurations for the origin asked, without any key, linked from the navigation", async () => {
    const session = await signIn();
    const res = await getPage("/ui/agents", session);
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(codeOf(html, "mcp-url")).toBe("https://toolgate.test/mcp");
    expect(codeOf(html, "claude-code-oauth")).toBe(
      "claude mcp add --transport http toolgate https://toolgate.test/mcp",
    );
    expect(JSON.parse(codeOf(html, "vscode-key"))).toEqual({
      servers: {
        toolgate: {
          type: "http",
          url: "https://toolgate.test/mcp",
          headers: { Authorization: `Bearer ${KEY_PLACEHOLDER}` },
        },
      },
    });
    expect(textOf(html)).toContain("Signing in with OAuth");
    expect(html).toContain('action="/ui/agents/key"');
    expect(codeOf(html, "export-anthropic")).toContain('"https://toolgate.test/exports/functions?format=anthropic"');
    expect(html).toContain('href="/ui/agents" aria-current="page"');
    expect(html).not.toMatch(/tg_[A-Za-z0-9_-]{43}/);
    expect(unlabelledControls(html)).toEqual([]);
    expect(duplicateIds(html)).toEqual([]);
  });

  it("uses PUBLIC_BASE_URL, and says OAuth cannot run on a plain-http public origin", async () => {
    const session = await signIn();
    const res = await callWorker({ PUBLIC_BASE_URL: "http://tools.example.com" }, "/ui/agents", {
      token: null,
      headers: { cookie: session.cookie },
    });
    const html = await res.text();
    expect(codeOf(html, "mcp-url")).toBe("http://tools.example.com/mcp");
    expect(codeOf(html, "cursor-key")).toContain('"url": "http://tools.example.com/mcp"');
    expect(textOf(html)).toContain("Agents cannot sign in with OAuth at http://tools.example.com");
    expect(html).not.toContain('id="cursor-oauth"');
  });

  it("creates an execute-only key and puts it in every configuration, once", async () => {
    const session = await signIn();
    const res = await postForm("/ui/agents/key", { name: "my laptop's Claude" }, session);
    expect(res.status).toBe(201);
    const html = await res.text();
    const key = codeOf(html, "new-key");
    expect(key).toMatch(/^tg_[A-Za-z0-9_-]{43}$/);
    expect(codeOf(html, "claude-code-key")).toContain(`--header "Authorization: Bearer ${key}"`);
    expect(JSON.parse(codeOf(html, "claude-desktop-key")).mcpServers.toolgate.env.TOOLGATE_AUTH).toBe(`Bearer ${key}`);
    expect(html).not.toContain(KEY_PLACEHOLDER);

    const row = await env.DB.prepare("SELECT scopes FROM api_keys WHERE name = ?")
      .bind("my laptop's Claude")
      .first<{ scopes: string }>();
    expect(JSON.parse(row?.scopes ?? "null")).toEqual(["tools:execute"]);
    expect((await api("/tools?limit=1", { token: key })).status).toBe(403);

    // Shown once: the page again has the placeholder, not the key.
    const again = await (await getPage("/ui/agents", session)).text();
    expect(again).not.toContain(key);
  });

  it("asks for a name, and lets only the admin scope create the key", async () => {
    const session = await signIn();
    const unnamed = await postForm("/ui/agents/key", { name: " " }, session);
    expect(unnamed.status).toBe(422);
    expect(fieldError(await unnamed.text(), "agent-key-name")).toContain("Give the key a name");

    const runner = await createApiKey(["tools:read", "tools:execute"]);
    const limited = await signIn(runner.key);
    const page = await (await getPage("/ui/agents", limited)).text();
    expect(textOf(page)).toContain("Only an administrator (a key with the admin scope) can create keys");
    expect(page).not.toContain('action="/ui/agents/key"');
    expect((await postForm("/ui/agents/key", { name: "sneaky" }, limited)).status).toBe(403);
  });
});
