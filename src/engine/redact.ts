/**
 * Scrubs secret values out of anything that leaves an execution: upstream
 * bodies (some APIs echo request headers back), error details and log rows.
 * Each secret is matched raw, percent-encoded, form-encoded, base64'd,
 * JSON-escaped the ways common servers escape it (an echo served as text is
 * not parsed, so its escapes stay), and as a JSON Pointer token (a secret
 * echoed back as a key shows up in a validation error's path).
 */
import { formEncode, textToBase64 } from "../encoding";
import { pointerToken } from "../problem";

export const REDACTED = "[REDACTED]";

export class Redactor {
  private needles: string[] = [];

  constructor(secrets: Iterable<string> = []) {
    for (const secret of secrets) this.add(secret);
  }

  add(secret: string): void {
    if (!secret) return;
    const variants = new Set([
      secret,
      percentEncode(secret),
      formEncode(secret),
      textToBase64(secret),
      pointerToken(secret),
      ...jsonEscapings(secret),
    ]);
    for (const variant of variants) if (variant && !this.needles.includes(variant)) this.needles.push(variant);
    // Longest first, so a secret that contains another is replaced whole.
    this.needles.sort((a, b) => b.length - a.length);
  }

  /** Whether any encoding of any secret occurs in `text`. */
  contains(text: string): boolean {
    return this.needles.some((needle) => text.includes(needle));
  }

  scrub(text: string): string {
    let out = text;
    for (const needle of this.needles) if (out.includes(needle)) out = out.replaceAll(needle, REDACTED);
    return out;
  }

  /** Scrubs every string (keys included) inside a JSON value. */
  scrubValue<T>(value: T): T {
    if (this.needles.length === 0) return value;
    if (typeof value === "string") return this.scrub(value) as T;
    if (Array.isArray(value)) return value.map((v) => this.scrubValue(v)) as T;
    if (value !== null && typeof value === "object")
      // fromEntries defines own properties, so a "__proto__" key stays a key.
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [this.scrub(k), this.scrubValue(v)])) as T;
    return value;
  }
}

/** encodeURIComponent, which throws on a lone surrogate (text that no request could carry anyway). */
function percentEncode(text: string): string {
  try {
    return encodeURIComponent(text);
  } catch {
    return text;
  }
}

const unicodeEscape = (ch: string) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, "0")}`;

/** The contents of a JSON string holding `text`, as common serializers write them. */
function jsonEscapings(text: string): string[] {
  const minimal = JSON.stringify(text).slice(1, -1); // JavaScript
  const ascii = minimal.replace(/[^\x00-\x7f]/g, unicodeEscape); // Python's json.dumps
  return [
    minimal,
    ascii,
    ascii.replaceAll("/", "\\/"), // PHP's json_encode
    minimal.replace(/[<>&\u2028\u2029]/g, unicodeEscape), // Go's encoding/json
  ];
}

/** The first `limit` UTF-16 units of `text`, never ending in half of a surrogate pair. */
export function truncateText(text: string, limit: number): string {
  if (text.length <= limit) return text;
  const code = text.charCodeAt(limit - 1);
  return text.slice(0, code >= 0xd800 && code <= 0xdbff ? limit - 1 : limit);
}
