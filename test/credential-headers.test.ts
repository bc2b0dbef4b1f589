import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { convertOpenApi } from "../src/imports/openapi";
import { isCredentialHeaderName, NOT_CREDENTIAL_HEADERS } from "../src/registry/credential-headers";
import { api, createTool, execute, httpTool, json, useUpstream, type Json, type ToolBody } from "./helpers";
import { getPage, signIn, statusMessages } from "./ui-helpers";

describe("isCredentialHeaderName", () => {
  it.each([
    "Authorization",
    "proxy-authorization",
    "Cookie",
    "X-Shopify-Access-Token",
    "X-Auth-Token",
    "Private-Token",
    "Api-Key",
    "X-API-Key",
    "apikey",
    "X-Goog-Api-Key",
    "X-Client-Secret",
    "X-Webhook-Secret-Value",
    "X-Password",
    "Db-Password-Hint",
  ])("%s carries a credential", (name) => {
    expect(isCredentialHeaderName(name)).toBe(true);
  });

  it.each(["Idempotency-Key", "Accept", "X-Request-Id", "Content-Type", "X-Tokens-Left", "Token-Count", "X-Key-Id"])(
    "%s is an ordinary header",
    (name) => {
      expect(isCredentialHeaderName(name)).toBe(false);
    },
  );

  it("the exceptions match the patterns, and only the list keeps them ordinary", () => {
    for (const name of NOT_CREDENTIAL_HEADERS) {
      expect(name.endsWith("-token"), name).toBe(true);
      expect(isCredentialHeaderName(name.toUpperCase())).toBe(false);
    }
  });
});

describe("static headers whose names carry a credential, through the Worker", () => {
  const upstream = useUpstream();

  async function refused(body: ToolBody): Promise<Json> {
    const res = await api("/tools", { method: "POST", json: httpTool(body) });
    const problem = await res.json<Json>();
    expect(res.status, JSON.stringify(problem)).toBe(422);
    expect(problem.code).toBe("invalid_tool");
    return problem;
  }

  it.each(["X-Auth-Token", "X-API-Key", "Api-Key", "X-Client-Secret", "X-Password", "Proxy-Authorization"])(
    "refuses %s as a static header, pointing to auth_config",
    async (name) => {
      const value = "s3cr3t-value-123";
      const problem = await refused({ headers: { [name]: value } });
      expect(problem.errors).toEqual([
        {
          path: `/headers/${name}`,
          message: `${name} carries credentials: use auth_config, which stores them encrypted and never returns them.`,
        },
      ]);
      expect(JSON.stringify(problem)).not.toContain(value);
    },
  );

  it("accepts ordinary headers such as Idempotency-Key, and the listed exceptions", async () => {
    const headers = { "Idempotency-Key": "abc", "X-Request-Id": "r1", "X-Continuation-Token": "page-2" };
    const tool = await createTool({ headers });
    expect(tool.headers).toEqual(headers);
  });

  it("refuses mapping an input to such a header: inputs are written to the execution log", async () => {
    const problem = await refused({
      input_schema: { type: "object", properties: { key: { type: "string" } } },
      input_mapping: { key: { in: "header", name: "X-Api-Key" } },
    });
    expect(problem.errors).toEqual([
      {
        path: "/input_mapping/key/name",
        message: "X-Api-Key carries credentials: use auth_config, which stores them encrypted and never returns them.",
      },
    ]);
  });

  it("lets a tool saved with such a header before the rule keep executing; its editor says to move it", async () => {
    const endpoint = `https://api.example.com/${crypto.randomUUID()}/items`;
    const tool = await createTool({ endpoint_url: endpoint, headers: { "X-Client": "toolgate" } });
    // As an older toolgate stored it: the header in plaintext on the row.
    await env.DB.prepare("UPDATE tools SET headers = ? WHERE id = ?")
      .bind(JSON.stringify({ "X-Client": "toolgate", "X-Api-Key": "legacy-key-123" }), tool.id)
      .run();
    upstream.on("GET", endpoint, (req) => json({ key: req.headers.get("x-api-key") }));
    const { status, body } = await execute(tool.id);
    expect(status).toBe(200);
    expect(upstream.calls[0]?.headers.get("x-api-key")).toBe("legacy-key-123");
    expect(body.output).toEqual({ key: "legacy-key-123" });

    const session = await signIn();
    const editor = await (await getPage(`/ui/tools/${tool.id}/edit`, session)).text();
    expect(statusMessages(editor)).toContain(
      "The header X-Api-Key carries a credential. Headers here are stored and shown in plain text, so this tool cannot be saved with it any more. Move it to Authentication below (for example an API key sent in the header X-Api-Key), where secrets are stored encrypted and never shown. Until then, the tool keeps sending it.",
    );
    const ordinary = await createTool({ headers: { "X-Client": "toolgate" } });
    const plain = await (await getPage(`/ui/tools/${ordinary.id}/edit`, session)).text();
    expect(statusMessages(plain).join(" ")).not.toContain("carries a credential");

    // Saving it unchanged is refused at that header; moving the key to auth_config is accepted.
    const current = await (await api(`/tools/${tool.id}`)).json<Json>();
    const { id: _id, version: _v, created_at: _c, updated_at: _u, auth_config: _a, ...definition } = current;
    const again = await api(`/tools/${tool.id}`, { method: "PUT", json: definition });
    const problem = await again.json<Json>();
    expect(again.status).toBe(422);
    expect(problem.errors).toEqual([expect.objectContaining({ path: "/headers/X-Api-Key" })]);
    const moved = await api(`/tools/${tool.id}`, {
      method: "PUT",
      json: {
        ...definition,
        headers: { "X-Client": "toolgate" },
        auth_config: { type: "api_key", location: "header", key_name: "X-Api-Key", value: "legacy-key-123" },
      },
    });
    expect(moved.status).toBe(200);
  });
});

describe("header parameters of an imported OpenAPI operation", () => {
  const convert = (operation: Record<string, unknown>, securitySchemes: Record<string, unknown> = {}) => {
    const result = convertOpenApi({
      openapi: "3.0.3",
      info: {},
      servers: [{ url: "https://api.example.com/v1" }],
      paths: { "/things": { get: { responses: {}, ...operation } } },
      components: { securitySchemes },
    });
    if (!result.ok) throw new Error(result.detail);
    return result.operations[0] as Json;
  };

  it("drops a parameter that repeats the operation's API key header: its connection sends it", () => {
    const result = convert(
      {
        security: [{ key: [] }],
        parameters: [
          { name: "X-API-Key", in: "header", required: true, schema: { type: "string" } },
          { name: "q", in: "query", schema: { type: "string" } },
        ],
      },
      { key: { type: "apiKey", in: "header", name: "x-api-key" } },
    );
    expect(result.status).toBe("draft");
    expect(Object.keys(result.tool.input_schema.properties)).toEqual(["q"]);
    expect(result.tool.auth_config).toBeUndefined();
    expect(result.connection).toEqual({
      scheme: "key",
      auth: { type: "api_key", key_name: "x-api-key", location: "header" },
      scopes: [],
    });
    expect(result.warnings).toEqual([]);
  });

  it("refuses an operation that wants a credential as a required header input, and leaves out an optional one", () => {
    const required = convert({
      parameters: [{ name: "X-Auth-Token", in: "header", required: true, schema: { type: "string" } }],
    });
    expect(required).toMatchObject({
      status: "skipped",
      reason: "unsupported_parameter",
      // What to send instead, named exactly.
      detail: expect.stringMatching(
        /^The header parameter "X-Auth-Token" carries a credential.*auth_config \{"type": "api_key", "location": "header", "key_name": "X-Auth-Token"\}/,
      ),
    });
    const optional = convert({
      parameters: [{ name: "X-Auth-Token", in: "header", schema: { type: "string" } }],
    });
    expect(optional.status).toBe("draft");
    expect(optional.tool.input_schema.properties).toEqual({});
  });
});
