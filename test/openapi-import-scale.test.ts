/**
 * POST /imports/openapi at the size of real documents: a thousand operations
 * within D1's 1,000 queries per invocation (counted directly, since Miniflare
 * does not enforce the limit), a 16 MiB JSON document under the route's own
 * body limit, YAML capped at 2 MiB, and a document fetched from a URL through
 * the outbound policy.
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { ROWS_PER_INSERT, STATEMENTS_PER_BATCH } from "../src/registry/insert-batch";
import { importOpenApi } from "../src/registry/openapi-import";
import { api, callWorker, json, uniqueName, useUpstream, type Json } from "./helpers";

const upstream = useUpstream();

/** A document of `count` operations, none with an operationId. */
function manyOperations(count: number): Json {
  const paths: Json = {};
  for (let i = 0; i < count; i++)
    paths[`/items/${i}`] = {
      post: {
        parameters: [{ name: "q", in: "query", schema: { type: "string" } }],
        requestBody: { content: { "application/json": { schema: { type: "object" } } } },
        responses: {},
      },
    };
  return { openapi: "3.0.3", info: {}, servers: [{ url: "https://api.example.com" }], paths };
}

/** env with its D1 binding wrapped to count the statements sent (each one a query to D1's limit). */
function countingEnv(): { env: Cloudflare.Env; statements: () => number } {
  let statements = 0;
  const db = env.DB;
  const counted = new Proxy(db, {
    get(target, key) {
      if (key === "prepare")
        return (sql: string) => {
          statements++;
          return target.prepare(sql);
        };
      const value = Reflect.get(target, key) as unknown;
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
  return { env: { ...env, DB: counted } as Cloudflare.Env, statements: () => statements };
}

const INSERTS = Math.ceil(1223 / ROWS_PER_INSERT);
const VERSION_STATEMENTS = Math.ceil(INSERTS / STATEMENTS_PER_BATCH);

describe("a thousand operations in one import", () => {
  it("creates 1,223 tools (GitHub's count) in under 1,000 D1 queries, by batching the inserts", async () => {
    const prefix = `${uniqueName("many")}_`;
    const counting = countingEnv();
    const response = await importOpenApi(
      counting.env,
      {
        document: manyOperations(1223),
        name_prefix: prefix,
        dry_run: false,
      },
      ["tools:write"],
    );
    const created = response.results.filter((r) => r.status === "created");
    expect(created).toHaveLength(1223);
    // One name lookup per 90 prefixes, one INSERT per ROWS_PER_INSERT rows, and one statement per batch of
    // inserts that records the tools' first versions; nothing per tool.
    expect(counting.statements()).toBe(Math.ceil(1223 / 90) + INSERTS + VERSION_STATEMENTS);
    expect(counting.statements()).toBeLessThan(1000);
    const stored = await env.DB.prepare("SELECT count(*) AS n FROM tools WHERE instr(name, ?) = 1")
      .bind(prefix)
      .first<{ n: number }>();
    expect(stored?.n).toBe(1223);
    // Each result names the tool stored for it.
    const sample = created[700] as Json;
    const tool = await (await api(`/tools/${sample.tool_id}`)).json<Json>();
    expect(tool).toMatchObject({ name: sample.name, endpoint_url: "https://api.example.com/items/700" });
  }, 120_000);

  it("a thousand operations behind one API key share one connection, in as few queries plus two", async () => {
    const prefix = `${uniqueName("keyed")}_`;
    const counting = countingEnv();
    const document = {
      ...manyOperations(1223),
      info: { title: uniqueName("Many") },
      security: [{ key: [] }],
      components: { securitySchemes: { key: { type: "apiKey", in: "header", name: "X-Key" } } },
    };
    const response = await importOpenApi(counting.env, { document, name_prefix: prefix, dry_run: false }, [
      "tools:write",
      "connections:write",
    ]);
    const created = response.results.filter((r) => r.status === "created");
    expect(created).toHaveLength(1223);
    expect(response.connections).toHaveLength(1);
    expect(new Set(created.map((r) => r.connection_id))).toEqual(new Set([response.connections[0]!.id]));
    // The connection costs one name lookup and one insert, whatever the number of tools.
    expect(counting.statements()).toBe(Math.ceil(1223 / 90) + 2 + INSERTS + VERSION_STATEMENTS);
    const row = await env.DB.prepare("SELECT count(*) AS n FROM tools WHERE connection_id = ?")
      .bind(response.connections[0]!.id)
      .first<{ n: number }>();
    expect(row?.n).toBe(1223);
  }, 120_000);

  it("refuses more than 2,000 operations at once, pointing at operation_ids", async () => {
    const res = await api("/imports/openapi", {
      method: "POST",
      json: { document: manyOperations(2001), dry_run: true },
    });
    expect(res.status).toBe(422);
    expect(await res.json<Json>()).toMatchObject({ code: "too_many_operations" });
  }, 60_000);
});

describe("document size", () => {
  it("accepts a 16 MiB JSON document on this route, while other routes keep 1 MiB", async () => {
    const document = { ...manyOperations(1), info: { description: "x".repeat(16 * 1024 * 1024 - 400) } };
    const text = JSON.stringify(document);
    expect(text.length).toBeGreaterThan(16 * 1000 * 1000);
    const res = await api("/imports/openapi", { method: "POST", json: { document: text, dry_run: true } });
    expect(res.status).toBe(200);
    expect((await res.json<Json>()).results).toHaveLength(1);

    const other = await api("/tools", { method: "POST", json: { name: "big", description: "x".repeat(2 << 20) } });
    expect(other.status).toBe(413);
  }, 60_000);

  it("answers 413 past the route's own limit, naming it and what to do", async () => {
    const res = await api("/imports/openapi", {
      method: "POST",
      json: { document: "x".repeat(25 * 1024 * 1024), dry_run: true },
    });
    expect(res.status).toBe(413);
    expect(await res.json<Json>()).toMatchObject({
      code: "body_too_large",
      detail:
        "The request body is larger than 24 MiB: import the document in parts, with operation_ids, or from a URL with document_url.",
    });
  }, 60_000);

  it("refuses a JSON document over 16 MiB, and YAML over 2 MiB with a pointer to JSON", async () => {
    const big = JSON.stringify({ ...manyOperations(1), info: { description: "x".repeat(16 * 1024 * 1024) } });
    const json16 = await api("/imports/openapi", { method: "POST", json: { document: big, dry_run: true } });
    expect(json16.status).toBe(422);
    expect(await json16.json<Json>()).toMatchObject({
      code: "invalid_openapi",
      detail: "The document is larger than 16 MiB of JSON (YAML aliases expanded).",
    });

    const yaml = `openapi: 3.0.3\ninfo:\n  description: ${"y".repeat(2 * 1024 * 1024)}\npaths: {}\n`;
    const res = await api("/imports/openapi", { method: "POST", json: { document: yaml, dry_run: true } });
    expect(res.status).toBe(422);
    const body = await res.json<Json>();
    expect(body.code).toBe("invalid_openapi");
    expect(body.detail).toMatch(/^The document is YAML of 2,097,\d{3} characters; YAML is read up to 2 MiB/);
    expect(body.detail).toContain("Convert it to JSON, which is read up to 16 MiB");
    // Just under the cap, YAML is read.
    const small = `openapi: 3.0.3\ninfo:\n  description: ${"y".repeat(1024 * 1024)}\nservers: [{url: "https://api.example.com"}]\npaths: {/x: {get: {responses: {}}}}\n`;
    const ok = await api("/imports/openapi", { method: "POST", json: { document: small, dry_run: true } });
    expect(ok.status).toBe(200);
  }, 60_000);
});

describe("document_url", () => {
  const URL_ = "https://specs.example.com/openapi.json";

  it("fetches the document (GET, no credentials) and imports it", async () => {
    upstream.on("GET", URL_, () => json(manyOperations(2)));
    const res = await api("/imports/openapi", { method: "POST", json: { document_url: URL_, dry_run: true } });
    expect(res.status).toBe(200);
    const body = await res.json<Json>();
    expect(body.results.map((r: Json) => r.status)).toEqual(["would_create", "would_create"]);
    const [call] = upstream.callsTo(URL_);
    expect(call?.method).toBe("GET");
    expect(call?.headers.get("authorization")).toBeNull();
  });

  it("follows redirects through the outbound policy: a hop to a private address is refused", async () => {
    upstream.on("GET", URL_, () => new Response(null, { status: 302, headers: { location: "http://10.0.0.1/spec" } }));
    const res = await api("/imports/openapi", { method: "POST", json: { document_url: URL_, dry_run: true } });
    expect(res.status).toBe(422);
    const body = await res.json<Json>();
    expect(body.code).toBe("document_url_blocked");
    expect(body.errors[0].path).toBe("/document_url");
    expect(upstream.calls).toHaveLength(1);
  });

  it("refuses a URL the outbound policy blocks without fetching it; ALLOW_HTTP and private networks change that", async () => {
    const res = await api("/imports/openapi", {
      method: "POST",
      json: { document_url: "http://127.0.0.1:8080/openapi.json", dry_run: true },
    });
    expect(res.status).toBe(422);
    expect((await res.json<Json>()).code).toBe("document_url_blocked");
    expect(upstream.calls).toHaveLength(0);

    upstream.on("GET", "http://127.0.0.1:8080/openapi.json", () => json(manyOperations(1)));
    const allowed = await callWorker({ ALLOW_HTTP: "true", ALLOW_PRIVATE_NETWORKS: "true" }, "/imports/openapi", {
      method: "POST",
      json: { document_url: "http://127.0.0.1:8080/openapi.json", dry_run: true, server_url: "http://127.0.0.1:9" },
    });
    expect(allowed.status).toBe(200);
  });

  it("says when the document cannot be fetched, and never shows what the server answered", async () => {
    upstream.on("GET", URL_, () => new Response("secret-looking upstream page", { status: 404 }));
    const res = await api("/imports/openapi", { method: "POST", json: { document_url: URL_, dry_run: true } });
    expect(res.status).toBe(422);
    const body = await res.json<Json>();
    expect(body).toMatchObject({
      code: "document_unreachable",
      detail:
        "The document could not be fetched from https://specs.example.com: it answered HTTP 404. Check the URL, or send the document itself.",
    });
    expect(JSON.stringify(body)).not.toContain("secret-looking");
  });

  it("takes document or document_url, not both and not neither", async () => {
    for (const body of [{ dry_run: true }, { document: "{}", document_url: URL_, dry_run: true }]) {
      const res = await api("/imports/openapi", { method: "POST", json: body });
      expect(res.status).toBe(422);
      expect(await res.json<Json>()).toMatchObject({ code: "invalid_request" });
    }
  });
});
