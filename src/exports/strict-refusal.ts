/**
 * What the strict-mode conversions (./openai-strict.ts, ./anthropic-strict.ts)
 * share: a refusal that names where in the schema it stands, the one
 * sentence a caller reads about it, and the checks both vendors make alike.
 */
import type { JsonSchema } from "../engine/schemas";

export type StrictConversion = { ok: true; schema: JsonSchema } | { ok: false; reason: string };

/** Thrown by a conversion at the first part of a schema the vendor's strict mode cannot take. */
export class StrictRefusal extends Error {
  constructor(
    /** A JSON Pointer into the input schema; "" for the top level. */
    readonly pointer: string,
    readonly why: string,
  ) {
    super(why);
  }
}

/** Runs `convert`; a refusal becomes "At <pointer>: <why>, which <vendor> does not accept." */
export function strictConversion(vendor: string, convert: () => JsonSchema): StrictConversion {
  try {
    return { ok: true, schema: convert() };
  } catch (err) {
    if (!(err instanceof StrictRefusal)) throw err;
    const where = err.pointer === "" ? "At the top level" : `At ${err.pointer}`;
    return { ok: false, reason: `${where}: ${err.why}, which ${vendor} does not accept.` };
  }
}

/**
 * Refuses a keyword the vendor's strict mode does not know (annotations it
 * drops aside), and `$defs`/`definitions` anywhere but the top level.
 */
export function refuseKeywords(
  node: JsonSchema,
  at: string,
  known: Readonly<Record<string, unknown>>,
  dropped: ReadonlySet<string>,
): void {
  for (const key of Object.keys(node)) {
    if (dropped.has(key)) continue;
    if (!Object.hasOwn(known, key)) throw new StrictRefusal(at, `the keyword ${key}`);
    if ((key === "$defs" || key === "definitions") && at !== "")
      throw new StrictRefusal(at, `${key} below the top level`);
  }
}

/** A `$ref` must stand alone in strict mode: its siblings would be ignored, or misread. */
export function refuseRefSiblings(node: JsonSchema, at: string, dropped: ReadonlySet<string>): void {
  const others = Object.keys(node).filter((k) => k !== "$ref" && !dropped.has(k));
  if (others.length > 0) throw new StrictRefusal(at, `$ref beside other keywords (${others.join(", ")})`);
}
