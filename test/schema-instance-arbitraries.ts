/**
 * fast-check arbitraries for differential tests of schema validation: JSON
 * Schemas (as values) built from the keywords src/engine/fast-validator.ts
 * supports, sometimes with a keyword it does not, and for each schema
 * instances that mostly almost conform: boundary lengths (in code points),
 * integers and fractions, required properties dropped, extra properties,
 * strings for each pattern and format that do and do not match.
 */
import fc from "fast-check";

/** Patterns with strings on both sides of them; the last two are refused when a tool is saved. */
const PATTERN_SAMPLES: Record<string, string[]> = {
  "^[a-z][a-z0-9_-]{2,31}$": ["name_ok-1", "Name_ok", "ab", "abc", "a".repeat(32), "a".repeat(33)],
  "^\\d{3}-\\d{4}$": ["555-1234", "555-12345", "\uff15\uff15\uff15-1234", "555-123"],
  "^.{2}$": ["ab", "\ud83d\ude00\ud83d\ude00", "\ud83d\ude00", "a\ud83d\ude00", "\ud800a", "abc"],
  "\\p{Lu}": ["\u00c9", "e", ""],
  "colou?r": ["color", "The colour", "colr"],
  "^$": ["", " "],
  "(?=a)a": ["a", "b"],
  "(": ["("],
};

/** Strings for each format, valid and not; `int32` is unknown to the validator, `toString` is inherited by every object. */
export const FORMAT_SAMPLES: Record<string, string[]> = {
  email: [
    "someone@example.com",
    "a@b",
    "a..b@example.com",
    "@example.com",
    '"quoted name"@example.com',
    "u@[192.168.0.1]",
  ],
  "date-time": [
    "2026-04-20T10:00:00Z",
    "2026-04-20t10:00:00.5+02:00",
    "2026-04-20 10:00:00Z",
    "2026-02-30T10:00:00Z",
    "2016-12-31T23:59:60Z",
    "2026-04-20T10:00:00",
  ],
  date: ["2024-02-29", "2023-02-29", "2024-13-01"],
  time: ["10:00:00Z", "10:00:00", "25:00:00Z"],
  uri: ["https://example.com/a/b?c=d", "urn:isbn:0451450523", "example.com", "/relative", "http://exa mple.com"],
  url: ["https://example.com", "ftp://x.example", "https://", "example.com"],
  uuid: [
    "123e4567-e89b-12d3-a456-426614174000",
    "123E4567-E89B-12D3-A456-426614174000",
    "123e4567-e89b-12d3-a456-42661417400",
    "123e4567e89b12d3a456426614174000",
  ],
  ipv4: ["192.168.0.1", "256.1.1.1", "1.2.3", "01.2.3.4"],
  ipv6: ["::1", "2001:db8::1", "::ffff:1.2.3.4", "1:2"],
  hostname: ["example.com", "-bad.example", `${"a".repeat(64)}.example`],
  regex: ["^a+$", "(", "(?=a)a", "(a)\\1"],
  duration: ["P1D", "PT1H", "P", "1D"],
  "json-pointer": ["/a/b", "a", "/~2"],
  int32: ["12", "x"],
  toString: ["x"],
};

const KEYS = ["a", "b", "name", "__proto__", "constructor", "x y", "\u00e9"];
const NUMBERS = [0, -0, 1, 1.0, -1, 1.5, 2.5, 0.1, 0.3, 7, 100, 1e21, 1e-7, 2 ** 53 + 2, -2.5];
const ODD_NUMBERS = [NaN, Infinity, -Infinity];
const STRINGS = ["", "a", "ab", "\ud83d\ude00", "\ud800", "x".repeat(90)];

/**
 * Keywords added to a generated schema: annotations the validator ignores,
 * and keywords (or forms of them) the fast path leaves to it. Those for one
 * kind of schema are added to that kind, where the instances can break them.
 */
const EXTRAS: Record<"any" | "string" | "number" | "object" | "array", Record<string, unknown>[]> = {
  any: [
    { title: "t", description: "d", "x-internal": true },
    { default: 3, examples: [1], $comment: "c", readOnly: true, deprecated: true },
    { anyOf: [{ type: "string" }, { type: "integer" }] },
    { allOf: [{ type: "string" }] },
    { oneOf: [{ type: "string" }, { type: "string", minLength: 2 }] },
    { not: { type: "null" } },
    { $ref: "#/definitions/s" },
    { if: { type: "string" }, then: { minLength: 2 }, else: { type: "integer" } },
    { $id: "https://schemas.example/nested" },
    { nullable: true },
    { enum: "abc" },
    { type: "any" },
  ],
  string: [{ not: { minLength: 2 } }, { pattern: "(?=a)a" }, { minLength: "2" }, { format: "toString" }],
  number: [{ exclusiveMinimum: true, minimum: 1 }, { exclusiveMaximum: true, maximum: 1 }, { not: { multipleOf: 2 } }],
  object: [
    { minProperties: 1 },
    { maxProperties: 1 },
    { patternProperties: { "^a": { type: "integer" } } },
    { propertyNames: { maxLength: 1 } },
    { dependentRequired: { a: ["b"] } },
    { dependencies: { a: ["b"] } },
    { dependentSchemas: { a: { required: ["b"] } } },
    { unevaluatedProperties: false },
    { required: "abc" },
  ],
  array: [
    { uniqueItems: true },
    { uniqueItems: false },
    { contains: { type: "string" } },
    { contains: { type: "integer" }, minContains: 2 },
    { prefixItems: [{ type: "string" }] },
    { items: [{ type: "string" }] },
    { items: [{ type: "string" }], additionalItems: false },
    { unevaluatedItems: false },
  ],
};

/** `schema`, now and then with one of `extras` (or one for any kind) added. */
function withExtra(
  schema: fc.Arbitrary<Record<string, unknown>>,
  extras: Record<string, unknown>[],
): fc.Arbitrary<Record<string, unknown>> {
  return fc
    .tuple(schema, fc.oneof({ weight: 3, arbitrary: fc.constant({}) }, fc.constantFrom(...EXTRAS.any, ...extras)))
    .map(([keywords, extra]) => ({ ...keywords, ...extra }));
}

const jsonValue = fc.oneof(
  fc.jsonValue({ maxDepth: 2 }),
  fc.constantFrom<unknown>(...NUMBERS, ...STRINGS, null, true, { a: 1 }, [1, "a"], {}, []),
);

const typeName = fc.constantFrom<unknown>(
  "string",
  "number",
  "integer",
  "boolean",
  "null",
  "object",
  "array",
  ["string", "null"],
  ["integer", "string"],
  ["number", "null"],
  [],
);

/** Usually a `type`, and up to `max` of `others`: few enough that values often satisfy them all. */
function keywords(
  type: fc.Arbitrary<unknown>,
  others: Record<string, fc.Arbitrary<unknown>>,
  max: number,
): fc.Arbitrary<Record<string, unknown>> {
  return fc
    .tuple(fc.option(type, { freq: 5 }), fc.uniqueArray(fc.constantFrom(...Object.keys(others)), { maxLength: max }))
    .chain(([typeValue, chosen]) =>
      fc
        .record(Object.fromEntries(chosen.map((k) => [k, others[k]!])))
        .map((picked): Record<string, unknown> => (typeValue === null ? picked : { type: typeValue, ...picked })),
    );
}

const stringKeywords = keywords(
  fc.constantFrom<unknown>("string", ["string", "null"]),
  {
    minLength: fc.integer({ min: 0, max: 4 }),
    maxLength: fc.integer({ min: 0, max: 6 }),
    pattern: fc.constantFrom(...Object.keys(PATTERN_SAMPLES)),
    format: fc.constantFrom(...Object.keys(FORMAT_SAMPLES)),
    enum: fc.array(fc.constantFrom<unknown>(...STRINGS, "someone@example.com", 1), { minLength: 1, maxLength: 3 }),
  },
  2,
);

const numberKeywords = keywords(
  fc.constantFrom<unknown>("number", "integer", ["integer", "null"]),
  {
    minimum: fc.constantFrom(...NUMBERS),
    maximum: fc.constantFrom(...NUMBERS),
    exclusiveMinimum: fc.constantFrom(...NUMBERS),
    exclusiveMaximum: fc.constantFrom(...NUMBERS),
    multipleOf: fc.constantFrom(0.5, 0.1, 0.01, 3, 2, 1e-7, 0, -1),
  },
  2,
);

const valueKeywords = fc.oneof(
  fc.record({ const: jsonValue }),
  fc.record({ enum: fc.array(jsonValue, { maxLength: 4 }) }),
  fc.record({ type: typeName }),
);

/** Own properties from entries, so that "__proto__" is a key like any other (as in JSON.parse output). */
function fromEntries(entries: [string, unknown][]): Record<string, unknown> {
  return Object.fromEntries(entries);
}

const objectKeywords = (subschema: fc.Arbitrary<unknown>) =>
  keywords(
    fc.constantFrom<unknown>("object", ["object", "null"]),
    {
      properties: fc
        .uniqueArray(fc.tuple(fc.constantFrom(...KEYS), subschema), { selector: ([k]) => k, maxLength: 4 })
        .map(fromEntries),
      required: fc.subarray(KEYS, { maxLength: 3 }),
      additionalProperties: subschema,
    },
    3,
  );

const arrayKeywords = (subschema: fc.Arbitrary<unknown>) =>
  keywords(
    fc.constantFrom<unknown>("array", ["array", "null"]),
    {
      items: subschema,
      minItems: fc.integer({ min: 0, max: 3 }),
      maxItems: fc.integer({ min: 0, max: 4 }),
    },
    3,
  );

/** A schema: any of the supported keywords, nested a few levels, now and then with an extra keyword. */
export const schemaValue: fc.Arbitrary<unknown> = fc.letrec<{ schema: unknown; node: Record<string, unknown> }>(
  (tie) => ({
    schema: fc.oneof(
      { depthSize: "small", withCrossShrink: true },
      { weight: 1, arbitrary: fc.constantFrom<unknown>(true, false, {}) },
      { weight: 6, arbitrary: tie("node") },
    ),
    node: fc.oneof(
      withExtra(stringKeywords, EXTRAS.string),
      withExtra(numberKeywords, EXTRAS.number),
      withExtra(valueKeywords, []),
      withExtra(objectKeywords(tie("schema")), EXTRAS.object),
      withExtra(arrayKeywords(tie("schema")), EXTRAS.array),
    ),
  }),
).schema;

/** A schema of one kind with one keyword the fast path leaves to the full validator (or an annotation). */
export const schemaWithExtraKeyword: fc.Arbitrary<Record<string, unknown>> = fc
  .oneof(
    fc.tuple(stringKeywords, extraFor("string")),
    fc.tuple(numberKeywords, extraFor("number")),
    fc.tuple(objectKeywords(schemaValue), extraFor("object")),
    fc.tuple(arrayKeywords(schemaValue), extraFor("array")),
  )
  .map(([keywords, extra]) => ({ ...keywords, ...extra }));

function extraFor(kind: "string" | "number" | "object" | "array"): fc.Arbitrary<Record<string, unknown>> {
  return fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...EXTRAS[kind]) }, fc.constantFrom(...EXTRAS.any));
}

/** A root schema (always an object, as tool schemas are), in one of the three drafts. */
export const rootSchema: fc.Arbitrary<Record<string, unknown>> = fc
  .tuple(
    schemaValue,
    fc.constantFrom(
      undefined,
      "http://json-schema.org/draft-07/schema#",
      "https://json-schema.org/draft/2019-09/schema",
      "https://json-schema.org/draft/2020-12/schema",
    ),
    fc.boolean(),
  )
  .map(([schema, $schema, withDefinitions]) => {
    const root: Record<string, unknown> =
      schema !== null && typeof schema === "object" ? { ...schema } : { properties: { v: schema } };
    if ($schema !== undefined) root.$schema = $schema;
    if (withDefinitions) root.definitions = { s: { type: "string", minLength: 1 } };
    return root;
  });

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

const PAIR = "\ud83d\ude00";

/**
 * Strings on either side of minLength and maxLength, counted in code points:
 * surrogate pairs are one (and two UTF-16 units), lone surrogates one.
 */
function sizedStrings(schema: Record<string, unknown>): string[] {
  const samples: string[] = [];
  const { minLength: min, maxLength: max } = schema;
  if (typeof min === "number" && min > 0)
    samples.push("a".repeat(min - 1), "a".repeat(min), PAIR.repeat(min - 1), PAIR.repeat(min), "\ud800".repeat(min));
  if (typeof max === "number")
    samples.push(
      "a".repeat(max),
      "a".repeat(max + 1),
      PAIR.repeat(max),
      PAIR.repeat(max + 1),
      `${PAIR.repeat(max)}\ud800`,
    );
  return samples;
}

function stringFor(schema: Record<string, unknown>): fc.Arbitrary<unknown> {
  const matching = [
    ...(typeof schema.pattern === "string" ? (PATTERN_SAMPLES[schema.pattern] ?? []) : []),
    ...(typeof schema.format === "string" ? (FORMAT_SAMPLES[schema.format] ?? []) : []),
  ];
  const sized = sizedStrings(schema);
  return fc.oneof(
    ...[matching, sized, sized].filter((samples) => samples.length > 0).map((samples) => fc.constantFrom(...samples)),
    fc.constantFrom(...STRINGS),
    fc.string({ maxLength: 8 }),
  );
}

function numberFor(schema: Record<string, unknown>): fc.Arbitrary<unknown> {
  const bounds = ["minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf"]
    .map((k) => schema[k])
    .filter((n): n is number => typeof n === "number");
  const near = bounds.flatMap((n) => [n, n - 1, n + 1, n + 0.5, n * 3, n / 2]);
  return fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...near, ...NUMBERS) },
    { weight: 1, arbitrary: fc.constantFrom(...ODD_NUMBERS) },
    { weight: 1, arbitrary: fc.oneof(fc.integer(), fc.double()) },
  );
}

function objectFor(schema: Record<string, unknown>, depth: number): fc.Arbitrary<unknown> {
  const properties = isRecord(schema.properties) ? Object.entries(schema.properties) : [];
  const required = new Set(Array.isArray(schema.required) ? schema.required : []);
  // Declared and required keys, each present or not; then a few undeclared ones.
  const declared = [...new Set([...properties.map(([k]) => k), ...required])].map((key) => {
    const sub = properties.find(([k]) => k === key)?.[1];
    return fc.tuple(fc.constant(key), instanceFor(sub, depth + 1), fc.integer({ min: 0, max: 9 }));
  });
  const extra = fc.array(
    fc.tuple(fc.constantFrom(...KEYS, "extra"), instanceFor(schema.additionalProperties, depth + 1)),
    {
      maxLength: 2,
    },
  );
  return fc
    .tuple(fc.tuple(...declared), extra)
    .map(([present, extras]) =>
      fromEntries([
        ...extras,
        ...present
          .filter(([key, , dice]) => (required.has(key) ? dice > 0 : dice > 3))
          .map(([key, value]): [string, unknown] => [key, value]),
      ]),
    );
}

function arrayFor(schema: Record<string, unknown>, depth: number): fc.Arbitrary<unknown> {
  const longest = Math.min(6, (typeof schema.maxItems === "number" ? schema.maxItems : 3) + 1);
  return fc.array(instanceFor(schema.items, depth + 1), { maxLength: Math.max(longest, 0) });
}

/** Any value, now and then one that JSON has no word for (the validator throws on undefined). */
const anyValue = fc.oneof({ weight: 19, arbitrary: jsonValue }, fc.constant(undefined));

/** Values for `schema`: mostly of a type it allows and close to its bounds, sometimes anything at all. */
export function instanceFor(schema: unknown, depth = 0): fc.Arbitrary<unknown> {
  if (!isRecord(schema) || depth > 4) return anyValue;
  const candidates: fc.Arbitrary<unknown>[] = [anyValue];
  if (Array.isArray(schema.enum) && schema.enum.length > 0) candidates.push(fc.constantFrom(...schema.enum));
  if (schema.const !== undefined) candidates.push(fc.constant(schema.const));
  const types = Array.isArray(schema.type)
    ? schema.type
    : typeof schema.type === "string"
      ? [schema.type]
      : ["string", "number", "object", "array", "boolean", "null"];
  for (const type of types) {
    if (type === "string") candidates.push(stringFor(schema));
    else if (type === "number" || type === "integer") candidates.push(numberFor(schema));
    else if (type === "object") candidates.push(objectFor(schema, depth));
    else if (type === "array") candidates.push(arrayFor(schema, depth));
    else if (type === "boolean") candidates.push(fc.boolean());
    else if (type === "null") candidates.push(fc.constant(null));
  }
  return fc.oneof(...candidates);
}

/** Schemas from `schemas`, each with one instance for it. */
export function withInstance(
  schemas: fc.Arbitrary<Record<string, unknown>>,
): fc.Arbitrary<[Record<string, unknown>, unknown]> {
  return schemas.chain((schema) =>
    instanceFor(schema).map((instance): [Record<string, unknown>, unknown] => [schema, instance]),
  );
}
