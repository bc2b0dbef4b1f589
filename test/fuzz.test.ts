/**
 * Property-based fuzzing of the three endpoints that take client bodies:
 * POST /tools, PUT /tools/{id} and POST /tools/{id}/execute. For every random
 * or malformed body the service answers 2xx, or 4xx as problem+json with a
 * stable code, never 5xx; each answer comes within REQUEST_BOUND_MS; and a
 * normal request succeeds after each run.
 *
 * The seed is fixed so CI runs the same cases every time; a failure prints the
 * seed, the path and the shrunk counterexample, which replay with
 * `{ seed, path }` in the fc.assert options.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { MAX_JSON_DEPTH } from "../src/json-depth";
import { api, callWorker, createTool, json, uniqueName, useUpstream, type Json, type RecordedRequest } from "./helpers";
import { jsonText, numberText, objectText, stringText, toolDefinitionText } from "./fuzz-arbitraries";

const upstream = useUpstream();

const SEED = 424242;
/** Far above what any of these requests takes (milliseconds), far below a hang. */
const REQUEST_BOUND_MS = 5000;
const UPSTREAM = /^https:\/\/api\.fuzz\.test\//;

/** Sends a raw body and checks the answer; returns its status and parsed body. */
async function probe(
  path: string,
  method: string,
  body: string | Uint8Array,
  headers: Record<string, string> = { "content-type": "application/json" },
): Promise<{ status: number; body: Json }> {
  const started = Date.now();
  // Straight to the Worker's fetch (SELF.fetch gets slower with every call it has made).
  const res = await callWorker({}, path, { method, headers, body });
  const text = await res.text();
  const elapsed = Date.now() - started;
  const where = `${method} ${path} -> ${res.status}: ${text.slice(0, 300)}`;
  expect(elapsed, where).toBeLessThan(REQUEST_BOUND_MS);
  expect(res.status, where).toBeLessThan(500);
  const parsed = JSON.parse(text) as Json;
  if (res.status >= 400) {
    expect(res.headers.get("content-type"), where).toBe("application/problem+json");
    expect(parsed.status, where).toBe(res.status);
    expect(parsed.code, where).toMatch(/^[a-z][a-z0-9_]*$/);
    expect(typeof parsed.detail, where).toBe("string");
  }
  return { status: res.status, body: parsed };
}

/** The service still works: a tool can be created and executed. */
async function expectStillServing(): Promise<void> {
  const tool = await createTool({ endpoint_url: "https://api.fuzz.test/v1/after" });
  const res = await api(`/tools/${tool.id}/execute`, { method: "POST", json: { input: {} } });
  expect(res.status, await res.clone().text()).toBe(200);
  expect((await res.json<Json>()).output).toMatchObject({ method: "GET" });
}

/** Every fuzzed tool calls api.fuzz.test, which echoes the request back. */
function echoUpstream(): void {
  const echo = (req: RecordedRequest) =>
    json({ method: req.method, url: req.url.href, length: req.body.length, body: req.body.slice(0, 200) });
  for (const method of ["GET", "POST", "PUT", "PATCH", "DELETE"]) upstream.on(method, UPSTREAM, echo);
}

const runs = (numRuns: number) => ({ seed: SEED, numRuns });
/** Per test: generous, since a property makes hundreds of requests. */
const FUZZ_TIMEOUT_MS = 120_000;

describe("fuzzing POST /tools", () => {
  it("answers every hostile tool definition with 201 or a 4xx problem", { timeout: FUZZ_TIMEOUT_MS }, async () => {
    echoUpstream();
    const statuses = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(toolDefinitionText(fc.constant(null).map(() => uniqueName("fz"))), async (body) => {
        const { status } = await probe("/tools", "POST", body);
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
      }),
      runs(400),
    );
    // The generator reaches past validation often enough to mean something.
    expect(statuses.get(201) ?? 0).toBeGreaterThan(10);
    expect(statuses.get(422) ?? 0).toBeGreaterThan(10);
    await expectStillServing();
  });

  it(
    "answers malformed bodies, wrong content types and any bytes with a 4xx problem",
    { timeout: FUZZ_TIMEOUT_MS },
    async () => {
      echoUpstream();
      const body = fc.oneof(
        fc.uint8Array({ maxLength: 64 }),
        jsonText,
        toolDefinitionText(fc.constant("fz_trunc")).chain((text) =>
          fc.nat({ max: text.length }).map((cut) => text.slice(0, cut)),
        ),
        fc.integer({ min: MAX_JSON_DEPTH - 2, max: 200_000 }).map((d) => `{"name":${"[".repeat(d)}${"]".repeat(d)}}`),
        fc.constantFrom("", "null", "[]", '"tool"', "{}", '{"name":"a"', '{"name":"a"}}', "\ufeff{}", '{"a":1,}'),
      );
      const contentType = fc.constantFrom(
        "application/json",
        "application/json; charset=utf-16",
        "application/merge-patch+json",
        "text/plain",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
      );
      await fc.assert(
        fc.asyncProperty(body, contentType, async (raw, type) => {
          const { status } = await probe("/tools", "POST", raw, { "content-type": type });
          expect(status).toBeGreaterThanOrEqual(400);
        }),
        runs(200),
      );
      await expectStillServing();
    },
  );

  it("answers bodies at and around the 1 MiB limit in bounded time", { timeout: FUZZ_TIMEOUT_MS }, async () => {
    echoUpstream();
    const big = fc.record({
      unit: fc.constantFrom("a", "é", "\ud83d\ude00", "\\u0000", "\\ud800"),
      bytes: fc.integer({ min: 1024 * 1024 - 200, max: 1024 * 1024 + 200 }),
      field: fc.constantFrom("description", "unknown", "input_schema_description", "input_schema_enum"),
    });
    await fc.assert(
      fc.asyncProperty(big, async ({ unit, bytes, field }) => {
        const unitBytes = new TextEncoder().encode(unit).length;
        const filler = unit.repeat(Math.max(0, Math.floor((bytes - 200) / unitBytes)));
        const value =
          field === "input_schema_enum" ? `[${`"${unit}",`.repeat(filler.length / unit.length / 4)}1]` : `"${filler}"`;
        const fields: [string, string][] = [
          ["name", JSON.stringify(uniqueName("big"))],
          ["execution_type", '"http_request"'],
          ["method", '"GET"'],
          ["endpoint_url", '"https://api.fuzz.test/v1/big"'],
        ];
        if (field === "description" || field === "unknown") fields.push([field, value]);
        else if (field === "input_schema_description")
          fields.push(["input_schema", `{"type":"object","description":${value}}`]);
        else fields.push(["input_schema", `{"type":"object","enum":${value}}`]);
        const { status, body } = await probe("/tools", "POST", objectText(fields));
        if (status === 413) expect(body.code).toBe("body_too_large");
      }),
      runs(12),
    );
    await expectStillServing();
  });
});

describe("fuzzing PUT /tools/{id}", () => {
  it(
    "answers every hostile replacement with 200 or a 4xx problem, and the tool stays readable",
    { timeout: FUZZ_TIMEOUT_MS },
    async () => {
      echoUpstream();
      const tools = await Promise.all(
        [0, 1, 2].map(() => createTool({ auth_config: { type: "bearer_token", token: "fuzz-put-token" } })),
      );
      const ifMatch = fc.option(fc.constantFrom('"1"', '"2"', "*", 'W/"1"', '"999"', "garbage", '"1", "2"'));
      await fc.assert(
        fc.asyncProperty(fc.nat({ max: tools.length - 1 }), ifMatch, async (which, match) => {
          const tool = tools[which]!;
          // Mostly the tool's own name; sometimes another tool's, which must be a 409.
          const names = fc.constantFrom(tool.name, tool.name, tools[(which + 1) % tools.length]!.name);
          const [body] = fc.sample(toolDefinitionText(names), { seed: SEED + which, numRuns: 1 });
          const headers: Record<string, string> = { "content-type": "application/json" };
          if (match) headers["if-match"] = match;
          await probe(`/tools/${tool.id}`, "PUT", body!, headers);
          const read = await callWorker({}, `/tools/${tool.id}`);
          expect(read.status).toBe(200);
          await read.arrayBuffer();
        }),
        runs(40),
      );
      // Now with a fresh body per run (sample above is per tool): the definitions themselves are fuzzed.
      await fc.assert(
        fc.asyncProperty(
          fc
            .nat({ max: tools.length - 1 })
            .chain((which) =>
              fc.tuple(fc.constant(which), toolDefinitionText(fc.constant(tools[which]!.name as string))),
            ),
          async ([which, body]) => {
            const tool = tools[which]!;
            await probe(`/tools/${tool.id}`, "PUT", body);
            expect((await api(`/tools/${tool.id}`)).status).toBe(200);
          },
        ),
        runs(200),
      );
      await expectStillServing();
    },
  );
});

describe("fuzzing POST /tools/{id}/execute", () => {
  it("answers every hostile input with 200 or a 4xx problem", { timeout: FUZZ_TIMEOUT_MS }, async () => {
    echoUpstream();
    const definitions: Record<string, unknown>[] = [
      {
        endpoint_url: "https://api.fuzz.test/v1/items/{id}?q={q}",
        input_schema: {
          type: "object",
          properties: { id: { type: "string" }, q: {}, list: { type: "array", items: { type: "string" } } },
        },
      },
      {
        method: "POST",
        endpoint_url: "https://api.fuzz.test/v1/things",
        input_schema: {
          type: "object",
          properties: {
            name: { type: "string", pattern: "^(a+)+$", maxLength: 100000 },
            tags: { type: "array", uniqueItems: true, items: { type: "string", format: "email" } },
            when: { type: "string", format: "date-time" },
            link: { type: "string", format: "url" },
            tree: { $ref: "#/definitions/tree" },
            n: { type: "number", minimum: 0, multipleOf: 0.01, default: 5 },
          },
          patternProperties: { "^x-(a|aa)+$": { type: "integer" } },
          definitions: { tree: { type: "array", items: { $ref: "#/definitions/tree" } } },
        },
        output_schema: { type: "object" },
      },
      {
        method: "PATCH",
        endpoint_url: "https://api.fuzz.test/v1/form/{slot}",
        body_format: "form",
        input_schema: { type: "object", properties: { slot: { type: ["string", "integer"] }, h: {}, b: {} } },
        input_mapping: { h: { in: "header", name: "X-Fuzz" }, b: { in: "body" } },
        auth_config: { type: "api_key", key_name: "key", location: "query", value: "fuzz-query-key" },
      },
      {
        execution_type: "function",
        function_name: "current_time",
        method: undefined,
        endpoint_url: undefined,
        input_schema: undefined,
      },
    ];
    const tools: Json[] = [];
    for (const definition of definitions) tools.push(await createTool(definition));

    const inputKey = fc.oneof(
      fc.constantFrom("id", "q", "name", "tags", "when", "link", "tree", "n", "list", "slot", "h", "b", "timezone"),
      fc.constantFrom("x-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!", "x-aa", "__proto__", "constructor"),
    );
    const inputValue = fc.oneof(
      jsonText,
      numberText,
      stringText,
      fc.nat({ max: 40_000 }).map((n) => `"${"a".repeat(n)}!"`),
      fc.nat({ max: 2_000 }).map((n) => `[${Array.from({ length: n }, (_, i) => `"u${i}@x.example"`).join(",")}]`),
      fc.integer({ min: 1, max: MAX_JSON_DEPTH + 5 }).map((d) => "[".repeat(d) + "]".repeat(d)),
      // Up to 1 MiB of items that each fail `items` (hundreds of thousands of errors).
      fc.nat({ max: 200_000 }).map((n) => `[${"1,".repeat(n)}1]`),
    );
    const input = fc.array(fc.tuple(inputKey, inputValue), { maxLength: 5 }).map((entries) => objectText(entries));
    const body = fc.oneof(
      { weight: 6, arbitrary: input.map((i) => `{"input":${i}}`) },
      { weight: 1, arbitrary: jsonText.map((i) => `{"input":${i}}`) },
      { weight: 1, arbitrary: fc.tuple(input, jsonText).map(([i, extra]) => `{"input":${i},"extra":${extra}}`) },
      { weight: 1, arbitrary: jsonText },
      {
        weight: 1,
        arbitrary: fc.integer({ min: 130_000, max: 200_000 }).map((n) => `{"input":{"list":[${"1,".repeat(n)}1]}}`),
      },
      { weight: 1, arbitrary: fc.uint8Array({ maxLength: 32 }).map((b) => new TextDecoder().decode(b)) },
    );

    const statuses = new Map<number, number>();
    await fc.assert(
      fc.asyncProperty(fc.nat({ max: tools.length - 1 }), body, async (which, text) => {
        const { status } = await probe(`/tools/${tools[which]!.id}/execute`, "POST", text);
        statuses.set(status, (statuses.get(status) ?? 0) + 1);
      }),
      runs(400),
    );
    expect(statuses.get(200) ?? 0).toBeGreaterThan(10);
    expect(statuses.get(422) ?? 0).toBeGreaterThan(10);
    await expectStillServing();
  });
});
