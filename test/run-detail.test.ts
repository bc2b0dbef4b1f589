/**
 * Run detail (issue 12, section 2): GET /executions/{id} explains a run: the
 * request (method, URL, headers by name, body), the response (status, header
 * names with allowlisted values only, body), every attempt with its timing,
 * the token fetch, and a Copy as cURL command with credentials as shell
 * variables. No secret appears anywhere in it, for every auth type.
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { DETAIL_LIMIT, REQUEST_BODY_LIMIT } from "../src/engine/run-detail";
import { createConnectedTool, createConnection } from "./connection-helpers";
import { createTool, execute, json, uniqueName, useUpstream, waitForLog, type Json } from "./helpers";
import { decodeEntities, getPage, signIn } from "./ui-helpers";

const upstream = useUpstream();

/** An endpoint no other test uses. */
function freshEndpoint(): string {
  return `https://api.example.com/${crypto.randomUUID()}/items`;
}

/** A secret a test can recognise wherever it ends up. */
function recognisable(label: string): string {
  return `SECRET-${label}-${crypto.randomUUID()}`;
}

/** Executes and returns the log entry's `detail`, with the whole entry's text to search for secrets. */
async function runAndRead(
  toolId: string,
  input: unknown = {},
): Promise<{ detail: Json; text: string; status: number }> {
  const { status, body } = await execute(toolId, input);
  const log = await waitForLog(body.execution_id);
  return { detail: log.detail, text: JSON.stringify(log), status };
}

/** An upstream that answers with headers worth judging, and echoes what it was sent (as some APIs do). */
function echoWithHeaders(endpoint: string, method = "POST") {
  upstream.on(method, endpoint, (req) =>
    json(
      {
        echoed: {
          authorization: req.headers.get("authorization"),
          url: req.url.href,
          key: req.headers.get("x-api-key"),
        },
      },
      {
        headers: {
          "content-type": "application/json; charset=utf-8",
          "x-request-id": "req-42",
          "set-cookie": "session=upstream-session-cookie-value; HttpOnly",
          "x-internal-trace": "trace-value-not-allowlisted",
        },
      },
    ),
  );
}

const value = (headers: Json[], name: string) => headers.find((h) => h.name === name)?.value;
const names = (headers: Json[]) => headers.map((h) => h.name);

describe("run detail", () => {
  it("shows the request, the response with allowlisted header values, the attempt and a cURL, with no bearer token", async () => {
    const token = recognisable("bearer");
    const endpoint = freshEndpoint();
    const tool = await createTool({
      method: "POST",
      endpoint_url: endpoint,
      headers: { "X-Tenant": "acme" },
      input_schema: { type: "object", properties: { city: { type: "string" } } },
      auth_config: { type: "bearer_token", token },
    });
    echoWithHeaders(endpoint);

    const { detail, text } = await runAndRead(tool.id, { city: "O'Hare" });

    expect(detail.request).toMatchObject({
      method: "POST",
      url: endpoint,
      body: '{"city":"O\'Hare"}',
      body_truncated: false,
    });
    expect(names(detail.request.headers).sort()).toEqual(["accept", "authorization", "content-type", "x-tenant"]);
    expect(value(detail.request.headers, "authorization")).toBeNull();
    expect(value(detail.request.headers, "x-tenant")).toBe("acme");
    expect(detail.request.credentials).toEqual([
      { in: "header", name: "authorization", scheme: "Bearer", placeholder: "TOKEN" },
    ]);

    expect(detail.response.status).toBe(200);
    const responseHeaders: Json[] = detail.response.headers;
    expect(names(responseHeaders)).toEqual(
      expect.arrayContaining(["content-type", "x-request-id", "set-cookie", "x-internal-trace"]),
    );
    expect(value(responseHeaders, "content-type")).toBe("application/json; charset=utf-8");
    expect(value(responseHeaders, "x-request-id")).toBe("req-42");
    expect(value(responseHeaders, "set-cookie")).toBeNull();
    expect(value(responseHeaders, "x-internal-trace")).toBeNull();
    expect(text).not.toContain("upstream-session-cookie-value");
    expect(text).not.toContain("trace-value-not-allowlisted");
    // The upstream echoed the Authorization header: the body keeps it redacted.
    expect(JSON.parse(detail.response.body)).toEqual({
      echoed: { authorization: "Bearer [REDACTED]", url: endpoint, key: null },
    });

    expect(detail.attempts).toHaveLength(1);
    const [attempt] = detail.attempts;
    expect(attempt).toMatchObject({ attempt: 1, status: 200, error: null });
    expect(attempt.time_to_headers_ms).toBe(attempt.duration_ms);
    expect(attempt.total_ms).toBeGreaterThanOrEqual(attempt.time_to_headers_ms);
    expect(detail.token_fetches).toEqual([]);

    expect(detail.curl).toBe(
      [
        `curl -X POST '${endpoint}'`,
        `-H 'accept: application/json'`,
        `-H 'content-type: application/json'`,
        `-H 'x-tenant: acme'`,
        `-H 'authorization: Bearer '"$TOKEN"`,
        `--data-raw '{"city":"O'\\''Hare"}'`,
      ].join(" \\\n  "),
    );
    expect(text).not.toContain(token);
  });

  it("puts an API key in a header or the query as $API_KEY, and never the key", async () => {
    const inHeader = recognisable("apikey-header");
    const headerEndpoint = freshEndpoint();
    const headerTool = await createTool({
      endpoint_url: headerEndpoint,
      auth_config: { type: "api_key", key_name: "X-Api-Key", location: "header", value: inHeader },
    });
    echoWithHeaders(headerEndpoint, "GET");
    const byHeader = await runAndRead(headerTool.id);
    expect(value(byHeader.detail.request.headers, "x-api-key")).toBeNull();
    expect(byHeader.detail.curl).toBe(
      [`curl '${headerEndpoint}'`, `-H 'accept: application/json'`, `-H 'x-api-key: '"$API_KEY"`].join(" \\\n  "),
    );
    expect(JSON.parse(byHeader.detail.response.body).echoed.key).toBe("[REDACTED]");
    expect(byHeader.text).not.toContain(inHeader);

    const inQuery = recognisable("apikey-query");
    const queryEndpoint = freshEndpoint();
    const queryTool = await createTool({
      endpoint_url: `${queryEndpoint}?units=metric`,
      auth_config: { type: "api_key", key_name: "api_key", location: "query", value: inQuery },
    });
    echoWithHeaders(queryEndpoint, "GET");
    const byQuery = await runAndRead(queryTool.id);
    expect(byQuery.detail.request.url).toBe(`${queryEndpoint}?units=metric`);
    expect(byQuery.detail.request.credentials).toEqual([{ in: "query", name: "api_key", placeholder: "API_KEY" }]);
    expect(byQuery.detail.curl).toBe(
      [`curl '${queryEndpoint}?units=metric&api_key='"$API_KEY"`, `-H 'accept: application/json'`].join(" \\\n  "),
    );
    // The echoed URL held the key: redacted in the body.
    expect(JSON.parse(byQuery.detail.response.body).echoed.url).toBe(
      `${queryEndpoint}?units=metric&api_key=[REDACTED]`,
    );
    expect(byQuery.text).not.toContain(inQuery);
  });

  it("keeps out the value of a header whose name says it carries a credential (a row saved before such mappings were refused)", async () => {
    const endpoint = freshEndpoint();
    const tool = await createTool({
      endpoint_url: endpoint,
      input_schema: { type: "object", properties: { sid: { type: "string" }, trace: { type: "string" } } },
      input_mapping: { sid: { in: "cookie", name: "lang" }, trace: { in: "header", name: "X-Trace" } },
    });
    // Saving such a mapping is refused today; a row from before that rule can still hold one.
    const mapping = { sid: { in: "cookie", name: "sid" }, trace: { in: "header", name: "X-Session-Token" } };
    await env.DB.prepare("UPDATE tools SET input_mapping = ? WHERE id = ?")
      .bind(JSON.stringify(mapping), tool.id)
      .run();
    echoWithHeaders(endpoint, "GET");

    const { detail } = await runAndRead(tool.id, { sid: "cookie-input-value", trace: "header-input-value" });

    expect(upstream.callsTo(endpoint)[0]!.headers.get("x-session-token")).toBe("header-input-value");
    expect(value(detail.request.headers, "cookie")).toBeNull();
    expect(value(detail.request.headers, "x-session-token")).toBeNull();
    expect(detail.curl).toContain(`-H 'cookie: '"$COOKIE"`);
    expect(detail.curl).toContain(`-H 'x-session-token: '"$X_SESSION_TOKEN"`);
    expect(JSON.stringify(detail)).not.toContain("cookie-input-value");
    expect(JSON.stringify(detail)).not.toContain("header-input-value");
  });

  it("writes Basic credentials as --user name:$PASSWORD, and never the password or its base64", async () => {
    const password = recognisable("basic");
    const connection = await createConnection({ auth_config: { type: "basic", username: "alice", password } });
    const tool = await createConnectedTool(connection.id, { endpoint_url: "https://api.example.com/v1/basic-detail" });
    echoWithHeaders("https://api.example.com/v1/basic-detail", "GET");

    const { detail, text } = await runAndRead(tool.id);

    expect(value(detail.request.headers, "authorization")).toBeNull();
    expect(detail.curl).toBe(
      [
        `curl 'https://api.example.com/v1/basic-detail'`,
        `-H 'accept: application/json'`,
        `--user 'alice:'"$PASSWORD"`,
      ].join(" \\\n  "),
    );
    expect(JSON.parse(detail.response.body).echoed.authorization).toBe("Basic [REDACTED]");
    expect(text).not.toContain(password);
    expect(text).not.toContain(btoa(`alice:${password}`));
  });

  it("shows the token fetch and both attempts when a cached OAuth2 token is refused with 401 and refreshed", async () => {
    const clientSecret = recognisable("client-secret");
    const tokenUrl = `https://auth.example.com/${crypto.randomUUID()}/oauth/token`;
    const endpoint = freshEndpoint();
    const tool = await createTool({
      name: uniqueName("oauth"),
      endpoint_url: endpoint,
      auth_config: {
        type: "oauth2",
        grant_type: "client_credentials",
        token_url: tokenUrl,
        client_id: "detail-client",
        client_secret: clientSecret,
      },
    });
    const issued: string[] = [];
    upstream.on("POST", tokenUrl, () => {
      const token = `ACCESS-${crypto.randomUUID()}`;
      issued.push(token);
      return json({ access_token: token, token_type: "Bearer", expires_in: 3600 });
    });
    let revoked = false;
    upstream.on("GET", endpoint, (req) =>
      revoked && req.headers.get("authorization") === `Bearer ${issued[0]}`
        ? json({ error: "invalid_token", seen: req.headers.get("authorization") }, { status: 401 })
        : json({ seen: req.headers.get("authorization") }),
    );

    const first = await runAndRead(tool.id);
    expect(first.detail.token_fetches).toEqual([
      {
        endpoint: "https://auth.example.com",
        source: "token_endpoint",
        grant_type: "client_credentials",
        status: 200,
        duration_ms: expect.any(Number),
        error: null,
        after_401: false,
      },
    ]);

    revoked = true;
    const second = await runAndRead(tool.id);
    expect(second.status).toBe(200);
    expect(second.detail.token_fetches.map((t: Json) => [t.source, t.grant_type, t.status, t.after_401])).toEqual([
      ["cache", null, null, false],
      ["token_endpoint", "client_credentials", 200, true],
    ]);
    expect(second.detail.attempts.map((a: Json) => [a.attempt, a.status])).toEqual([
      [1, 401],
      [2, 200],
    ]);
    expect(second.detail.attempts[0].total_ms).toBe(second.detail.attempts[0].time_to_headers_ms);
    expect(second.detail.response.status).toBe(200);
    expect(second.detail.curl).toContain(`-H 'authorization: Bearer '"$ACCESS_TOKEN"`);
    expect(issued).toHaveLength(2);
    for (const text of [first.text, second.text]) {
      expect(text).not.toContain(clientSecret);
      for (const token of issued) expect(text).not.toContain(token);
      expect(text).not.toContain(btoa(`detail-client:${clientSecret}`));
    }
  });

  it("shows a failed token request's origin and status, with no response and no attempt", async () => {
    const clientSecret = recognisable("refused-secret");
    const tokenUrl = `https://auth.example.com/${crypto.randomUUID()}/oauth/token?tenant=t1`;
    const tool = await createTool({
      endpoint_url: freshEndpoint(),
      auth_config: {
        type: "oauth2",
        grant_type: "client_credentials",
        token_url: tokenUrl,
        client_id: "c",
        client_secret: clientSecret,
      },
    });
    upstream.on("POST", tokenUrl.split("?")[0]!, () => json({ error: "invalid_client" }, { status: 401 }));

    const { detail, text, status } = await runAndRead(tool.id);

    expect(status).toBe(502);
    expect(detail.token_fetches).toEqual([
      expect.objectContaining({ endpoint: "https://auth.example.com", status: 401, error: "token_error" }),
    ]);
    expect(detail.response).toBeNull();
    expect(detail.attempts).toEqual([]);
    expect(text).not.toContain(clientSecret);
    expect(text).not.toContain("tenant=t1");
  });

  it("scrubs a secret from a text body, an allowlisted header value and the request body", async () => {
    const key = recognisable("text-echo");
    const endpoint = freshEndpoint();
    const tool = await createTool({
      method: "POST",
      endpoint_url: endpoint,
      input_schema: { type: "object", properties: { note: { type: "string" } } },
      auth_config: { type: "api_key", key_name: "X-Api-Key", location: "header", value: key },
    });
    upstream.on("POST", endpoint, (req) => {
      const sent = req.headers.get("x-api-key") ?? "";
      return new Response(`you sent ${sent}`, { headers: { "content-type": "text/plain", "x-request-id": sent } });
    });

    const { detail, text } = await runAndRead(tool.id, { note: `pasted ${key} by mistake` });

    expect(detail.response.body).toBe("you sent [REDACTED]");
    expect(value(detail.response.headers, "x-request-id")).toBe("[REDACTED]");
    expect(detail.request.body).toBe('{"note":"pasted [REDACTED] by mistake"}');
    expect(text).not.toContain(key);
  });

  it("finds a secret hidden in JSON escapes of the response body: the body is redacted value by value", async () => {
    const token = recognisable("escaped");
    const endpoint = freshEndpoint();
    const tool = await createTool({ endpoint_url: endpoint, auth_config: { type: "bearer_token", token } });
    // "\u0053" is "S": the text form does not hold the token, the parsed value does.
    const escaped = `{"echo":"\\u0053${token.slice(1)}","n":1}`;
    upstream.on("GET", endpoint, () => new Response(escaped, { headers: { "content-type": "application/json" } }));

    const { detail, text } = await runAndRead(tool.id);

    expect(JSON.parse(detail.response.body)).toEqual({ echo: "[REDACTED]", n: 1 });
    expect(text).not.toContain(token.slice(1));
  });

  it("keeps a short secret out too (the user story's `xxxxx`)", async () => {
    const endpoint = freshEndpoint();
    const tool = await createTool({ endpoint_url: endpoint, auth_config: { type: "bearer_token", token: "xxxxx" } });
    echoWithHeaders(endpoint, "GET");
    const { detail } = await runAndRead(tool.id);
    expect(JSON.parse(detail.response.body).echoed.authorization).toBe("Bearer [REDACTED]");
    expect(detail.curl).toContain(`"$TOKEN"`);
    expect(detail.curl).not.toContain("xxxxx");
  });

  it("caps what it keeps: bodies are cut, then the response body dropped, to keep the stored detail under the limit", async () => {
    const endpoint = freshEndpoint();
    // Header values that are kept (the tool's own), long enough that both cut bodies no longer fit beside them.
    const headers: Record<string, string> = {};
    for (let i = 0; i < 20; i++) headers[`x-tenant-${i}`] = "t".repeat(250);
    const tool = await createTool({
      method: "POST",
      endpoint_url: endpoint,
      headers,
      input_schema: { type: "object", properties: { text: { type: "string" } } },
    });
    const many: Record<string, string> = {};
    for (let i = 0; i < 60; i++) many[`x-filler-${i}`] = "v".repeat(200);
    upstream.on("POST", endpoint, () => json({ big: "b".repeat(100_000) }, { headers: many }));

    const { status, body } = await execute(tool.id, { text: "a".repeat(50_000) });
    expect(status).toBe(200);
    const log = await waitForLog(body.execution_id);
    const detail = log.detail;
    expect(detail.truncated).toBe(true);
    // The request body is cut to its limit and kept; the response body went to make room.
    expect(detail.request.body).toHaveLength(REQUEST_BODY_LIMIT);
    expect(detail.request.body_truncated).toBe(true);
    expect(detail.response.body).toBeNull();
    expect(detail.response.body_truncated).toBe(true);
    expect(detail.response.headers).toHaveLength(40);
    expect(value(detail.request.headers, "x-tenant-0")).toBe("t".repeat(250));
    // A cut body cannot go on the command line: the command reads it from a file.
    expect(detail.curl).toContain(`--data-binary '@request-body.txt'`);

    const row = await env.DB.prepare("SELECT detail FROM executions WHERE id = ?")
      .bind(body.execution_id)
      .first<{ detail: string }>();
    expect(row!.detail.length).toBeLessThanOrEqual(DETAIL_LIMIT);
  });

  it("is null for a function tool and for invalid input: no request was built", async () => {
    const fn = await createTool({
      name: uniqueName("clock"),
      execution_type: "function",
      function_name: "current_time",
      method: undefined,
      endpoint_url: undefined,
      input_schema: undefined,
    });
    const ran = await execute(fn.id, {});
    expect(ran.status).toBe(200);
    expect((await waitForLog(ran.body.execution_id)).detail).toBeNull();

    const tool = await createTool({
      input_schema: { type: "object", properties: { n: { type: "integer" } }, required: ["n"] },
    });
    const invalid = await execute(tool.id, { n: "not a number" });
    expect(invalid.status).toBe(422);
    expect((await waitForLog(invalid.body.execution_id)).detail).toBeNull();
  });
});

describe("the run's page", () => {
  it("shows the request, the response, the attempts, the token fetch and the cURL, with no secret", async () => {
    const clientSecret = recognisable("page-client-secret");
    const tokenUrl = `https://auth.example.com/${crypto.randomUUID()}/oauth/token`;
    const endpoint = freshEndpoint();
    const tool = await createTool({
      endpoint_url: `${endpoint}?units=metric`,
      auth_config: {
        type: "oauth2",
        grant_type: "client_credentials",
        token_url: tokenUrl,
        client_id: "page-client",
        client_secret: clientSecret,
      },
    });
    const accessToken = recognisable("page-access-token");
    upstream.on("POST", tokenUrl, () => json({ access_token: accessToken, token_type: "Bearer", expires_in: 3600 }));
    echoWithHeaders(endpoint, "GET");
    const { body } = await execute(tool.id);
    await waitForLog(body.execution_id);

    const session = await signIn();
    const res = await getPage(`/ui/executions/${body.execution_id}`, session);
    expect(res.status).toBe(200);
    const page = decodeEntities(await res.text());
    const text = page.replace(/<[^>]+>/g, " ").replace(/\s+/g, " ");

    for (const heading of ["Request", "Response", "Attempts", "Access token", "Copy as cURL"])
      expect(page).toMatch(new RegExp(`<h2 id="[a-z]+-heading">${heading}</h2>`));
    expect(text).toContain(`GET ${endpoint}?units=metric`);
    expect(text).toContain("authorization (not shown: it carries a credential)");
    expect(text).toContain("x-request-id req-42");
    expect(text).toContain("set-cookie (not kept)");
    expect(text).toContain("Status 200");
    expect(text).toMatch(/1 0 ms \d+ ms \d+ ms HTTP 200/);
    expect(text).toContain("https://auth.example.com Requested from the token endpoint 200");
    expect(text).toContain("DNS lookup and connection times are not shown: Cloudflare Workers do not expose them.");
    expect(page).toContain(
      `<code id="curl-command">curl '${endpoint}?units=metric' \\\n  -H 'accept: application/json' \\\n  -H 'authorization: Bearer '"$ACCESS_TOKEN"</code>`,
    );
    expect(page).toContain(`<button type="button" data-copy="curl-command" hidden="">Copy as cURL</button>`);
    expect(text).toContain("set $ACCESS_TOKEN before running it");
    for (const secret of [clientSecret, accessToken, btoa(`page-client:${clientSecret}`)])
      expect(page).not.toContain(secret);
  });
});
