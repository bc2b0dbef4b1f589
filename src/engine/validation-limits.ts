/**
 * Bounds on what one schema validation may cost and report. Inputs come from
 * API callers (up to 1 MiB), schemas from tool authors, and the validator
 * (@cfworker/json-schema) has costs that grow faster than its input:
 *
 * - `uniqueItems` compares every pair of items, deeply: a 1 MiB array of
 *   distinct numbers is 10^10 comparisons. Arrays that would cost more than
 *   UNIQUE_ITEMS_BUDGET are refused before validating against a schema that
 *   uses the keyword.
 * - Every failing value yields an error; only the first MAX_REPORTED_ERRORS
 *   are reported, and the wrappers among them are found in linear time.
 */
import type { OutputUnit } from "@cfworker/json-schema";
import { pointerToken } from "../problem";

export const MAX_REPORTED_ERRORS = 100;

/**
 * Pairwise comparisons allowed for one array under `uniqueItems`, counted as
 * items × JSON values in the array (a comparison walks at most the smaller
 * item). 2 000 000 is about 1 400 distinct numbers or strings, and a few
 * hundred milliseconds for items crafted to differ only at their end.
 */
export const UNIQUE_ITEMS_BUDGET = 2_000_000;

/** Whether a schema document uses `uniqueItems: true` anywhere (data keywords included, which only errs on the safe side). */
export function usesUniqueItems(schema: unknown): boolean {
  if (Array.isArray(schema)) return schema.some(usesUniqueItems);
  if (schema === null || typeof schema !== "object") return false;
  return Object.entries(schema).some(([k, v]) => (k === "uniqueItems" && v === true) || usesUniqueItems(v));
}

export interface CostlyArray {
  /** JSON Pointer to the array inside the instance. */
  pointer: string;
  items: number;
}

/** The first array whose `uniqueItems` check would exceed the budget, or null. */
export function costlyUniqueItemsArray(instance: unknown, budget: number = UNIQUE_ITEMS_BUDGET): CostlyArray | null {
  let found: CostlyArray | null = null;
  // Counts the JSON values in `value`, recording the first array over budget.
  const weigh = (value: unknown, pointer: string): number => {
    if (found || value === null || typeof value !== "object") return 1;
    let weight = 1;
    if (Array.isArray(value)) {
      value.forEach((item, i) => (weight += weigh(item, `${pointer}/${i}`)));
      if (!found && value.length * weight > budget) found = { pointer, items: value.length };
    } else {
      for (const [k, v] of Object.entries(value)) weight += weigh(v, `${pointer}/${pointerToken(k)}`);
    }
    return weight;
  };
  weigh(instance, "");
  return found;
}

/**
 * The validator names each property it visits in a URI-encoded JSON Pointer,
 * and encodeURI throws on a name that is not well-formed Unicode: a lone
 * surrogate, which JSON's `\ud800` escape can carry. The JSON Pointer of the
 * first such name in `instance`, or null.
 */
export function unencodableKey(instance: unknown): string | null {
  const pending: [unknown, string][] = [[instance, ""]];
  for (let item = pending.pop(); item !== undefined; item = pending.pop()) {
    const [value, pointer] = item;
    if (value === null || typeof value !== "object") continue;
    if (Array.isArray(value)) {
      value.forEach((child, i) => pending.push([child, `${pointer}/${i}`]));
      continue;
    }
    for (const [key, child] of Object.entries(value)) {
      const at = `${pointer}/${pointerToken(key)}`;
      try {
        encodeURIComponent(key);
      } catch {
        return at;
      }
      pending.push([child, at]);
    }
  }
  return null;
}

export const UNENCODABLE_KEY_MESSAGE =
  "This property name is not valid Unicode text (it holds half of a surrogate pair), so it cannot be validated.";

/**
 * The validator reports every failing keyword, including wrappers such as
 * `properties` ("a subschema had errors"). Keeps the ones no other error is
 * nested under (those say what is actually wrong), without duplicates, and at
 * most MAX_REPORTED_ERRORS of them.
 */
export function leafErrors(errors: OutputUnit[]): OutputUnit[] {
  const wrappers = new Set<string>();
  for (const { keywordLocation: location } of errors)
    for (let i = location.lastIndexOf("/"); i > 0; i = location.lastIndexOf("/", i - 1))
      wrappers.add(location.slice(0, i));
  const seen = new Set<string>();
  const leaves: OutputUnit[] = [];
  for (const e of errors) {
    if (wrappers.has(e.keywordLocation)) continue;
    // The same failure can be reached along several paths (for example through $recursiveRef).
    const identity = `${e.instanceLocation}\u0000${e.keyword}\u0000${e.error}`;
    if (seen.has(identity)) continue;
    seen.add(identity);
    leaves.push(e);
    if (leaves.length === MAX_REPORTED_ERRORS) break;
  }
  return leaves;
}
