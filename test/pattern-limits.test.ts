/**
 * What schema patterns may cost to compile, through the API (issue 10, item
 * 1): patterns over the limits are refused at save with a 422 naming them, a
 * tool saved before the limits is refused at execution without compiling,
 * every pattern that runs is compiled once per isolate, and `format: "regex"`
 * values are only checked by V8. Costs themselves are in pattern-cost.test.ts;
 * CPU per request is shown by `npm run bench` (scenario pathological-pattern).
 */
import { env } from "cloudflare:test";
import { RE2JS } from "re2js";
import { describe, expect, it, vi } from "vitest";
import {
  linearPatternTest,
  MAX_REGEX_FORMAT_LENGTH,
  MAX_REGEX_FORMAT_PROPERTIES,
  PATTERN_CACHE_COST,
  patternCacheUsage,
} from "../src/engine/linear-regexp";
import {
  MAX_PATTERN_COST,
  MAX_REQUEST_PATTERN_COST,
  MAX_SCHEMA_PATTERN_COST,
  patternCost,
} from "../src/engine/pattern-cost";
import { api, callWorker, createTool, httpTool, json, useUpstream, waitForLog, type Json } from "./helpers";

const upstream = useUpstream();
const ENDPOINT = "https://api.example.com/v1/items";

/** The issue's repro: `x{1000}` 1,200 times (8 400 characters, over a million RE2 instructions). */
const REPRO = "x{1000}".repeat(1200);

function costOf(source: string): number {
  const result = patternCost(source);
  if (!result.ok) throw new Error(result.message);
  return result.cost.cost;
}

/** Distinct patterns just under the per-pattern limit. */
const nearLimit = (i: number) => `${"x{1000}".repeat(3)}[a-z]{300}${i}`;

const stringProperty = (pattern: string) => ({ type: "string", pattern });

async function save(method: "POST" | "PUT", path: string, body: Json): Promise<{ status: number; body: Json }> {
  const res = await api(path, { method, json: body });
  return { status: res.status, body: await res.json<Json>() };
}

const tooCostly = expect.stringMatching(/^This pattern is too costly to compile: .* minLength and maxLength/);
const tooCostlyTogether = expect.stringMatching(/^The patterns of this schema are too costly to compile together/);

describe("patterns over the cost limits are refused when a tool is saved", () => {
  it("POST /tools: a pattern over the per-pattern limit is a 422 at its JSON Pointer, saying what to do", async () => {
    const res = await save(
      "POST",
      "/tools",
      httpTool({ input_schema: { type: "object", properties: { a: stringProperty("x{1000}".repeat(4)) } } }),
    );
    expect(res.status).toBe(422);
    expect(res.body).toMatchObject({ code: "invalid_tool" });
    expect(res.body.errors).toEqual([
      { path: "/input_schema/properties/a/pattern", keyword: "pattern", message: tooCostly },
    ]);
  });

  it("the issue's repro, five such patterns in one POST /tools, is refused with five errors", async () => {
    const properties = Object.fromEntries([1, 2, 3, 4, 5].map((i) => [`a${i}`, stringProperty(`${REPRO}${i}`)]));
    const res = await save("POST", "/tools", httpTool({ input_schema: { type: "object", properties } }));
    expect(res.status).toBe(422);
    expect(res.body.errors).toEqual(
      [1, 2, 3, 4, 5].map((i) => ({
        path: `/input_schema/properties/a${i}/pattern`,
        keyword: "pattern",
        message: tooCostly,
      })),
    );
  });

  it("a patternProperties key under $defs is checked too, at its escaped pointer", async () => {
    const res = await save(
      "POST",
      "/tools",
      httpTool({
        input_schema: {
          type: "object",
          properties: { m: { $ref: "#/$defs/map" } },
          $defs: { map: { type: "object", patternProperties: { [`^a/${"[a-z]{1000}".repeat(4)}$`]: {} } } },
        },
      }),
    );
    expect(res.status).toBe(422);
    expect(res.body.errors).toEqual([
      {
        path: `/input_schema/$defs/map/patternProperties/^a~1${"[a-z]{1000}".repeat(4)}$`,
        keyword: "pattern",
        message: tooCostly,
      },
    ]);
  });

  it("POST /tools: a schema whose patterns together are over the per-schema limit is a 422 at the pattern that takes it over", async () => {
    const fit = Math.floor(MAX_SCHEMA_PATTERN_COST / costOf(nearLimit(0)));
    const properties = Object.fromEntries(
      Array.from({ length: fit + 1 }, (_, i) => [`p${i}`, stringProperty(nearLimit(i))]),
    );
    const res = await save("POST", "/tools", httpTool({ input_schema: { type: "object", properties } }));
    expect(res.status).toBe(422);
    expect(res.body.errors).toEqual([
      { path: `/input_schema/properties/p${fit}/pattern`, keyword: "pattern", message: tooCostlyTogether },
    ]);
    // One pattern fewer fits, and so does the same pattern used in every place (it is compiled once).
    delete properties[`p${fit}`];
    expect((await save("POST", "/tools", httpTool({ input_schema: { type: "object", properties } }))).status).toBe(201);
    const same = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`p${i}`, stringProperty(nearLimit(0))]));
    expect(
      (await save("POST", "/tools", httpTool({ input_schema: { type: "object", properties: same } }))).status,
    ).toBe(201);
  });

  it("PUT /tools/{id}: the same limits, for an output schema too; the tool is unchanged", async () => {
    const tool = await createTool();
    const overOne = await save(
      "PUT",
      `/tools/${tool.id}`,
      httpTool({ name: tool.name, output_schema: { type: "object", properties: { a: stringProperty(REPRO) } } }),
    );
    expect(overOne.status).toBe(422);
    expect(overOne.body.errors).toEqual([
      { path: "/output_schema/properties/a/pattern", keyword: "pattern", message: tooCostly },
    ]);
    const fit = Math.floor(MAX_SCHEMA_PATTERN_COST / costOf(nearLimit(0)));
    const items = Array.from({ length: fit + 1 }, (_, i) => stringProperty(nearLimit(i)));
    const overAll = await save(
      "PUT",
      `/tools/${tool.id}`,
      httpTool({
        name: tool.name,
        output_schema: { type: "array", prefixItems: items, $schema: "https://json-schema.org/draft/2020-12/schema" },
      }),
    );
    expect(overAll.status).toBe(422);
    expect(overAll.body.errors).toEqual([
      { path: `/output_schema/prefixItems/${fit}/pattern`, keyword: "pattern", message: tooCostlyTogether },
    ]);
    expect(await (await api(`/tools/${tool.id}`)).json()).toEqual(tool);
  });
});

describe("an OpenAPI import checks up to 200 schemas in one request", () => {
  it("refuses the operations whose patterns would take the import over its budget, before compiling them", async () => {
    const ops = 12;
    const paths = Object.fromEntries(
      Array.from({ length: ops }, (_, i) => [
        `/items${i}`,
        {
          get: {
            operationId: `op${i}`,
            parameters: [{ name: "q", in: "query", schema: { type: "string", pattern: nearLimit(i) } }],
            responses: { "200": { description: "ok" } },
          },
        },
      ]),
    );
    const document = {
      openapi: "3.0.3",
      info: { title: "t", version: "1" },
      servers: [{ url: "https://api.example.com" }],
      paths,
    };
    const res = await api("/imports/openapi", { method: "POST", json: { document, dry_run: true } });
    const body = await res.json<Json>();
    expect(res.status, JSON.stringify(body).slice(0, 500)).toBe(200);
    const fit = Math.floor(MAX_REQUEST_PATTERN_COST / costOf(nearLimit(0)));
    expect(fit).toBeLessThan(ops);
    expect(body.results.map((r: Json) => r.status)).toEqual(
      Array.from({ length: ops }, (_, i) => (i < fit ? "would_create" : "skipped")),
    );
    expect(body.results[fit]).toMatchObject({
      reason: "invalid_schema",
      detail: expect.stringContaining("the patterns of this import cost more to compile than one import may"),
    });
  });
});

/** Patterns as people write them (the README's "Validation limits" quotes some), with a value each accepts. */
const REALISTIC: [pattern: string, value: string][] = [
  ["^[A-Z]{2}-\\d{4}$", "AB-1234"],
  ["^[a-zA-Z0-9._%+-]+@[a-zA-Z0-9.-]+\\.[a-zA-Z]{2,}$", "someone@example.com"],
  [
    "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$",
    "123e4567-e89b-12d3-a456-426614174000",
  ],
  ["^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(?:\\.\\d+)?(?:Z|[+-]\\d{2}:\\d{2})$", "2026-04-20T10:00:00Z"],
  ["^\\+[1-9]\\d{1,14}$", "+14155550123"],
  ["^((25[0-5]|2[0-4][0-9]|[01]?[0-9][0-9]?)\\.){3}(25[0-5]|2[0-4][0-9]|[01]?[0-9][0-9]?)$", "192.168.0.1"],
  [
    "^(([a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9\\-]{0,61}[a-zA-Z0-9])\\.)*([A-Za-z0-9]|[A-Za-z0-9][A-Za-z0-9\\-]{0,61}[A-Za-z0-9])$",
    "api.example.com",
  ],
  [
    "^arn:aws:kms:[a-z0-9-]+:[0-9]{12}:key/[a-f0-9-]{36}$",
    "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab",
  ],
  ["^[a-zA-Z0-9._-]{1,255}$", "report-2026.pdf"],
  ["^.{1,255}$", "anything"],
  ["^[^@]{1,64}@[^@]{1,255}$", "a@b"],
  ["^[^\\p{Cc}\\p{Zl}\\p{Zp}]{1,255}$", "A user name"],
  ["^\\p{Lu}\\p{Ll}*$", "Éloïse"],
  ["^[\\u0000-\\uFFFF]{0,1000}$", "SCORM CMIString1000"],
  ["^(metric|imperial)$", "metric"],
  ["^[a-z0-9-]+$", "from-the-tasks-fixture"],
];

describe("realistic patterns", () => {
  it("are accepted together in one schema, and match as before", async () => {
    const properties = Object.fromEntries(REALISTIC.map(([pattern], i) => [`f${i}`, stringProperty(pattern)]));
    const tool = await createTool({ method: "POST", input_schema: { type: "object", properties } });
    upstream.on("POST", ENDPOINT, () => json({ ok: true }));
    const input = Object.fromEntries(REALISTIC.map(([, value], i) => [`f${i}`, value]));
    const ok = await callWorker({}, `/tools/${tool.id}/execute`, { method: "POST", json: { input } });
    expect(ok.status, await ok.clone().text()).toBe(200);
    const bad = await callWorker({}, `/tools/${tool.id}/execute`, {
      method: "POST",
      json: { input: { f0: "ab-1234" } },
    });
    expect((await bad.json<Json>()).errors).toEqual([
      { path: "/input/f0", keyword: "pattern", message: "String does not match pattern." },
    ]);
  });

  it("each cost well under the per-pattern limit", () => {
    for (const [pattern] of REALISTIC) expect(costOf(pattern), pattern).toBeLessThan(MAX_PATTERN_COST / 1.5);
  });
});

describe("a tool saved before the limits", () => {
  /** A tool saved with a cheap pattern, whose stored schema is then changed behind the API's back. */
  async function legacyTool(column: "input_schema" | "output_schema", schema: Json): Promise<Json> {
    const tool = await createTool({ method: "POST" });
    await env.DB.prepare(`UPDATE tools SET ${column} = ? WHERE id = ?`).bind(JSON.stringify(schema), tool.id).run();
    return tool;
  }

  it("is refused at execute with a 422 that names the pattern, compiling nothing", async () => {
    const tool = await legacyTool("input_schema", { type: "object", properties: { a: stringProperty(REPRO) } });
    const compile = vi.spyOn(RE2JS, "compile");
    for (const input of [{ a: "x" }, {}]) {
      const res = await callWorker({}, `/tools/${tool.id}/execute`, { method: "POST", json: { input } });
      const body = await res.json<Json>();
      expect(res.status).toBe(422);
      expect(body).toMatchObject({ code: "input_invalid" });
      expect(body.errors).toEqual([
        {
          path: "/input",
          keyword: "pattern",
          message: expect.stringMatching(
            /^The tool's schema cannot be used: its pattern at \/properties\/a\/pattern is refused, .*too costly to compile.*Save the tool again/,
          ),
        },
      ]);
      expect((await waitForLog(body.execution_id)).outcome).toBe("input_invalid");
    }
    expect(compile).not.toHaveBeenCalled();
    expect(upstream.calls).toEqual([]);
  });

  it("whose patterns are over the per-schema limit together is refused the same way", async () => {
    const fit = Math.floor(MAX_SCHEMA_PATTERN_COST / costOf(nearLimit(0)));
    const properties = Object.fromEntries(
      Array.from({ length: fit + 1 }, (_, i) => [`p${i}`, stringProperty(nearLimit(i))]),
    );
    const tool = await legacyTool("input_schema", { type: "object", properties });
    const compile = vi.spyOn(RE2JS, "compile");
    const res = await callWorker({}, `/tools/${tool.id}/execute`, { method: "POST", json: { input: {} } });
    expect(res.status).toBe(422);
    expect((await res.json<Json>()).errors).toEqual([
      expect.objectContaining({
        path: "/input",
        message: expect.stringContaining(`pattern at /properties/p${fit}/pattern`),
      }),
    ]);
    expect(compile).not.toHaveBeenCalled();
  });

  it("with such an output schema answers the documented 500 output_invalid, never internal_error", async () => {
    const tool = await legacyTool("output_schema", { type: "object", patternProperties: { [REPRO]: {} } });
    upstream.on("POST", ENDPOINT, () => json({ ok: true }));
    const res = await callWorker({}, `/tools/${tool.id}/execute`, { method: "POST", json: { input: {} } });
    const body = await res.json<Json>();
    expect(res.status).toBe(500);
    expect(body.code).toBe("output_invalid");
    expect(body.errors).toEqual([
      expect.objectContaining({
        path: "/output",
        keyword: "pattern",
        message: expect.stringContaining("/patternProperties/"),
      }),
    ]);
  });
});

describe("every pattern that can run is compiled once per isolate", () => {
  it("a pattern over 1 KiB is not compiled again for each request with invalid input", async () => {
    const words = Array.from({ length: 150 }, (_, i) => `word${String(i).padStart(4, "0")}`);
    const pattern = `^(?:${words.join("|")})$`;
    expect(pattern.length).toBeGreaterThan(1024);
    const tool = await createTool({
      method: "POST",
      input_schema: { type: "object", properties: { w: stringProperty(pattern) } },
    });
    const attempt = async () => {
      const res = await callWorker({}, `/tools/${tool.id}/execute`, { method: "POST", json: { input: { w: "nope" } } });
      expect(res.status).toBe(422);
      await res.arrayBuffer();
    };
    await attempt();
    const compile = vi.spyOn(RE2JS, "compile");
    for (let i = 0; i < 3; i++) await attempt();
    expect(compile).not.toHaveBeenCalled();
  });

  it("the cache holds at most PATTERN_CACHE_COST of compiled patterns, dropping the least recently used", () => {
    const cost = costOf(nearLimit(0));
    const count = Math.ceil((2 * PATTERN_CACHE_COST) / cost);
    const first = `${nearLimit(0)}cache-test`;
    linearPatternTest(first);
    for (let i = 1; i <= count; i++) {
      linearPatternTest(`${nearLimit(i)}cache-test`);
      expect(patternCacheUsage().cost).toBeLessThanOrEqual(PATTERN_CACHE_COST);
    }
    // The first one was evicted long ago: using it compiles it again.
    const compile = vi.spyOn(RE2JS, "compile");
    linearPatternTest(first);
    expect(compile).toHaveBeenCalledTimes(1);
    linearPatternTest(first);
    expect(compile).toHaveBeenCalledTimes(1);
  });

  it("refuses a pattern over the limit without compiling it, wherever it comes from", () => {
    const compile = vi.spyOn(RE2JS, "compile");
    expect(() => linearPatternTest(REPRO)).toThrow("too costly");
    expect(compile).not.toHaveBeenCalled();
  });
});

describe('format: "regex" input is only a syntax check by V8', () => {
  async function regexTool(): Promise<Json> {
    upstream.on("POST", ENDPOINT, () => json({ ok: true }));
    return createTool({
      method: "POST",
      input_schema: { type: "object", properties: { r: { type: "string", format: "regex" } } },
    });
  }
  const run = async (toolId: string, r: string) => {
    const res = await callWorker({}, `/tools/${toolId}/execute`, { method: "POST", json: { input: { r } } });
    return { status: res.status, body: await res.json<Json>() };
  };
  const formatError = [{ path: "/input/r", keyword: "format", message: 'String does not match format "regex".' }];

  it.each(["(?<=a)b", "(?<!a)b", "^(?=.*\\d).{8,}$", "(a)\\1", "^\\p{Lu}\\p{Ll}+$", "x{1000}"])(
    "accepts %s, which ECMAScript allows (RE2 would refuse lookaround and backreferences)",
    async (r) => {
      const tool = await regexTool();
      expect(await run(tool.id, r)).toMatchObject({ status: 200 });
    },
  );

  it.each(["(", "[a-", "a{2,1}", "\\Z", "(?<n>a)(?<n>b)", "\\p{NoSuchProperty}"])("refuses %s", async (r) => {
    const tool = await regexTool();
    expect(await run(tool.id, r)).toEqual({ status: 422, body: expect.objectContaining({ errors: formatError }) });
  });

  it("fits every pattern a schema may hold, so the meta-schemas' own format check never refuses one", () => {
    // A pattern costs at least one unit per character (pattern-cost.test.ts).
    expect(MAX_PATTERN_COST).toBeLessThanOrEqual(MAX_REGEX_FORMAT_LENGTH);
  });

  it("refuses values over the length cap, such as the issue's 63 KB one", async () => {
    const tool = await regexTool();
    const longest = "a".repeat(MAX_REGEX_FORMAT_LENGTH);
    expect((await run(tool.id, longest)).status).toBe(200);
    expect((await run(tool.id, `${longest}a`)).body.errors).toEqual(formatError);
    expect((await run(tool.id, "x{1000}".repeat(9000))).body.errors).toEqual(formatError);
  });

  it("refuses values with more property escapes than the cap (V8 builds each one from its table)", async () => {
    const tool = await regexTool();
    expect((await run(tool.id, "\\p{L}".repeat(MAX_REGEX_FORMAT_PROPERTIES))).status).toBe(200);
    expect((await run(tool.id, "\\p{L}".repeat(MAX_REGEX_FORMAT_PROPERTIES + 1))).body.errors).toEqual(formatError);
  });

  it("compiles nothing for RE2, however many instructions the value would make", async () => {
    const tool = await regexTool();
    const compile = vi.spyOn(RE2JS, "compile");
    // Valid and under the cap: 571,000 instructions had RE2 been asked.
    expect((await run(tool.id, "x{1000}".repeat(571))).status).toBe(200);
    expect((await run(tool.id, "(?<=x{1000})y{1000}")).status).toBe(200);
    expect(compile).not.toHaveBeenCalled();
  });
});
