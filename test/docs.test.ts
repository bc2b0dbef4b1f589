/** The OpenAPI document and the Swagger UI page: public, complete, and self-hosted. */
import { describe, expect, it } from "vitest";
import { api, callWorker, type Json } from "./helpers";

type Operation = {
  security?: unknown;
  responses: Record<string, { content?: Record<string, { schema?: unknown }> }>;
  [key: string]: unknown;
};
type Spec = {
  openapi: string;
  servers?: unknown;
  info: Record<string, unknown>;
  paths: Record<string, Record<string, Operation>>;
  components: { securitySchemes: Record<string, unknown>; schemas: Record<string, unknown> };
};

async function spec(): Promise<Spec> {
  const res = await api("/openapi.json", { token: null });
  expect(res.status).toBe(200);
  return res.json<Spec>();
}

/** Each operation, with the one scope it needs and the statuses it must declare (success and every error). */
const OPERATIONS: [path: string, method: string, scope: string, statuses: string[]][] = [
  ["/tools", "get", "tools:read", ["200", "400", "401", "403", "422", "500"]],
  ["/tools", "post", "tools:write", ["201", "400", "401", "403", "409", "413", "415", "422", "500"]],
  ["/tools/{id}", "get", "tools:read", ["200", "401", "403", "404", "422", "500"]],
  ["/tools/{id}", "put", "tools:write", ["200", "400", "401", "403", "404", "409", "412", "413", "415", "422", "500"]],
  ["/tools/{id}", "delete", "tools:write", ["204", "401", "403", "404", "422", "500"]],
  [
    "/tools/{id}/execute",
    "post",
    "tools:execute",
    ["200", "400", "401", "403", "404", "409", "413", "415", "422", "500", "502", "504"],
  ],
  [
    "/tools/by-name/{name}/execute",
    "post",
    "tools:execute",
    ["200", "400", "401", "403", "404", "409", "413", "415", "422", "500", "502", "504"],
  ],
  ["/tools/{id}/executions", "get", "executions:read", ["200", "400", "401", "403", "404", "422", "500"]],
  ["/tools/{id}/versions", "get", "tools:read", ["200", "400", "401", "403", "404", "422", "500"]],
  ["/tools/{id}/versions/{n}", "get", "tools:read", ["200", "401", "403", "404", "422", "500"]],
  [
    "/tools/{id}/versions/{n}/restore",
    "post",
    "tools:write",
    ["200", "400", "401", "403", "404", "409", "412", "413", "415", "422", "500"],
  ],
  ["/executions", "get", "executions:read", ["200", "400", "401", "403", "422", "500"]],
  ["/executions/{id}", "get", "executions:read", ["200", "401", "403", "404", "422", "500"]],
  ["/exports/functions", "get", "tools:read", ["200", "400", "401", "403", "422", "500"]],
  ["/exports/functions/{id}", "get", "tools:read", ["200", "401", "403", "404", "422", "500"]],
  ["/api-keys", "post", "admin", ["201", "400", "401", "403", "413", "415", "422", "500"]],
  ["/api-keys", "get", "admin", ["200", "400", "401", "403", "422", "500"]],
  ["/api-keys/{id}", "delete", "admin", ["204", "401", "403", "404", "422", "500"]],
  ["/admin/rewrap", "post", "admin", ["200", "400", "401", "403", "422", "500"]],
  ["/connections", "get", "connections:read", ["200", "400", "401", "403", "422", "500"]],
  ["/connections", "post", "connections:write", ["201", "400", "401", "403", "409", "413", "415", "422", "500"]],
  ["/connections/{id}", "get", "connections:read", ["200", "401", "403", "404", "422", "500"]],
  [
    "/connections/{id}",
    "put",
    "connections:write",
    ["200", "400", "401", "403", "404", "409", "412", "413", "415", "422", "500"],
  ],
  ["/connections/{id}", "delete", "connections:write", ["204", "401", "403", "404", "409", "422", "500"]],
  ["/connections/{id}/test", "post", "connections:write", ["200", "401", "403", "404", "409", "422", "500"]],
  ["/connections/{id}/authorize", "post", "connections:write", ["200", "401", "403", "404", "409", "422", "500"]],
  ["/imports/curl", "post", "tools:write", ["200", "400", "401", "403", "413", "415", "422", "500"]],
  ["/schemas/infer", "post", "tools:write", ["200", "400", "401", "403", "413", "415", "422", "500"]],
  ["/imports/openapi", "post", "tools:write", ["200", "201", "400", "401", "403", "413", "415", "422", "500"]],
];

/** Each operation's operationId: stable names that typed clients and SDK generators turn into methods. */
const OPERATION_IDS: Record<string, string> = {
  "GET /health": "getHealth",
  "GET /tools": "listTools",
  "POST /tools": "createTool",
  "GET /tools/{id}": "getTool",
  "PUT /tools/{id}": "replaceTool",
  "DELETE /tools/{id}": "deleteTool",
  "GET /tools/{id}/versions": "listToolVersions",
  "GET /tools/{id}/versions/{n}": "getToolVersion",
  "POST /tools/{id}/versions/{n}/restore": "restoreToolVersion",
  "POST /tools/{id}/execute": "executeTool",
  "POST /tools/by-name/{name}/execute": "executeToolByName",
  "GET /executions": "listExecutions",
  "GET /tools/{id}/executions": "listToolExecutions",
  "GET /executions/{id}": "getExecution",
  "GET /exports/functions": "listFunctionExports",
  "GET /exports/functions/{id}": "getFunctionExport",
  "POST /api-keys": "createApiKey",
  "GET /api-keys": "listApiKeys",
  "DELETE /api-keys/{id}": "revokeApiKey",
  "POST /connections": "createConnection",
  "GET /connections": "listConnections",
  "GET /connections/{id}": "getConnection",
  "PUT /connections/{id}": "replaceConnection",
  "DELETE /connections/{id}": "deleteConnection",
  "POST /connections/{id}/test": "testConnection",
  "POST /admin/rewrap": "rewrapSecrets",
  "POST /imports/curl": "importCurl",
  "POST /schemas/infer": "inferSchema",
  "POST /imports/openapi": "importOpenApi",
  "POST /connections/{id}/authorize": "authorizeConnection",
};

/** Every published `pattern`, with a value it must match and one it must not. */
const PATTERN_EXAMPLES: Record<string, { valid: string; invalid: string }> = {
  "^[A-Za-z0-9_-]{1,64}$": { valid: "get_weather-2", invalid: "get weather" },
  "^[A-Za-z0-9_-]{0,32}$": { valid: "crm_", invalid: "crm." },
  "^[^\\x00-\\x1F\\x7F-\\x9F]*$": { valid: "orchestrator (prod) – Zürich 🚀", invalid: "line\nbreak" },
};

/** Every `pattern` keyword in the document, with where it is. */
function patternsIn(value: unknown, at = ""): { pattern: string; at: string }[] {
  if (Array.isArray(value)) return value.flatMap((v, i) => patternsIn(v, `${at}/${i}`));
  if (value === null || typeof value !== "object") return [];
  return Object.entries(value).flatMap(([key, v]) =>
    key === "pattern" && typeof v === "string" ? [{ pattern: v, at: `${at}/pattern` }] : patternsIn(v, `${at}/${key}`),
  );
}

describe("GET /openapi.json", () => {
  it("is public and is OpenAPI 3.1", async () => {
    const res = await api("/openapi.json", { token: null });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);
    const doc = await res.json<Spec>();
    expect(doc.openapi).toMatch(/^3\.1(\.\d+)?$/);
    expect(doc.info).toMatchObject({ title: "toolgate", version: "0.1.0" });
  });

  it("documents every route, and nothing else", async () => {
    const doc = await spec();
    const declared = Object.entries(doc.paths).flatMap(([path, item]) =>
      Object.keys(item).map((method) => `${method.toUpperCase()} ${path}`),
    );
    expect(declared.sort()).toEqual(
      ["GET /health", ...OPERATIONS.map(([path, method]) => `${method.toUpperCase()} ${path}`)].sort(),
    );
  });

  it("gives every operation its stable operationId", async () => {
    const doc = await spec();
    const ids = Object.fromEntries(
      Object.entries(doc.paths).flatMap(([path, item]) =>
        Object.entries(item).map(([method, operation]) => [`${method.toUpperCase()} ${path}`, operation.operationId]),
      ),
    );
    expect(ids).toEqual(OPERATION_IDS);
  });

  it("publishes only patterns that compile with the u flag and match a valid value", async () => {
    const found = patternsIn(await spec());
    expect(found.length).toBeGreaterThan(0);
    expect([...new Set(found.map((p) => p.pattern))].sort()).toEqual(Object.keys(PATTERN_EXAMPLES).sort());
    for (const { pattern, at } of found) {
      const regex = new RegExp(pattern, "u");
      const examples = PATTERN_EXAMPLES[pattern]!;
      expect(regex.test(examples.valid), `${at}: ${pattern} matches ${examples.valid}`).toBe(true);
      expect(regex.test(examples.invalid), `${at}: ${pattern} refuses ${JSON.stringify(examples.invalid)}`).toBe(false);
    }
  });

  it("names its server: relative unless PUBLIC_BASE_URL gives the public origin", async () => {
    expect((await spec()).servers).toEqual([{ url: "/" }]);
    const configured = await callWorker({ PUBLIC_BASE_URL: "https://toolgate.example.com/" }, "/openapi.json", {
      token: null,
    });
    expect((await configured.json<Json>()).servers).toEqual([{ url: "https://toolgate.example.com" }]);
  });

  it("fails closed, naming the setting, when PUBLIC_BASE_URL is not an origin", async () => {
    const values = [
      "toolgate.example.com",
      "ftp://toolgate.example.com",
      "https://toolgate.example.com/api",
      "https://u:p@toolgate.example.com",
    ];
    for (const value of values) {
      const res = await callWorker({ PUBLIC_BASE_URL: value }, "/openapi.json", { token: null });
      expect(res.status, value).toBe(500);
      expect(res.headers.get("content-type")).toBe("application/problem+json");
      const body = await res.json<Json>();
      expect(body.code).toBe("public_base_url_invalid");
      expect(body.detail).toContain("PUBLIC_BASE_URL");
    }
  });

  it("documents /health as the one public operation", async () => {
    const doc = await spec();
    const health = doc.paths["/health"]?.get;
    expect(health).toBeDefined();
    expect(health!.security).toEqual([]);
    expect(Object.keys(health!.responses)).toEqual(["200"]);
    const res = await api("/health", { token: null });
    expect(res.status).toBe(200);
  });

  it("declares bearer authentication and the one scope of every operation, in security and x-required-scopes", async () => {
    const doc = await spec();
    expect(doc.components.securitySchemes.bearerAuth).toMatchObject({ type: "http", scheme: "bearer" });
    const description = (doc.components.securitySchemes.bearerAuth as { description: string }).description;
    for (const scope of ["tools:read", "tools:write", "tools:execute", "executions:read", "admin"])
      expect(description).toContain(`\`${scope}\``);
    for (const [path, method, scope] of OPERATIONS) {
      expect(doc.paths[path]?.[method]?.security, `${method} ${path}`).toEqual([{ bearerAuth: [scope] }]);
      expect(doc.paths[path]?.[method]?.["x-required-scopes"], `${method} ${path}`).toEqual([scope]);
    }
  });

  it.each(OPERATIONS)("%s %s declares its success and error statuses", async (path, method, _scope, statuses) => {
    const doc = await spec();
    const operation = doc.paths[path]?.[method];
    expect(operation).toBeDefined();
    expect(Object.keys(operation!.responses)).toEqual(expect.arrayContaining(statuses));
    for (const status of statuses.filter((s) => Number(s) >= 400)) {
      const content = operation!.responses[status]?.content;
      expect(Object.keys(content ?? {}), `${method} ${path} ${status}`).toEqual(["application/problem+json"]);
      expect(content!["application/problem+json"]!.schema).toEqual({ $ref: "#/components/schemas/Problem" });
    }
  });

  it("describes the execute errors: 403 outbound policy, 422 input, 500 output or secrets, 502 upstream, 504 timeout", async () => {
    const doc = await spec();
    const responses = doc.paths["/tools/{id}/execute"]!.post!.responses as Record<string, { description: string }>;
    expect(responses["422"]?.description).toBe(
      "The request is well-formed but not valid; `errors` lists each problem with its path.",
    );
    expect(responses["500"]?.description).toBe(
      "A server-side failure: the encryption keyring missing or malformed, an unexpected error, or (for execute) an output that fails its schema or secrets that cannot be opened.",
    );
    expect(responses["502"]?.description).toBe("The upstream API or its OAuth2 token endpoint failed.");
    expect(responses["504"]?.description).toBe("The upstream API did not answer within the tool's timeout.");
    expect(responses["403"]?.description).toContain("outbound_blocked");
    expect(responses["409"]?.description).toContain("connection_not_ready");
  });

  it("declares the 403 of a missing scope and the 401 of a missing, unknown or revoked token", async () => {
    const doc = await spec();
    const responses = doc.paths["/tools"]!.get!.responses as Record<string, { description: string }>;
    expect(responses["401"]?.description).toBe(
      "Missing, unknown or revoked bearer token (`unauthorized`), or an ADMIN_TOKEN shorter than 32 characters, which is never accepted (`admin_token_too_short`).",
    );
    expect(responses["403"]?.description).toBe(
      "The API key lacks the scope this operation needs (`insufficient_scope`, with `required_scope`).",
    );
  });

  it("declares the ETag and Location headers of a created tool", async () => {
    const doc = await spec();
    const created = doc.paths["/tools"]!.post!.responses["201"] as { headers?: Record<string, unknown> };
    expect(Object.keys(created.headers ?? {}).sort()).toEqual(["ETag", "Location"]);
  });

  it("marks secret auth fields write-only and leaves them out of the Tool shape", async () => {
    const doc = await spec();
    const text = JSON.stringify(doc.components.schemas.AuthConfigInput);
    for (const field of ["token", "value", "client_secret"]) expect(text).toContain(`"${field}"`);
    expect(text.match(/"writeOnly":true/g)).toHaveLength(3);
    const output = JSON.stringify(doc.components.schemas.AuthConfig);
    for (const field of ['"token"', '"value"', '"client_secret"']) expect(output).not.toContain(field);
    expect(output).toContain('"secrets_set"');
  });

  it("declares the 422 an over-long {id} gets (or answers 404 instead)", async () => {
    const doc = await spec();
    const longId = "x".repeat(65);
    const probes: [string, string, RequestInit & { json?: unknown }][] = [
      ["/tools/{id}", "get", {}],
      ["/tools/{id}", "delete", { method: "DELETE" }],
      ["/executions/{id}", "get", {}],
    ];
    const undeclared: string[] = [];
    for (const [path, method, init] of probes) {
      const res = await api(path.replace("{id}", longId), init);
      await res.arrayBuffer();
      if (!Object.keys(doc.paths[path]![method]!.responses).includes(String(res.status)))
        undeclared.push(`${method.toUpperCase()} ${path} answered ${res.status}`);
    }
    expect(undeclared).toEqual([]);
  });
});

describe("GET /docs", () => {
  it("is public HTML that loads Swagger UI from the Worker itself", async () => {
    const res = await api("/docs", { token: null });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/html/);
    const html = await res.text();
    expect(html).toContain('<script src="/docs/assets/swagger-ui-bundle.js"></script>');
    expect(html).toContain('<link rel="stylesheet" href="/docs/assets/swagger-ui.css" />');
    expect(html).toContain('data-spec-url="/openapi.json"');
    expect(html).toContain('<div id="swagger-ui"></div>');
  });

  it("references no external script or stylesheet", async () => {
    const html = await (await api("/docs", { token: null })).text();
    const scripts = [...html.matchAll(/<script\b[^>]*\bsrc="([^"]*)"/g)].map((m) => m[1]);
    const styles = [...html.matchAll(/<link\b[^>]*\bhref="([^"]*)"/g)].map((m) => m[1]);
    expect(scripts).toEqual(["/docs/assets/swagger-ui-bundle.js", "/docs/assets/init.js"]);
    expect(styles).toEqual(["/docs/assets/swagger-ui.css"]);
    expect(html).not.toMatch(/(?:src|href)\s*=\s*["']?(?:https?:)?\/\//i);
    expect(html).not.toMatch(/@import|url\(/i);
  });
});
