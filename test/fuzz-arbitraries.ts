/**
 * fast-check arbitraries for fuzzing the API. They produce JSON *text*, not
 * values, so that they can say what JSON.stringify never writes: 1e309,
 * escaped lone surrogates, duplicate keys and `__proto__` keys, alongside
 * pathological JSON Schemas and regular expressions.
 */
import fc from "fast-check";

/** Number literals, including ones that overflow, underflow or lose precision. */
export const numberText = fc.oneof(
  fc.integer().map(String),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((n) => JSON.stringify(n)),
  fc.constantFrom(
    "1e309",
    "-1e309",
    "1e-400",
    "-0",
    "0.1e1",
    "1E+2",
    "123456789012345678901234567890",
    "9007199254740993",
  ),
);

/** Strings that have broken services before. */
const nastyString = fc.constantFrom(
  "\ud800",
  "\udfff",
  "a\ud83d",
  "\u0000",
  "\r\nX-Injected: 1",
  "__proto__",
  "constructor",
  "{id}",
  "../..",
  "%00%ff",
  "\u202e\u2028\u2029",
  "[REDACTED]",
  "a".repeat(70),
  "a".repeat(5000) + "!",
  "€".repeat(3000),
);

export const stringValue = fc.oneof(fc.string(), fc.string({ unit: "binary", maxLength: 20 }), nastyString);

/** A JSON string literal; JSON.stringify writes lone surrogates as \ud800 escapes. */
export const stringText = stringValue.map((s) => JSON.stringify(s));

const keyText = fc
  .oneof(stringValue, fc.constantFrom("__proto__", "constructor", "prototype", "$ref", "type", "input", "name"))
  .map((k) => JSON.stringify(k));

/** Arrays or objects nested from a hundred to twenty thousand levels (the limit is 128). */
export const deepText = fc
  .tuple(fc.integer({ min: 100, max: 20_000 }), fc.boolean())
  .map(([depth, arrays]) =>
    arrays ? "[".repeat(depth) + "]".repeat(depth) : '{"a":'.repeat(depth) + "0" + "}".repeat(depth),
  );

/** Any JSON text, usually a few levels deep, sometimes far too deep. */
export const jsonText: fc.Arbitrary<string> = fc.letrec<{ value: string; array: string; object: string }>((tie) => ({
  value: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    numberText,
    stringText,
    fc.constantFrom("true", "false", "null"),
    tie("array"),
    tie("object"),
    { weight: 1, arbitrary: deepText },
  ),
  array: fc.array(tie("value"), { maxLength: 4 }).map((items) => `[${items.join(",")}]`),
  object: fc
    .array(fc.tuple(keyText, tie("value")), { maxLength: 4 })
    .map((entries) => `{${entries.map(([k, v]) => `${k}:${v}`).join(",")}}`),
})).value;

/** An object as JSON text from [key, value text] pairs (keys may repeat). */
export function objectText(entries: [string, string][]): string {
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${v}`).join(",")}}`;
}

/** Regular expressions: ReDoS classics, features RE2 lacks, and invalid syntax. */
export const patternText = fc
  .constantFrom(
    "^(a+)+$",
    "(a|aa)+$",
    "^(\\w+\\s?)*$",
    "(x+x+)+y",
    "^([a-zA-Z0-9])(([\\-.]|[_]+)?([a-zA-Z0-9]+))*(@){1}[a-z0-9]+[.]{1}(([a-z]{2,3})|([a-z]{2,3}[.]{1}[a-z]{2,3}))$",
    "(?=a)a",
    "(?<=a)b",
    "(a)\\1",
    "(",
    "[",
    "\\",
    "a{2,1}",
    "\\p{L}+",
    "[^]",
    "(?i)abc",
    "\\ud800",
    "^[a-z]{1,10}$",
  )
  .map((p) => JSON.stringify(p));

const schemaKeyword = (schema: fc.Arbitrary<string>): fc.Arbitrary<[string, string]> =>
  fc.oneof(
    fc.tuple(
      fc.constant("type"),
      fc.oneof(
        fc.constantFrom('"object"', '"string"', '"array"', '"integer"', '"nope"', '["string","null"]', "[]"),
        jsonText,
      ),
    ),
    fc.tuple(
      fc.constant("properties"),
      fc.array(fc.tuple(stringValue, schema), { maxLength: 3 }).map((e) => objectText(e)),
    ),
    fc.tuple(fc.constant("pattern"), patternText),
    fc.tuple(
      fc.constant("patternProperties"),
      fc.tuple(patternText, schema).map(([p, s]) => `{${p}:${s}}`),
    ),
    fc.tuple(fc.constantFrom("enum", "const", "default", "examples"), jsonText),
    fc.tuple(
      fc.constantFrom("minLength", "maxLength", "minimum", "maximum", "multipleOf", "minItems", "maxItems"),
      numberText,
    ),
    fc.tuple(fc.constantFrom("items", "additionalProperties", "not", "if", "then", "else"), schema),
    fc.tuple(
      fc.constantFrom("allOf", "anyOf", "oneOf"),
      fc.array(schema, { maxLength: 3 }).map((s) => `[${s.join(",")}]`),
    ),
    fc.tuple(
      fc.constant("required"),
      fc.array(stringText, { maxLength: 4 }).map((s) => `[${s.join(",")}]`),
    ),
    fc.tuple(fc.constant("uniqueItems"), fc.constantFrom("true", "false", '"yes"')),
    fc.tuple(
      fc.constant("format"),
      fc.constantFrom('"url"', '"email"', '"regex"', '"date-time"', '"uri"', '"hostname"', '"ipv6"', '"nope"'),
    ),
    fc.tuple(
      fc.constantFrom("$ref", "$id", "$schema", "$anchor"),
      fc.oneof(
        fc.constantFrom(
          '"#"',
          '"#/definitions/a"',
          '"#/properties/x"',
          '"http://evil.example/schema"',
          '"https://json-schema.org/draft/2020-12/schema"',
          '"https://json-schema.org/draft/2019-09/schema"',
          '"#%ZZ"',
        ),
        stringText,
      ),
    ),
    fc.tuple(
      fc.constantFrom("definitions", "$defs"),
      fc.array(fc.tuple(stringValue, schema), { maxLength: 2 }).map((e) => objectText(e)),
    ),
  );

/** JSON Schemas as text: mostly well-formed keywords with hostile values, sometimes not an object at all. */
export const schemaText: fc.Arbitrary<string> = fc.letrec<{ schema: string }>((tie) => ({
  schema: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    fc.array(schemaKeyword(tie("schema")), { maxLength: 4 }).map((entries) => objectText(entries)),
    fc.constantFrom("true", "false", "{}"),
    jsonText,
    // Subschemas nested deeper than any validator's stack.
    fc
      .integer({ min: 60, max: 10_000 })
      .map((depth) => '{"properties":{"p":'.repeat(depth) + "{}" + "}}".repeat(depth)),
  ),
})).schema;

/** An input_schema: usually `"type":"object"` with random keywords, so that it gets past the first check. */
export const inputSchemaText = fc
  .oneof(
    { weight: 3, arbitrary: fc.array(schemaKeyword(schemaText), { maxLength: 4 }) },
    { weight: 1, arbitrary: fc.constant([] as [string, string][]) },
  )
  .map((entries) => objectText([["type", '"object"'], ...entries]));

export const authConfigText = fc.oneof(
  fc.constantFrom(
    '{"type":"none"}',
    '{"type":"bearer_token","token":"fuzz-token-1234"}',
    '{"type":"bearer_token"}',
    '{"type":"api_key","key_name":"X-Key","location":"header","value":"fuzz-key-1234"}',
    '{"type":"api_key","key_name":"k","location":"query","value":"fuzz-key-1234"}',
    '{"type":"oauth2","token_url":"https://auth.fuzz.test/token","client_id":"c","client_secret":"fuzz-secret-1234"}',
    '{"type":"oauth2","grant_type":"password","token_url":"https://auth.fuzz.test/token","client_id":"c"}',
    '{"type":"basic"}',
  ),
  stringText.map((secret) => `{"type":"bearer_token","token":${secret}}`),
  stringText.map((secret) => `{"type":"api_key","key_name":${secret},"location":"header","value":${secret}}`),
  jsonText,
);

/** The fields of a tool definition, each with a valid value and hostile alternatives. */
export const toolFields: Record<string, fc.Arbitrary<string>> = {
  description: fc.oneof(stringText, jsonText),
  execution_type: fc.oneof(fc.constantFrom('"http_request"', '"function"', '"HTTP_REQUEST"'), jsonText),
  method: fc.oneof(fc.constantFrom('"GET"', '"POST"', '"PATCH"', '"get"', '"TRACE"'), jsonText),
  endpoint_url: fc.oneof(
    fc.constantFrom(
      '"https://api.fuzz.test/v1/{id}?q={q}"',
      '"https://api.fuzz.test/{a}{b}"',
      '"https://{host}.fuzz.test/"',
      '"http://[::1"',
      '"javascript:alert(1)"',
      '"https://user:pass@api.fuzz.test/"',
      '"https://api.fuzz.test/#frag"',
      '"https://api.fuzz.test/{unclosed"',
    ),
    stringText,
  ),
  function_name: fc.oneof(fc.constantFrom('"current_time"', '"__proto__"'), stringText),
  headers: fc.oneof(
    fc.array(fc.tuple(stringValue, stringText), { maxLength: 3 }).map((e) => objectText(e)),
    jsonText,
  ),
  timeout: fc.oneof(numberText, jsonText),
  auth_config: authConfigText,
  input_schema: fc.oneof({ weight: 3, arbitrary: inputSchemaText }, { weight: 1, arbitrary: schemaText }),
  output_schema: schemaText,
  input_mapping: fc.oneof(
    fc
      .array(
        fc.tuple(
          stringValue,
          fc.oneof(
            fc.constantFrom(
              '{"in":"path"}',
              '{"in":"header","name":"X-A"}',
              '{"in":"body"}',
              '{"in":"query","name":""}',
            ),
            jsonText,
          ),
        ),
        { maxLength: 3 },
      )
      .map((e) => objectText(e)),
    jsonText,
  ),
  body_format: fc.oneof(fc.constantFrom('"json"', '"form"', '"xml"'), jsonText),
};

/**
 * A tool definition: a valid one, with some fields replaced by hostile
 * values, some removed, and unknown fields added.
 */
export function toolDefinitionText(name: fc.Arbitrary<string>): fc.Arbitrary<string> {
  const base: [string, string][] = [
    ["execution_type", '"http_request"'],
    ["method", '"GET"'],
    ["endpoint_url", '"https://api.fuzz.test/v1/items"'],
  ];
  return fc
    .record({
      name: fc.oneof({ weight: 4, arbitrary: name.map((n) => JSON.stringify(n)) }, { weight: 1, arbitrary: jsonText }),
      replaced: fc
        .uniqueArray(fc.constantFrom(...Object.keys(toolFields)), { maxLength: 4 })
        .chain((keys) => fc.tuple(...keys.map((k) => toolFields[k]!.map((v): [string, string] => [k, v])))),
      removed: fc.subarray(["name", "execution_type", "method", "endpoint_url"], { maxLength: 1 }),
      unknown: fc.array(fc.tuple(stringValue, jsonText), { maxLength: 2 }),
    })
    .map(({ name: nameText, replaced, removed, unknown }) => {
      const fields = new Map<string, string>([["name", nameText], ...base]);
      for (const [k, v] of replaced) fields.set(k, v);
      for (const k of removed) fields.delete(k);
      return objectText([...fields.entries(), ...unknown]);
    });
}
