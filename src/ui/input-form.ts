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
  /** "json" is a textarea of JSON, for arrays, objects and anything the other controls cannot hold. */
  control: "text" | "number" | "integer" | "checkbox" | "select" | "json";
  /** The property's title when it has one, else its name. */
  label: string;
  required: boolean;
  description: string | null;
  /** For "select": the enum values as shown and submitted; never "", which means "not set". */
  options: string[] | null;
  /** The default, rendered for the control; "" when none. A checkbox holds "true" or "false". */
  value: string;
}

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
  const control = controlFor(schema.type);
  const d = schema.default;
  let value = "";
  // A default the control cannot hold is left out: the engine fills in defaults for omitted inputs anyway.
  if (control === "checkbox") value = d === true ? "true" : "false";
  else if (control === "text") value = typeof d === "string" ? d : "";
  else if (control === "number" || control === "integer") value = typeof d === "number" ? String(d) : "";
  else if (hasDefault) value = JSON.stringify(d, null, 2);
  return { ...base, control, value };
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
