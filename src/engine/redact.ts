/**
 * Scrubs secret values out of anything that leaves an execution: upstream
 * bodies (some APIs echo request headers back), error details and log rows.
 *
 * Each secret is searched for in the forms that `secretForms` lists (the
 * same list SECURITY.md promises): as written, URL-encoded once or twice in
 * either case of hex digit, base64 and base64url with or without padding,
 * hex, JSON-escaped the ways common servers escape it (an echo served as text
 * is not parsed, so its escapes stay) and as a JSON Pointer token (a secret
 * echoed back as a key shows up in a validation error's path). Its base64 is
 * also found inside a longer base64 text, at any of the three byte alignments.
 */
import { bytesToBase64, bytesToHex, formEncode } from "../encoding";
import { pointerToken } from "../problem";

export const REDACTED = "[REDACTED]";

/**
 * Where a secret's base64 sits inside a longer base64 text that an upstream
 * built (say `base64("user:" + secret)`): the characters that encode only the
 * secret's bits, and whether the character before or after also carries some
 * of them (it shares a 6-bit group with the neighbouring bytes).
 */
export interface EmbeddedBase64 {
  core: string;
  partialBefore: boolean;
  partialAfter: boolean;
}

export interface SecretForms {
  /** Texts replaced wherever they occur. */
  literals: string[];
  /** Base64 runs, matched inside longer base64 text. */
  embedded: EmbeddedBase64[];
}

/**
 * Below this many bytes a secret's embedded base64 is not searched for: its
 * core would be so short that ordinary base64 text matches it by chance.
 * Stored secrets are at least 8 characters; this guards derived ones (an
 * access token is whatever the provider issued).
 */
const MIN_EMBEDDED_BASE64_BYTES = 6;

/**
 * Every form of `secret` that is scrubbed: the one place that decides it. A
 * per-secret policy belongs here; matching a short secret only as a whole
 * value, say, would give it no encoded forms here and a whole-value check in
 * `scrubValue`.
 */
export function secretForms(secret: string): SecretForms {
  const bytes = new TextEncoder().encode(secret);
  return {
    literals: [...new Set(LITERAL_ENCODINGS.flatMap((encode) => encode(secret, bytes)))].filter(Boolean),
    embedded: bytes.length >= MIN_EMBEDDED_BASE64_BYTES ? embeddedBase64(bytes) : [],
  };
}

type Encoding = (secret: string, bytes: Uint8Array) => string[];

/** Keep in step with SECURITY.md and docs/storage.md, which list these forms. */
const LITERAL_ENCODINGS: Encoding[] = [
  (secret) => [secret],
  // encodeURIComponent and application/x-www-form-urlencoded, hex digits upper and lower case.
  (secret) => bothEscapeCases(percentEncode(secret)),
  (secret) => bothEscapeCases(formEncode(secret)),
  // Either of those applied to the result of either, each level in the same case.
  (secret) =>
    URL_ENCODERS.flatMap((inner) =>
      URL_ENCODERS.flatMap((outer) =>
        (["upper", "lower"] as const).map((letters) => escapesIn(outer(escapesIn(inner(secret), letters)), letters)),
      ),
    ),
  (_, bytes) => {
    const base64 = bytesToBase64(bytes);
    const base64url = toBase64Url(base64);
    return [base64, unpadded(base64), base64url, unpadded(base64url)];
  },
  (_, bytes) => {
    const hex = bytesToHex(bytes);
    return [hex, hex.toUpperCase()];
  },
  (secret) => [pointerToken(secret)],
  (secret) => jsonEscapings(secret),
];

/** encodeURIComponent, which throws on a lone surrogate (text that no request could carry anyway). */
function percentEncode(text: string): string {
  try {
    return encodeURIComponent(text);
  } catch {
    return text;
  }
}

const URL_ENCODERS = [percentEncode, formEncode];

/** `text` with the hex digits of its `%xx` escapes in the given case. */
function escapesIn(text: string, letters: "upper" | "lower"): string {
  return text.replace(/%[0-9A-Fa-f]{2}/g, (escape) =>
    letters === "upper" ? escape.toUpperCase() : escape.toLowerCase(),
  );
}

const bothEscapeCases = (text: string) => [escapesIn(text, "upper"), escapesIn(text, "lower")];

const toBase64Url = (base64: string) => base64.replaceAll("+", "-").replaceAll("/", "_");
const unpadded = (base64: string) => base64.replace(/=+$/, "");

/**
 * The secret's base64 at each of the three positions a byte string can take
 * relative to base64's 3-byte groups, as it shows inside a longer text: the
 * characters between the first and the last one that hold only the secret's
 * bits. Standard and URL alphabets both.
 */
function embeddedBase64(bytes: Uint8Array): EmbeddedBase64[] {
  const found: EmbeddedBase64[] = [];
  for (const offset of [0, 1, 2]) {
    // The `offset` bytes before are zero: the characters kept do not depend on them.
    const padded = new Uint8Array(offset + bytes.length);
    padded.set(bytes, offset);
    const startBit = offset * 8;
    const endBit = startBit + bytes.length * 8;
    const base64 = bytesToBase64(padded).slice(Math.ceil(startBit / 6), Math.floor(endBit / 6));
    for (const core of new Set([base64, toBase64Url(base64)]))
      found.push({ core, partialBefore: startBit % 6 !== 0, partialAfter: endBit % 6 !== 0 });
  }
  return found;
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

const escapeRegExp = (text: string) => text.replace(/[\\^$.*+?()[\]{}|/]/g, "\\$&");

/** One character of either base64 alphabet. */
const BASE64_CHAR = "[A-Za-z0-9+/_-]";

/** An embedded base64 run with the partial characters around it, which carry some of the secret's bits too. */
function embeddedPattern({ core, partialBefore, partialAfter }: EmbeddedBase64): RegExp {
  const escaped = escapeRegExp(core);
  return new RegExp(`${partialBefore ? `${BASE64_CHAR}?` : ""}${escaped}${partialAfter ? `${BASE64_CHAR}?` : ""}`, "g");
}

export class Redactor {
  /** Longest first, so a secret that contains another is replaced whole. */
  private literals: string[] = [];
  private embedded: { core: string; pattern: RegExp }[] = [];
  /**
   * Matches any literal or embedded core: one regular expression answers
   * "anything here?" several times faster than a search per form, and
   * almost every string is clean.
   */
  private detector: RegExp | null = null;

  constructor(secrets: Iterable<string> = []) {
    for (const secret of secrets) this.add(secret);
  }

  add(secret: string): void {
    if (!secret) return;
    const forms = secretForms(secret);
    for (const literal of forms.literals) if (!this.literals.includes(literal)) this.literals.push(literal);
    this.literals.sort((a, b) => b.length - a.length);
    for (const run of forms.embedded) {
      // A run with nothing partial around it that is already a literal adds nothing.
      if (!run.partialBefore && !run.partialAfter && this.literals.includes(run.core)) continue;
      const pattern = embeddedPattern(run);
      if (this.embedded.some((known) => known.pattern.source === pattern.source)) continue;
      this.embedded.push({ core: run.core, pattern });
    }
    this.detector = new RegExp(
      [...this.literals, ...this.embedded.map(({ core }) => core)].map(escapeRegExp).join("|"),
    );
  }

  /** Whether any form of any secret occurs in `text`. */
  contains(text: string): boolean {
    return this.detector !== null && this.detector.test(text);
  }

  /**
   * Whether any form of any secret occurs in `text`, letters compared without
   * regard to case: for text that was case-folded on the way, such as a host name.
   */
  containsIgnoringCase(text: string): boolean {
    const folded = text.toLowerCase();
    return [...this.literals, ...this.embedded.map(({ core }) => core)].some((form) =>
      folded.includes(form.toLowerCase()),
    );
  }

  scrub(text: string): string {
    if (!this.contains(text)) return text;
    let out = text;
    for (const literal of this.literals) if (out.includes(literal)) out = out.replaceAll(literal, REDACTED);
    for (const { core, pattern } of this.embedded) if (out.includes(core)) out = out.replace(pattern, REDACTED);
    return out;
  }

  /** Scrubs every string (keys included) inside a JSON value. */
  scrubValue<T>(value: T): T {
    if (this.detector === null) return value;
    if (typeof value === "string") return this.scrub(value) as T;
    if (Array.isArray(value)) return value.map((v) => this.scrubValue(v)) as T;
    if (value !== null && typeof value === "object")
      // fromEntries defines own properties, so a "__proto__" key stays a key.
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [this.scrub(k), this.scrubValue(v)])) as T;
    return value;
  }
}

/** The first `limit` UTF-16 units of `text`, never ending in half of a surrogate pair. */
export function truncateText(text: string, limit: number): string {
  if (text.length <= limit) return text;
  const code = text.charCodeAt(limit - 1);
  return text.slice(0, code >= 0xd800 && code <= 0xdbff ? limit - 1 : limit);
}
