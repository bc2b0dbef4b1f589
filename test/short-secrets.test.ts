/**
 * The user story's own examples: an API key `"value": "abc123"` and a bearer
 * `"token": "xxxxx"`. They register, are sent exactly as given, and are never
 * echoed back (response, problem details, log row, MCP, the UI's test panel),
 * while ordinary output that merely contains their letters is left alone
 * (SECURITY.md, "Short secrets").
 */
import { env, SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { EXECUTION_ID_META } from "../src/mcp/tools";
import { ADMIN_TOKEN, api, createTool, json, uniqueName, useUpstream, waitForLog, type Json } from "./helpers";
import { codeBlocks, decodeEntities, executionIdOf, runFromPanel, signIn } from "./ui-helpers";

const upstream = useUpstream();

const KEY = "abc123";
const TOKEN = "xxxxx";
const ECHO = "https://echo.short.example.com";

/** Ordinary text that holds the secrets' letters: none of it may change. */
const ORDINARY = {
  model: "the abc123 model",
  longer: "abc1234",
  six_x: "xxxxxx",
  file: `${ECHO}/files/abc123.json`,
  sentence: "abc123 and xxxxx are the README's examples.",
};

/** An echo service: what it received (as httpbin does), in JSON and as header lines, next to ordinary text. */
function echoService(status = 200): void {
  upstream.on("GET", new RegExp(`^${ECHO}/`), (req) =>
    json(
      {
        args: Object.fromEntries(req.url.searchParams),
        headers: { authorization: req.headers.get("authorization"), "x-api-key": req.headers.get("x-api-key") },
        url: req.url.href,
        as_lines: `Authorization: ${req.headers.get("authorization")}\r\nX-Api-Key: ${req.headers.get("x-api-key")}\r\n`,
        as_json_text: JSON.stringify({ appid: req.url.searchParams.get("appid") }),
        ordinary: ORDINARY,
      },
      { status },
    ),
  );
}

async function storyTools(): Promise<{ keyTool: Json; bearerTool: Json }> {
  const keyTool = await createTool({
    name: uniqueName("short_key"),
    endpoint_url: `${ECHO}/get`,
    auth_config: { type: "api_key", location: "query", key_name: "appid", value: KEY },
  });
  const bearerTool = await createTool({
    name: uniqueName("short_bearer"),
    endpoint_url: `${ECHO}/me`,
    auth_config: { type: "bearer_token", token: TOKEN },
  });
  return { keyTool, bearerTool };
}

/** Fails naming where a secret stands as a whole value in `text`. */
function expectNoWholeSecret(where: string, text: string): void {
  for (const form of [
    `"${KEY}"`,
    `=${KEY}"`,
    `=${KEY}&`,
    `=${KEY}\\`,
    `"Bearer ${TOKEN}"`,
    `Bearer ${TOKEN}\\r`,
    `: ${KEY}\\r`,
    `"${TOKEN}"`,
    `\\"${KEY}\\"`,
  ])
    expect(text.includes(form), `${where} contains ${form}`).toBe(false);
}

describe("the story's examples: abc123 and xxxxx", () => {
  it("register through the API, and come back as secrets_set only", async () => {
    const { keyTool, bearerTool } = await storyTools();
    expect(keyTool.auth_config).toEqual({
      type: "api_key",
      location: "query",
      key_name: "appid",
      secrets_set: ["value"],
    });
    expect(bearerTool.auth_config).toEqual({ type: "bearer_token", secrets_set: ["token"] });
    expect(JSON.stringify(keyTool) + JSON.stringify(bearerTool)).not.toMatch(/abc123|xxxxx/);
  });

  it("are sent as given, and the echo is scrubbed while ordinary text is kept whole", async () => {
    const { keyTool, bearerTool } = await storyTools();
    echoService();

    const keyRun = await api(`/tools/${keyTool.id}/execute`, { method: "POST", json: { input: {} } });
    const bearerRun = await api(`/tools/${bearerTool.id}/execute`, { method: "POST", json: { input: {} } });
    const keyText = await keyRun.text();
    const bearerText = await bearerRun.text();
    expect(keyRun.status, keyText).toBe(200);
    expect(bearerRun.status, bearerText).toBe(200);

    const [keyCall, bearerCall] = upstream.calls;
    expect(keyCall?.url.searchParams.get("appid")).toBe(KEY);
    expect(bearerCall?.headers.get("authorization")).toBe(`Bearer ${TOKEN}`);

    expect(JSON.parse(keyText).output).toEqual({
      args: { appid: "[REDACTED]" },
      headers: { authorization: null, "x-api-key": null },
      url: `${ECHO}/get?appid=[REDACTED]`,
      as_lines: "Authorization: null\r\nX-Api-Key: null\r\n",
      as_json_text: '{"appid":"[REDACTED]"}',
      ordinary: ORDINARY,
    });
    expect(JSON.parse(bearerText).output).toEqual({
      args: {},
      headers: { authorization: "Bearer [REDACTED]", "x-api-key": null },
      url: `${ECHO}/me`,
      as_lines: "Authorization: Bearer [REDACTED]\r\nX-Api-Key: null\r\n",
      as_json_text: '{"appid":null}',
      ordinary: ORDINARY,
    });
    for (const [where, text] of [
      ["the API key tool's response", keyText],
      ["the bearer tool's response", bearerText],
    ] as const)
      expectNoWholeSecret(where, text);
  });

  it("are kept out of the log row, through the API and in D1, and out of an upstream error's problem", async () => {
    const { keyTool, bearerTool } = await storyTools();
    echoService(500);
    for (const tool of [keyTool, bearerTool]) {
      const res = await api(`/tools/${tool.id}/execute`, { method: "POST", json: { input: {} } });
      const text = await res.text();
      expect(res.status).toBe(502);
      expectNoWholeSecret("the problem details", text);
      const problem = JSON.parse(text);
      expect(problem.upstream_body.ordinary).toEqual(ORDINARY);

      const log = await waitForLog(problem.execution_id);
      expectNoWholeSecret("GET /executions/{id}", JSON.stringify(log));
      expect(log.output.ordinary).toEqual(ORDINARY);
      const row = await env.DB.prepare("SELECT url, output, error_message FROM executions WHERE id = ?")
        .bind(problem.execution_id)
        .first<Record<string, string>>();
      expectNoWholeSecret("the executions row", JSON.stringify(row));
    }
    const keyLog = await api(`/tools/${keyTool.id}/executions`);
    const logged = (await keyLog.json<Json>()).items[0];
    expect(logged.url).toBe(`${ECHO}/get`);
  });

  it("are kept out of an MCP tools/call result", async () => {
    const { keyTool, bearerTool } = await storyTools();
    echoService();
    for (const tool of [keyTool, bearerTool]) {
      const res = await SELF.fetch("https://toolgate.test/mcp", {
        method: "POST",
        headers: {
          "content-type": "application/json",
          accept: "application/json, text/event-stream",
          "mcp-protocol-version": "2025-06-18",
          authorization: `Bearer ${ADMIN_TOKEN}`,
        },
        body: JSON.stringify({
          jsonrpc: "2.0",
          id: 1,
          method: "tools/call",
          params: { name: tool.name, arguments: {} },
        }),
      });
      const text = await res.text();
      expect(res.status, text).toBe(200);
      expectNoWholeSecret("tools/call", text);
      const result = JSON.parse(text).result;
      expect(result.content[0].text).toContain("[REDACTED]");
      expect(result.content[0].text).toContain("the abc123 model");
      const log = await waitForLog(result._meta[EXECUTION_ID_META]);
      expectNoWholeSecret("the MCP run's log", JSON.stringify(log));
    }
  });

  it("are kept out of the UI's test panel, which shows the request URL scrubbed", async () => {
    const session = await signIn();
    const { keyTool } = await storyTools();
    echoService();
    const { res, html } = await runFromPanel(session, keyTool.id);
    expect(res.status).toBe(200);
    const page = decodeEntities(html);
    expectNoWholeSecret("the test panel", page);
    expect(page).toContain(`${ECHO}/get?appid=[REDACTED]`);
    expect(JSON.parse(codeBlocks(html)[0] ?? "null").ordinary).toEqual(ORDINARY);
    await waitForLog(executionIdOf(html));
  });

  it("do not follow a redirect to another origin that carries one as a whole query value, and follow one that does not", async () => {
    const { keyTool } = await storyTools();
    upstream.on("GET", `${ECHO}/get`, (req) =>
      req.url.searchParams.get("to") === "leak"
        ? new Response(null, { status: 302, headers: { location: `https://evil.example.net/?k=${KEY}` } })
        : new Response(null, { status: 302, headers: { location: "https://other.example.net/?k=abc1234" } }),
    );
    upstream.on("GET", "https://other.example.net/", () => json({ ok: true }));

    const leaking = await createTool({
      name: uniqueName("short_redirect"),
      endpoint_url: `${ECHO}/get?to=leak`,
      auth_config: { type: "api_key", location: "query", key_name: "appid", value: KEY },
    });
    const refused = await api(`/tools/${leaking.id}/execute`, { method: "POST", json: { input: {} } });
    expect(refused.status).toBe(403);
    expect(await refused.json<Json>()).toMatchObject({ code: "outbound_blocked", reason: "credential_in_redirect" });
    expect(upstream.calls.map((c) => c.url.host)).not.toContain("evil.example.net");

    const followed = await api(`/tools/${keyTool.id}/execute`, { method: "POST", json: { input: {} } });
    expect(followed.status).toBe(200);
    expect(upstream.callsTo("https://other.example.net/")).toHaveLength(1);
  });
});
