/**
 * The test panel's form, generated from a tool's input schema, and the
 * conversion of the submitted strings back to typed JSON input. Pure.
 *
 * It converts and does not validate: the engine validates the input against
 * the schema and reports errors with the same property names.
 */
import { jsonMistakeInWords } from "./plain-words";
import { isPlainObject } from "../engine/schemas";
import { jsonDepthExceeds } from "../json-depth";
import { jsonEqual, MAX_BUILDER_PARAMETERS, parseNumberText, setOwn } from "./parameters";

export interface InputField {
  name: string;
  /**
   * "list" is one row per item, for an array of strings, numbers, booleans or enum values; "json" is a
   * textarea of JSON, for objects, other arrays and anything the other controls cannot hold.
   */
  control: "text" | "number" | "integer" | "checkbox" | "select" | "list" | "json";
  /** The property's title when it has one, else its name. */
  label: string;
  required: boolean;
  description: string | null;
  /** For "select": the enum values as shown and submitted; never "", which means "not set". */
  options: string[] | null;
  /** The default, rendered for the control; "" when none. A checkbox holds "true" or "false". */
  value: string;
  /** For "list": how each item is entered, and the default's items as rendered. */
  list?: { item: ListItemControl; options: string[] | null; items: string[] };
  /** For "json": an example value built from the schema, when it says enough to build one. */
  example?: string;
}

/** A list row's control; "select" for enum items and for booleans (options "true" and "false"). */
export type ListItemControl = "text" | "number" | "integer" | "select";

export interface InputFormError {
  name: string;
  message: string;
}

/**
 * Top-level keywords that change which inputs exist or what they mean
 * together; a form of one control per property would misrepresent them.
 */
const SHAPE_KEYWORDS = [
  "allOf",
  "anyOf",
  "oneOf",
  "not",
  "if",
  "then",
  "else",
  "$ref",
  "$dynamicRef",
  "$recursiveRef",
  "patternProperties",
  "dependencies",
  "dependentSchemas",
  "dependentRequired",
];

/**
 * One field per property, in schema order. `rawOnly` means the UI should offer
 * a single JSON textarea instead: the schema is not a plain object schema, or
 * it lists no properties yet accepts others (the registry's default schema
 * for a tool saved without one), or it lists more than the builder shows. A schema with no properties that refuses
 * others gives no fields and `rawOnly: false`: the tool takes no input.
 */
export function inputFieldsFor(schema: unknown): { fields: InputField[]; rawOnly: boolean } {
  const rawOnly = { fields: [], rawOnly: true };
  if (!isPlainObject(schema) || (schema.type !== undefined && schema.type !== "object")) return rawOnly;
  if (SHAPE_KEYWORDS.some((k) => Object.hasOwn(schema, k)) || !isPlainObject(schema.properties)) return rawOnly;
  const names = Object.keys(schema.properties);
  if (names.length === 0 && schema.additionalProperties !== false) return rawOnly;
  // As in the editor's builder: a control per property stops being a usable form (and a small page) past this.
  if (names.length > MAX_BUILDER_PARAMETERS) return rawOnly;
  const required = Array.isArray(schema.required) ? schema.required : [];
  const properties = schema.properties;
  return { fields: names.map((name) => fieldFor(name, properties[name], required.includes(name))), rawOnly: false };
}

function fieldFor(name: string, property: unknown, required: boolean): InputField {
  const schema = isPlainObject(property) ? property : {};
  const label = typeof schema.title === "string" && schema.title.trim() !== "" ? schema.title : name;
  const description = typeof schema.description === "string" && schema.description !== "" ? schema.description : null;
  const hasDefault = Object.hasOwn(schema, "default");
  const base = { name, label, required, description, options: null };

  if (Array.isArray(schema.enum) && schema.enum.length > 0) {
    const options = optionLabels(schema.enum);
    const index = hasDefault ? schema.enum.findIndex((v) => jsonEqual(v, schema.default)) : -1;
    return { ...base, control: "select", options, value: options[index] ?? "" };
  }
  const list = listFor(schema);
  if (list) return { ...base, control: "list", value: "", list };
  const control = controlFor(schema.type);
  const d = schema.default;
  let value = "";
  // A default the control cannot hold is left out: the engine fills in defaults for omitted inputs anyway.
  if (control === "checkbox") value = d === true ? "true" : "false";
  else if (control === "text") value = typeof d === "string" ? d : "";
  else if (control === "number" || control === "integer") value = typeof d === "number" ? String(d) : "";
  else if (hasDefault) value = JSON.stringify(d, null, 2);
  if (control !== "json") return { ...base, control, value };
  const built = exampleFor(schema, EXAMPLE_DEPTH);
  const example = built === undefined ? undefined : JSON.stringify(built, null, 2);
  // A hint, not a document: an example too long to read at a glance is left out.
  return example === undefined || example.length > MAX_EXAMPLE_LENGTH
    ? { ...base, control, value }
    : { ...base, control, value, example };
}

/** An array of scalars (strings, numbers, booleans, enum values) as a list of typed rows; otherwise null. */
function listFor(schema: Record<string, unknown>): InputField["list"] | null {
  if (schema.type !== "array" || !isPlainObject(schema.items)) return null;
  const items = schema.items;
  if (SHAPE_KEYWORDS.some((k) => Object.hasOwn(items, k))) return null;
  let item: ListItemControl;
  let values: unknown[] | null = null;
  if (Array.isArray(items.enum) && items.enum.length > 0) {
    if (!items.enum.every((v) => v === null || typeof v !== "object")) return null;
    item = "select";
    values = items.enum;
  } else if (items.type === "boolean") {
    item = "select";
    values = [true, false];
  } else if (items.type === "string") item = "text";
  else if (items.type === "number" || items.type === "integer") item = items.type;
  else return null;
  const options = values && optionLabels(values);
  const rendered = (v: unknown): string | null => {
    if (values) {
      const index = values.findIndex((allowed) => jsonEqual(allowed, v));
      return options?.[index] ?? null;
    }
    if (item === "text") return typeof v === "string" ? v : null;
    return typeof v === "number" ? String(v) : null;
  };
  // A default the rows cannot hold is left out, as for the other controls.
  const defaults = Array.isArray(schema.default) ? schema.default.map(rendered) : [];
  return {
    item,
    options,
    items: defaults.every((v) => v !== null) ? (defaults as string[]) : [],
  };
}

const EXAMPLE_DEPTH = 4;
const MAX_EXAMPLE_LENGTH = 2000;

/**
 * An example value that the schema describes, for the hint at a JSON field:
 * its `examples` or `default` when given, else one built from its type and
 * properties (every listed property, an array of one item). Undefined when
 * the schema says too little to build one worth showing.
 */
export function exampleFor(schema: unknown, depth: number): unknown {
  if (!isPlainObject(schema) || depth <= 0) return undefined;
  if (Array.isArray(schema.examples) && schema.examples.length > 0) return schema.examples[0];
  if (Object.hasOwn(schema, "default")) return schema.default;
  if (Object.hasOwn(schema, "const")) return schema.const;
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return schema.enum[0];
  const type = Array.isArray(schema.type) ? schema.type.find((t) => t !== "null") : schema.type;
  switch (type) {
    case "string":
      return schema.format === "date-time"
        ? "2026-01-31T12:00:00Z"
        : schema.format === "date"
          ? "2026-01-31"
          : schema.format === "email"
            ? "name@example.com"
            : schema.format === "uri"
              ? "https://example.com"
              : "text";
    case "integer":
      return typeof schema.minimum === "number" ? Math.ceil(schema.minimum) : 1;
    case "number":
      return typeof schema.minimum === "number" ? schema.minimum : 1.5;
    case "boolean":
      return true;
    case "array": {
      const item = exampleFor(schema.items, depth - 1);
      return item === undefined ? undefined : [item];
    }
    case "object":
    case undefined: {
      if (!isPlainObject(schema.properties)) return undefined;
      const out: Record<string, unknown> = {};
      for (const [name, property] of Object.entries(schema.properties).slice(0, MAX_BUILDER_PARAMETERS)) {
        const value = exampleFor(property, depth - 1);
        setOwn(out, name, value === undefined ? null : value);
      }
      return Object.keys(out).length === 0 ? undefined : out;
    }
    default:
      return undefined;
  }
}

function controlFor(type: unknown): Exclude<InputField["control"], "select"> {
  switch (type) {
    case "string":
      return "text";
    case "number":
    case "integer":
      return type;
    case "boolean":
      return "checkbox";
    default:
      return "json";
  }
}

/**
 * Strings as themselves and other values as JSON, unless that makes two
 * options look alike ("1" and 1) or one empty (which means "not set"): then
 * every option is shown as JSON, so each stays distinct.
 */
function optionLabels(values: unknown[]): string[] {
  const plain = values.map((v) => (typeof v === "string" ? v : JSON.stringify(v)));
  if (new Set(plain).size === plain.length && !plain.includes("")) return plain;
  return values.map((v) => JSON.stringify(v));
}

/**
 * The typed input for the submitted form values, keyed by property name.
 *
 * An empty field is not sent, even when required, so the engine reports it
 * as missing rather than passing "" to the upstream API. A checkbox is always
 * sent: unchecked means false, which is what someone who sees an unticked
 * box expects the tool to receive. For a `rawOnly` schema there are no
 * fields; parse its JSON textarea with parseInputJson.
 */
export function parseInputForm(
  schema: unknown,
  values: Record<string, string | undefined>,
  /** The rows of each "list" field, in order, empty rows included. */
  lists: Record<string, string[] | undefined> = {},
): { input: Record<string, unknown>; errors: InputFormError[] } {
  const input: Record<string, unknown> = {};
  const errors: InputFormError[] = [];
  const properties = isPlainObject(schema) && isPlainObject(schema.properties) ? schema.properties : {};
  for (const field of inputFieldsFor(schema).fields) {
    const raw = Object.hasOwn(values, field.name) ? values[field.name] : undefined;
    const fail = (message: string) => errors.push({ name: field.name, message: `${field.label} ${message}` });
    if (field.control === "checkbox") {
      if (raw === "true" || raw === "on") setOwn(input, field.name, true);
      else if (raw === undefined || raw === "" || raw === "false") setOwn(input, field.name, false);
      else fail("must be checked or unchecked.");
      continue;
    }
    if (field.control === "list") {
      const rows = Object.hasOwn(lists, field.name) ? (lists[field.name] ?? []) : [];
      const items = parseListRows(field, rows, properties[field.name], fail);
      // No item in any row: not sent, as an empty field is not.
      if (items && items.length > 0) setOwn(input, field.name, items);
      continue;
    }
    if (raw === undefined || raw === "") continue;
    switch (field.control) {
      case "text":
        setOwn(input, field.name, raw);
        break;
      case "number":
      case "integer": {
        const value = parseNumberText(raw);
        if (field.control === "integer" && (value === null || !Number.isInteger(value)))
          fail("must be a whole number.");
        else if (value === null) fail("must be a number.");
        else setOwn(input, field.name, value);
        break;
      }
      case "select": {
        const index = (field.options ?? []).indexOf(raw);
        const allowed = (properties[field.name] as { enum: unknown[] }).enum;
        if (index === -1) fail("must be one of the listed values.");
        else setOwn(input, field.name, allowed[index]);
        break;
      }
      case "json": {
        const parsed = parseJson(raw);
        if (parsed.ok) setOwn(input, field.name, parsed.value);
        else fail(parsed.message);
        break;
      }
    }
  }
  return { input, errors };
}

/** A list's rows as typed items; an empty row is skipped. Null (after `fail`) when a row does not fit. */
function parseListRows(
  field: InputField,
  rows: string[],
  property: unknown,
  fail: (message: string) => void,
): unknown[] | null {
  const list = field.list;
  if (!list) return null;
  const items: unknown[] = [];
  const problems: string[] = [];
  rows.forEach((row, index) => {
    if (row.trim() === "" && list.item !== "text") return;
    if (row === "") return;
    const at = `item ${index + 1}`;
    switch (list.item) {
      case "text":
        items.push(row);
        return;
      case "number":
      case "integer": {
        const value = parseNumberText(row);
        if (list.item === "integer" && (value === null || !Number.isInteger(value)))
          problems.push(`${at} must be a whole number`);
        else if (value === null) problems.push(`${at} must be a number`);
        else items.push(value);
        return;
      }
      case "select": {
        const index = (list.options ?? []).indexOf(row);
        const schemaItems = isPlainObject(property) && isPlainObject(property.items) ? property.items : {};
        const allowed =
          Array.isArray(schemaItems.enum) && schemaItems.enum.length > 0 ? schemaItems.enum : [true, false];
        if (index === -1) problems.push(`${at} must be one of the listed values`);
        else items.push(allowed[index]);
        return;
      }
    }
  });
  if (problems.length === 0) return items;
  fail(`${problems.join(", ")}.`);
  return null;
}

/** The whole input typed as JSON, for a schema the form cannot show; it must be a JSON object. */
export function parseInputJson(
  text: string,
): { ok: true; input: Record<string, unknown> } | { ok: false; message: string } {
  const parsed = parseJson(text.trim() === "" ? "{}" : text);
  if (!parsed.ok) return { ok: false, message: `The input ${parsed.message}` };
  if (!isPlainObject(parsed.value))
    return { ok: false, message: 'The input must be a JSON object, like {"city": "Paris"}.' };
  return { ok: true, input: parsed.value };
}

function parseJson(text: string): { ok: true; value: unknown } | { ok: false; message: string } {
  if (jsonDepthExceeds(text)) return { ok: false, message: "is nested too deeply." };
  try {
    return { ok: true, value: JSON.parse(text) };
  } catch (err) {
    // Never V8's message: it is written for programmers, and quotes a window of the input.
    return { ok: false, message: `is not valid JSON: ${jsonMistakeInWords(text, err)}` };
  }
}
