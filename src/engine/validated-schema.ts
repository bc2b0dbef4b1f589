/**
 * The copy of a schema that the validator is built from, where what the
 * specification says differs from what @cfworker/json-schema does with the
 * schema as written. Pure: the stored schema is never changed, so GET and
 * the exports show what the author wrote.
 *
 * - Draft-07: "All other properties in a `$ref` object MUST be ignored", so a
 *   `$ref`'s sibling `$id` does not change the base URI its `$ref` resolves
 *   against. @cfworker/json-schema lets it (and registers the object under
 *   it), which resolves the `$ref` to another schema: a wrong "valid" (the
 *   suite's "$ref prevents a sibling $id from changing the base uri"). The
 *   copy drops that `$id`. The other siblings stay: the validator already
 *   ignores them in draft-07, and a JSON Pointer may still lead through them.
 * - 2020-12: `format` is an annotation unless the format-assertion vocabulary
 *   is in use. Tools saved before toolgate followed that keep asserting it
 *   (their `format_mode` is "assert"); for the others the copy has no
 *   `format`, unless the schema's `$vocabulary` names format-assertion.
 *
 * - Every draft: an `$anchor` (or draft-07 `$id: "#name"`) belongs to its own
 *   schema resource, and @cfworker registers one in an embedded resource
 *   under the enclosing resources' base URIs too. Where that makes a `$ref`
 *   resolve to the wrong schema, the copy points it at the right one by JSON
 *   Pointer (./schema-anchors.ts).
 *
 * The walk visits what @cfworker's dereference() visits (its keyword tables),
 * so a `format` or `$id` inside `const`, `enum` or `default` data is data.
 */
import { ignoredKeyword, schemaArrayKeyword, schemaMapKeyword, type SchemaDraft } from "@cfworker/json-schema";
import { isPlainObject } from "../plain-object";
import { withAnchorsResolved } from "./schema-anchors";

/**
 * How a tool's schemas treat `format`: "assert" checks it in every draft (the
 * behaviour of tools saved before 2020-12's annotation default); "by_draft"
 * asserts it in draft-07 and 2019-09, and in 2020-12 only with the
 * format-assertion vocabulary.
 */
export const FORMAT_MODES = ["assert", "by_draft"] as const;
export type FormatMode = (typeof FORMAT_MODES)[number];

/** The format-assertion vocabulary of 2020-12; `$vocabulary` lists it (true or false) to have formats asserted. */
export const FORMAT_ASSERTION_VOCABULARY = "https://json-schema.org/draft/2020-12/vocab/format-assertion";

/** Whether `format` is an assertion in a schema of `draft` (the root's) for a tool whose mode is `mode`. */
export function formatsAssert(schema: unknown, draft: SchemaDraft, mode: FormatMode): boolean {
  if (mode === "assert" || draft !== "2020-12") return true;
  const vocabulary = isPlainObject(schema) ? schema.$vocabulary : undefined;
  return isPlainObject(vocabulary) && Object.hasOwn(vocabulary, FORMAT_ASSERTION_VOCABULARY);
}

/**
 * `schema` as the validator must see it for `draft` and `mode`: the same
 * object when nothing differs, else a copy (see the module comment).
 */
export function validatedSchema(schema: unknown, draft: SchemaDraft, mode: FormatMode): unknown {
  // After the draft-07 copy: a `$ref`'s sibling `$id` it drops would change where the anchors are.
  return withAnchorsResolved(copiedForDraft(schema, draft, mode));
}

/** `schema` without the `$ref` siblings `$id` of draft-07 and the 2020-12 formats that are annotations. */
function copiedForDraft(schema: unknown, draft: SchemaDraft, mode: FormatMode): unknown {
  const dropRefIds = draft === "7";
  const dropFormats = !formatsAssert(schema, draft, mode);
  if (!dropRefIds && !dropFormats) return schema;
  const copy = (node: unknown): unknown => {
    if (!isPlainObject(node)) return node;
    // Object.fromEntries, not assignment: a `__proto__` member stays a member.
    return Object.fromEntries(
      Object.entries(node)
        .filter(([key]) => !(dropFormats && key === "format"))
        .filter(([key]) => !(dropRefIds && key === "$id" && typeof node.$ref === "string"))
        .map(([key, value]) => [key, copyMember(key, value, copy)]),
    );
  };
  return copy(schema);
}

/** A schema object's member, its subschemas copied by `copy`, as dereference() tells members apart. */
function copyMember(key: string, value: unknown, copy: (node: unknown) => unknown): unknown {
  if (ignoredKeyword[key]) return value;
  if (Array.isArray(value)) return schemaArrayKeyword[key] ? value.map(copy) : value;
  // draft-07's `dependencies` is a map too (of schemas and property lists); dereference() reads it as a schema.
  if ((schemaMapKeyword[key] || key === "dependencies") && isPlainObject(value))
    return Object.fromEntries(Object.entries(value).map(([name, member]) => [name, copy(member)]));
  return copy(value);
}
