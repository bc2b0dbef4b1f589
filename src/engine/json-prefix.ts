/**
 * The start of a value's JSON text, without writing the rest. A log row keeps
 * 16 KiB of an execution's output; writing a 200 KB response out in full to
 * keep its first 16 KiB was a tenth of that execution's CPU, and garbage.
 *
 * The text is exactly a prefix of `JSON.stringify(value)`. Plain objects are
 * written here key by key, arrays in runs of elements, each run by
 * `JSON.stringify` (a walk element by element costs more than writing a
 * record in one go); small containers, and everything else (strings,
 * numbers, class instances, values with `toJSON`, which is called without
 * the key or index JSON.stringify would pass), by `JSON.stringify` in one go.
 * A cycle throws, as it does there. An array whose first elements are huge
 * is written whole up to them: at worst what writing everything cost.
 */

export interface JsonPrefix {
  text: string;
  /** The whole of `JSON.stringify(value)`, not a prefix of it. */
  complete: boolean;
}

/**
 * At least `wanted` characters of `JSON.stringify(value)` (all of it when it
 * is shorter), or undefined where `JSON.stringify` gives undefined. Whole
 * elements are written, so the text may run past `wanted` by a few of them.
 */
export function jsonPrefix(value: unknown, wanted: number): JsonPrefix | undefined {
  if (!isWalkable(value) || isSmall(value)) {
    const text = JSON.stringify(value) as string | undefined;
    return text === undefined ? undefined : { text, complete: true };
  }
  const parts: string[] = [];
  let length = 0;
  const ancestors = new Set<object>();
  const put = (text: string) => {
    parts.push(text);
    length += text.length;
  };
  /** Writes `v`; false when it stopped because enough was written, undefined when `v` has no JSON. */
  const write = (v: unknown): boolean | undefined => {
    if (!isWalkable(v) || isSmall(v)) {
      const text = JSON.stringify(v) as string | undefined;
      if (text === undefined) return undefined;
      put(text);
      return true;
    }
    if (ancestors.has(v)) throw new TypeError("Converting circular structure to JSON");
    ancestors.add(v);
    let done = true;
    if (Array.isArray(v)) {
      put("[");
      // Runs of elements by JSON.stringify, sized from the ones written so far to reach `wanted`:
      // a few calls for an array of records. An element with no JSON is written as null there too.
      let perElement = 0;
      for (let i = 0; i < v.length;) {
        if (length >= wanted) {
          done = false;
          break;
        }
        const run = perElement === 0 ? 4 : Math.ceil((wanted - length) / perElement) + 1;
        const elements = v.slice(i, i + run);
        const text = JSON.stringify(elements);
        put(`${i > 0 ? "," : ""}${text.slice(1, -1)}`);
        i += elements.length;
        perElement = Math.max(1, Math.ceil(text.length / elements.length));
      }
      if (done) put("]");
    } else {
      put("{");
      let first = true;
      for (const key of Object.keys(v)) {
        if (length >= wanted) {
          done = false;
          break;
        }
        const mark = parts.length;
        const before = length;
        put(`${first ? "" : ","}${JSON.stringify(key)}:`);
        const wrote = write((v as Record<string, unknown>)[key]);
        if (wrote === undefined) {
          // A property with no JSON is left out, key and all.
          parts.length = mark;
          length = before;
          continue;
        }
        first = false;
        if (!wrote) {
          done = false;
          break;
        }
      }
      if (done) put("}");
    }
    ancestors.delete(v);
    return done;
  };
  const done = write(value);
  if (done === undefined) return undefined;
  return { text: parts.join(""), complete: done };
}

/** Arrays and plain objects without toJSON: written here. JSON.stringify writes the rest. */
function isWalkable(v: unknown): v is object {
  if (v === null || typeof v !== "object") return false;
  if (typeof (v as { toJSON?: unknown }).toJSON === "function") return false;
  if (Array.isArray(v)) return true;
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
}

/** Most entries (nested ones counted) of a container that JSON.stringify writes in one go: a walk costs more. */
const SMALL_ENTRIES = 64;

/**
 * A container of at most SMALL_ENTRIES entries in all, nested at most three
 * deep: a few KB at most, unless a string in it is long, which would be
 * written whole anyway.
 */
function isSmall(v: object): boolean {
  smallBudget = SMALL_ENTRIES;
  return fitsBudget(v, 0);
}

/** What isSmall has left to count: one check runs at a time (it is synchronous), so no closure is allocated. */
let smallBudget = 0;

function fitsBudget(container: object, depth: number): boolean {
  if (Array.isArray(container)) {
    smallBudget -= container.length;
    if (smallBudget < 0) return false;
    for (const entry of container as unknown[]) if (!entryFits(entry, depth)) return false;
    return true;
  }
  for (const key in container) {
    if (--smallBudget < 0) return false;
    if (!entryFits((container as Record<string, unknown>)[key], depth)) return false;
  }
  return true;
}

function entryFits(entry: unknown, depth: number): boolean {
  return entry === null || typeof entry !== "object" || (depth < 2 && fitsBudget(entry, depth + 1));
}
