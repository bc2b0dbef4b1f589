/**
 * An upstream that echoes the credentials it received in the encodings the
 * hardening review used (unpadded base64, base64url, lower-case and double
 * URL encoding, hex, base64 inside a longer base64 text): none of it reaches
 * the response, the problem details, the log row (through the API and in
 * D1), an MCP tools/call result or the UI's test panel. The forms are
 * computed here, independently of src/engine/redact.ts.
 */
import { env, SELF } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { EXECUTION_ID_META } from "../src/mcp/tools";
import {
  ADMIN_TOKEN,
  api,
  createTool,
  json,
  uniqueName,
  useUpstream,
  waitForLog,
  type RecordedRequest,
} from "./helpers";
import { decodeEntities, executionIdOf, runFromPanel, signIn } from "./ui-helpers";

const upstream = useUpstream();

// Values whose encodings all differ from one another.
const BEARER = "brr-Enc0d/ed+T0k=&~8";
const HEADER_KEY = "hdr-Enc0d/+=&~ 9";
const QUERY_KEY = "qry Enc/9+x=y&z~3";
const CLIENT_SECRET = "cs-Enc0ded/+=&~ 4";
const ACCESS_TOKEN = "at-Enc0ded/Tok+en=~5";

const TOKEN_URL = "https://auth.encodings.example.com/token";
const ECHO = "https://echo.encodings.example.com";

function formEncode(value: string): string {
  return new URLSearchParams({ v: value }).toString().slice(2);
}

function base64(text: string): string {
  let binary = "";
  for (const byte of new TextEncoder().encode(text)) binary += String.fromCharCode(byte);
  return btoa(binary);
}

const toUrlAlphabet = (b64: string) => b64.replaceAll("+", "-").replaceAll("/", "_");
const lowerEscapes = (text: string) => text.replace(/%[0-9A-F]{2}/g, (escape) => escape.toLowerCase());

function hex(text: string): string {
  return Array.from(new TextEncoder().encode(text), (byte) => byte.toString(16).padStart(2, "0")).join("");
}

/** The encodings this file is about, each by name. */
function newForms(value: string): Record<string, string> {
  const b64 = base64(value);
  return {
    "base64 without padding": b64.replace(/=+$/, ""),
    base64url: toUrlAlphabet(b64),
    "base64url without padding": toUrlAlphabet(b64).replace(/=+$/, ""),
    "lower-case percent-encoding": lowerEscapes(encodeURIComponent(value)),
    "lower-case form encoding": lowerEscapes(formEncode(value)),
    "double percent-encoding": encodeURIComponent(encodeURIComponent(value)),
    "double percent-encoding, lower case": lowerEscapes(encodeURIComponent(lowerEscapes(encodeURIComponent(value)))),
    "form encoding, then percent-encoding": encodeURIComponent(formEncode(value)),
    hex: hex(value),
    "hex, upper case": hex(value).toUpperCase(),
  };
}

/** Base64 texts that hold the value after 0, 1 and 2 other bytes, and before others. */
function embeddedForms(value: string): Record<string, string> {
  return {
    "base64 of value;end": base64(`${value};end`),
    "base64 of u:value;end": base64(`u:${value};end`),
    "base64url of user:value": toUrlAlphabet(base64(`user:${value}`)),
  };
}

/** Every form that must never appear: the ones covered before this change too. */
function allForms(value: string): string[] {
  return [
    value,
    encodeURIComponent(value),
    formEncode(value),
    base64(value),
    JSON.stringify(value).slice(1, -1),
    ...Object.values(newForms(value)),
    ...Object.values(embeddedForms(value)),
  ];
}

function basicValue(clientId: string): string {
  return base64(`${formEncode(clientId)}:${formEncode(CLIENT_SECRET)}`);
}

/** Every string in a JSON value, keys included. */
function stringsIn(value: unknown): string[] {
  if (typeof value === "string") return [value];
  if (Array.isArray(value)) return value.flatMap(stringsIn);
  if (value !== null && typeof value === "object")
    return Object.entries(value).flatMap(([k, v]) => [k, ...stringsIn(v)]);
  return [];
}

/** Fails naming the first form of a credential found in `text` (the text and the strings decoded from it). */
function expectNothingOf(where: string, text: string, credentials: string[]): void {
  let decoded: unknown = null;
  try {
    decoded = JSON.parse(text);
  } catch {
    decoded = null;
  }
  const haystack = [text, ...stringsIn(decoded)].join("\n");
  for (const credential of credentials)
    for (const form of allForms(credential))
      expect(haystack.includes(form), `${where} contains ${JSON.stringify(form)} (of ${credential})`).toBe(false);
}

type Kind = "bearer" | "header" | "query" | "oauth2";

interface Setup {
  tool: Record<string, any>;
  /** What must appear nowhere: the stored secret and what is derived from it. */
  credentials: string[];
}

async function setUp(kind: Kind): Promise<Setup> {
  const clientId = uniqueName("enc_client");
  const auth: Record<Kind, Record<string, unknown>> = {
    bearer: { type: "bearer_token", token: BEARER },
    header: { type: "api_key", location: "header", key_name: "X-Api-Key", value: HEADER_KEY },
    query: { type: "api_key", location: "query", key_name: "api_key", value: QUERY_KEY },
    oauth2: { type: "oauth2", token_url: TOKEN_URL, client_id: clientId, client_secret: CLIENT_SECRET },
  };
  const tool = await createTool({
    name: uniqueName(`enc_${kind}`),
    endpoint_url: `${ECHO}/${kind}`,
    auth_config: auth[kind],
  });
  const credentials: Record<Kind, string[]> = {
    bearer: [BEARER],
    header: [HEADER_KEY],
    query: [QUERY_KEY],
    oauth2: [CLIENT_SECRET, basicValue(clientId), ACCESS_TOKEN],
  };
  return { tool, credentials: credentials[kind] };
}

/**
 * The token endpoint issues ACCESS_TOKEN and keeps what it was sent; the
 * API (the same hostile service) echoes every credential it has seen, in
 * every form of this file, as JSON with `status`.
 */
function echoingService(status: () => number): void {
  const seen = new Set<string>();
  upstream.on("POST", TOKEN_URL, (req) => {
    const basic = req.headers.get("authorization")?.replace(/^Basic /, "") ?? "";
    seen.add(basic);
    const [, secret = ""] = atob(basic).split(":");
    seen.add(new URLSearchParams(`v=${secret}`).get("v") ?? "");
    return json({ access_token: ACCESS_TOKEN, token_type: "Bearer", expires_in: 3600 });
  });
  upstream.on("GET", new RegExp(`^${ECHO}/`), (req: RecordedRequest) => {
    const received = [
      req.headers.get("authorization")?.replace(/^Bearer /, ""),
      req.headers.get("x-api-key"),
      req.url.searchParams.get("api_key"),
      ...seen,
    ].filter((value): value is string => !!value);
    const echoed: Record<string, string> = {};
    received.forEach((value, i) => {
      for (const [name, form] of Object.entries({ ...newForms(value), ...embeddedForms(value) }))
        echoed[`${i} ${name}`] = form;
    });
    return json({ echoed, as_text: Object.values(echoed).join(" ") }, { status: status() });
  });
}

/** The execution's log row, through the API and straight from D1. */
async function expectCleanLog(executionId: string, credentials: string[]): Promise<void> {
  const log = await waitForLog(executionId);
  expect(JSON.stringify(log)).toContain("[REDACTED]");
  expectNothingOf("GET /executions/{id}", JSON.stringify(log), credentials);
  const row = await env.DB.prepare("SELECT * FROM executions WHERE id = ?").bind(executionId).first();
  expect(row).not.toBeNull();
  expectNothingOf("the executions row in D1", JSON.stringify(row), credentials);
}

/** A tools/call over MCP as a plain JSON-RPC POST; returns the raw response text and the result. */
async function callOverMcp(name: string): Promise<{ text: string; result: Record<string, any> }> {
  const res = await SELF.fetch("https://toolgate.test/mcp", {
    method: "POST",
    headers: {
      "content-type": "application/json",
      accept: "application/json, text/event-stream",
      "mcp-protocol-version": "2025-06-18",
      authorization: `Bearer ${ADMIN_TOKEN}`,
    },
    body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "tools/call", params: { name, arguments: {} } }),
  });
  const text = await res.text();
  expect(res.status, text).toBe(200);
  return { text, result: JSON.parse(text).result };
}

const KINDS: Kind[] = ["bearer", "header", "query", "oauth2"];

describe("an upstream that echoes the credentials in other encodings", () => {
  it.each(KINDS)("%s: a successful response shows [REDACTED] for each form, and the log row too", async (kind) => {
    const { tool, credentials } = await setUp(kind);
    echoingService(() => 200);

    const res = await api(`/tools/${tool.id}/execute`, { method: "POST", json: { input: {} } });
    const text = await res.text();

    expect(res.status, text).toBe(200);
    const body = JSON.parse(text);
    const echoed: Record<string, string> = body.output.echoed;
    // Every credential the service saw was echoed in every form, and each form was replaced.
    expect(Object.keys(echoed)).toHaveLength(credentials.length * 13);
    for (const [name, value] of Object.entries(echoed)) expect(value, name).toContain("[REDACTED]");
    expectNothingOf("the response", text, credentials);
    await expectCleanLog(body.execution_id, credentials);
  });

  it.each(KINDS)("%s: an upstream 500's problem details and upstream_body carry none of it", async (kind) => {
    const { tool, credentials } = await setUp(kind);
    echoingService(() => 500);

    const res = await api(`/tools/${tool.id}/execute`, { method: "POST", json: { input: {} } });
    const text = await res.text();

    expect(res.status).toBe(502);
    const body = JSON.parse(text);
    expect(body).toMatchObject({ code: "upstream_error", upstream_status: 500 });
    expect(JSON.stringify(body.upstream_body)).toContain("[REDACTED]");
    expectNothingOf("the problem details", text, credentials);
    await expectCleanLog(body.execution_id, credentials);
  });

  it.each(KINDS)("%s: an MCP tools/call result carries none of it, successful or not", async (kind) => {
    const { tool, credentials } = await setUp(kind);
    let status = 200;
    echoingService(() => status);

    for (status of [200, 500]) {
      const { text, result } = await callOverMcp(tool.name);
      expect(result.isError ?? false).toBe(status !== 200);
      expect(result.content[0].text).toContain("[REDACTED]");
      expectNothingOf(`tools/call (${status})`, text, credentials);
      await expectCleanLog(result._meta[EXECUTION_ID_META], credentials);
    }
  });

  it("the UI's test panel shows none of it", async () => {
    const session = await signIn();
    const { tool, credentials } = await setUp("oauth2");
    echoingService(() => 200);

    const { res, html } = await runFromPanel(session, tool.id);

    expect(res.status).toBe(200);
    expect(html).toContain("[REDACTED]");
    expectNothingOf("the test panel", `${html}\n${decodeEntities(html)}`, credentials);
    await expectCleanLog(executionIdOf(html), credentials);
  });
});
