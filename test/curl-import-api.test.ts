/**
 * POST /imports/curl through the Worker: the answer, its errors and scope,
 * and the round trip: a draft saved as it is with POST /tools and executed
 * sends the request curl sent (recorded from curl 7.88 for the bash
 * fixtures), less the headers the import leaves out, credential included.
 */
import { describe, expect, it } from "vitest";
import { DRAFT_07 } from "../src/registry/infer-schema";
import {
  CHROME_CMD_GET,
  CHROME_CMD_GET_KEY,
  CHROME_CMD_POST,
  CHROME_CMD_POST_KEY,
  CHROME_GET,
  CHROME_POST,
  FIREFOX_FORM,
  FIREFOX_PATCH,
} from "./curl-fixtures";
import { api, createApiKey, execute, json, uniqueName, useUpstream, type Json } from "./helpers";

const upstream = useUpstream();

function importCurl(command: unknown, token?: string | null): Promise<Response> {
  return api("/imports/curl", { method: "POST", json: { command }, token });
}

/** A request as curl sent it: the method, the request target, header lines in order, and the body. */
interface SentByCurl {
  method: string;
  url: string;
  headers: [string, string][];
  body: string;
}

/** What the import leaves out (src/imports/curl-headers.ts), lower case. Sec-* too. */
const LEFT_OUT = new Set([
  "host",
  "content-length",
  "connection",
  "te",
  "accept-encoding",
  "cookie",
  "origin",
  "referer",
  "priority",
  "if-none-match",
  "user-agent",
]);
const kept = (headers: [string, string][]) =>
  Object.fromEntries(
    headers
      .map(([name, value]) => [name.toLowerCase(), value] as const)
      .filter(([name]) => !LEFT_OUT.has(name) && !name.startsWith("sec-")),
  );

const BEARER = "Bearer eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJ1XzgyMTEifQ.Qm9ndXNTaWduYXR1cmU";
const CHROME_UA_WIN =
  "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36";
const CHROME_HINTS = (platform: string): [string, string][] => [
  ["sec-ch-ua", '"Chromium";v="124", "Google Chrome";v="124", "Not-A.Brand";v="99"'],
  ["sec-ch-ua-mobile", "?0"],
  ["sec-ch-ua-platform", `"${platform}"`],
  ["sec-fetch-dest", "empty"],
  ["sec-fetch-mode", "cors"],
  ["sec-fetch-site", "same-site"],
];

/** Recorded from curl 7.88 running each bash fixture against a TLS echo server. */
const SENT_BY_CURL: [string, string, SentByCurl][] = [
  [
    "Chrome GET",
    CHROME_GET,
    {
      method: "GET",
      url: "https://api.acme-crm.example/v3/contacts?page=2&per_page=25&sort=-created_at&filter%5Bstatus%5D=active",
      headers: [
        ["Host", "api.acme-crm.example"],
        ["Cookie", "_ga=GA1.1.918273645.1714000000; crm_session=s%3AZk9vYmFy.c2lnbmVk; theme=dark"],
        ["accept", "application/json, text/plain, */*"],
        ["accept-language", "en-US,en;q=0.9,fr;q=0.8"],
        ["authorization", BEARER],
        ["if-none-match", 'W/"5f3a-18c9"'],
        ["origin", "https://app.acme-crm.example"],
        ["priority", "u=1, i"],
        ["referer", "https://app.acme-crm.example/"],
        ...CHROME_HINTS("Windows"),
        ["user-agent", CHROME_UA_WIN],
        ["x-request-id", "3f6c1a9e-2b7d-4c1e-9f0a-5d4e3c2b1a09"],
      ],
      body: "",
    },
  ],
  [
    "Chrome POST",
    CHROME_POST,
    {
      method: "POST",
      url: "https://api.acme-crm.example/v3/contacts/81723/notes",
      headers: [
        ["Host", "api.acme-crm.example"],
        ["Cookie", "crm_session=s%3AZk9vYmFy.c2lnbmVk"],
        ["accept", "application/json"],
        ["accept-language", "en-US,en;q=0.9"],
        ["authorization", BEARER],
        ["content-type", "application/json"],
        ["origin", "https://app.acme-crm.example"],
        ["priority", "u=1, i"],
        ["referer", "https://app.acme-crm.example/contacts/81723"],
        ...CHROME_HINTS("macOS"),
        [
          "user-agent",
          "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36",
        ],
        ["Content-Length", "137"],
      ],
      body: '{"title":"Call with Ada","body":"She said: \\"let\'s ship it!\\"\\nNext: Monday","pinned":true,"priority":2,"tags":["sales","q3"],"due":null}',
    },
  ],
  [
    "Firefox form POST",
    FIREFOX_FORM,
    {
      method: "POST",
      url: "https://api.example-shop.com/newsletter/subscribe",
      headers: [
        ["Host", "api.example-shop.com"],
        ["User-Agent", "Mozilla/5.0 (X11; Linux x86_64; rv:126.0) Gecko/20100101 Firefox/126.0"],
        ["Accept", "application/json, text/javascript, */*; q=0.01"],
        ["Accept-Language", "en-US,en;q=0.5"],
        ["Accept-Encoding", "gzip, deflate, br, zstd"],
        ["Content-Type", "application/x-www-form-urlencoded; charset=UTF-8"],
        ["Authorization", "Bearer nl_9f8e7d6c5b4a39281706f5e4d3c2b1a0"],
        ["X-Requested-With", "XMLHttpRequest"],
        ["Origin", "https://www.example-shop.com"],
        ["Connection", "keep-alive"],
        ["Referer", "https://www.example-shop.com/"],
        ["Cookie", "PHPSESSID=k3j4h5g6f7d8s9a0; consent=all"],
        ["Sec-Fetch-Dest", "empty"],
        ["Sec-Fetch-Mode", "cors"],
        ["Sec-Fetch-Site", "same-site"],
        ["Priority", "u=0"],
        ["TE", "trailers"],
        ["Content-Length", "89"],
      ],
      body: "email=ada%40example.com&name=Ada+Lovelace&lists%5B%5D=weekly&lists%5B%5D=offers&consent=1",
    },
  ],
  [
    "Firefox PATCH",
    FIREFOX_PATCH,
    {
      method: "PATCH",
      url: "https://api.example-git.dev/repos/acme/widgets/issues/1347",
      headers: [
        ["Host", "api.example-git.dev"],
        ["User-Agent", "Mozilla/5.0 (Macintosh; Intel Mac OS X 14.4; rv:126.0) Gecko/20100101 Firefox/126.0"],
        ["Accept", "application/vnd.github+json"],
        ["Accept-Language", "en-US,en;q=0.5"],
        ["Accept-Encoding", "gzip, deflate, br, zstd"],
        ["Content-Type", "application/json"],
        ["Authorization", "token ghp_16C7e42F292c6912E7710c838347Ae178B4a"],
        ["X-GitHub-Api-Version", "2022-11-28"],
        ["Origin", "https://example-git.dev"],
        ["Connection", "keep-alive"],
        ["Sec-Fetch-Dest", "empty"],
        ["Sec-Fetch-Mode", "cors"],
        ["Sec-Fetch-Site", "same-site"],
        ["Sec-GPC", "1"],
        ["Content-Length", "129"],
      ],
      body: '{"title":"Widgets crash on load","state":"closed","labels":["bug","p1"],"milestone":4,"body":"Fixed in #1350 — it\'s deployed!"}',
    },
  ],
  [
    // Not run through curl (no cmd.exe here): what curl would send, by the rules of cmd and the C runtime.
    "Chrome cmd POST",
    CHROME_CMD_POST,
    {
      method: "POST",
      url: "https://api.example-pay.com/v1/invoices",
      headers: [
        ["accept", "application/json"],
        ["content-type", "application/json"],
        ["x-api-key", CHROME_CMD_POST_KEY],
      ],
      body: '{"customer":"cus_9s6XKzkNRiz8i3","amount":1999,"currency":"eur","memo":"50% off & free shipping!"}',
    },
  ],
];

/** Saves a draft exactly as the import answered it, and returns the tool. */
async function saveDraft(draft: Json): Promise<Json> {
  const res = await api("/tools", { method: "POST", json: draft });
  const body = await res.json<Json>();
  expect(res.status, JSON.stringify(body)).toBe(201);
  return body;
}

async function importDraft(command: string): Promise<Json> {
  const res = await importCurl(command);
  const body = await res.json<Json>();
  expect(res.status, JSON.stringify(body)).toBe(200);
  return body.draft;
}

describe("POST /imports/curl", () => {
  it("answers the draft and the warnings, never to be cached, and saves nothing", async () => {
    const path = `/v1/r${crypto.randomUUID().slice(0, 8)}`;
    const res = await importCurl(`curl 'https://api.example.com${path}?limit=10' -H 'x-api-key: k_0123456789'`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);
    expect(res.headers.get("cache-control")).toBe("no-store");
    const body = await res.json<Json>();
    const name = `get_api_example_com${path.replaceAll("/", "_")}`;
    expect(body).toEqual({
      draft: {
        name,
        description: `Imported from a cURL command: GET https://api.example.com${path}`,
        execution_type: "http_request",
        method: "GET",
        endpoint_url: `https://api.example.com${path}`,
        headers: {},
        auth_config: { type: "api_key", location: "header", key_name: "x-api-key", value: "k_0123456789" },
        input_schema: { $schema: DRAFT_07, type: "object", properties: { limit: { type: "string", default: "10" } } },
        input_mapping: { limit: { in: "query" } },
      },
      warnings: [],
      needs: [],
      matching_connections: [],
    });
    const list = await (await api("/tools?limit=100")).json<Json>();
    expect(list.items.map((tool: Json) => tool.name)).not.toContain(name);
  });

  it("asks for a placeholder credential: the draft saved as it is is refused until the value is entered", async () => {
    const res = await importCurl(
      `curl https://api.openai.com/v1/models/r${crypto.randomUUID().slice(0, 8)} -H "Authorization: Bearer $OPENAI_API_KEY"`,
    );
    expect(res.status).toBe(200);
    const body = await res.json<Json>();
    expect(body.draft.auth_config).toEqual({ type: "bearer_token" });
    expect(body.needs).toEqual([
      {
        field: "/auth_config/token",
        placeholders: ["$OPENAI_API_KEY"],
        detail: "Enter the bearer token: the command has $OPENAI_API_KEY where it goes.",
      },
    ]);
    const refused = await api("/tools", { method: "POST", json: body.draft });
    expect(refused.status).toBe(422);
    const problem = await refused.json<Json>();
    expect(problem.code).toBe("secrets_required");
    expect(problem.errors.map((e: Json) => e.path)).toEqual(["/auth_config/token"]);
    expect(JSON.stringify(problem)).not.toContain("$OPENAI_API_KEY");
  });

  it("answers warnings with the draft", async () => {
    const res = await importCurl("curl -k https://api.example.com/v1/x -H 'Cookie: sid=abc'");
    expect(res.status).toBe(200);
    expect((await res.json<Json>()).warnings).toEqual([
      "--insecure has no effect: toolgate always verifies the server's TLS certificate.",
      "Left out the cookies (-b or a Cookie header): they are a browser session's credentials, and a credential may only go in auth_config. If the API needs a session cookie, use an API key or token instead.",
    ]);
  });

  it.each([
    [
      "not a curl command",
      "wget https://api.example.com/",
      "not_curl",
      "This is not a curl command: it must start with curl.",
    ],
    ["no URL", "curl -s -H 'Accept: */*'", "no_url", "The command has no URL."],
    [
      "HEAD",
      "curl -I https://api.example.com/",
      "unsupported_method",
      "toolgate tools use GET, POST, PUT, PATCH or DELETE; this command sends HEAD.",
    ],
  ])("answers 422 invalid_curl for %s", async (_, command, reason, detail) => {
    const res = await importCurl(command);
    expect(res.status).toBe(422);
    expect(res.headers.get("content-type")).toBe("application/problem+json");
    expect(await res.json<Json>()).toEqual({
      type: "https://toolgate.dev/problems/invalid-curl",
      title: "Unprocessable Content",
      status: 422,
      detail,
      code: "invalid_curl",
      reason,
    });
  });

  it.each([
    ["no command", undefined, "/command"],
    ["an empty command", "", "/command"],
    ["a command that is not text", 42, "/command"],
    // 32 769 two-byte characters: under 64 Ki characters, over 64 KiB.
    ["a command over 64 KiB", `curl https://api.example.com/?q=${"é".repeat(32_769)}`, "/command"],
  ])("answers 422 invalid_request for %s", async (_, command, path) => {
    const res = await importCurl(command);
    expect(res.status).toBe(422);
    const body = await res.json<Json>();
    expect(body.code).toBe("invalid_request");
    expect(body.errors.map((e: Json) => e.path)).toEqual([path]);
  });

  it("accepts a command of 64 KiB", async () => {
    const prefix = "curl https://api.example.com/?q=";
    const res = await importCurl(prefix + "a".repeat(64 * 1024 - prefix.length));
    expect(res.status).toBe(200);
  });

  it("needs a token (401) with tools:write (403)", async () => {
    const anonymous = await importCurl("curl https://api.example.com/", null);
    expect(anonymous.status).toBe(401);
    expect((await anonymous.json<Json>()).code).toBe("unauthorized");

    const reader = await createApiKey(["tools:read", "tools:execute"]);
    const refused = await importCurl("curl https://api.example.com/", reader.key);
    expect(refused.status).toBe(403);
    expect(await refused.json<Json>()).toMatchObject({ code: "insufficient_scope", required_scope: "tools:write" });

    const writer = await createApiKey(["tools:write"]);
    const allowed = await importCurl("curl https://api.example.com/", writer.key);
    expect(allowed.status).toBe(200);
  });
});

describe("a draft saved as it is sends the request curl sent", () => {
  it.each(SENT_BY_CURL)("%s", async (_, command, sent) => {
    const tool = await saveDraft(await importDraft(command));
    const target = new URL(sent.url);
    upstream.on(sent.method, `${target.origin}${target.pathname}`, () => json({ ok: true }));

    const run = await execute(tool.id, {});
    expect(run.status, JSON.stringify(run.body)).toBe(200);
    expect(upstream.calls).toHaveLength(1);
    const call = upstream.calls[0]!;
    expect(call.method).toBe(sent.method);
    expect(call.url.href).toBe(sent.url);
    expect(Object.fromEntries(call.headers)).toEqual(kept(sent.headers));
    expect(call.body).toBe(sent.body);
  });

  it("Chrome cmd GET: the API key goes back into the query; a space is sent as + rather than %20", async () => {
    const tool = await saveDraft(await importDraft(CHROME_CMD_GET));
    expect(tool.auth_config).toEqual({ type: "api_key", location: "query", key_name: "appid", secrets_set: ["value"] });
    upstream.on("GET", "https://api.openweather.example/data/2.5/weather", () => json({ temp: 21 }));

    const run = await execute(tool.id, {});
    expect(run.status, JSON.stringify(run.body)).toBe(200);
    const call = upstream.calls[0]!;
    expect(call.url.href).toBe(
      `https://api.openweather.example/data/2.5/weather?q=S%C3%A3o+Paulo&units=metric&appid=${CHROME_CMD_GET_KEY}`,
    );
    // What curl sends, decoded the same: q=S%C3%A3o%20Paulo&units=metric&appid=…
    const curlQuery = new URLSearchParams(`q=S%C3%A3o%20Paulo&units=metric&appid=${CHROME_CMD_GET_KEY}`);
    expect([...call.url.searchParams]).toEqual([...curlQuery]);
    expect(Object.fromEntries(call.headers)).toEqual({ accept: "*/*", "accept-language": "pt-BR,pt;q=0.9" });
  });

  it("inputs override the defaults: the draft is a tool, not a recording", async () => {
    const tool = await saveDraft({ ...(await importDraft(CHROME_POST)), name: uniqueName("notes") });
    upstream.on("POST", "https://api.acme-crm.example/v3/contacts/90001/notes", () => json({ ok: true }));
    const run = await execute(tool.id, { contacts_id: "90001", title: "Follow-up", pinned: false });
    expect(run.status, JSON.stringify(run.body)).toBe(200);
    expect(JSON.parse(upstream.calls[0]!.body)).toEqual({
      title: "Follow-up",
      body: 'She said: "let\'s ship it!"\nNext: Monday',
      pinned: false,
      priority: 2,
      tags: ["sales", "q3"],
      due: null,
    });
  });

  it("-u sends the same Basic credentials as curl", async () => {
    const tool = await saveDraft(
      await importDraft(`curl -u 'ada:s3cr3t-passw0rd' https://api.example.com/v1/r${crypto.randomUUID().slice(0, 8)}`),
    );
    upstream.on("GET", /^https:\/\/api\.example\.com\/v1\//, () => json({ ok: true }));
    const run = await execute(tool.id, {});
    expect(run.status, JSON.stringify(run.body)).toBe(200);
    // curl -u ada:s3cr3t-passw0rd sends exactly this.
    expect(upstream.calls[0]!.headers.get("authorization")).toBe("Basic YWRhOnMzY3IzdC1wYXNzdzByZA==");
  });
});
