/**
 * Scrubs secret values out of anything that leaves an execution: upstream
 * bodies (some APIs echo request headers back), error details and log rows.
 * Each secret is matched raw, percent-encoded, form-encoded, JSON-escaped and
 * base64'd, since that is how it may come back.
 */
import { formEncode, textToBase64 } from "../encoding";

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
      encodeURIComponent(secret),
      formEncode(secret),
      JSON.stringify(secret).slice(1, -1),
      textToBase64(secret),
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
    if (value !== null && typeof value === "object") {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(value)) out[this.scrub(k)] = this.scrubValue(v);
      return out as T;
    }
    return value;
  }
}

/** The first `limit` UTF-16 units of `text`, never ending in half of a surrogate pair. */
export function truncateText(text: string, limit: number): string {
  if (text.length <= limit) return text;
  const code = text.charCodeAt(limit - 1);
  return text.slice(0, code >= 0xd800 && code <= 0xdbff ? limit - 1 : limit);
}
