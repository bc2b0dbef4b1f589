/**
 * Fuzzing POST /imports/openapi with random, often broken, OpenAPI
 * documents: refs that dangle or loop, schemas of the wrong shape, every
 * parameter style and security scheme. Whatever the document, the answer is
 * a 2xx import report or a 4xx problem, never a 5xx, and every report has
 * one well-formed result per operation. Fixed seed, as in test/fuzz.test.ts.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { callWorker, uniqueName, type Json } from "./helpers";

const SEED = 515151;
const ref = (kind: string) => fc.integer({ min: 0, max: 3 }).map((i) => ({ $ref: `#/components/${kind}/X${i}` }));
const scalar = fc.oneof(fc.string({ maxLength: 6 }), fc.integer(), fc.boolean(), fc.constant(null));
const name = fc.oneof(
  fc.constantFrom("id", "q", "X-Trace", "filter[a]", "__proto__", "a b", "", "tags"),
  fc.string({ maxLength: 8 }),
);

/** Schemas of bounded depth (fc.letrec's depth bias still grows these past memory). */
function schemaAt(depth: number): fc.Arbitrary<unknown> {
  const leaf = fc.oneof(
    fc.record({ type: fc.constantFrom("string", "integer", "object", "array", "file") }, { requiredKeys: [] }),
    ref("schemas"),
    fc.constant({ $ref: "https://example.com/remote.json" }),
    fc.constant({ $ref: "#/nowhere" }),
    scalar,
    fc.boolean(),
  );
  if (depth === 0) return leaf;
  const sub = schemaAt(depth - 1);
  return fc.oneof(
    leaf,
    fc.record(
      {
        type: fc.oneof(
          fc.constantFrom("string", "integer", "number", "boolean", "object", "array", "null", "file"),
          fc.constant(["string", "null"]),
          scalar,
        ),
        nullable: fc.boolean(),
        format: fc.constantFrom("int64", "email", "date", "binary"),
        enum: fc.array(scalar, { maxLength: 3 }),
        example: scalar,
        readOnly: fc.boolean(),
        writeOnly: fc.boolean(),
        minimum: fc.integer(),
        exclusiveMinimum: fc.oneof(fc.boolean(), fc.integer()),
        pattern: fc.constantFrom("^a+$", "(?=x)", "[", "^(a+)+$"),
        properties: fc.dictionary(name, sub, { maxKeys: 3 }),
        required: fc.array(name, { maxLength: 3 }),
        items: fc.oneof(sub, fc.array(sub, { maxLength: 2 })),
        prefixItems: fc.array(sub, { maxLength: 2 }),
        additionalProperties: fc.oneof(fc.boolean(), sub),
        allOf: fc.array(sub, { maxLength: 2 }),
        oneOf: fc.array(sub, { maxLength: 2 }),
        unevaluatedProperties: fc.boolean(),
        xml: fc.constant({ name: "x" }),
      },
      { requiredKeys: [] },
    ),
  );
}
const schema = schemaAt(3);

const parameter = fc.oneof(
  {
    weight: 8,
    arbitrary: fc.record(
      {
        name,
        in: fc.constantFrom("path", "query", "query", "query", "header", "header", "cookie", "body"),
        required: fc.boolean(),
        style: fc.constantFrom("simple", "form", "label", "matrix", "deepObject", "pipeDelimited"),
        explode: fc.boolean(),
        schema,
        content: fc.constant({ "application/json": { schema: { type: "object" } } }),
        description: fc.string({ maxLength: 10 }),
      },
      { requiredKeys: ["name", "in", "schema"] },
    ),
  },
  { weight: 1, arbitrary: ref("parameters") },
  { weight: 1, arbitrary: scalar },
);

const mediaType = fc.constantFrom(
  "application/json",
  "application/x-www-form-urlencoded",
  "application/merge-patch+json",
  "multipart/form-data",
  "text/plain",
);
const requestBody = fc.oneof(
  {
    weight: 6,
    arbitrary: fc.record({
      required: fc.boolean(),
      content: fc.dictionary(mediaType, fc.record({ schema }), { maxKeys: 2 }),
    }),
  },
  { weight: 1, arbitrary: ref("requestBodies") },
  { weight: 1, arbitrary: scalar },
);
const operation = fc.record(
  {
    operationId: fc.oneof(name, fc.constant("dup"), scalar),
    summary: fc.string({ maxLength: 10 }),
    parameters: fc.oneof(
      { weight: 9, arbitrary: fc.array(parameter, { maxLength: 3 }) },
      { weight: 1, arbitrary: scalar },
    ),
    requestBody,
    responses: fc.dictionary(
      fc.constantFrom("200", "201", "2XX", "default", "404"),
      fc.oneof(
        fc.record({
          description: fc.constant(""),
          content: fc.dictionary(mediaType, fc.record({ schema }), { maxKeys: 1 }),
        }),
        ref("responses"),
      ),
      { maxKeys: 2 },
    ),
    security: fc.array(
      fc.dictionary(
        fc.constantFrom("key", "bearer", "basic", "cc", "code", "nope"),
        fc.array(fc.string({ maxLength: 4 }), { maxLength: 2 }),
        { maxKeys: 2 },
      ),
      { maxLength: 2 },
    ),
    servers: fc.array(fc.record({ url: fc.constantFrom("https://op.example.com", "/rel", "{v}", "") }), {
      maxLength: 1,
    }),
  },
  { requiredKeys: [] },
);
const method = fc.constantFrom("get", "put", "post", "post", "delete", "patch", "head", "parameters", "$ref");
const path = fc.constantFrom("/a", "/a/{id}", "/a/{id}/{q}", "/{__proto__}", "/b/{x y}", "");

/** A path and its item; mostly with a valid parameter for each placeholder, so operations get past that check. */
const pathItem = fc
  .tuple(path, fc.dictionary(method, operation, { maxKeys: 3 }), fc.boolean(), fc.integer({ min: 0, max: 3 }))
  .map(([p, generated, declare, choice]) => {
    const item: Record<string, unknown> = generated;
    const placeholders = [...p.matchAll(/\{([^{}]+)\}/g)].map((m) => m[1]);
    if (choice > 0 && placeholders.length > 0)
      item.parameters = placeholders.map((n) => ({
        name: n,
        in: "path",
        required: declare,
        schema: { type: choice === 3 ? "array" : "string" },
      }));
    return [p, item] as const;
  });

const document = fc.record(
  {
    openapi: fc.constantFrom("3.0.3", "3.1.0", "3.1.0", "3.0.0", "3.0.3", "3.1.1", "3.0.1", "3.1.0", "2.0", 3),
    servers: fc.array(
      fc.record({ url: fc.constantFrom("https://api.example.com/v1", "/rel", "https://{r}.example.com") }),
      { maxLength: 2 },
    ),
    paths: fc.array(pathItem, { maxLength: 3 }).map((items) => Object.fromEntries(items)),
    components: fc.record(
      {
        schemas: fc.dictionary(fc.constantFrom("X0", "X1", "X2", "X3"), schema, { maxKeys: 4 }),
        parameters: fc.dictionary(fc.constantFrom("X0", "X1", "X2", "X3"), parameter, { maxKeys: 4 }),
        requestBodies: fc.dictionary(fc.constantFrom("X0", "X1", "X2", "X3"), requestBody, { maxKeys: 4 }),
        responses: fc.dictionary(
          fc.constantFrom("X0", "X1", "X2", "X3"),
          fc.oneof(ref("responses"), fc.record({ description: fc.constant("") })),
          { maxKeys: 4 },
        ),
        securitySchemes: fc.record(
          {
            key: fc.record({ type: fc.constant("apiKey"), in: fc.constantFrom("header", "query", "cookie"), name }),
            bearer: fc.constant({ type: "http", scheme: "bearer" }),
            basic: fc.constant({ type: "http", scheme: "basic" }),
            cc: fc.record({
              type: fc.constant("oauth2"),
              flows: fc.record({
                clientCredentials: fc.record({ tokenUrl: fc.constantFrom("https://auth.example.com/t", "/t", "::") }),
              }),
            }),
            code: fc.constant({ type: "oauth2", flows: { authorizationCode: {} } }),
          },
          { requiredKeys: [] },
        ),
      },
      { requiredKeys: [] },
    ),
  },
  { requiredKeys: ["openapi", "paths"] },
);
/** Mostly OpenAPI 3, sometimes Swagger 2.0 (converted) or 1.2 (refused). */
const anyDocument = fc.oneof(
  { weight: 8, arbitrary: document },
  { weight: 2, arbitrary: document.map(({ openapi: _v, ...rest }) => ({ swagger: "2.0", ...rest })) },
  { weight: 1, arbitrary: document.map((d) => ({ ...d, swagger: "1.2" })) },
);

const request = fc.record(
  {
    document: anyDocument,
    dry_run: fc.boolean(),
    server_url: fc.constantFrom("https://override.example.com/v2", "https://override.example.com/v2", undefined),
    auth_config: fc.constantFrom(
      undefined,
      { value: "fuzz-key-123", token: "fuzz-token-1" },
      { type: "bearer_token", token: "fuzz-token-2" },
      { client_id: "c", client_secret: "fuzz-secret-1" },
    ),
    yaml: fc.boolean(),
  },
  { requiredKeys: ["document", "dry_run", "yaml", "server_url"] },
);

describe("fuzzing POST /imports/openapi", () => {
  it("answers every document with an import report or a 4xx problem", { timeout: 120_000 }, async () => {
    const statuses = new Map<number, number>();
    const outcomes = new Map<string, number>();
    await fc.assert(
      fc.asyncProperty(request, async ({ yaml, ...body }) => {
        const payload = {
          ...body,
          name_prefix: `${uniqueName("fz")}_`,
          document: yaml ? JSON.stringify(body.document) : body.document,
        };
        const res = await callWorker({}, "/imports/openapi", { method: "POST", json: payload });
        const text = await res.text();
        const where = `${res.status}: ${text.slice(0, 400)}`;
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        expect(res.status, where).toBeLessThan(500);
        const answer = JSON.parse(text) as Json;
        if (res.status >= 400) {
          expect(res.headers.get("content-type"), where).toBe("application/problem+json");
          expect(answer.code, where).toMatch(/^[a-z][a-z0-9_]*$/);
          outcomes.set(answer.code, (outcomes.get(answer.code) ?? 0) + 1);
          return;
        }
        for (const result of answer.results as Json[]) {
          const outcome = result.reason ?? result.status;
          outcomes.set(outcome, (outcomes.get(outcome) ?? 0) + 1);
          expect(["created", "skipped", "would_create"], where).toContain(result.status);
          if (result.status === "skipped") expect(typeof result.reason, where).toBe("string");
          else expect(result.name, where).toMatch(/^[A-Za-z0-9_-]{1,64}$/);
        }
      }),
      { seed: SEED, numRuns: 1000 },
    );
    // The generator gets past document-level checks, and makes tools, often enough to mean something.
    expect((statuses.get(200) ?? 0) + (statuses.get(201) ?? 0)).toBeGreaterThan(500);
    expect(outcomes.get("created")).toBeGreaterThan(5);
    expect(outcomes.get("would_create")).toBeGreaterThan(5);
  });
});
