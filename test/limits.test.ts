/**
 * Regression tests for what fuzzing found: client input (and upstream output)
 * that made the service answer 500 or spend seconds of CPU on one request.
 * Each case is answered with a 4xx (or 502 for upstream output) problem, in
 * well under the time it used to take.
 */
import { describe, expect, it } from "vitest";
import { MAX_JSON_DEPTH } from "../src/json-depth";
import { api, createTool, execute, httpTool, json, useUpstream, type Json } from "./helpers";

const upstream = useUpstream();

/** Sends a raw body and returns status, problem body and how long it took. */
async function send(path: string, method: string, body: string): Promise<{ status: number; body: Json; ms: number }> {
  const started = Date.now();
  const res = await api(path, { method, headers: { "content-type": "application/json" }, body });
  const parsed = await res.json<Json>();
  return { status: res.status, body: parsed, ms: Date.now() - started };
}

const nestedArrays = (depth: number, leaf = "1") => "[".repeat(depth) + leaf + "]".repeat(depth);
const nestedObjects = (depth: number) => '{"a":'.repeat(depth) + "{}" + "}".repeat(depth);

/** A tool definition as JSON text with `extra` spliced in as more top-level fields. */
function definitionWith(extra: string): string {
  return `${JSON.stringify(httpTool()).slice(0, -1)},${extra}}`;
}

/**
 * Wall-clock guards against exponential or quadratic work, not performance
 * claims (those come from `npm run bench`): loose enough for a loaded 2-core CI
 * machine, far below the minutes that the regressions they guard would take.
 */
const GUARD_MS = 10_000;

describe("JSON nested deeper than the limit", () => {
  it.each([
    ["an input_schema", (d: number) => `"input_schema":{"type":"object","properties":{"x":${nestedObjects(d)}}}`],
    ["an output_schema enum", (d: number) => `"output_schema":{"enum":[${nestedArrays(d)}]}`],
    ["a default", (d: number) => `"input_schema":{"type":"object","default":${nestedArrays(d)}}`],
    ["an unknown field", (d: number) => `"unknown":${nestedArrays(d)}`],
  ])("POST /tools with %s nested 5000 levels is 400 json_too_deep, not 500", async (_label, field) => {
    const res = await send("/tools", "POST", definitionWith(field(5000)));
    expect(res.status, JSON.stringify(res.body)).toBe(400);
    expect(res.body).toMatchObject({ code: "json_too_deep", status: 400 });
  });

  it("PUT /tools/{id} and execute refuse deep bodies too; the tool is unchanged", async () => {
    const tool = await createTool();
    const put = await send(`/tools/${tool.id}`, "PUT", definitionWith(`"unknown":${nestedArrays(100_000)}`));
    expect(put.body.code).toBe("json_too_deep");
    const run = await send(`/tools/${tool.id}/execute`, "POST", `{"input":{"x":${nestedArrays(100_000)}}}`);
    expect(run.body.code).toBe("json_too_deep");
    expect(await (await api(`/tools/${tool.id}`)).json()).toEqual(tool);
  });

  it("brackets inside strings do not count, and the limit itself is allowed", async () => {
    const inString = await send("/tools", "POST", definitionWith(`"description":${JSON.stringify("[{".repeat(3000))}`));
    expect(inString.status).toBe(422); // description is too long, but not "too deep"
    // The body itself is level 1, so MAX_JSON_DEPTH - 1 more levels fit.
    const atLimit = await send("/tools", "POST", definitionWith(`"unknown":${nestedArrays(MAX_JSON_DEPTH - 1)}`));
    expect(atLimit.status, JSON.stringify(atLimit.body)).toBe(201);
    const overLimit = await send("/tools", "POST", definitionWith(`"unknown":${nestedArrays(MAX_JSON_DEPTH)}`));
    expect(overLimit.body.code).toBe("json_too_deep");
  });

  it("input nested up to the limit under a recursive schema validates without overflowing the stack", async () => {
    const tree = { type: "array", items: { $ref: "#/definitions/tree" } };
    const tool = await createTool({
      method: "POST",
      endpoint_url: "https://api.example.com/v1/trees",
      input_schema: { type: "object", properties: { t: { $ref: "#/definitions/tree" } }, definitions: { tree } },
    });
    upstream.on("POST", "https://api.example.com/v1/trees", () => json({ ok: true }));
    // {"input":{"t": ...}} already uses 2 levels.
    const ok = await send(
      `/tools/${tool.id}/execute`,
      "POST",
      `{"input":{"t":${nestedArrays(MAX_JSON_DEPTH - 2, "")}}}`,
    );
    expect(ok.status, JSON.stringify(ok.body)).toBe(200);
    const bad = await send(`/tools/${tool.id}/execute`, "POST", `{"input":{"t":${nestedArrays(MAX_JSON_DEPTH - 2)}}}`);
    expect(bad.status).toBe(422);
    expect(bad.body.code).toBe("input_invalid");
  });

  it("an upstream JSON body nested 1000 levels is 502 upstream_invalid_json, not 500", async () => {
    const tool = await createTool({
      endpoint_url: "https://api.example.com/v1/deep",
      output_schema: { type: "array", items: { $ref: "#" } },
    });
    upstream.on(
      "GET",
      "https://api.example.com/v1/deep",
      () => new Response(nestedArrays(1000, ""), { headers: { "content-type": "application/json" } }),
    );
    const { status, body } = await execute(tool.id);
    expect(status, JSON.stringify(body)).toBe(502);
    expect(body.code).toBe("upstream_invalid_json");
  });
});

describe("patterns run in linear time", () => {
  const evil = "^(a+)+$";

  it("a ReDoS pattern is accepted, and a long near-match is answered at once", async () => {
    // 36 characters: a backtracking engine would need minutes (28 already take V8 over a second, doubling per character).
    const tool = await createTool({
      input_schema: { type: "object", properties: { s: { type: "string", pattern: evil } } },
    });
    upstream.on("GET", "https://api.example.com/v1/items", () => json({ ok: true }));
    for (const length of [36, 5000, 500_000]) {
      const started = Date.now();
      const miss = await execute(tool.id, { s: `${"a".repeat(length)}!` });
      expect(Date.now() - started).toBeLessThan(GUARD_MS);
      expect(miss.status).toBe(422);
      expect(miss.body.errors).toEqual([{ path: "/input/s", keyword: "pattern", message: expect.any(String) }]);
      const hit = await execute(tool.id, { s: "a".repeat(length) });
      expect(hit.status).toBe(200);
    }
  });

  it("patternProperties keys and the url format are linear too", async () => {
    const tool = await createTool({
      input_schema: {
        type: "object",
        properties: { link: { type: "string", format: "url" } },
        patternProperties: { [evil]: { type: "integer" } },
      },
    });
    upstream.on("GET", "https://api.example.com/v1/items", () => json({ ok: true }));
    let started = Date.now();
    const key = await execute(tool.id, { [`${"a".repeat(36)}!`]: "not checked", ["a".repeat(36)]: "x" });
    expect(Date.now() - started).toBeLessThan(GUARD_MS);
    expect(key.status).toBe(422);
    expect(key.body.errors).toEqual([expect.objectContaining({ path: `/input/${"a".repeat(36)}`, keyword: "type" })]);
    // cfworker's regex for "url" backtracked exponentially on the host before failing at the space.
    started = Date.now();
    const url = await execute(tool.id, { link: `http://${"a".repeat(36)}_ b` });
    expect(Date.now() - started).toBeLessThan(GUARD_MS);
    expect(url.status).toBe(422);
    expect(url.body.errors).toEqual([expect.objectContaining({ path: "/input/link", keyword: "format" })]);
    expect((await execute(tool.id, { link: "https://example.com/a?b=c" })).status).toBe(200);
  });

  it.each([
    ["a lookahead", { pattern: "^(?=.*\\d).{8,}$" }, "/input_schema/properties/p/pattern"],
    ["a backreference", { pattern: "^(a)\\1$" }, "/input_schema/properties/p/pattern"],
    [
      "a lookbehind key",
      { patternProperties: { "(?<=x)y": {} } },
      "/input_schema/properties/p/patternProperties/(?<=x)y",
    ],
  ])("a pattern with %s is refused when the tool is saved", async (_label, keyword, path) => {
    const res = await api("/tools", {
      method: "POST",
      json: httpTool({ input_schema: { type: "object", properties: { p: keyword } } }),
    });
    const body = await res.json<Json>();
    expect(res.status).toBe(422);
    expect(body.code).toBe("invalid_tool");
    expect(body.errors).toEqual([{ path, keyword: "pattern", message: expect.stringContaining("linear time (RE2)") }]);
  });

  it("a pattern only reachable through $ref under an unknown keyword is checked too", async () => {
    const res = await api("/tools", {
      method: "POST",
      json: httpTool({
        input_schema: {
          type: "object",
          properties: { p: { $ref: "#/x-hidden" } },
          "x-hidden": { type: "string", pattern: "(?!a)b" },
        },
      }),
    });
    expect(res.status).toBe(422);
    expect((await res.json<Json>()).errors).toEqual([
      expect.objectContaining({ path: "/input_schema/x-hidden/pattern", keyword: "pattern" }),
    ]);
  });
});

describe("validation cost grows with the input, not with its square", () => {
  it("uniqueItems on a large array of distinct values is refused at once; a moderate one is checked", async () => {
    const tool = await createTool({
      method: "POST",
      endpoint_url: "https://api.example.com/v1/bulk",
      input_schema: { type: "object", properties: { ids: { type: "array", uniqueItems: true } } },
    });
    upstream.on("POST", "https://api.example.com/v1/bulk", () => json({ ok: true }));
    const started = Date.now();
    const large = await execute(tool.id, { ids: Array.from({ length: 30_000 }, (_, i) => i) });
    expect(large.status).toBe(422);
    expect(large.body.errors).toEqual([
      {
        path: "/input/ids",
        keyword: "uniqueItems",
        message: "This array is too large to check for unique items (30000 items).",
      },
    ]);
    expect(Date.now() - started).toBeLessThan(GUARD_MS);

    expect((await execute(tool.id, { ids: Array.from({ length: 1000 }, (_, i) => i) })).status).toBe(200);
    const duplicate = await execute(tool.id, { ids: [1, 2, 3, 2] });
    expect(duplicate.status).toBe(422);
    expect(duplicate.body.errors).toEqual([expect.objectContaining({ path: "/input/ids", keyword: "uniqueItems" })]);
  });

  it("a schema whose required list has 30 000 names is refused at once", async () => {
    const started = Date.now();
    const res = await api("/tools", {
      method: "POST",
      json: httpTool({
        input_schema: { type: "object", required: Array.from({ length: 30_000 }, (_, i) => `k${i}`) },
      }),
    });
    expect(res.status).toBe(422);
    expect((await res.json<Json>()).errors).toEqual([
      expect.objectContaining({ path: "/input_schema/required", keyword: "uniqueItems" }),
    ]);
    expect(Date.now() - started).toBeLessThan(GUARD_MS);
  });

  it("200 000 failing items are reported as the first 100 errors, not a 500", async () => {
    const tool = await createTool({
      input_schema: { type: "object", properties: { a: { type: "array", items: { type: "string" } } } },
    });
    const started = Date.now();
    const { status, body } = await execute(tool.id, { a: Array(200_000).fill(1) });
    expect(status, JSON.stringify(body).slice(0, 300)).toBe(422);
    expect(body.code).toBe("input_invalid");
    expect(body.errors.length).toBeGreaterThanOrEqual(1);
    expect(body.errors.length).toBeLessThanOrEqual(100);
    expect(Date.now() - started).toBeLessThan(GUARD_MS);
  });

  it("30 000 failing items list the first 100 errors and say the list was cut", async () => {
    const tool = await createTool({
      input_schema: { type: "object", properties: { a: { type: "array", items: { type: "string" } } } },
    });
    const started = Date.now();
    const { status, body } = await execute(tool.id, { a: Array(30_000).fill(1) });
    expect(status).toBe(422);
    expect(body.errors).toHaveLength(100);
    expect(body.errors[0]).toEqual({ path: "/input/a/0", keyword: "type", message: expect.any(String) });
    expect(body.detail).toBe(
      "The input does not match the tool's input schema (at least 100 errors; the first 100 are listed).",
    );
    expect(Date.now() - started).toBeLessThan(GUARD_MS);
  });

  it("a schema with 30 000 invalid entries is refused with 100 errors, at once", async () => {
    const started = Date.now();
    const res = await api("/tools", {
      method: "POST",
      json: httpTool({ input_schema: { type: "object", properties: { a: { type: Array(30_000).fill(1) } } } }),
    });
    const body = await res.json<Json>();
    expect(res.status).toBe(422);
    expect(body.errors.length).toBeLessThanOrEqual(100);
    expect(Date.now() - started).toBeLessThan(GUARD_MS);
  });
});
