/**
 * The parameters builder: a tool's inputs as rows a non-programmer can fill
 * in, and the input_schema + input_mapping those rows stand for. Pure.
 *
 * The builder covers a deliberately small subset of JSON Schema. schemaToRows
 * refuses anything outside it rather than dropping it, so opening a tool in
 * the builder and saving it never loses part of its definition.
 */
import { isPlainObject } from "../engine/schemas";
import { locate, placeholdersOf, type HttpMethod, type InputLocation, type InputMapping } from "../engine/request";
import { jsonDepthExceeds } from "../json-depth";
import { HEADER_NAME } from "../registry/definition";

export const PARAM_TYPES = ["string", "number", "integer", "boolean", "array", "object"] as const;
export type ParamType = (typeof PARAM_TYPES)[number];
export const PARAM_LOCATIONS = ["path", "query", "header", "body"] as const satisfies readonly InputLocation[];

export interface ParameterRow {
  name: string;
  type: ParamType;
  required: boolean;
  location: InputLocation;
  /** The name on the wire; "" means the same as `name`. */
  wireName: string;
  /** "" means none. */
  description: string;
  /** As typed: raw text for strings, a numeric literal, "true"/"false", or JSON text. "" means none. */
  defaultValue: string;
  /** One value per line, typed like `defaultValue`; blank lines are ignored. "" means any value. */
  allowedValues: string;
}

export interface RowError {
  row: number;
  field: keyof ParameterRow;
  message: string;
}

export type RowsFromSchema = { ok: true; rows: ParameterRow[] } | { ok: false; reason: string };

/**
 * The most properties the builder shows. Each row is about 2.6 KB of form, so
 * a schema of 15,000 properties made a 40 MB page that no one could use; past
 * this, the schema opens as JSON, where it costs its own size.
 */
export const MAX_BUILDER_PARAMETERS = 100;

type Template = { method: HttpMethod; endpointUrl: string };
type Parsed = { ok: true; value: unknown } | { ok: false; message: string };

/** The HTML number-input grammar (what a browser submits), plus JSON's exponent forms. */
const NUMBER_TEXT = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

/** A finite number from text as a person types it, or null. */
export function parseNumberText(text: string): number | null {
  const trimmed = text.trim();
  if (!NUMBER_TEXT.test(trimmed)) return null;
  const value = Number(trimmed);
  return Number.isFinite(value) ? value : null;
}

/** Equality of JSON values as JSON Schema's `enum` sees it: object key order does not matter. */
export function jsonEqual(a: unknown, b: unknown): boolean {
  return JSON.stringify(a, sortKeys) === JSON.stringify(b, sortKeys);
}

const sortKeys = (_key: string, value: unknown) =>
  isPlainObject(value) ? Object.fromEntries(Object.entries(value).sort(([a], [b]) => (a < b ? -1 : 1))) : value;

/** Assigns an own property even for "__proto__", which plain assignment would turn into a prototype change. */
export function setOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/** Quotes what the user typed, shortened: messages must stay readable. */
function quote(text: string): string {
  return JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}…` : text);
}

function parseTyped(text: string, type: ParamType): Parsed {
  if (type === "string") return { ok: true, value: text };
  const trimmed = text.trim();
  switch (type) {
    case "number":
    case "integer": {
      const value = parseNumberText(trimmed);
      if (value === null) return { ok: false, message: `${quote(trimmed)} is not a number.` };
      if (type === "integer" && !Number.isInteger(value))
        return { ok: false, message: `${quote(trimmed)} is not a whole number.` };
      return { ok: true, value };
    }
    case "boolean":
      if (trimmed === "true" || trimmed === "false") return { ok: true, value: trimmed === "true" };
      return { ok: false, message: `${quote(trimmed)} is not true or false.` };
    case "array":
    case "object": {
      // JSON.stringify in jsonEqual recurses: bound the depth first.
      if (jsonDepthExceeds(trimmed)) return { ok: false, message: "This JSON is nested too deeply." };
      let value: unknown;
      try {
        value = JSON.parse(trimmed);
      } catch {
        return { ok: false, message: `${quote(trimmed)} is not valid JSON.` };
      }
      if (type === "array" && !Array.isArray(value))
        return { ok: false, message: `${quote(trimmed)} is not a JSON array, like ["a", "b"].` };
      if (type === "object" && !isPlainObject(value))
        return { ok: false, message: `${quote(trimmed)} is not a JSON object, like {"a": 1}.` };
      return { ok: true, value };
    }
  }
}

/** The text a row holds for a value, or null when no text would parse back to exactly this value. */
function renderTyped(value: unknown, type: ParamType): string | null {
  let text: string | null = null;
  if (type === "string" && typeof value === "string") text = value;
  else if ((type === "number" || type === "integer") && typeof value === "number") text = String(value);
  else if (type === "boolean" && typeof value === "boolean") text = String(value);
  else if ((type === "array" && Array.isArray(value)) || (type === "object" && isPlainObject(value)))
    text = JSON.stringify(value);
  if (text === null || text === "") return null;
  const back = parseTyped(text, type);
  return back.ok && jsonEqual(back.value, value) ? text : null;
}

function isBlank(row: ParameterRow): boolean {
  return [row.name, row.wireName, row.description, row.defaultValue, row.allowedValues].every((t) => t.trim() === "");
}

/** Whether a name can fill an endpoint URL `{placeholder}`, by the engine's own placeholder pattern. */
function isPlaceholderName(name: string): boolean {
  return placeholdersOf(`{${name}}`)[0] === name;
}

export function rowsToSchema(rows: ParameterRow[]): {
  inputSchema: Record<string, unknown>;
  inputMapping: InputMapping;
  errors: RowError[];
} {
  const properties: Record<string, unknown> = {};
  const required: string[] = [];
  const inputMapping: InputMapping = {};
  const errors: RowError[] = [];
  const seen = new Set<string>();

  rows.forEach((row, index) => {
    if (isBlank(row)) return;
    const fail = (field: keyof ParameterRow, message: string) => errors.push({ row: index, field, message });
    const { name } = row;
    const typeKnown = (PARAM_TYPES as readonly string[]).includes(row.type);
    if (!typeKnown) fail("type", "Choose a type.");
    if (!(PARAM_LOCATIONS as readonly string[]).includes(row.location)) fail("location", "Choose where it is sent.");

    const wire = row.wireName === "" ? name : row.wireName;
    const wireField = row.wireName === "" ? "name" : "wireName";
    if (name.trim() === "") fail("name", "Give this input a name.");
    else if (seen.has(name)) fail("name", `Another input is already called ${quote(name)}.`);
    else if (row.location === "path" && !isPlaceholderName(wire))
      fail(wireField, 'A path parameter name can only use letters, digits, "_", ".", "~" and "-".');
    else if (row.location === "header" && !HEADER_NAME.test(wire))
      fail(wireField, `${quote(wire)} is not a valid header name: use letters, digits and -, without spaces.`);
    if (name.trim() === "" || seen.has(name)) return;
    seen.add(name);

    const property: Record<string, unknown> = { type: row.type };
    if (row.description !== "") property.description = row.description;
    if (typeKnown) {
      const allowed = allowedValuesOf(row, (message) => fail("allowedValues", message));
      if (row.defaultValue !== "") {
        const parsed = parseTyped(row.defaultValue, row.type);
        if (!parsed.ok) fail("defaultValue", parsed.message);
        else if (allowed.length > 0 && !allowed.some((v) => jsonEqual(v, parsed.value)))
          fail("defaultValue", "The default must be one of the allowed values.");
        else property.default = parsed.value;
      }
      if (allowed.length > 0) property.enum = allowed;
    }
    setOwn(properties, name, property);
    if (row.required) required.push(name);
    const renamed = row.wireName !== "" && row.wireName !== name;
    setOwn(inputMapping, name, renamed ? { in: row.location, name: row.wireName } : { in: row.location });
  });

  const inputSchema: Record<string, unknown> = { type: "object", properties };
  if (required.length > 0) inputSchema.required = required;
  inputSchema.additionalProperties = false;
  return { inputSchema, inputMapping, errors };
}

function allowedValuesOf(row: ParameterRow, fail: (message: string) => void): unknown[] {
  const values: unknown[] = [];
  // Browsers submit a textarea's line breaks as CRLF.
  row.allowedValues.split(/\r\n|\r|\n/).forEach((line, i) => {
    if (line.trim() === "") return;
    const parsed = parseTyped(line, row.type);
    if (!parsed.ok) fail(`Line ${i + 1}: ${parsed.message}`);
    else if (values.some((v) => jsonEqual(v, parsed.value))) fail(`Line ${i + 1}: ${quote(line)} is listed twice.`);
    else values.push(parsed.value);
  });
  return values;
}

/** Phrases for the keywords people most often meet, so a refusal names the feature. */
const KEYWORD_PHRASES: Record<string, string> = {
  items: "an items schema",
  properties: "nested properties",
  format: "a format",
  pattern: "a pattern",
  minLength: "a minimum length",
  maxLength: "a maximum length",
  $ref: "a reference ($ref)",
  anyOf: "a choice of schemas (anyOf)",
  oneOf: "a choice of schemas (oneOf)",
};

const phrase = (keyword: string) => KEYWORD_PHRASES[keyword] ?? `the keyword ${JSON.stringify(keyword)}`;
const refuse = (reason: string): RowsFromSchema => ({ ok: false, reason });

/**
 * The rows for a stored input schema and mapping, or why the builder cannot
 * show them. A top-level `additionalProperties` may be false or absent:
 * absent is what the registry stores for a tool saved without a schema, and
 * refusing it would keep every such tool out of the builder. Saving from the
 * builder then writes `false`, so the tool stops accepting unlisted inputs,
 * which is what a list of parameters means. An explicit `true` or schema is
 * refused. `$schema` is dropped: the builder's keywords mean the same in
 * every draft the engine supports. A top-level `description` is refused,
 * since the builder has nowhere to keep it.
 */
export function schemaToRows(
  inputSchema: unknown,
  inputMapping: InputMapping | null,
  template: Template,
): RowsFromSchema {
  if (inputSchema === undefined || inputSchema === null) return { ok: true, rows: [] };
  if (!isPlainObject(inputSchema)) return refuse("The input schema is not a JSON object.");
  for (const key of Object.keys(inputSchema))
    if (!["type", "properties", "required", "additionalProperties", "$schema"].includes(key))
      return refuse(`The input schema has ${phrase(key)} at its top level, which the builder cannot show.`);
  const { type, properties = {}, required = [], additionalProperties, $schema } = inputSchema;
  if ($schema !== undefined && typeof $schema !== "string") return refuse("The input schema's $schema is not text.");
  if (type !== undefined && type !== "object") return refuse("The input schema does not describe an object.");
  if (additionalProperties !== undefined && additionalProperties !== false)
    return refuse("The input schema accepts inputs beyond its listed properties, which the builder cannot show.");
  if (!isPlainObject(properties)) return refuse("The input schema's properties are not a JSON object.");
  const count = Object.keys(properties).length;
  if (count > MAX_BUILDER_PARAMETERS)
    return refuse(
      `The input schema has ${count} properties, more than the ${MAX_BUILDER_PARAMETERS} the builder shows on one page.`,
    );
  if (!Array.isArray(required) || !required.every((r) => typeof r === "string"))
    return refuse("The input schema's required list is not a list of names.");
  for (const name of required)
    if (!Object.hasOwn(properties, name))
      return refuse(`The input schema requires ${quote(name)}, which is not one of its properties.`);
  for (const name of Object.keys(inputMapping ?? {}))
    if (!Object.hasOwn(properties, name))
      return refuse(`The input mapping places ${quote(name)}, which is not one of the input properties.`);

  const rows: ParameterRow[] = [];
  for (const [name, schema] of Object.entries(properties)) {
    const row = propertyRow(name, schema, required.includes(name), { ...template, inputMapping });
    if (typeof row === "string") return refuse(`The property ${quote(name)} ${row}, which the builder cannot show.`);
    rows.push(row);
  }
  // Rules the rows enforce (path and header names) may still fail, e.g. after the URL changed.
  const check = rowsToSchema(rows).errors[0];
  if (check) {
    const name = rows[check.row]?.name ?? "";
    return refuse(`The property ${quote(name)} cannot be shown in the builder: ${check.message}`);
  }
  return { ok: true, rows };
}

/** The row for one property, or the phrase completing "The property "x" …, which the builder cannot show." */
function propertyRow(
  name: string,
  schema: unknown,
  required: boolean,
  template: Template & { inputMapping: InputMapping | null },
): ParameterRow | string {
  if (!isPlainObject(schema)) return "is not a schema with a type";
  for (const key of Object.keys(schema))
    if (!["type", "description", "default", "enum"].includes(key)) return `has ${phrase(key)}`;
  const { type, description } = schema;
  if (Array.isArray(type)) return "has more than one type";
  if (type === undefined) return "has no type";
  if (!(PARAM_TYPES as readonly unknown[]).includes(type)) return `has the type ${JSON.stringify(type)}`;
  const paramType = type as ParamType;
  if (description !== undefined && (typeof description !== "string" || description === ""))
    return "has an empty description";

  let defaultValue = "";
  if (Object.hasOwn(schema, "default")) {
    const text = renderTyped(schema.default, paramType);
    if (text === null)
      return paramType === "string" && schema.default === ""
        ? "has an empty default"
        : "has a default that does not match its type";
    defaultValue = text;
  }
  let allowedValues = "";
  if (Object.hasOwn(schema, "enum")) {
    const values = schema.enum;
    if (!Array.isArray(values) || values.length === 0) return "has an empty list of allowed values";
    const lines: string[] = [];
    for (const [i, value] of values.entries()) {
      const text = renderTyped(value, paramType);
      if (text === null) return "has an allowed value that does not match its type";
      if (text.trim() === "" || /[\r\n]/.test(text)) return "has an allowed value that is blank or spans lines";
      if (values.slice(0, i).some((v) => jsonEqual(v, value))) return "lists an allowed value twice";
      lines.push(text);
    }
    if (Object.hasOwn(schema, "default") && !values.some((v) => jsonEqual(v, schema.default)))
      return "has a default that is not one of its allowed values";
    allowedValues = lines.join("\n");
  }

  const target = locate(template, name);
  return {
    name,
    type: paramType,
    required,
    location: target.in,
    wireName: target.name === name ? "" : target.name,
    description: description ?? "",
    defaultValue,
    allowedValues,
  };
}

/** A new row, placed where the engine would send a property of that name by default. */
export function emptyRow(template: Template, name = ""): ParameterRow {
  const location = locate({ ...template, inputMapping: null }, name).in;
  // A path parameter can never be left out: the URL needs it.
  return {
    name,
    type: "string",
    required: location === "path",
    location,
    wireName: "",
    description: "",
    defaultValue: "",
    allowedValues: "",
  };
}
