/**
 * Redirects, followed by toolgate itself: credentials never reach another
 * origin in any form, a same-origin hop keeps them, methods change where the
 * Fetch standard says, the hop limit holds, and redirect bodies are cancelled.
 */
import { describe, expect, it } from "vitest";
import { formEncode, textToBase64 } from "../src/encoding";
import { createTool, execute, json, uniqueName, useUpstream, waitForLog, type RecordedRequest } from "./helpers";

const upstream = useUpstream();

const API = "https://api.creds.example.com";
const EVIL = "https://evil.example.net";
const TOKEN_URL = "https://auth.creds.example.com/token";

const SECRETS = {
  bearer: "bearer-redirect-secret-1",
  header: "hdr-redirect-secret-2",
  cookie: "session=cookie-redirect-secret-3",
  query: "qry/redirect+secret=4",
  accessToken: "at-redirect-secret-5?>~",
  clientSecret: "cs-redirect-secret-6",
};

const hex = (text: string) =>
  Array.from(new TextEncoder().encode(text), (byte) => byte.toString(16).padStart(2, "0")).join("");
const base64url = (text: string) => textToBase64(text).replaceAll("+", "-").replaceAll("/", "_");
const lowerEscapes = (text: string) => text.replace(/%[0-9A-F]{2}/g, (escape) => escape.toLowerCase());

/** What an OAuth2 tool of this file sends its token endpoint (RFC 6749's form-encoding changes nothing here). */
const basicValue = textToBase64(`redirect-client:${SECRETS.clientSecret}`);

/** The forms the Redactor covers beyond the raw text, the URL and form encodings, JSON and base64. */
const OTHER_FORMS: [string, (secret: string) => string][] = [
  ["hex", hex],
  ["hex in upper case", (secret) => hex(secret).toUpperCase()],
  ["base64 without padding", (secret) => textToBase64(secret).replace(/=+$/, "")],
  ["base64url", base64url],
  ["base64url without padding", (secret) => base64url(secret).replace(/=+$/, "")],
  ["lower-case percent-encoding", (secret) => lowerEscapes(encodeURIComponent(secret))],
  ["double percent-encoding", (secret) => encodeURIComponent(encodeURIComponent(secret))],
  [
    "double percent-encoding in lower case",
    (secret) => lowerEscapes(encodeURIComponent(lowerEscapes(encodeURIComponent(secret)))),
  ],
  ["base64url inside a longer base64url text", (secret) => base64url(`user:${secret}`)],
];

/** Every form in which a secret could travel. */
function encodings(secret: string): string[] {
  return [
    secret,
    encodeURIComponent(secret),
    formEncode(secret),
    JSON.stringify(secret).slice(1, -1),
    textToBase64(secret),
    ...OTHER_FORMS.map(([, form]) => form(secret)),
  ];
}

/** Fails if any encoding of any secret occurs anywhere in the request: URL, header names and values, body. */
function expectNoSecrets(request: RecordedRequest) {
  const wire = [request.url.href, ...[...request.headers].flat(), request.body].join("\n");
  for (const secret of Object.values(SECRETS))
    for (const form of encodings(secret)) expect(wire, `"${form}" reached ${request.url.href}`).not.toContain(form);
  for (const name of ["authorization", "proxy-authorization", "cookie", "x-api-key"])
    expect(request.headers.get(name), name).toBeNull();
}

type Kind = "bearer" | "header" | "cookie" | "query" | "oauth2";

const AUTH: Record<Kind, Record<string, unknown>> = {
  bearer: { type: "bearer_token", token: SECRETS.bearer },
  header: { type: "api_key", location: "header", key_name: "X-Api-Key", value: SECRETS.header },
  cookie: { type: "api_key", location: "header", key_name: "Cookie", value: SECRETS.cookie },
  query: { type: "api_key", location: "query", key_name: "appid", value: SECRETS.query },
  oauth2: { type: "oauth2", token_url: TOKEN_URL, client_id: "redirect-client", client_secret: SECRETS.clientSecret },
};

/** What the first request carries, and what a same-origin hop must carry again. */
function expectCredentials(kind: Kind, request: RecordedRequest) {
  switch (kind) {
    case "bearer":
      return expect(request.headers.get("authorization")).toBe(`Bearer ${SECRETS.bearer}`);
    case "header":
      return expect(request.headers.get("x-api-key")).toBe(SECRETS.header);
    case "cookie":
      return expect(request.headers.get("cookie")).toBe(SECRETS.cookie);
    case "query":
      return expect(request.url.searchParams.get("appid")).toBe(SECRETS.query);
    case "oauth2":
      return expect(request.headers.get("authorization")).toBe(`Bearer ${SECRETS.accessToken}`);
  }
}

async function toolWith(kind: Kind, path: string) {
  if (kind === "oauth2")
    upstream.on("POST", TOKEN_URL, () =>
      json({ access_token: SECRETS.accessToken, token_type: "Bearer", expires_in: 3600 }),
    );
  return createTool({ name: uniqueName(`redir_${kind}`), endpoint_url: `${API}${path}`, auth_config: AUTH[kind] });
}

const redirect = (location: string, status = 302, headers: Record<string, string> = {}) =>
  new Response(null, { status, headers: { location, ...headers } });

const KINDS: Kind[] = ["bearer", "header", "cookie", "query", "oauth2"];

describe("credentials on redirects", () => {
  it.each(KINDS)("%s: a redirect to another origin carries no credential in any form", async (kind) => {
    const tool = await toolWith(kind, `/start/${kind}`);
    upstream.on("GET", `${API}/start/${kind}`, () => redirect(`${EVIL}/collect?from=${kind}`));
    upstream.on("GET", `${EVIL}/collect`, () => json({ collected: true }));

    const run = await execute(tool.id);

    expect(run.status, JSON.stringify(run.body)).toBe(200);
    const first = upstream.callsTo(`${API}/start/${kind}`)[0]!;
    expectCredentials(kind, first);
    const [landed] = upstream.callsTo(`${EVIL}/collect`);
    expect(landed?.url.searchParams.get("from")).toBe(kind);
    expectNoSecrets(landed!);
    const log = await waitForLog(run.body.execution_id);
    expect(log.attempts).toEqual([
      {
        attempt: 1,
        delay_ms: 0,
        duration_ms: expect.any(Number),
        status: 200,
        error: null,
        redirects: 1,
        final_url: `${EVIL}/collect?from=${kind}`,
      },
    ]);
  });

  it.each(KINDS)("%s: a redirect within the origin keeps the credentials", async (kind) => {
    const tool = await toolWith(kind, `/start/${kind}`);
    upstream.on("GET", `${API}/start/${kind}`, () => redirect(`/next/${kind}`, 301));
    upstream.on("GET", `${API}/next/${kind}`, () => json({ next: true }));

    const run = await execute(tool.id);

    expect(run.status, JSON.stringify(run.body)).toBe(200);
    expectCredentials(kind, upstream.callsTo(`${API}/next/${kind}`)[0]!);
  });

  it("removes the API key from a Location that copies it to another origin, and keeps the rest of the query", async () => {
    const tool = await toolWith("query", "/echo-query");
    upstream.on("GET", `${API}/echo-query`, (req) => redirect(`${EVIL}/moved${req.url.search}&keep=1`));
    upstream.on("GET", `${EVIL}/moved`, () => json({}));
    const run = await execute(tool.id);
    expect(run.status).toBe(200);
    const [landed] = upstream.callsTo(`${EVIL}/moved`);
    expect(landed?.url.search).toBe("?keep=1");
    expectNoSecrets(landed!);
  });

  it("does not follow a Location to another origin that carries a secret elsewhere in the URL", async () => {
    const tool = await toolWith("bearer", "/leaky");
    upstream.on("GET", `${API}/leaky`, (req) =>
      redirect(`${EVIL}/t/${encodeURIComponent(req.headers.get("authorization") ?? "")}`),
    );
    const run = await execute(tool.id);
    expect(run.status).toBe(403);
    expect(run.body).toMatchObject({ code: "outbound_blocked", reason: "credential_in_redirect", redirect_hop: 1 });
    expect(upstream.calls).toHaveLength(1);
    expect(JSON.stringify(run.body)).not.toContain(SECRETS.bearer);
  });

  describe("a Location to another origin that carries a secret in another encoding is not followed", () => {
    // Reserved characters, so that every URL encoding differs from the raw text, and base64 from base64url.
    const TOKEN = "brr/Redirect+Enc=9~x&y??>>";

    async function expectRefused(tool: Record<string, any>, path: string, leaked: string) {
      const run = await execute(tool.id);
      expect(run.status, JSON.stringify(run.body)).toBe(403);
      expect(run.body).toMatchObject({ code: "outbound_blocked", reason: "credential_in_redirect", redirect_hop: 1 });
      // Only the first request was sent: nothing reached the other origin (it has no handler either).
      expect(upstream.calls.map((call) => call.url.pathname)).toEqual([path]);
      const log = await waitForLog(run.body.execution_id);
      expect(log).toMatchObject({ outcome: "outbound_blocked" });
      for (const where of [JSON.stringify(run.body), JSON.stringify(log)]) expect(where).not.toContain(leaked);
    }

    it.each(OTHER_FORMS)("the bearer token as %s", async (_label, form) => {
      const path = `/leak/${crypto.randomUUID()}`;
      const tool = await createTool({
        endpoint_url: `${API}${path}`,
        auth_config: { type: "bearer_token", token: TOKEN },
      });
      upstream.on("GET", `${API}${path}`, () => redirect(`${EVIL}/collect?t=${form(TOKEN)}`));
      await expectRefused(tool, path, form(TOKEN));
    });

    it.each([
      ["the API key of the query, hex, under another name", "query", hex(SECRETS.query)],
      ["the API key header, hex in upper case", "header", hex(SECRETS.header).toUpperCase()],
      ["the OAuth2 access token, base64url", "oauth2", base64url(SECRETS.accessToken)],
      ["the OAuth2 client secret, hex", "oauth2", hex(SECRETS.clientSecret)],
      ["the OAuth2 Basic value, hex in upper case", "oauth2", hex(basicValue).toUpperCase()],
    ] as const)("%s", async (_label, kind, leaked) => {
      const path = `/leak/${kind}/${crypto.randomUUID()}`;
      const tool = await toolWith(kind, path);
      upstream.on("GET", `${API}${path}`, () => redirect(`${EVIL}/collect/${leaked}`));
      await expectRefused(tool, path, leaked);
    });

    it("a secret in the host, which the URL parser turns to lower case", async () => {
      const token = "Brr-Host-Secret-0";
      const tool = await createTool({ endpoint_url: `${API}/host`, auth_config: { type: "bearer_token", token } });
      upstream.on("GET", `${API}/host`, () => redirect(`https://${token}.evil.example.net/`));
      await expectRefused(tool, "/host", token.toLowerCase());
    });

    it("a raw secret that the URL parser percent-encodes in part", async () => {
      // The parser encodes the space and the quotes, not "/", "+" or "=": neither the raw nor the encoded form.
      const token = 'brr spaced/+"q"=9';
      const tool = await createTool({ endpoint_url: `${API}/parsed`, auth_config: { type: "bearer_token", token } });
      upstream.on("GET", `${API}/parsed`, () => redirect(`${EVIL}/collect/${token}`));
      await expectRefused(tool, "/parsed", "brr%20spaced");
    });
  });

  it("does not give the credentials back when a chain returns to the original origin", async () => {
    const tool = await toolWith("bearer", "/away");
    upstream.on("GET", `${API}/away`, () => redirect(`${EVIL}/bounce`));
    upstream.on("GET", `${EVIL}/bounce`, () => redirect(`${API}/back`));
    upstream.on("GET", `${API}/back`, () => json({ back: true }));
    expect((await execute(tool.id)).status).toBe(200);
    expectNoSecrets(upstream.callsTo(`${API}/back`)[0]!);
  });

  it("treats another port or a downgrade to http as another origin", async () => {
    for (const [path, location] of [
      ["/port", "https://api.creds.example.com:8443/port"],
      ["/scheme", "http://api.creds.example.com/scheme"],
    ] as const) {
      const tool = await createTool(
        { endpoint_url: `${API}${path}`, auth_config: AUTH.bearer },
        { ALLOW_HTTP: "true" },
      );
      upstream.on("GET", `${API}${path}`, () => redirect(location));
      upstream.on("GET", location, () => json({}));
      expect((await execute(tool.id, {}, { ALLOW_HTTP: "true" })).status).toBe(200);
      expectNoSecrets(upstream.callsTo(location)[0]!);
    }
  });

  it("keeps no cookie jar: a Set-Cookie on a redirect is not sent on the next hop", async () => {
    const tool = await toolWith("bearer", "/set-cookie");
    upstream.on("GET", `${API}/set-cookie`, () => redirect("/after", 302, { "set-cookie": "sid=server-cookie-1" }));
    upstream.on("GET", `${API}/after`, () => json({}));
    expect((await execute(tool.id)).status).toBe(200);
    expect(upstream.callsTo(`${API}/after`)[0]?.headers.get("cookie")).toBeNull();
  });
});

describe("methods and bodies across redirects", () => {
  const CASES: [string, number, string, boolean][] = [
    ["POST", 301, "GET", false],
    ["POST", 302, "GET", false],
    ["POST", 303, "GET", false],
    ["PUT", 303, "GET", false],
    ["DELETE", 303, "GET", false],
    ["PATCH", 302, "PATCH", true],
    ["PUT", 301, "PUT", true],
    ["POST", 307, "POST", true],
    ["PUT", 308, "PUT", true],
    ["GET", 303, "GET", false],
  ];

  it.each(CASES)("%s answered %i continues as %s (body kept: %s)", async (method, status, next, bodyKept) => {
    const hasBody = method !== "GET" && method !== "DELETE";
    const tool = await createTool({
      method,
      endpoint_url: `${API}/m/${method}/${status}`,
      input_schema: { type: "object", properties: { a: { type: "integer" } } },
      input_mapping: hasBody ? { a: { in: "body" } } : { a: { in: "query" } },
    });
    upstream.on(method, `${API}/m/${method}/${status}`, () => redirect("/landed", status));
    upstream.on(next, `${API}/landed`, () => json({ ok: true }));

    expect((await execute(tool.id, { a: 1 })).status).toBe(200);

    const [landed] = upstream.callsTo(`${API}/landed`);
    expect(landed?.method).toBe(next);
    if (bodyKept) {
      expect(landed?.body).toBe('{"a":1}');
      expect(landed?.headers.get("content-type")).toBe("application/json");
    } else {
      expect(landed?.body).toBe("");
      expect(landed?.headers.get("content-type")).toBeNull();
    }
  });
});

describe("the hop limit and what is not a redirect", () => {
  function chain(length: number) {
    for (let i = 0; i < length; i++) upstream.on("GET", `${API}/chain/${i}`, () => redirect(`/chain/${i + 1}`));
    upstream.on("GET", `${API}/chain/${length}`, () => json({ end: length }));
  }

  it("follows 5 redirects", async () => {
    chain(5);
    const tool = await createTool({ endpoint_url: `${API}/chain/0` });
    const run = await execute(tool.id);
    expect(run.status).toBe(200);
    expect(run.body.output).toEqual({ end: 5 });
    expect(upstream.calls).toHaveLength(6);
    const log = await waitForLog(run.body.execution_id);
    expect(log.attempts[0]).toMatchObject({ redirects: 5, final_url: `${API}/chain/5`, status: 200 });
  });

  it("refuses a sixth with 502 too_many_redirects, having sent 6 requests", async () => {
    chain(6);
    const tool = await createTool({ endpoint_url: `${API}/chain/0` });
    const run = await execute(tool.id);
    expect(run.status).toBe(502);
    expect(run.body).toMatchObject({
      code: "too_many_redirects",
      detail: "The upstream API redirected more than 5 times; the last redirect was not followed.",
    });
    expect(upstream.calls).toHaveLength(6);
    const log = await waitForLog(run.body.execution_id);
    expect(log).toMatchObject({ outcome: "upstream_error", error_message: run.body.detail });
    expect(log.attempts).toEqual([expect.objectContaining({ error: "too_many_redirects", redirects: 5 })]);
  });

  it("cancels the body of every redirect response instead of reading it", async () => {
    let cancelled = 0;
    let pulled = 0;
    const streaming = (location: string) =>
      new Response(
        new ReadableStream({
          pull(controller) {
            pulled++;
            controller.enqueue(new Uint8Array(1024));
          },
          cancel() {
            cancelled++;
          },
        }),
        { status: 302, headers: { location } },
      );
    upstream.on("GET", `${API}/body/0`, () => streaming("/body/1"));
    upstream.on("GET", `${API}/body/1`, () => streaming("/body/2"));
    upstream.on("GET", `${API}/body/2`, () => json({}));
    const tool = await createTool({ endpoint_url: `${API}/body/0` });
    expect((await execute(tool.id)).status).toBe(200);
    expect(cancelled).toBe(2);
    expect(pulled).toBeLessThan(10);
  });

  it.each([
    ["a 302 without Location", () => new Response("moved", { status: 302 }), 302],
    ["a 302 with an unparseable Location", () => redirect("https://[::1", 302), 302],
    ["a 304", () => new Response(null, { status: 304, headers: { location: "/elsewhere" } }), 304],
    ["a 300", () => redirect("/choice", 300), 300],
  ])("%s is the final answer: 502 upstream_error", async (_, answer, status) => {
    const tool = await createTool({ endpoint_url: `${API}/final/${status}` });
    upstream.on("GET", `${API}/final/${status}`, answer);
    const run = await execute(tool.id);
    expect(run.status).toBe(502);
    expect(run.body).toMatchObject({ code: "upstream_error", upstream_status: status });
    expect(upstream.calls).toHaveLength(1);
  });

  it("drops the fragment of a Location", async () => {
    const tool = await createTool({ endpoint_url: `${API}/frag` });
    upstream.on("GET", `${API}/frag`, () => redirect("/frag-target?x=1#section"));
    upstream.on("GET", `${API}/frag-target`, () => json({}));
    expect((await execute(tool.id)).status).toBe(200);
    expect(upstream.callsTo(`${API}/frag-target`)[0]?.url.href).toBe(`${API}/frag-target?x=1`);
  });
});
