/**
 * What changed between two definitions of a tool, for a person: field by
 * field in words, and the JSON parts (schemas, input mapping, retry) as lines
 * of JSON marked removed or added. Pure, so the Versions page and the restore
 * step show the same thing, and tests can check it with tables of cases.
 */
import type { z } from "@hono/zod-openapi";
import type { ToolVersionDefinition } from "../api/tool-version-schemas";

export type Definition = z.infer<typeof ToolVersionDefinition>;

/** One line of a JSON diff: kept, removed from the older definition, or added in the newer one. */
export interface DiffLine {
  kind: "same" | "removed" | "added";
  text: string;
}

export type FieldChange =
  { kind: "value"; label: string; before: string; after: string } | { kind: "json"; label: string; lines: DiffLine[] };

/** Scalar fields, in the order the editor shows them. */
const VALUE_FIELDS: [keyof Definition, string][] = [
  ["name", "Name"],
  ["description", "Description"],
  ["execution_type", "Kind"],
  ["method", "Method"],
  ["endpoint_url", "URL"],
  ["function_name", "Function"],
  ["timeout", "Timeout (seconds)"],
  ["max_response_bytes", "Largest response (bytes)"],
  ["body_format", "Body format"],
  ["mcp_enabled", "Offered to AI agents"],
  ["connection_id", "Connection"],
  ["format_mode", "Formats"],
];

/** `format_mode` in words (docs/json-schema.md, Formats). */
const FORMAT_MODE_WORDS: Record<string, string> = {
  assert: "checked in every draft",
  by_draft: "as the schema's draft says (an annotation in 2020-12)",
};

const AUTH_LABELS: Record<string, string> = {
  type: "Authentication",
  key_name: "Authentication: key name",
  location: "Authentication: sent in",
  token_url: "Authentication: token URL",
  client_id: "Authentication: client ID",
  client_auth_method: "Authentication: client authentication",
  grant_type: "Authentication: grant type",
  scope: "Authentication: scope",
  audience: "Authentication: audience",
  secrets_set: "Authentication: secrets saved",
};

/** JSON fields shown as line diffs. */
const JSON_FIELDS: [keyof Definition, string][] = [
  ["input_schema", "Input schema"],
  ["input_mapping", "Where inputs are sent"],
  ["output_schema", "Output schema"],
  ["retry", "Retries"],
];

/** Every difference between `before` and `after`, in the order of the editor; empty when they are the same. */
export function diffDefinitions(before: Definition, after: Definition): FieldChange[] {
  const changes: FieldChange[] = [];
  for (const [field, label] of VALUE_FIELDS) {
    const words = field === "format_mode" ? FORMAT_MODE_WORDS : {};
    const [a, b] = [shown(before[field], words), shown(after[field], words)];
    if (a !== b) changes.push({ kind: "value", label, before: a, after: b });
  }
  const authA = before.auth_config as Record<string, unknown>;
  const authB = after.auth_config as Record<string, unknown>;
  const order = Object.keys(AUTH_LABELS);
  const rank = (key: string) => (order.includes(key) ? order.indexOf(key) : order.length);
  for (const key of unionKeys(authA, authB).sort((x, y) => rank(x) - rank(y))) {
    const [a, b] = [shown(authA[key]), shown(authB[key])];
    if (a !== b)
      changes.push({ kind: "value", label: AUTH_LABELS[key] ?? `Authentication: ${key}`, before: a, after: b });
  }
  for (const name of unionKeys(before.headers, after.headers)) {
    const [a, b] = [shown(before.headers[name]), shown(after.headers[name])];
    if (a !== b) changes.push({ kind: "value", label: `Header ${name}`, before: a, after: b });
  }
  for (const [field, label] of JSON_FIELDS) {
    const [a, b] = [jsonLines(before[field]), jsonLines(after[field])];
    if (a.join("\n") !== b.join("\n")) changes.push({ kind: "json", label, lines: diffLines(a, b) });
  }
  return changes;
}

function unionKeys(a: Record<string, unknown>, b: Record<string, unknown>): string[] {
  return [...new Set([...Object.keys(a), ...Object.keys(b)])];
}

/** A scalar as the page shows it; "(none)" for what is not set. */
function shown(value: unknown, words: Record<string, string> = {}): string {
  if (value === undefined || value === null || value === "") return "(none)";
  if (typeof value === "string" && Object.hasOwn(words, value)) return words[value]!;
  if (typeof value === "boolean") return value ? "yes" : "no";
  if (Array.isArray(value)) return value.length === 0 ? "(none)" : value.join(", ");
  return String(value);
}

/** Pretty JSON, keys sorted so that reordering alone is no change. */
function jsonLines(value: unknown): string[] {
  if (value === undefined || value === null) return [];
  return JSON.stringify(sortKeys(value), null, 2).split("\n");
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value === null || typeof value !== "object") return value;
  return Object.fromEntries(
    Object.keys(value)
      .sort()
      .map((key) => [key, sortKeys((value as Record<string, unknown>)[key])]),
  );
}

/** Beyond this many cells the middle of a diff is shown as all removed, then all added: the page stays fast. */
const MAX_LCS_CELLS = 1_000_000;

/**
 * A line diff: the common start and end are kept, and the middle is aligned
 * by a longest common subsequence of lines (small enough for a schema).
 */
export function diffLines(a: readonly string[], b: readonly string[]): DiffLine[] {
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
    endA--;
    endB--;
  }
  const head = a.slice(0, start).map((text): DiffLine => ({ kind: "same", text }));
  const tail = a.slice(endA).map((text): DiffLine => ({ kind: "same", text }));
  const midA = a.slice(start, endA);
  const midB = b.slice(start, endB);
  return [...head, ...alignMiddle(midA, midB), ...tail];
}

function alignMiddle(a: readonly string[], b: readonly string[]): DiffLine[] {
  const removedAll = a.map((text): DiffLine => ({ kind: "removed", text }));
  const addedAll = b.map((text): DiffLine => ({ kind: "added", text }));
  if (a.length === 0 || b.length === 0 || a.length * b.length > MAX_LCS_CELLS) return [...removedAll, ...addedAll];
  // lengths[i][j]: the longest common subsequence of a[i..] and b[j..].
  const width = b.length + 1;
  const lengths = new Uint32Array((a.length + 1) * width);
  for (let i = a.length - 1; i >= 0; i--)
    for (let j = b.length - 1; j >= 0; j--)
      lengths[i * width + j] =
        a[i] === b[j]
          ? lengths[(i + 1) * width + j + 1]! + 1
          : Math.max(lengths[(i + 1) * width + j]!, lengths[i * width + j + 1]!);
  const out: DiffLine[] = [];
  let [i, j] = [0, 0];
  while (i < a.length && j < b.length) {
    if (a[i] === b[j]) {
      out.push({ kind: "same", text: a[i]! });
      i++;
      j++;
    } else if (lengths[(i + 1) * width + j]! >= lengths[i * width + j + 1]!)
      out.push({ kind: "removed", text: a[i++]! });
    else out.push({ kind: "added", text: b[j++]! });
  }
  while (i < a.length) out.push({ kind: "removed", text: a[i++]! });
  while (j < b.length) out.push({ kind: "added", text: b[j++]! });
  return out;
}
