// The benchmark's scenarios: the tool toolgate executes, its input, and the
// passthrough's equivalent request to the same upstream route.
import { API_KEY, CLIENT_ID, CLIENT_SECRET } from "./upstream.mjs";

/** A ~50-property input schema with patterns and formats, and an input that passes it. */
function largeInput() {
  /** @type {Record<string, unknown>} */
  const properties = {};
  /** @type {Record<string, unknown>} */
  const input = {};
  const kinds = [
    [{ type: "string", pattern: "^[a-z][a-z0-9_-]{2,31}$" }, "name_ok-1"],
    [{ type: "string", format: "email" }, "someone@example.com"],
    [{ type: "string", format: "date-time" }, "2026-04-20T10:00:00Z"],
    [{ type: "string", format: "uri" }, "https://example.com/a/b?c=d"],
    [{ type: "string", format: "uuid" }, "123e4567-e89b-12d3-a456-426614174000"],
    [{ type: "integer", minimum: 0, maximum: 1000 }, 500],
    [{ type: "string", pattern: "^[A-Z]{3}-\\d{4}$", maxLength: 8 }, "ABC-1234"],
    [{ type: "string", enum: ["low", "medium", "high"] }, "medium"],
    [{ type: "number", multipleOf: 0.5 }, 2.5],
    [{ type: "array", items: { type: "string", pattern: "^#[0-9a-f]{6}$" }, maxItems: 5 }, ["#a1b2c3", "#ffffff"]],
  ];
  for (let i = 0; i < 50; i++) {
    const [schema, value] = kinds[i % kinds.length] ?? [];
    properties[`field_${i}`] = schema;
    input[`field_${i}`] = value;
  }
  return {
    schema: { type: "object", properties, required: Object.keys(properties), additionalProperties: false },
    input,
  };
}

/** An input with one string property matched against `pattern`. @param {string} pattern */
function patternSchema(pattern) {
  return { type: "object", properties: { a: { type: "string", pattern } }, required: ["a"] };
}

const REGEX_FORMAT_SCHEMA = { type: "object", properties: { r: { type: "string", format: "regex" } }, required: ["r"] };

/** The output schema for upstream.mjs's /large. */
const LARGE_OUTPUT_SCHEMA = {
  type: "object",
  required: ["count", "items"],
  properties: {
    count: { type: "integer" },
    items: {
      type: "array",
      items: {
        type: "object",
        required: ["id", "name", "email", "active", "score", "tags", "note"],
        properties: {
          id: { type: "integer", minimum: 0 },
          name: { type: "string", pattern: "^item-\\d{5}$" },
          email: { type: "string", format: "email" },
          active: { type: "boolean" },
          score: { type: "number" },
          tags: { type: "array", items: { type: "string" } },
          note: { type: "string", maxLength: 200 },
        },
      },
    },
  },
};

/**
 * A pattern just under the per-pattern cost limit (MAX_PATTERN_COST, 4 000 in src/engine/pattern-cost.ts;
 * this one counts 3 987: 2 738 RE2 instructions, a few milliseconds to compile), and 1 053 characters long:
 * before issue 10, sources over 1 KiB were never cached, so every request with invalid input compiled it.
 * Creating the tool fails if it is over the limit.
 */
const NEAR_LIMIT_PATTERN = `^(?:${Array.from({ length: 115 }, (_, i) => `word${String(i).padStart(4, "0")}`).join("|")})x{1000}y{700}$`;

/** The 60 KB `format: "regex"` value: x{1000} 8 600 times (8.6 million RE2 instructions, were it compiled). */
const REGEX_60KB = "x{1000}".repeat(8600);

/**
 * Scenario definitions: the tool to create, the execute input, the passthrough's equivalent request, and
 * the status toolgate answers (200 unless `expect` says otherwise; the passthrough always gets 200).
 */
export function scenarios() {
  const large = largeInput();
  const fixedOut = { type: "object", properties: { ok: { type: "boolean" } }, required: ["ok"] };
  const msg = { type: "object", properties: { text: { type: "string" } }, required: ["text"] };
  return [
    {
      name: "no-auth",
      tool: { method: "POST", endpoint_url: "/fixed", input_schema: msg, output_schema: fixedOut },
      input: { text: "hello" },
      pass: { method: "POST", path: "/fixed", body: { text: "hello" } },
    },
    {
      name: "no-auth-20ms",
      tool: { method: "POST", endpoint_url: "/slow", input_schema: msg, output_schema: fixedOut },
      input: { text: "hello" },
      pass: { method: "POST", path: "/slow", body: { text: "hello" } },
    },
    {
      name: "api-key",
      tool: {
        method: "GET",
        endpoint_url: "/keyed",
        auth_config: { type: "api_key", location: "header", key_name: "x-api-key", value: API_KEY },
      },
      input: {},
      pass: { method: "GET", path: "/keyed", headers: { "x-api-key": API_KEY } },
    },
    {
      name: "oauth2",
      tool: {
        method: "GET",
        endpoint_url: "/protected",
        auth_config: {
          type: "oauth2",
          grant_type: "client_credentials",
          token_url: "/oauth/token",
          client_id: CLIENT_ID,
          client_secret: CLIENT_SECRET,
        },
      },
      input: {},
      pass: { method: "GET", path: "/protected", oauth: true },
    },
    {
      name: "large-input",
      tool: { method: "POST", endpoint_url: "/fixed", input_schema: large.schema },
      input: large.input,
      pass: { method: "POST", path: "/fixed", body: large.input },
    },
    {
      // Issue 10's repro, at the limit: invalid input, so every request runs the full validator's pattern.
      name: "pattern-near-limit",
      tool: { method: "POST", endpoint_url: "/fixed", input_schema: patternSchema(NEAR_LIMIT_PATTERN) },
      input: { a: "x" },
      expect: 422,
      pass: { method: "POST", path: "/fixed", body: { a: "x" } },
    },
    {
      name: "regex-format-60kb",
      tool: { method: "POST", endpoint_url: "/fixed", input_schema: REGEX_FORMAT_SCHEMA },
      input: { r: REGEX_60KB },
      expect: 422,
      pass: { method: "POST", path: "/fixed", body: { r: REGEX_60KB } },
    },
    {
      name: "large-output",
      tool: { method: "GET", endpoint_url: "/large", output_schema: LARGE_OUTPUT_SCHEMA, max_response_bytes: 1048576 },
      input: {},
      pass: { method: "GET", path: "/large" },
    },
  ];
}
