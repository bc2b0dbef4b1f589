/**
 * Secrets never leave: no response of any endpoint carries a stored secret or
 * the OAuth2 access token, raw or in an encoded form, even when the upstream
 * echoes the credentials it received.
 */
import { describe, expect, it } from "vitest";
import { api, createTool, json, uniqueName, useUpstream, waitForLog, type RecordedRequest } from "./helpers";

const upstream = useUpstream();

// Distinctive values whose URL, form, base64 and JSON encodings all differ from the raw text
// (the header key holds a Latin-1 character, which headers may carry).
const BEARER = "brr-T0k/en+Zq=9&a~7";
const HEADER_KEY = "hdr-K3y/pl\u00fcs+eq=amp&Q~1";
const QUERY_KEY = "qry K3y/9+x=y&z~2";
const CLIENT_SECRET = "cs-S3cr3t/+=&~ 42";
const ACCESS_TOKEN = "at-0Auth/Tok+en=~99";
const NEW_BEARER = "brr-R0tated/+=&~ 55";

const TOKEN_URL = "https://auth.example.com/oauth/token";
const ECHO = "https://echo.example.com";

function formEncode(value: string): string {
  return new URLSearchParams({ v: value }).toString().slice(2);
}

function base64(text: string): string {
  let binary = "";
  for (const byte of new TextEncoder().encode(text)) binary += String.fromCharCode(byte);
  return btoa(binary);
}

function basicCredentials(clientId: string, secret: string): string {
  return base64(`${formEncode(clientId)}:${formEncode(secret)}`);
}

/** JSON string contents as PHP's json_encode writes them by default: `\/` and `\u00fc`. */
function phpJsonEscaped(text: string): string {
  return pythonJsonEscaped(text).replaceAll("/", "\\/");
}

/** JSON string contents as Python's json.dumps writes them by default (ensure_ascii): `\u00fc`. */
function pythonJsonEscaped(text: string): string {
  return JSON.stringify(text)
    .slice(1, -1)
    .replace(/[^\x00-\x7f]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, "0")}`);
}

/** A JSON Pointer reference token (RFC 6901), as a secret used as a key shows up in an error path. */
function pointerEscaped(text: string): string {
  return text.replaceAll("~", "~0").replaceAll("/", "~1");
}

/** Every form in which a value must not appear in a response. */
function formsOf(secret: string): string[] {
  return [
    secret,
    encodeURIComponent(secret),
    formEncode(secret),
    base64(secret),
    JSON.stringify(secret).slice(1, -1),
    phpJsonEscaped(secret),
    pythonJsonEscaped(secret),
    pointerEscaped(secret),
  ];
}

const SECRETS = [BEARER, HEADER_KEY, QUERY_KEY, CLIENT_SECRET, ACCESS_TOKEN, NEW_BEARER];

function expectNoSecrets(label: string, text: string, extra: string[] = []): void {
  for (const secret of SECRETS)
    for (const form of formsOf(secret))
      expect(text.includes(form), `${label} contains ${JSON.stringify(form)}`).toBe(false);
  for (const form of extra) expect(text.includes(form), `${label} contains ${JSON.stringify(form)}`).toBe(false);
}

/** Calls the API and checks the raw response (status line aside: headers and body) for secrets. */
async function sweep(
  label: string,
  path: string,
  init: Parameters<typeof api>[1] = {},
  extra: string[] = [],
): Promise<{ status: number; body: any; text: string }> {
  const res = await api(path, init);
  const text = await res.text();
  const headers = [...res.headers].map(([k, v]) => `${k}: ${v}`).join("\n");
  let body: unknown = null;
  try {
    body = JSON.parse(text);
  } catch {
    body = text;
  }
  // The decoded strings too: a secret escaped inside a string is escaped again in the JSON text.
  expectNoSecrets(label, [headers, text, ...stringsIn(body)].join("\n"), extra);
  return { status: res.status, body, text };
}

/** Every string in a JSON value, keys included. */
function stringsIn(value: unknown): string[] {
  if (typeof value === "string") return [value];
  if (Array.isArray(value)) return value.flatMap(stringsIn);
  if (value !== null && typeof value === "object")
    return Object.entries(value).flatMap(([k, v]) => [k, ...stringsIn(v)]);
  return [];
}

/** An upstream double that answers with everything it received: method, URL, query, headers and body. */
function echo(status = 200) {
  return (req: RecordedRequest) =>
    json(
      {
        method: req.method,
        url: req.url.href,
        query: Object.fromEntries(req.url.searchParams),
        headers: Object.fromEntries(req.headers),
        body: req.body,
      },
      { status },
    );
}

interface SecretTools {
  bearer: Record<string, any>;
  header: Record<string, any>;
  query: Record<string, any>;
  oauth: Record<string, any>;
  clientId: string;
  /** Forms of the OAuth2 client credentials that must not appear either. */
  extra: string[];
}

async function createSecretTools(outputSchema?: Record<string, unknown>): Promise<SecretTools> {
  const clientId = uniqueName("client");
  const definitions: Record<string, Record<string, unknown>> = {
    bearer: {
      endpoint_url: `${ECHO}/bearer`,
      auth_config: { type: "bearer_token", token: BEARER },
    },
    header: {
      endpoint_url: `${ECHO}/header`,
      auth_config: { type: "api_key", key_name: "X-Api-Key", location: "header", value: HEADER_KEY },
    },
    query: {
      endpoint_url: `${ECHO}/query?page=1`,
      auth_config: { type: "api_key", key_name: "api_key", location: "query", value: QUERY_KEY },
    },
    oauth: {
      endpoint_url: `${ECHO}/oauth`,
      auth_config: {
        type: "oauth2",
        token_url: TOKEN_URL,
        client_id: clientId,
        client_secret: CLIENT_SECRET,
        scope: "echo.read",
      },
    },
  };
  const extra = [basicCredentials(clientId, CLIENT_SECRET)];
  const created: Record<string, Record<string, any>> = {};
  for (const [kind, def] of Object.entries(definitions)) {
    const body = { name: uniqueName(kind), execution_type: "http_request", method: "GET", ...def };
    if (outputSchema) Object.assign(body, { output_schema: outputSchema });
    const { status, body: tool } = await sweep(
      `POST /tools (${kind})`,
      "/tools",
      { method: "POST", json: body },
      extra,
    );
    expect(status, JSON.stringify(tool)).toBe(201);
    created[kind] = tool;
  }
  return {
    bearer: created.bearer!,
    header: created.header!,
    query: created.query!,
    oauth: created.oauth!,
    clientId,
    extra,
  };
}

function tokenEndpoint(): void {
  upstream.on("POST", TOKEN_URL, () => json({ access_token: ACCESS_TOKEN, token_type: "Bearer", expires_in: 3600 }));
}

function allTools(t: SecretTools): [string, Record<string, any>][] {
  return [
    ["bearer", t.bearer],
    ["header", t.header],
    ["query", t.query],
    ["oauth", t.oauth],
  ];
}

async function executeSwept(label: string, toolId: string, input: unknown, extra: string[]) {
  return sweep(label, `/tools/${toolId}/execute`, { method: "POST", json: { input } }, extra);
}

describe("secrets never leave", () => {
  it("POST /tools answers with the names of the stored secret fields only", async () => {
    const t = await createSecretTools();
    expect(t.bearer.auth_config).toEqual({ type: "bearer_token", secrets_set: ["token"] });
    expect(t.header.auth_config).toEqual({
      type: "api_key",
      key_name: "X-Api-Key",
      location: "header",
      secrets_set: ["value"],
    });
    expect(t.query.auth_config).toEqual({
      type: "api_key",
      key_name: "api_key",
      location: "query",
      secrets_set: ["value"],
    });
    expect(t.oauth.auth_config).toEqual({
      type: "oauth2",
      token_url: TOKEN_URL,
      client_id: t.clientId,
      scope: "echo.read",
      grant_type: "client_credentials",
      client_auth_method: "client_secret_basic",
      secrets_set: ["client_secret"],
    });
  });

  it("GET /tools/{id}, GET /tools and PUT /tools/{id} never return a secret", async () => {
    const t = await createSecretTools();

    for (const [kind, tool] of allTools(t)) {
      const { status, body } = await sweep(`GET /tools/{id} (${kind})`, `/tools/${tool.id}`, {}, t.extra);
      expect(status).toBe(200);
      expect(body.auth_config.secrets_set).toEqual(tool.auth_config.secrets_set);
    }

    const seen = new Set<string>();
    let cursor: string | null = null;
    do {
      const query: string = cursor ? `?limit=100&cursor=${encodeURIComponent(cursor)}` : "?limit=100";
      const { status, body } = await sweep("GET /tools", `/tools${query}`, {}, t.extra);
      expect(status).toBe(200);
      for (const item of body.items) seen.add(item.id);
      cursor = body.next_cursor;
    } while (cursor);
    for (const [, tool] of allTools(t)) expect(seen.has(tool.id)).toBe(true);

    // Replace, leaving the secrets out: they are kept, and still not shown.
    for (const [kind, tool] of allTools(t)) {
      const { secrets_set: _set, ...authWithoutSecrets } = tool.auth_config;
      const { status, body } = await sweep(
        `PUT /tools/{id} (${kind})`,
        `/tools/${tool.id}`,
        {
          method: "PUT",
          json: {
            name: tool.name,
            execution_type: "http_request",
            method: "GET",
            endpoint_url: tool.endpoint_url,
            description: "replaced",
            auth_config: authWithoutSecrets,
          },
        },
        t.extra,
      );
      expect(status, JSON.stringify(body)).toBe(200);
      expect(body.version).toBe(2);
      expect(body.auth_config.secrets_set).toEqual(tool.auth_config.secrets_set);
    }

    // Replace with a new secret value.
    const rotated = await sweep(
      "PUT /tools/{id} (new token)",
      `/tools/${t.bearer.id}`,
      {
        method: "PUT",
        json: {
          name: t.bearer.name,
          execution_type: "http_request",
          method: "GET",
          endpoint_url: t.bearer.endpoint_url,
          auth_config: { type: "bearer_token", token: NEW_BEARER },
        },
      },
      t.extra,
    );
    expect(rotated.status).toBe(200);
    expect(rotated.body.auth_config).toEqual({ type: "bearer_token", secrets_set: ["token"] });

    // A replace refused because the secret must be sent again for a new host.
    const refused = await sweep(
      "PUT /tools/{id} (new origin)",
      `/tools/${t.header.id}`,
      {
        method: "PUT",
        json: {
          name: t.header.name,
          execution_type: "http_request",
          method: "GET",
          endpoint_url: "https://elsewhere.example.com/header",
          auth_config: { type: "api_key", key_name: "X-Api-Key", location: "header" },
        },
      },
      t.extra,
    );
    expect(refused.status).toBe(422);
    expect(refused.body.code).toBe("secrets_required");
  });

  it("a tool definition refused with 422 does not echo the secret sent with it", async () => {
    const invalid = [
      { name: "not a valid name!", auth_config: { type: "bearer_token", token: BEARER } },
      {
        name: uniqueName(),
        auth_config: { type: "api_key", key_name: "bad header name", location: "header", value: HEADER_KEY },
      },
      {
        name: uniqueName(),
        auth_config: { type: "oauth2", token_url: "ftp://nope", client_id: "c", client_secret: CLIENT_SECRET },
      },
      { name: uniqueName(), auth_config: { type: "basic", password: QUERY_KEY } },
    ];
    for (const def of invalid) {
      const { status, body } = await sweep("POST /tools (invalid)", "/tools", {
        method: "POST",
        json: { execution_type: "http_request", method: "GET", endpoint_url: `${ECHO}/x`, ...def },
      });
      expect(status, JSON.stringify(body)).toBe(422);
    }
  });

  it("a successful execution against an echoing upstream shows [REDACTED] in place of every credential", async () => {
    const t = await createSecretTools();
    tokenEndpoint();
    for (const path of ["/bearer", "/header", "/query", "/oauth"]) upstream.on("GET", `${ECHO}${path}`, echo());

    const bearer = await executeSwept("execute bearer", t.bearer.id, {}, t.extra);
    expect(bearer.status).toBe(200);
    expect(bearer.body.output.headers.authorization).toBe("Bearer [REDACTED]");

    const header = await executeSwept("execute api_key header", t.header.id, {}, t.extra);
    expect(header.status).toBe(200);
    expect(header.body.output.headers["x-api-key"]).toBe("[REDACTED]");

    const query = await executeSwept("execute api_key query", t.query.id, {}, t.extra);
    expect(query.status).toBe(200);
    expect(query.body.output.query).toEqual({ page: "1", api_key: "[REDACTED]" });
    expect(query.body.output.url).toBe(`${ECHO}/query?page=1&api_key=[REDACTED]`);

    const oauth = await executeSwept("execute oauth2", t.oauth.id, {}, t.extra);
    expect(oauth.status).toBe(200);
    expect(oauth.body.output.headers.authorization).toBe("Bearer [REDACTED]");

    // The upstream did receive the real credentials.
    expect(upstream.callsTo(`${ECHO}/bearer`)[0]?.headers.get("authorization")).toBe(`Bearer ${BEARER}`);
    expect(upstream.callsTo(`${ECHO}/header`)[0]?.headers.get("x-api-key")).toBe(HEADER_KEY);
    expect(upstream.callsTo(`${ECHO}/query`)[0]?.url.searchParams.get("api_key")).toBe(QUERY_KEY);
    expect(upstream.callsTo(TOKEN_URL)[0]?.headers.get("authorization")).toBe(
      `Basic ${basicCredentials(t.clientId, CLIENT_SECRET)}`,
    );
    expect(upstream.callsTo(`${ECHO}/oauth`)[0]?.headers.get("authorization")).toBe(`Bearer ${ACCESS_TOKEN}`);

    for (const run of [bearer, header, query, oauth]) {
      const log = await sweep("GET /executions/{id}", `/executions/${run.body.execution_id}`, {}, t.extra);
      expect(log.status).toBe(200);
      expect(log.body.outcome).toBe("success");
      expect(log.text).toContain("[REDACTED]");
    }
    const queryLog = await sweep("GET /executions/{id}", `/executions/${query.body.execution_id}`, {}, t.extra);
    expect(queryLog.body.url).toBe(`${ECHO}/query?page=1`);
  });

  it("a text/plain upstream body echoing the credentials is redacted too", async () => {
    const t = await createSecretTools();
    upstream.on(
      "GET",
      `${ECHO}/bearer`,
      (req) =>
        new Response(`you sent: ${req.headers.get("authorization")} (b64 ${base64(BEARER)})`, {
          headers: { "content-type": "text/plain" },
        }),
    );

    const { status, body } = await executeSwept("execute text echo", t.bearer.id, {}, t.extra);

    expect(status).toBe(200);
    expect(body.output).toBe("you sent: Bearer [REDACTED] (b64 [REDACTED])");
  });

  it("an upstream 500 whose body echoes the Authorization header and the api key is redacted", async () => {
    const t = await createSecretTools();
    tokenEndpoint();
    for (const path of ["/bearer", "/header", "/query", "/oauth"]) upstream.on("GET", `${ECHO}${path}`, echo(500));

    for (const [kind, tool] of allTools(t)) {
      const { status, body } = await executeSwept(`execute ${kind} (upstream 500)`, tool.id, {}, t.extra);
      expect(status).toBe(502);
      expect(body.code).toBe("upstream_error");
      expect(body.upstream_status).toBe(500);
      const echoed = body.upstream_body;
      if (kind === "bearer" || kind === "oauth") expect(echoed.headers.authorization).toBe("Bearer [REDACTED]");
      if (kind === "header") expect(echoed.headers["x-api-key"]).toBe("[REDACTED]");
      if (kind === "query") expect(echoed.query.api_key).toBe("[REDACTED]");

      const log = await waitForLog(body.execution_id);
      expect(log.outcome).toBe("upstream_error");
      const swept = await sweep(`GET /executions/{id} (${kind})`, `/executions/${body.execution_id}`, {}, t.extra);
      expect(swept.text).toContain("[REDACTED]");
    }
  });

  it("request and output validation errors carry no secret", async () => {
    const outputSchema = {
      type: "object",
      properties: { headers: { type: "object", properties: { authorization: { type: "string", maxLength: 5 } } } },
      required: ["never_there"],
    };
    const t = await createSecretTools(outputSchema);
    tokenEndpoint();
    for (const path of ["/bearer", "/header", "/query", "/oauth"]) upstream.on("GET", `${ECHO}${path}`, echo());

    const requestInvalid = await executeSwept("execute (request invalid)", t.bearer.id, "not an object", t.extra);
    expect(requestInvalid.status).toBe(422);
    expect(requestInvalid.body.code).toBe("invalid_request");

    for (const [kind, tool] of allTools(t)) {
      const { status, body } = await executeSwept(`execute ${kind} (output invalid)`, tool.id, {}, t.extra);
      expect(status).toBe(500);
      expect(body.code).toBe("output_invalid");
      expect(body.errors).toEqual(expect.arrayContaining([expect.objectContaining({ keyword: "required" })]));
      await waitForLog(body.execution_id);
      await sweep(`GET /executions/{id} (${kind})`, `/executions/${body.execution_id}`, {}, t.extra);
    }
  });

  it("an input validation error of a tool with a schema carries no secret", async () => {
    const tool = await createTool({
      endpoint_url: `${ECHO}/bearer`,
      auth_config: { type: "bearer_token", token: BEARER },
      input_schema: { type: "object", properties: { n: { type: "integer" } }, required: ["n"] },
    });
    const { status, body } = await executeSwept("execute (input invalid)", tool.id, { n: "x" }, []);
    expect(status).toBe(422);
    expect(body.code).toBe("input_invalid");
    await waitForLog(body.execution_id);
    await sweep("GET /executions/{id}", `/executions/${body.execution_id}`);
    expect(upstream.calls).toHaveLength(0);
  });

  it("a token endpoint error that echoes the client credentials is redacted", async () => {
    const t = await createSecretTools();
    upstream.on("POST", TOKEN_URL, (req) =>
      json(
        {
          error: "invalid_client",
          error_description: `bad credentials ${req.headers.get("authorization")} / ${CLIENT_SECRET}`,
        },
        { status: 401 },
      ),
    );

    const { status, body } = await executeSwept("execute oauth2 (token error)", t.oauth.id, {}, t.extra);

    expect(status).toBe(502);
    expect(body).toMatchObject({ code: "token_error", token_status: 401, oauth_error: "invalid_client" });
    expect(upstream.callsTo(`${ECHO}/oauth`)).toHaveLength(0);
    const log = await waitForLog(body.execution_id);
    expect(log.outcome).toBe("auth_error");
    await sweep("GET /executions/{id}", `/executions/${body.execution_id}`, {}, t.extra);
  });

  it.each([
    ["an error code", 400, { error: CLIENT_SECRET }, "answered 400 with an error code that RFC 6749 does not define"],
    ["a token_type", 200, { access_token: "at-unused", token_type: CLIENT_SECRET }, "issued another type of token"],
  ])(
    "a token endpoint that echoes the client secret as %s does not get it into the response",
    async (_label, tokenStatus, tokenBody, loggedDetail) => {
      const t = await createSecretTools();
      upstream.on("POST", TOKEN_URL, () => json(tokenBody, { status: tokenStatus }));

      const res = await api(`/tools/${t.oauth.id}/execute`, { method: "POST", json: { input: {} } });
      const text = await res.text();
      const body = JSON.parse(text);

      expect(res.status).toBe(502);
      expect(body.code).toBe("token_error");
      expect(body.token_status).toBe(tokenStatus);
      expect(upstream.callsTo(`${ECHO}/oauth`)).toHaveLength(0);
      // Only registered values are repeated: nothing of the secret is in the log row...
      const log = await waitForLog(body.execution_id);
      expect(log.outcome).toBe("auth_error");
      expect(log.error_message).toContain(loggedDetail);
      await sweep("GET /executions/{id}", `/executions/${body.execution_id}`, {}, t.extra);
      // ...and so must the response be.
      expectNoSecrets("execute oauth2 (token error echoing the secret)", text, t.extra);
    },
  );

  it("GET /tools/{id}/executions and GET /executions/{id} never return a secret, for any outcome", async () => {
    const t = await createSecretTools();
    tokenEndpoint();
    upstream.on("GET", `${ECHO}/bearer`, echo(500));
    for (const path of ["/header", "/query", "/oauth"]) upstream.on("GET", `${ECHO}${path}`, echo());

    const ids: string[] = [];
    for (const [kind, tool] of allTools(t)) {
      const run = await executeSwept(`execute ${kind}`, tool.id, {}, t.extra);
      ids.push(run.body.execution_id);
    }
    for (const id of ids) await waitForLog(id);

    for (const [kind, tool] of allTools(t)) {
      const list = await sweep(`GET /tools/{id}/executions (${kind})`, `/tools/${tool.id}/executions`, {}, t.extra);
      expect(list.status).toBe(200);
      expect(list.body.items).toHaveLength(1);
      expect(list.text).toContain("[REDACTED]");
    }
    for (const id of ids) {
      const one = await sweep("GET /executions/{id}", `/executions/${id}`, {}, t.extra);
      expect(one.status).toBe(200);
    }
  });

  it.each([
    ["PHP (text/html, json_encode escaping / and non-ASCII)", "text/html; charset=UTF-8", phpJsonEscaped],
    ["Python (text/plain, json.dumps escaping non-ASCII)", "text/plain", pythonJsonEscaped],
  ])(
    "an upstream that echoes the request as %s is redacted, on success and on a 500",
    async (_label, contentType, escape) => {
      const t = await createSecretTools();
      tokenEndpoint();
      let status = 200;
      const echoAsText = (req: RecordedRequest) => {
        const fields = [req.url.href, ...[...req.headers].map(([k, v]) => `${k}: ${v}`), req.body];
        return new Response(`<pre>{${fields.map((f) => `"${escape(f)}"`).join(",")}}</pre>`, {
          status,
          headers: { "content-type": contentType },
        });
      };
      for (const path of ["/bearer", "/header", "/query", "/oauth"]) upstream.on("GET", `${ECHO}${path}`, echoAsText);

      for (const upstreamStatus of [200, 500]) {
        status = upstreamStatus;
        for (const [kind, tool] of allTools(t)) {
          const run = await executeSwept(`execute ${kind} (${upstreamStatus})`, tool.id, {}, t.extra);
          expect(run.status).toBe(upstreamStatus === 200 ? 200 : 502);
          expect(run.text).toContain("[REDACTED]");
          await waitForLog(run.body.execution_id);
          await sweep(`GET /executions/{id} (${kind})`, `/executions/${run.body.execution_id}`, {}, t.extra);
        }
      }
    },
  );

  it("a token endpoint that echoes the Basic Authorization header as its error code does not leak it", async () => {
    // Only RFC 6749's codes are repeated: the echoed header is replaced by the fixed word.
    const tool = await createTool({
      endpoint_url: `${ECHO}/oauth`,
      auth_config: { type: "oauth2", token_url: TOKEN_URL, client_id: "c", client_secret: CLIENT_SECRET },
    });
    const basic = basicCredentials("c", CLIENT_SECRET);
    upstream.on("POST", TOKEN_URL, (req) => json({ error: req.headers.get("authorization") }, { status: 401 }));

    const { status, body } = await executeSwept("execute oauth2 (Basic header as error)", tool.id, {}, [basic]);

    expect(upstream.callsTo(TOKEN_URL)[0]?.headers.get("authorization")).toBe(`Basic ${basic}`);
    expect(status).toBe(502);
    expect(body).toMatchObject({ code: "token_error", token_status: 401, oauth_error: "unrecognized" });
    await waitForLog(body.execution_id);
    await sweep("GET /executions/{id}", `/executions/${body.execution_id}`, {}, [basic]);
  });

  it("a token endpoint that echoes a long client secret as its token_type leaks no part of it", async () => {
    const longSecret = `cs-long-${"0123456789abcdef".repeat(5)}`;
    const tool = await createTool({
      endpoint_url: `${ECHO}/oauth`,
      auth_config: { type: "oauth2", token_url: TOKEN_URL, client_id: "c", client_secret: longSecret },
    });
    upstream.on("POST", TOKEN_URL, () => json({ access_token: "at-unused", token_type: longSecret }));

    const { status, body, text } = await executeSwept("execute oauth2 (long token_type)", tool.id, {}, [longSecret]);

    expect(status).toBe(502);
    expect(body.code).toBe("token_error");
    const log = await waitForLog(body.execution_id);
    for (const where of [text, JSON.stringify(log)]) expect(where).not.toContain(longSecret.slice(0, 24));
  });

  it("a client_secret_post token endpoint that echoes its whole request in an error is redacted", async () => {
    const t = await createSecretTools();
    const postTool = await createTool({
      endpoint_url: `${ECHO}/oauth`,
      auth_config: {
        type: "oauth2",
        token_url: TOKEN_URL,
        client_id: t.clientId,
        client_secret: CLIENT_SECRET,
        client_auth_method: "client_secret_post",
      },
    });
    upstream.on("POST", TOKEN_URL, (req) =>
      json(
        { error: "invalid_request", error_description: req.body, received: Object.fromEntries(req.headers) },
        { status: 400 },
      ),
    );

    const { status, body } = await executeSwept("execute oauth2 post (token error)", postTool.id, {}, t.extra);

    expect(status).toBe(502);
    expect(body).toMatchObject({ code: "token_error", token_status: 400, oauth_error: "invalid_request" });
    expect(upstream.callsTo(TOKEN_URL)[0]?.body).toContain(`client_secret=${formEncode(CLIENT_SECRET)}`);
    await waitForLog(body.execution_id);
    await sweep("GET /executions/{id}", `/executions/${body.execution_id}`, {}, t.extra);
  });

  it("a secret echoed back as a key does not leak through the error's JSON Pointer path", async () => {
    const outputSchema = { type: "object", additionalProperties: false };
    const t = await createSecretTools(outputSchema);
    tokenEndpoint();
    const keyed = (req: RecordedRequest) =>
      json(
        Object.fromEntries([
          ...[...req.headers].map(([k, v]) => [v, k]),
          ...[...req.url.searchParams].map(([k, v]) => [v, k]),
        ]),
      );
    for (const path of ["/bearer", "/header", "/query", "/oauth"]) upstream.on("GET", `${ECHO}${path}`, keyed);

    for (const [kind, tool] of allTools(t)) {
      const { status, body } = await executeSwept(`execute ${kind} (secret as key)`, tool.id, {}, t.extra);
      expect(status).toBe(500);
      expect(body.code).toBe("output_invalid");
      expect(body.errors.map((e: any) => e.path)).toContainEqual(expect.stringContaining("[REDACTED]"));
      await waitForLog(body.execution_id);
      await sweep(`GET /executions/{id} (${kind})`, `/executions/${body.execution_id}`, {}, t.extra);
    }
  });
});
