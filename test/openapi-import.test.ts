/** The pure OpenAPI → tool draft conversion (src/imports/), case by case. */
import { describe, expect, it } from "vitest";
import { convertOpenApi, type OperationConversion } from "../src/imports/openapi";
import { parseOpenApiText } from "../src/imports/openapi-document";
import { baseToolName, uniqueToolName } from "../src/imports/tool-names";
import type { Json } from "./helpers";

type Doc = Record<string, unknown>;

function document(paths: Doc, components: Doc = {}, extra: Doc = {}): Doc {
  return { openapi: "3.0.3", info: {}, servers: [{ url: "https://api.example.com/v1" }], paths, components, ...extra };
}

/** The one operation of a document with `operation` at POST /things/{id} (or `path`). */
function convertOne(
  operation: Doc,
  components: Doc = {},
  options: { path?: string; extra?: Doc; method?: string } = {},
) {
  const path = options.path ?? "/things";
  const result = convertOpenApi(
    document({ [path]: { [options.method ?? "post"]: operation } }, components, options.extra),
  );
  if (!result.ok) throw new Error(result.detail);
  return result.operations[0] as OperationConversion & Json;
}

function draft(operation: Doc, components: Doc = {}, options: Parameters<typeof convertOne>[2] = {}): Json {
  const result = convertOne(operation, components, options);
  expect(result.status, JSON.stringify(result)).toBe("draft");
  return result as Json;
}

function skipped(operation: Doc, components: Doc = {}, options: Parameters<typeof convertOne>[2] = {}): Json {
  const result = convertOne(operation, components, options);
  expect(result.status, JSON.stringify(result)).toBe("skipped");
  return result as Json;
}

const jsonBody = (schema: unknown, required = true) => ({ required, content: { "application/json": { schema } } });
const query = (name: string, schema: Doc, more: Doc = {}) => ({ name, in: "query", schema, ...more });

describe("tool names", () => {
  it.each([
    ["listContacts", "", "listContacts"],
    ["list tasks (v2)", "", "list_tasks_v2"],
    ["users.get/{id}", "", "users_get_id"],
    ["列表", "", "post_things"],
    [null, "", "post_things"],
    ["listContacts", "crm_", "crm_listContacts"],
    ["x".repeat(80), "p-", `p-${"x".repeat(62)}`],
  ])("operationId %j with prefix %j is %s", (operationId, prefix, expected) => {
    expect(baseToolName(prefix, operationId, "POST", "/things")).toBe(expected);
  });

  it.each([
    ["GET", "/users/{id}/orders", "get_users_id_orders"],
    ["DELETE", "/", "delete_root"],
    ["PUT", "/v1/items:batch", "put_v1_items_batch"],
  ])("without an operationId, %s %s is %s", (method, path, expected) => {
    expect(baseToolName("", null, method, path)).toBe(expected);
  });

  it("suffixes _2, _3 past names taken, shortening a long name to fit 64", () => {
    expect(uniqueToolName("list", new Set())).toBe("list");
    expect(uniqueToolName("list", new Set(["list", "list_2"]))).toBe("list_3");
    const long = "n".repeat(64);
    expect(uniqueToolName(long, new Set([long]))).toBe(`${"n".repeat(62)}_2`);
  });
});

describe("$refs", () => {
  const components = {
    parameters: {
      Id: { $ref: "#/components/parameters/IdParam" },
      IdParam: { name: "id", in: "query", schema: { $ref: "#/components/schemas/Id" } },
    },
    schemas: {
      Id: { type: "integer", minimum: 1 },
      Thing: {
        type: "object",
        required: ["name"],
        properties: { name: { type: "string" }, owner: { $ref: "#/components/schemas/Owner" } },
      },
      Owner: { type: "object", properties: { id: { $ref: "#/components/schemas/Id" } } },
      "a/b~c": { type: "string" },
      A: { type: "object", properties: { b: { $ref: "#/components/schemas/B" } } },
      B: { type: "object", properties: { a: { $ref: "#/components/schemas/A" } } },
    },
    requestBodies: { Thing: jsonBody({ $ref: "#/components/schemas/Thing" }) },
    responses: {
      Thing: { description: "", content: { "application/json": { schema: { $ref: "#/components/schemas/Thing" } } } },
    },
  };

  it("inlines parameters, request bodies, responses and schemas, following chains", () => {
    const { tool } = draft(
      {
        parameters: [{ $ref: "#/components/parameters/Id" }],
        requestBody: { $ref: "#/components/requestBodies/Thing" },
        responses: { "201": { $ref: "#/components/responses/Thing" } },
      },
      components,
    );
    expect(tool.input_schema).toEqual({
      type: "object",
      properties: {
        id: { type: "integer", minimum: 1 },
        name: { type: "string" },
        owner: { type: "object", properties: { id: { type: "integer", minimum: 1 } } },
      },
      required: ["name"],
      additionalProperties: false,
    });
    expect(tool.input_mapping).toEqual({ id: { in: "query" }, name: { in: "body" }, owner: { in: "body" } });
    expect(tool.output_schema.properties.owner.properties.id).toEqual({ type: "integer", minimum: 1 });
  });

  it("decodes ~1, ~0 and percent-encoding in pointers", () => {
    const { tool } = draft({ parameters: [query("q", { $ref: "#/components/schemas/a~1b~0c" })] }, components);
    expect(tool.input_schema.properties.q).toEqual({ type: "string" });
    const encoded = draft({ parameters: [query("q", { $ref: "#/components/schemas/a~1b%7Ec" })] }, components);
    expect(encoded.tool.input_schema.properties.q).toEqual({ type: "string" });
  });

  it.each([
    [
      "a remote schema",
      { parameters: [query("q", { $ref: "https://schemas.example.com/q.json" })] },
      "remote_ref",
      '$ref "https://schemas.example.com/q.json" points outside this document; only local references (#/components/...) are resolved.',
    ],
    ["a file", { requestBody: { $ref: "bodies.yaml#/Thing" } }, "remote_ref", /bodies\.yaml#\/Thing/],
    [
      "a dangling ref",
      { parameters: [{ $ref: "#/components/parameters/Nope" }] },
      "unresolved_ref",
      '$ref "#/components/parameters/Nope" does not resolve inside this document.',
    ],
  ])("refuses %s", (_label, operation, reason, detail) => {
    const result = skipped(operation, components);
    expect(result.reason).toBe(reason);
    if (typeof detail === "string") expect(result.detail).toBe(detail);
    else expect(result.detail).toMatch(detail);
  });

  it("refuses a cycle of non-schema refs, naming it", () => {
    const result = skipped(
      { parameters: [{ $ref: "#/components/parameters/P" }] },
      { parameters: { P: { $ref: "#/components/parameters/Q" }, Q: { $ref: "#/components/parameters/P" } } },
    );
    expect(result).toMatchObject({ reason: "ref_cycle" });
    expect(result.detail).toContain(
      "#/components/parameters/P -> #/components/parameters/Q -> #/components/parameters/P",
    );
  });

  it("refuses schemas that expand past the node budget (refs fanning out)", () => {
    const schemas: Doc = { L0: { type: "string" } };
    for (let level = 1; level <= 6; level++)
      schemas[`L${level}`] = {
        type: "object",
        properties: Object.fromEntries(
          Array.from({ length: 5 }, (_, i) => [`p${i}`, { $ref: `#/components/schemas/L${level - 1}` }]),
        ),
      };
    expect(skipped({ requestBody: jsonBody({ $ref: "#/components/schemas/L6" }) }, { schemas }).reason).toBe(
      "schema_too_large",
    );
  });

  it("keeps a recursive schema as $refs to definitions the tool's schema carries, in requests and responses", () => {
    const { tool, warnings } = draft(
      {
        requestBody: jsonBody({ $ref: "#/components/schemas/A" }),
        responses: {
          "200": { description: "", content: { "application/json": { schema: { $ref: "#/components/schemas/A" } } } },
        },
      },
      components,
    );
    const a = { type: "object", properties: { b: { type: "object", properties: { a: { $ref: "#/definitions/A" } } } } };
    expect(tool.input_schema).toEqual({
      type: "object",
      properties: a.properties,
      additionalProperties: false,
      definitions: { A: a },
    });
    expect(tool.output_schema).toEqual({ ...a, definitions: { A: a } });
    expect(warnings).toEqual([]);
  });

  it("3.1: a recursive schema that stays 2020-12 keeps its definitions under $defs", () => {
    const { tool } = draft(
      { requestBody: jsonBody({ $ref: "#/components/schemas/Node" }) },
      {
        schemas: {
          Node: {
            type: "object",
            unevaluatedProperties: false,
            properties: { next: { $ref: "#/components/schemas/Node" } },
          },
        },
      },
      { extra: { openapi: "3.1.0" } },
    );
    expect(tool.input_schema.$schema).toBe("https://json-schema.org/draft/2020-12/schema");
    expect(tool.input_schema.properties.next).toEqual({ $ref: "#/$defs/Node" });
    expect(tool.input_schema.$defs.Node.properties.next).toEqual({ $ref: "#/$defs/Node" });
  });

  it("refuses a recursion that never descends into the value (A is allOf [A]), as ref_cycle", () => {
    const result = skipped(
      { requestBody: jsonBody({ $ref: "#/components/schemas/Loop" }) },
      { schemas: { Loop: { allOf: [{ $ref: "#/components/schemas/Loop" }] } } },
    );
    expect(result.reason).toBe("ref_cycle");
  });
});

describe("schema dialects", () => {
  const prop = (schema: Doc, version = "3.0.3") => {
    const result = convertOne({ parameters: [query("p", schema)] }, {}, { extra: { openapi: version } });
    expect(result.status, JSON.stringify(result)).toBe("draft");
    return (result as Json).tool.input_schema;
  };

  it.each([
    ["nullable", { type: "string", nullable: true }, { type: ["string", "null"] }],
    [
      "nullable enum",
      { type: "string", enum: ["a", "b"], nullable: true },
      { type: ["string", "null"], enum: ["a", "b", null] },
    ],
    ["nullable without a type (no effect)", { nullable: true, maxLength: 3 }, { maxLength: 3 }],
    [
      "exclusiveMinimum: true",
      { type: "number", minimum: 0, exclusiveMinimum: true },
      { type: "number", exclusiveMinimum: 0 },
    ],
    [
      "exclusiveMaximum: false",
      { type: "number", maximum: 9, exclusiveMaximum: false },
      { type: "number", maximum: 9 },
    ],
    ["example", { type: "string", example: "x" }, { type: "string", examples: ["x"] }],
    [
      "OpenAPI-only keywords",
      { type: "string", xml: { name: "p" }, externalDocs: { url: "https://x" }, deprecated: true, "x-internal": true },
      { type: "string" },
    ],
  ])("3.0 %s", (_label, schema, expected) => {
    expect(prop(schema).properties.p).toEqual(expected);
  });

  it("3.1: type unions kept, nullable read as 3.0 meant it, tuples written as draft-07", () => {
    expect(prop({ type: ["integer", "null"] }, "3.1.0").properties.p).toEqual({ type: ["integer", "null"] });
    expect(prop({ type: "string", nullable: true }, "3.1.0").properties.p).toEqual({ type: ["string", "null"] });
    const tuple = draft(
      {
        requestBody: jsonBody({
          type: "object",
          properties: { at: { type: "array", prefixItems: [{ type: "number" }, { type: "number" }], items: false } },
        }),
      },
      {},
      { extra: { openapi: "3.1.0" } },
    );
    expect(tuple.tool.input_schema.$schema).toBeUndefined();
    expect(tuple.tool.input_schema.properties.at).toEqual({
      type: "array",
      items: [{ type: "number" }, { type: "number" }],
      additionalItems: false,
    });
  });

  it("3.1: a schema draft-07 cannot express stays 2020-12, and says so", () => {
    const { tool } = draft(
      {
        requestBody: jsonBody({
          type: "object",
          properties: { meta: { type: "object", unevaluatedProperties: false } },
        }),
      },
      {},
      { extra: { openapi: "3.1.0" } },
    );
    expect(tool.input_schema.$schema).toBe("https://json-schema.org/draft/2020-12/schema");
  });

  it("drops readOnly properties from requests and writeOnly ones from responses, and from required", () => {
    const Thing = {
      type: "object",
      required: ["id", "name", "password"],
      properties: {
        id: { type: "integer", readOnly: true },
        name: { type: "string" },
        password: { type: "string", writeOnly: true },
      },
    };
    const { tool } = draft(
      {
        requestBody: jsonBody({ $ref: "#/components/schemas/Thing" }),
        responses: {
          "200": {
            description: "",
            content: { "application/json": { schema: { $ref: "#/components/schemas/Thing" } } },
          },
        },
      },
      { schemas: { Thing } },
    );
    expect(Object.keys(tool.input_schema.properties)).toEqual(["name", "password"]);
    expect(tool.input_schema.required).toEqual(["name", "password"]);
    expect(Object.keys(tool.output_schema.properties)).toEqual(["id", "name"]);
    expect(tool.output_schema.required).toEqual(["id", "name"]);
  });

  it("refuses an operation whose schema the engine's meta-schema check refuses", () => {
    const result = skipped({ parameters: [query("f", { type: "file" })] });
    expect(result.reason).toBe("invalid_schema");
    expect(result.detail).toMatch(/^Its input schema is not valid: Not a valid JSON Schema \(draft-07\)/);
  });
});

describe("parameters and bodies", () => {
  it.each([
    [
      "a required cookie",
      { parameters: [{ name: "sid", in: "cookie", required: true, schema: { type: "string" } }] },
      "unsupported_parameter",
    ],
    [
      "a label-style path parameter",
      { parameters: [{ name: "id", in: "path", required: true, style: "label", schema: { type: "string" } }] },
      "unsupported_parameter",
    ],
    [
      "an array path parameter",
      {
        parameters: [{ name: "id", in: "path", required: true, schema: { type: "array", items: { type: "string" } } }],
      },
      "unsupported_parameter",
    ],
    [
      "a required header list",
      {
        parameters: [
          { name: "X-Tags", in: "header", required: true, schema: { type: "array", items: { type: "string" } } },
        ],
      },
      "unsupported_parameter",
    ],
    ["a path without its parameter", {}, "missing_path_parameter"],
    [
      "a required multipart file",
      {
        requestBody: {
          required: true,
          content: {
            "multipart/form-data": {
              schema: {
                type: "object",
                required: ["file"],
                properties: { file: { type: "string", format: "binary" } },
              },
            },
          },
        },
      },
      "unsupported_media_type",
    ],
    [
      "a required octet-stream body",
      { requestBody: { required: true, content: { "application/octet-stream": { schema: { type: "string" } } } } },
      "unsupported_media_type",
    ],
    [
      "a form body that is not an object",
      {
        requestBody: {
          required: true,
          content: { "application/x-www-form-urlencoded": { schema: { type: "array" } } },
        },
      },
      "non_object_body",
    ],
    [
      "a credential header parameter",
      { parameters: [{ name: "X-Api-Key", in: "header", required: true, schema: { type: "string" } }] },
      "unsupported_parameter",
    ],
    [
      "a form body with an object field",
      {
        requestBody: {
          required: true,
          content: {
            "application/x-www-form-urlencoded": {
              schema: { type: "object", required: ["meta"], properties: { meta: { type: "object" } } },
            },
          },
        },
      },
      "unsupported_parameter",
    ],
  ])("refuses %s", (_label, operation, reason) => {
    const path = _label.includes("path") ? "/things/{id}" : "/things";
    expect(skipped(operation, {}, { path }).reason).toBe(reason);
  });

  it("a GET with a required body is refused; an optional one left out with a warning", () => {
    expect(skipped({ requestBody: jsonBody({ type: "object" }) }, {}, { method: "get" }).reason).toBe(
      "unsupported_body",
    );
    const optional = draft({ requestBody: jsonBody({ type: "object" }, false) }, {}, { method: "get" });
    expect(optional.warnings).toEqual(["Its optional request body was left out: toolgate sends no body with GET."]);
  });

  it("leaves out optional parameters it cannot send, saying which", () => {
    const result = draft({
      parameters: [
        { name: "sid", in: "cookie", schema: { type: "string" } },
        query("ids", { type: "array", items: { type: "integer" } }, { style: "matrix" }),
        query("keep", { type: "string" }),
        { name: "Authorization", in: "header", schema: { type: "string" } },
        { name: "Cookie", in: "header", schema: { type: "string" } },
      ],
    });
    expect(Object.keys(result.tool.input_schema.properties)).toEqual(["keep"]);
    expect(result.warnings).toEqual([
      'The query parameter "ids" uses style "matrix", which is not a query style. It is optional, so it was left out.',
      'The header parameter "Cookie" cannot be sent: Cookie carries credentials: use auth_config, which stores them encrypted and never returns them. It is optional, so it was left out.',
      'The cookie parameter "sid" cannot be an input: The cookie sid carries credentials, and inputs are written to the execution log: use auth_config for credentials. It is optional, so it was left out.',
    ]);
  });

  it("cookie parameters map to in: cookie; query styles (deepObject, explode false, pipes) are kept on the mapping", () => {
    const { tool } = draft({
      parameters: [
        { name: "lang", in: "cookie", schema: { type: "string" } },
        query("filter", { type: "object" }, { style: "deepObject", required: true }),
        query("ids", { type: "array", items: { type: "integer" } }, { explode: false }),
        query("tags", { type: "array", items: { type: "string" } }, { style: "pipeDelimited", explode: false }),
        query("plain", { type: "array", items: { type: "string" } }),
      ],
    });
    expect(tool.input_mapping).toEqual({
      lang: { in: "cookie" },
      filter: { in: "query", style: "deepObject", explode: true },
      ids: { in: "query", style: "form", explode: false },
      tags: { in: "query", style: "pipeDelimited", explode: false },
      plain: { in: "query" },
    });
    expect(tool.input_schema.required).toEqual(["filter"]);
  });

  it.each([
    ["an array", { type: "array", items: { type: "string" } }],
    ["a oneOf", { oneOf: [{ type: "object" }, { type: "string" }] }],
    ["a string", { type: "string" }],
  ])("a JSON body that is %s becomes the one input body, sent as the whole body", (_label, schema) => {
    const { tool } = draft({ requestBody: jsonBody(schema) });
    expect(tool.input_schema).toEqual({
      type: "object",
      properties: { body: { ...schema, description: "The request body." } },
      required: ["body"],
      additionalProperties: false,
    });
    expect(tool.input_mapping).toEqual({ body: { in: "whole_body" } });
    expect(tool.body_format).toBe("json");
  });

  it("a text/plain body is the string input body (body_format text); XML keeps its Content-Type", () => {
    const text = draft({
      requestBody: { required: true, content: { "text/plain": { schema: { type: "string", maxLength: 10 } } } },
    }).tool;
    expect(text).toMatchObject({
      body_format: "text",
      input_mapping: { body: { in: "whole_body" } },
      input_schema: { properties: { body: { type: "string", maxLength: 10 } }, required: ["body"] },
    });
    expect(text.headers).toBeUndefined();
    const xml = draft({ requestBody: { content: { "application/xml": { schema: { type: "object" } } } } }).tool;
    expect(xml).toMatchObject({ body_format: "text", headers: { "Content-Type": "application/xml" } });
  });

  it("multipart/form-data text fields are inputs (body_format multipart); an optional file is left out, saying why", () => {
    const result = draft({
      requestBody: {
        required: true,
        content: {
          "multipart/form-data": {
            schema: {
              type: "object",
              required: ["title"],
              properties: { title: { type: "string" }, attachment: { type: "string", format: "binary" } },
            },
          },
        },
      },
    });
    expect(result.tool).toMatchObject({
      body_format: "multipart",
      input_mapping: { title: { in: "body" } },
      input_schema: { properties: { title: { type: "string" } }, required: ["title"] },
    });
    expect(result.warnings).toEqual([
      'The multipart field "attachment" is a file; toolgate sends multipart text fields only (a stored tool holds no files). It is optional, so it was left out.',
    ]);
  });

  it("prefers JSON to the other media types, and says why an octet-stream body is refused", () => {
    const both = draft({
      requestBody: {
        content: { "application/octet-stream": {}, "application/json": { schema: { type: "object" } } },
      },
    });
    expect(both.tool.body_format).toBe("json");
    const bytes = skipped({
      requestBody: { required: true, content: { "application/octet-stream": { schema: { format: "binary" } } } },
    });
    expect(bytes.detail).toBe(
      "Its request body is application/octet-stream: the bytes of a file, which a tool cannot hold (tool inputs are JSON values). Call this operation outside toolgate.",
    );
  });

  it("AWS-style paths: a #fragment is dropped, a ?query stays in the URL; a one-value required parameter is a default", () => {
    const fragment = draft(
      {
        parameters: [
          query("Action", { type: "string", enum: ["DescribeInstances"] }, { required: true }),
          query("Version", { type: "string", enum: ["2016-11-15"] }, { required: true }),
        ],
      },
      {},
      { path: "/#Action=DescribeInstances", method: "get" },
    );
    expect(fragment.tool.endpoint_url).toBe("https://api.example.com/v1/");
    expect(fragment.tool.input_schema.properties.Action.default).toBe("DescribeInstances");
    const fixed = draft(
      { parameters: [query("Action", { type: "string" }, { required: true }), query("Name", { type: "string" })] },
      {},
      { path: "/?Action=ListQueues", method: "get" },
    );
    expect(fixed.tool.endpoint_url).toBe("https://api.example.com/v1/?Action=ListQueues");
    expect(Object.keys(fixed.tool.input_schema.properties)).toEqual(["Name"]);
    expect(fixed.warnings).toEqual([
      'The query parameter "Action" is fixed by the path (/?Action=ListQueues); the URL sends it.',
    ]);
  });

  it("renames clashing names, keeping each wire name in the mapping", () => {
    const { tool, warnings } = draft(
      {
        parameters: [
          { name: "id", in: "path", required: true, schema: { type: "string" } },
          query("id", { type: "string" }),
          query("page[size]", { type: "integer" }),
        ],
        requestBody: jsonBody({
          type: "object",
          properties: { id: { type: "string" }, "display name": { type: "string" } },
        }),
      },
      {},
      { path: "/things/{id}" },
    );
    expect(tool.endpoint_url).toBe("https://api.example.com/v1/things/{id}");
    expect(tool.input_mapping).toEqual({
      id: { in: "path" },
      query_id: { in: "query", name: "id" },
      page_size: { in: "query", name: "page[size]" },
      body_id: { in: "body", name: "id" },
      display_name: { in: "body", name: "display name" },
    });
    expect(warnings).toEqual(['Body property "id" is the input "body_id": a parameter already has its name.']);
  });

  it("renames a path parameter whose name cannot be a placeholder, in the URL too", () => {
    const { tool } = draft(
      { parameters: [{ name: "thing id", in: "path", required: true, schema: { type: "string" } }] },
      {},
      { path: "/things/{thing id}", method: "get" },
    );
    expect(tool.endpoint_url).toBe("https://api.example.com/v1/things/{thing_id}");
    expect(tool.input_mapping).toEqual({ thing_id: { in: "path" } });
  });

  it("merges allOf object bodies, and keeps additionalProperties a body allows", () => {
    const { tool } = draft({
      requestBody: jsonBody({
        allOf: [
          { type: "object", required: ["a"], properties: { a: { type: "string" } } },
          { type: "object", properties: { b: { type: "integer" } }, additionalProperties: { type: "string" } },
        ],
      }),
    });
    expect(tool.input_schema).toEqual({
      type: "object",
      properties: { a: { type: "string" }, b: { type: "integer" } },
      required: ["a"],
      additionalProperties: { type: "string" },
    });
  });

  it("an optional request body makes no body property required", () => {
    const { tool } = draft({
      requestBody: jsonBody({ type: "object", required: ["a"], properties: { a: { type: "string" } } }, false),
    });
    expect(tool.input_schema.required).toBeUndefined();
  });
});

describe("servers", () => {
  const servers = (list: unknown[], options: { serverUrl?: string } = {}) =>
    convertOpenApi(document({ "/x": { get: { responses: {} } } }, {}, { servers: list }), options);

  it.each([
    [
      [
        {
          url: "https://{region}.example.com/{base}",
          variables: { region: { default: "eu" }, base: { default: "v2" } },
        },
      ],
      "https://eu.example.com/v2/x",
    ],
    [[{ url: "https://api.example.com/" }], "https://api.example.com/x"],
  ])("%j", (list, expected) => {
    const result = servers(list);
    expect(result.ok && (result.operations[0] as Json).tool.endpoint_url).toBe(expected);
  });

  it.each([
    [[], "it lists no servers"],
    [[{ url: "/api" }], 'its server URL "/api" is relative'],
    [[{ url: "https://{tenant}.example.com" }], 'server variable "tenant" has no default'],
  ])("%j needs server_url", (list, problem) => {
    const result = servers(list);
    expect(result).toMatchObject({ ok: false, code: "server_url_required" });
    expect(!result.ok && result.detail).toContain(problem);
    const overridden = servers(list, { serverUrl: "https://override.example.com/" });
    expect(overridden.ok && (overridden.operations[0] as Json).tool.endpoint_url).toBe(
      "https://override.example.com/x",
    );
  });

  it("an operation's relative server is resolved against the document's", () => {
    const result = convertOpenApi(document({ "/x": { get: { servers: [{ url: "/beta" }], responses: {} } } }));
    expect(result.ok && (result.operations[0] as Json).tool.endpoint_url).toBe("https://api.example.com/beta/x");
  });
});

describe("security schemes", () => {
  const securitySchemes = {
    header: { type: "apiKey", in: "header", name: "X-Key" },
    query: { type: "apiKey", in: "query", name: "key" },
    cookie: { type: "apiKey", in: "cookie", name: "sid" },
    bearer: { type: "http", scheme: "Bearer" },
    basic: { type: "http", scheme: "basic" },
    cc: { type: "oauth2", flows: { clientCredentials: { tokenUrl: "/oauth/token", scopes: { a: "", b: "" } } } },
    code: {
      type: "oauth2",
      flows: { authorizationCode: { authorizationUrl: "https://x", tokenUrl: "https://x", scopes: {} } },
    },
    oidc: { type: "openIdConnect", openIdConnectUrl: "https://x" },
  };
  const authOf = (security: unknown[], auth?: Doc) => {
    const result = convertOpenApi(
      document({ "/x": { get: { security, responses: {} } } }, { securitySchemes }),
      auth ? { auth } : {},
    );
    return (result.ok ? result.operations[0] : result) as Json;
  };

  it.each([
    [
      [{ header: [] }],
      { scheme: "header", auth: { type: "api_key", key_name: "X-Key", location: "header" }, scopes: [] },
    ],
    [[{ query: [] }], { scheme: "query", auth: { type: "api_key", key_name: "key", location: "query" }, scopes: [] }],
    [[{ bearer: [] }], { scheme: "bearer", auth: { type: "bearer_token" }, scopes: [] }],
    [[{ basic: [] }], { scheme: "basic", auth: { type: "basic" }, scopes: [] }],
    [
      [{ cc: ["a", "b"] }],
      {
        scheme: "cc",
        auth: { type: "oauth2", grant_type: "client_credentials", token_url: "https://api.example.com/oauth/token" },
        scopes: ["a", "b"],
      },
    ],
    [
      [{ code: ["r"] }],
      {
        scheme: "code",
        auth: {
          type: "oauth2",
          grant_type: "authorization_code",
          authorization_url: "https://x/",
          token_url: "https://x/",
        },
        scopes: ["r"],
      },
    ],
    // OpenID Connect: the API takes its access token as a bearer token (discovery is not run).
    [[{ oidc: [] }], { scheme: "oidc", auth: { type: "bearer_token" }, scopes: [] }],
    // An OR list: the first alternative toolgate can send.
    [
      [{ cookie: [] }, { header: [], bearer: [] }, { bearer: [] }, { header: [] }],
      { scheme: "bearer", auth: { type: "bearer_token" }, scopes: [] },
    ],
    [[{ cookie: [] }, {}], null],
    [[], null],
  ])("%j becomes a connection", (security, connection) => {
    const result = authOf(security);
    expect(result.status).toBe("draft");
    expect(result.tool.auth_config).toBeUndefined();
    expect(result.connection).toEqual(connection);
    expect(result.scheme).toBe(connection?.scheme ?? null);
  });

  it.each([
    [
      [{ cookie: [] }],
      "cookie (an API key in a cookie, which toolgate cannot send; if the API also takes the key in a header or the query, send auth_config with type api_key, key_name and location)",
    ],
    [[{ header: [], bearer: [] }], "header + bearer are required together, and a tool sends one credential"],
    [[{ nope: [] }], "nope (it is not defined in components.securitySchemes)"],
  ])("refuses %j", (security, named) => {
    const result = authOf(security);
    expect(result).toMatchObject({ status: "skipped", reason: "unsupported_security" });
    expect(result.detail).toContain(named);
  });

  it("OAuth2 with only an implicit or password flow is a bearer-token connection (a token obtained elsewhere)", () => {
    const implicit = {
      securitySchemes: {
        old: { type: "oauth2", flows: { implicit: { authorizationUrl: "https://x", scopes: {} } } },
      },
    };
    const op = convertOpenApi(
      document({ "/x": { get: { security: [{ old: [] }], responses: {} } } }, implicit),
    ) as Json;
    expect(op.operations[0].connection).toEqual({ scheme: "old", auth: { type: "bearer_token" }, scopes: [] });
  });

  it("gives unsupported_security only when nothing else stands in the way", () => {
    const components = { securitySchemes: { cookie: { type: "apiKey", in: "cookie", name: "sid" } } };
    const extra = { security: [{ cookie: [] }] };
    const octets = { requestBody: { required: true, content: { "application/octet-stream": {} } } };
    expect(skipped(octets, components, { extra }).reason).toBe("unsupported_media_type");
    expect(skipped({ responses: {} }, components, { extra })).toMatchObject({
      reason: "unsupported_security",
      detail:
        "No security scheme it accepts can be sent by toolgate: cookie (an API key in a cookie, which toolgate cannot send; if the API also takes the key in a header or the query, send auth_config with type api_key, key_name and location). Send auth_config with a type to use another way in, or call this operation outside toolgate.",
    });
  });

  it("inline auth_config: the first alternative the caller sent every secret for; else a connection", () => {
    const withToken = authOf([{ cc: ["a"] }, { bearer: [] }], { token: "bearer-token-1" });
    expect(withToken.tool.auth_config).toEqual({ type: "bearer_token", token: "bearer-token-1" });
    expect(withToken.connection).toBeNull();
    const withCc = authOf([{ cc: ["a"] }], { client_id: "c", client_secret: "client-secret-1" });
    expect(withCc.tool.auth_config).toEqual({
      type: "oauth2",
      token_url: "https://api.example.com/oauth/token",
      scope: "a",
      client_id: "c",
      client_secret: "client-secret-1",
    });
    const incomplete = authOf([{ cc: ["a"] }, { bearer: [] }], { client_id: "c" });
    expect(incomplete.tool.auth_config).toBeUndefined();
    expect(incomplete.connection.scheme).toBe("cc");
    // Basic cannot be a tool's own auth: it is always a connection.
    expect(authOf([{ basic: [] }], { token: "bearer-token-1" }).connection.scheme).toBe("basic");
  });

  it("a scheme the caller maps to a connection is never inline", () => {
    const result = convertOpenApi(
      document({ "/x": { get: { security: [{ header: [] }], responses: {} } } }, { securitySchemes }),
      { auth: { value: "secret-value-1" }, connectionSchemes: new Set(["header"]) },
    );
    const op = (result.ok ? result.operations[0] : result) as Json;
    expect(op.tool.auth_config).toBeUndefined();
    expect(op.connection.scheme).toBe("header");
  });

  it("the caller's fields fill in the scheme's; a type replaces it", () => {
    const filled = authOf([{ header: [] }], { value: "secret-value-1", token: "ignored-token-1", key_name: "X-Other" });
    expect(filled.tool.auth_config).toEqual({
      type: "api_key",
      key_name: "X-Other",
      location: "header",
      value: "secret-value-1",
    });
    expect(filled.missing).toEqual([]);
    const replaced = authOf([{ basic: [] }], { type: "bearer_token", token: "replacement-1" });
    expect(replaced.tool.auth_config).toEqual({ type: "bearer_token", token: "replacement-1" });
    const none = authOf([{ header: [] }], { type: "none" });
    expect(none.tool.auth_config).toBeUndefined();
  });
});

describe("documents", () => {
  it.each([
    ["{}", "invalid_openapi"],
    ['{"swagger": "1.2"}', "unsupported_openapi_version"],
    ["openapi: 2.5.0", "unsupported_openapi_version"],
    ["openapi: 3.0.3\npaths: []", "invalid_openapi"],
  ])("%j is %s", (text, code) => {
    const parsed = parseOpenApiText(text);
    expect(parsed.ok).toBe(true);
    expect(parsed.ok && convertOpenApi(parsed.document)).toMatchObject({ ok: false, code });
  });

  it("reads YAML keys as strings (response codes), and refuses alias bombs and self-reference", () => {
    const parsed = parseOpenApiText(
      "openapi: 3.0.3\npaths:\n  /x:\n    get:\n      responses:\n        200:\n          description: ok\n",
    );
    expect(parsed.ok && Object.keys((parsed.document as Json).paths["/x"].get.responses)).toEqual(["200"]);
    const laughs = ["a: &a [x, x, x, x, x, x, x, x, x, x]"];
    for (let i = 1; i < 9; i++)
      laughs.push(
        `${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(10)
          .fill(`*${String.fromCharCode(96 + i)}`)
          .join(", ")}]`,
      );
    expect(parseOpenApiText(laughs.join("\n"))).toMatchObject({ ok: false });
    expect(parseOpenApiText("a: &x\n  b: *x\n")).toMatchObject({ ok: false });
  });

  it("converts Swagger 2.0 first, preferring its https scheme, and reports it as 2.0", () => {
    const result = convertOpenApi({
      swagger: "2.0",
      info: {},
      host: "api.example.com",
      basePath: "/v1",
      schemes: ["http", "https"],
      paths: { "/x": { get: { operationId: "getX", responses: {} } } },
    });
    expect(result).toMatchObject({ ok: true, version: "2.0" });
    expect(result.ok && (result.operations[0] as Json).tool.endpoint_url).toBe("https://api.example.com/v1/x");
  });

  it('selects an operation without an operationId by "METHOD /path"', () => {
    const result = convertOpenApi(
      document({ "/x": { get: { responses: {} }, post: { operationId: "makeX", responses: {} } } }),
      { operationIds: ["get /x", "POST /x", "DELETE /x"] },
    );
    expect(result.ok && result.operations.map((op) => `${op.ref.method} ${op.ref.path}`)).toEqual([
      "GET /x",
      "POST /x",
    ]);
    expect(result.ok && result.unknownOperationIds).toEqual(["DELETE /x"]);
  });

  it.each([
    [
      "3.0",
      document({
        "/x": {
          post: {
            requestBody: jsonBody({
              type: "object",
              additionalProperties: false,
              properties: { a: { type: "object", additionalProperties: true } },
            }),
            responses: {
              "200": {
                description: "",
                content: { "application/json": { schema: { type: "object", additionalProperties: false } } },
              },
            },
          },
        },
      }),
    ],
    [
      "2.0",
      {
        swagger: "2.0",
        info: {},
        host: "api.example.com",
        paths: {
          "/x": {
            post: {
              parameters: [
                {
                  name: "b",
                  in: "body",
                  schema: {
                    type: "object",
                    additionalProperties: false,
                    properties: { a: { type: "object", additionalProperties: true } },
                  },
                },
              ],
              responses: { "200": { description: "", schema: { type: "object", additionalProperties: false } } },
            },
          },
        },
      },
    ],
  ])("%s: boolean additionalProperties are kept as booleans, in inputs and outputs", (_version, doc) => {
    const result = convertOpenApi(doc);
    const op = (result.ok ? result.operations[0] : null) as Json;
    expect(op?.status, JSON.stringify(op)).toBe("draft");
    expect(op.tool.input_schema.properties.a).toEqual({ type: "object", additionalProperties: true });
    expect(op.tool.input_schema.additionalProperties).toBe(false);
    expect(op.tool.output_schema).toEqual({ type: "object", additionalProperties: false });
  });

  it("Swagger 2.0 without consumes (or with an empty list) sends its body as JSON", () => {
    for (const consumes of [undefined, []]) {
      const result = convertOpenApi({
        swagger: "2.0",
        info: {},
        host: "api.example.com",
        ...(consumes ? { consumes } : {}),
        paths: {
          "/x": {
            post: {
              parameters: [
                { name: "b", in: "body", schema: { type: "object", properties: { a: { type: "string" } } } },
              ],
              responses: {},
            },
          },
        },
      });
      expect(result.ok && (result.operations[0] as Json).tool).toMatchObject({
        body_format: "json",
        input_mapping: { a: { in: "body" } },
      });
    }
  });

  it("lists operation ids it was asked for and does not have", () => {
    const result = convertOpenApi(document({ "/x": { get: { operationId: "getX", responses: {} } } }), {
      operationIds: ["getX", "getY"],
    });
    expect(result.ok && result.unknownOperationIds).toEqual(["getY"]);
    expect(result.ok && result.operations.map((op) => op.ref.operation_id)).toEqual(["getX"]);
  });
});
