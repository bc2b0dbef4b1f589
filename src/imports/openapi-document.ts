/**
 * Reading the document a caller sends: JSON or YAML text, or an object
 * already parsed, into a JSON value this service can walk safely. Pure.
 */
import { parseDocument } from "yaml";
import { isPlainObject } from "../engine/schemas";
import { MAX_JSON_DEPTH } from "../json-depth";

export type ParsedDocument = { ok: true; document: Record<string, unknown> } | { ok: false; message: string };

/**
 * YAML anchors may be expanded at most this many times, so a few kilobytes of
 * aliases to aliases (a "billion laughs") cannot grow into gigabytes.
 */
const MAX_YAML_ALIASES = 100;
/** The largest document, as JSON (once YAML aliases are expanded): GitHub's, 13 MB, fits. */
export const MAX_DOCUMENT_CHARS = 16 * 1024 * 1024;
/**
 * The largest YAML text. Parsing YAML builds a node tree many times the
 * text's size (GitHub's 9.6 MB YAML runs out of memory even at 256 MB), and
 * a Worker has 128 MB; JSON parses natively, in a fraction of that.
 */
export const MAX_YAML_CHARS = 2 * 1024 * 1024;

export function parseOpenApiText(text: string): ParsedDocument {
  const trimmed = text.trimStart();
  let value: unknown;
  if (trimmed.startsWith("{")) {
    if (text.length > MAX_DOCUMENT_CHARS) return tooLarge();
    try {
      value = JSON.parse(text);
    } catch (err) {
      return { ok: false, message: `The document is not valid JSON: ${(err as Error).message}` };
    }
    // JSON.parse makes plain JSON already: only the depth is left to check.
    return asJsonDocument(value, { parsedJson: true });
  } else {
    if (text.length > MAX_YAML_CHARS)
      return {
        ok: false,
        message: `The document is YAML of ${text.length.toLocaleString("en-US")} characters; YAML is read up to ${MAX_YAML_CHARS / 1024 / 1024} MiB (parsing it takes many times its size in memory). Convert it to JSON, which is read up to ${MAX_DOCUMENT_CHARS / 1024 / 1024} MiB: for example \`npx js-yaml openapi.yaml > openapi.json\` or \`yq -o=json openapi.yaml\`.`,
      };
    const parsed = parseDocument(text, {
      stringKeys: true,
      uniqueKeys: true,
      prettyErrors: true,
      logLevel: "silent",
      version: "1.2",
    });
    const first = parsed.errors[0];
    if (first)
      return {
        ok: false,
        message: `The document is not valid YAML: ${first.message.split("\n")[0]}`,
      };
    try {
      value = parsed.toJS({ maxAliasCount: MAX_YAML_ALIASES });
    } catch (err) {
      return { ok: false, message: `The document is not valid YAML: ${(err as Error).message.split("\n")[0]}` };
    }
  }
  return asJsonDocument(value);
}

/**
 * A plain JSON object, no deeper than the JSON nesting limit: YAML can make
 * values JSON has no word for (Infinity, a node that contains itself), and
 * everything downstream walks the document recursively.
 */
export function asJsonDocument(value: unknown, options: { parsedJson?: boolean } = {}): ParsedDocument {
  if (!isPlainObject(value)) return { ok: false, message: "The document is not an object." };
  if (nestsDeeperThan(value, MAX_JSON_DEPTH))
    return {
      ok: false,
      message: `The document nests deeper than ${MAX_JSON_DEPTH} levels (or contains itself through a YAML alias).`,
    };
  // A value JSON.parse made (the request body's object, JSON text) is plain JSON, and its size was bounded before parsing.
  if (options.parsedJson) return { ok: true, document: value };
  const text = JSON.stringify(value);
  if (text.length > MAX_DOCUMENT_CHARS) return tooLarge();
  return { ok: true, document: JSON.parse(text) as Record<string, unknown> };
}

function tooLarge(): ParsedDocument {
  return {
    ok: false,
    message: `The document is larger than ${MAX_DOCUMENT_CHARS / 1024 / 1024} MiB of JSON (YAML aliases expanded).`,
  };
}

function nestsDeeperThan(value: unknown, limit: number): boolean {
  if (value === null || typeof value !== "object") return false;
  if (limit === 0) return true;
  for (const child of Object.values(value)) if (nestsDeeperThan(child, limit - 1)) return true;
  return false;
}
