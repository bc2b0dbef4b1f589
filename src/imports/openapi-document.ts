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
/** The largest document, as JSON, once YAML aliases are expanded. */
export const MAX_DOCUMENT_CHARS = 4 * 1024 * 1024;

export function parseOpenApiText(text: string): ParsedDocument {
  const trimmed = text.trimStart();
  let value: unknown;
  if (trimmed.startsWith("{")) {
    try {
      value = JSON.parse(text);
    } catch (err) {
      return { ok: false, message: `The document is not valid JSON: ${(err as Error).message}` };
    }
  } else {
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
export function asJsonDocument(value: unknown): ParsedDocument {
  if (!isPlainObject(value)) return { ok: false, message: "The document is not an object." };
  if (nestsDeeperThan(value, MAX_JSON_DEPTH))
    return {
      ok: false,
      message: `The document nests deeper than ${MAX_JSON_DEPTH} levels (or contains itself through a YAML alias).`,
    };
  const text = JSON.stringify(value);
  if (text.length > MAX_DOCUMENT_CHARS)
    return {
      ok: false,
      message: `The document is larger than ${MAX_DOCUMENT_CHARS} characters once YAML aliases are expanded.`,
    };
  return { ok: true, document: JSON.parse(text) as Record<string, unknown> };
}

function nestsDeeperThan(value: unknown, limit: number): boolean {
  if (value === null || typeof value !== "object") return false;
  if (limit === 0) return true;
  for (const child of Object.values(value)) if (nestsDeeperThan(child, limit - 1)) return true;
  return false;
}
