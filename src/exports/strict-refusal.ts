/**
 * What the strict-mode conversions (./openai-strict.ts, ./anthropic-strict.ts)
 * share: a refusal that names where in the schema it stands, and the one
 * sentence a caller reads about it.
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
