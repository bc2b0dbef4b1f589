/**
 * A query input's value as query text, in the serialization styles OpenAPI
 * defines for query parameters (`style` and `explode`, OpenAPI 3.x
 * "Style Values" and "Style Examples"), so that a tool sends what the API it
 * was imported from expects. Pure.
 *
 * Names and values are form-encoded (`URLSearchParams`), as every query
 * input is; the delimiters that a style puts between values (`,` `|` and the
 * space of spaceDelimited, written `%20`) are written as themselves, so a
 * value that contains one stays distinguishable from two values.
 */

export const QUERY_STYLES = ["form", "spaceDelimited", "pipeDelimited", "deepObject"] as const;
export type QueryStyle = (typeof QUERY_STYLES)[number];

/** How one input is serialized; the defaults are OpenAPI's for query parameters (form, explode). */
export interface QueryStyling {
  style?: QueryStyle | undefined;
  explode?: boolean | undefined;
}

/** Form encoding of one name or value, as URLSearchParams writes it (space as `+`). */
export function formEncode(text: string): string {
  return new URLSearchParams([["", text]]).toString().slice(1);
}

function scalarText(value: unknown): string {
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean") return String(value);
  return JSON.stringify(value);
}

const DELIMITERS: Record<Exclude<QueryStyle, "deepObject">, string> = {
  form: ",",
  spaceDelimited: "%20",
  pipeDelimited: "|",
};

/**
 * The encoded `name=value` parts one input adds to the query: none for
 * `null` in a list or object member, one per array item or object member
 * when exploded, one joined part otherwise.
 */
export function serializeQuery(name: string, value: unknown, styling: QueryStyling = {}): string[] {
  const style = styling.style ?? "form";
  const explode = styling.explode ?? (style === "form" || style === "deepObject");
  const pair = (key: string, text: string) => `${formEncode(key)}=${formEncode(text)}`;
  if (style === "deepObject") return deepObject(name, value);
  if (Array.isArray(value)) {
    if (explode) return value.map((item) => pair(name, scalarText(item)));
    return [`${formEncode(name)}=${value.map((item) => formEncode(scalarText(item))).join(DELIMITERS[style])}`];
  }
  if (value !== null && typeof value === "object") {
    const members = Object.entries(value).filter(([, v]) => v !== undefined);
    // form + explode: each member is a parameter of its own (`?role=admin&firstName=Alex`).
    if (explode) return members.map(([key, v]) => pair(key, scalarText(v)));
    const flat = members.flatMap(([key, v]) => [formEncode(key), formEncode(scalarText(v))]);
    return [`${formEncode(name)}=${flat.join(DELIMITERS[style])}`];
  }
  return [pair(name, scalarText(value))];
}

/**
 * `name[key]=value` for each member, as OpenAPI's deepObject; nested objects
 * go one bracket deeper and array items take their index (`name[tags][0]=a`),
 * as the `qs` package (and so Stripe, Express and Rails) read them.
 */
function deepObject(name: string, value: unknown): string[] {
  if (Array.isArray(value)) return value.flatMap((item, i) => deepObject(`${name}[${i}]`, item));
  if (value !== null && typeof value === "object")
    return Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .flatMap(([key, v]) => deepObject(`${name}[${key}]`, v));
  return [`${formEncode(name)}=${formEncode(scalarText(value))}`];
}
