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
 *
 * A short secret (fewer than SHORT_SECRET_CHARACTERS characters, such as
 * `abc123`) would match ordinary text in those forms: its base64 or hex, even
 * its letters, turn up by chance. So it is searched for as a whole value only
 * (`isWholeValueAt`): a quoted string, a query or form value, a URL path
 * segment or JSON Pointer token, a header line's value, or a whole string,
 * and never in encoded forms.
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
  /** Spellings replaced only where they stand as a whole value of one of their kinds (a short secret's). */
  wholeValues: WholeValueSpelling[];
}

/**
 * Where a whole value stands in a text (`isWholeValueAt` says exactly):
 * - `quoted`: the whole content of a quoted string, `"…"` or `'…'` (after `Bearer `, too);
 * - `query`: a query or form value, from `=` to `&`, `#`, `;`, white space, a quote or the end;
 * - `segment`: a URL path segment or JSON Pointer token, from `/` to `/`, `?`, `#`, white space, a quote or the end;
 * - `header`: the value of a header line, `Name: …` (after `Bearer `, too) to the end of the line;
 * - `whole`: the whole text (after `Bearer `, too): a JSON string value or key, a number's digits.
 */
export type WholeValueKind = "quoted" | "query" | "segment" | "header" | "whole";

export interface WholeValueSpelling {
  text: string;
  kinds: WholeValueKind[];
}

/**
 * Secrets shorter than this many characters (Unicode code points) are found
 * only as whole values. Eight is where a key stops looking like a word: the
 * examples people type (`abc123`, `xxxxx`) are shorter, real keys are longer.
 */
export const SHORT_SECRET_CHARACTERS = 8;

export function isShortSecret(secret: string): boolean {
  return [...secret].length < SHORT_SECRET_CHARACTERS;
}

/**
 * Every form of `secret` that is scrubbed: the one place that decides it. A
 * short secret gets no literal or encoded forms, only its whole-value
 * spellings: as written, JSON-escaped inside quotes, URL-encoded as a query
 * value or path segment, and as a JSON Pointer token.
 */
export function secretForms(secret: string): SecretForms {
  if (isShortSecret(secret)) return { literals: [], embedded: [], wholeValues: wholeValueSpellings(secret) };
  const bytes = new TextEncoder().encode(secret);
  return {
    literals: [...new Set(LITERAL_ENCODINGS.flatMap((encode) => encode(secret, bytes)))].filter(Boolean),
    embedded: embeddedBase64(bytes),
    wholeValues: [],
  };
}

function wholeValueSpellings(secret: string): WholeValueSpelling[] {
  const byText = new Map<string, Set<WholeValueKind>>();
  const spell = (kind: WholeValueKind, texts: string[]) => {
    for (const text of texts) if (text) byText.set(text, (byText.get(text) ?? new Set()).add(kind));
  };
  spell("whole", [secret]);
  spell("header", [secret]);
  spell("quoted", jsonEscapings(secret));
  spell("query", [secret, ...bothEscapeCases(percentEncode(secret)), ...bothEscapeCases(formEncode(secret))]);
  spell("segment", [secret, ...bothEscapeCases(percentEncode(secret)), pointerToken(secret)]);
  return [...byText].map(([text, kinds]) => ({ text, kinds: [...kinds] }));
}

/** The start of a header line up to its value: an RFC 9110 token, a colon, blanks, and perhaps `Bearer `. */
const HEADER_LINE_START = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+:[ \t]*(?:bearer )?$/i;
/** Longer than any header line start worth looking back over: names are short. */
const HEADER_LINE_START_LIMIT = 256;

/** Whether `text` has `spelling` at `at` standing as a whole value of one of its kinds (see WholeValueKind). */
export function isWholeValueAt(text: string, at: number, spelling: WholeValueSpelling): boolean {
  const end = at + spelling.text.length;
  const before = text[at - 1];
  const after = text[end];
  // A value ends a sentence too: "…?key=abc123." is the whole value, "…/abc123.json" is not.
  const ends = (terminators: RegExp) =>
    after === undefined || terminators.test(after) || (/[.,)]/.test(after) && /^\s?$/.test(text[end + 1] ?? ""));
  // "Bearer abc123": the scheme and one space before the value (the header toolgate sends).
  const bearer = text.slice(Math.max(0, at - 7), at).toLowerCase() === "bearer " ? 7 : 0;
  for (const kind of spelling.kinds)
    switch (kind) {
      case "whole":
        if ((at === 0 || (bearer && at === 7)) && end === text.length) return true;
        break;
      case "quoted": {
        const open = text[at - 1 - bearer];
        if ((open === '"' || open === "'") && (after === open || (after === "\\" && text[end + 1] === open)))
          return true;
        break;
      }
      case "query":
        if (before === "=" && ends(/[&#;\s"'<>\\]/)) return true;
        break;
      case "segment":
        if (before === "/" && ends(/[/?#\s"'<>\\]/)) return true;
        break;
      case "header": {
        // Only a bounded stretch is looked back over: a header line's start is short.
        const from = Math.max(0, at - HEADER_LINE_START_LIMIT);
        const stretch = text.slice(from, at);
        const newline = Math.max(stretch.lastIndexOf("\n"), stretch.lastIndexOf("\r"));
        const lineStartSeen = newline >= 0 || from === 0;
        const restOfLine = /^[ \t]*(?:[\r\n]|$)/.test(text.slice(end, end + HEADER_LINE_START_LIMIT));
        if (lineStartSeen && restOfLine && HEADER_LINE_START.test(stretch.slice(newline + 1))) return true;
        break;
      }
    }
  return false;
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
   * almost every string is clean. Null when there are none.
   */
  private detector: RegExp | null = null;
  /** Short secrets' spellings, longest first: each found only where it stands as a whole value. */
  private wholeValues: WholeValueSpelling[] = [];
  /** The length of the longest text searched for (cutMargin). */
  private longestForm = 0;

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
    for (const spelling of forms.wholeValues) {
      const known = this.wholeValues.find((w) => w.text === spelling.text);
      if (known) known.kinds = [...new Set([...known.kinds, ...spelling.kinds])];
      else this.wholeValues.push({ text: spelling.text, kinds: [...spelling.kinds] });
    }
    this.wholeValues.sort((a, b) => b.text.length - a.text.length);
    const searched = this.searchedForms();
    this.detector = searched.length > 0 ? new RegExp(searched.map(escapeRegExp).join("|")) : null;
    for (const text of [...searched, ...this.wholeValues.map((w) => w.text)])
      this.longestForm = Math.max(this.longestForm, text.length);
  }

  /** Whether any form of any secret occurs in `text`. */
  contains(text: string): boolean {
    return (this.detector !== null && this.detector.test(text)) || this.wholeValueRanges(text, true).length > 0;
  }

  /**
   * Whether any form of any secret occurs in `text`, letters compared without
   * regard to case: for text that was case-folded on the way, such as a host
   * name. A short secret counts as a whole label (between dots) or the whole text.
   */
  containsIgnoringCase(text: string): boolean {
    const folded = text.toLowerCase();
    const labels = folded.split(".");
    return (
      this.searchedForms().some((form) => folded.includes(form.toLowerCase())) ||
      this.wholeValues.some(({ text: spelling }) => labels.includes(spelling.toLowerCase()))
    );
  }

  scrub(text: string): string {
    let out = text;
    if (this.detector !== null && this.detector.test(out)) {
      for (const literal of this.literals) if (out.includes(literal)) out = out.replaceAll(literal, REDACTED);
      for (const { core, pattern } of this.embedded) if (out.includes(core)) out = out.replace(pattern, REDACTED);
    }
    const ranges = this.wholeValueRanges(out, false);
    if (ranges.length === 0) return out;
    const parts: string[] = [];
    let from = 0;
    for (const [start, end] of ranges) {
      parts.push(out.slice(from, start), REDACTED);
      from = end;
    }
    parts.push(out.slice(from));
    return parts.join("");
  }

  /** Scrubs every string (keys included) inside a JSON value, and a number whose digits are a secret. */
  scrubValue<T>(value: T): T {
    if (this.detector === null && this.wholeValues.length === 0) return value;
    if (typeof value === "string") return this.scrub(value) as T;
    if (typeof value === "number") return (this.contains(String(value)) ? REDACTED : value) as T;
    if (Array.isArray(value)) return value.map((v) => this.scrubValue(v)) as T;
    if (value !== null && typeof value === "object")
      // fromEntries defines own properties, so a "__proto__" key stays a key.
      return Object.fromEntries(Object.entries(value).map(([k, v]) => [this.scrub(k), this.scrubValue(v)])) as T;
    return value;
  }

  /**
   * How far past the characters that are kept a text must reach before it is
   * scrubbed and cut, for the cut to change nothing kept. A scrub of the start
   * of a text finds what the whole text's scrub finds there, except a form
   * that runs over the end, or whose whole-value check looks past it (up to
   * 256 characters): so the longest form and that look-ahead, counted ten
   * times over, as REDACTED is ten times a one-character secret.
   */
  cutMargin(): number {
    return 10 * (this.longestForm + 512);
  }

  /**
   * `scrub(text)` as far as its first `keep` characters go: the scrub of a
   * start of `text` long enough that, scrubbed, it reaches cutMargin() past
   * `keep` (all of it when it is shorter). For text that is cut to `keep`
   * after scrubbing: a 200 KB body is not searched in full for 8 KiB.
   */
  scrubStart(text: string, keep: number): string {
    if (text.length <= keep) return this.scrub(text);
    const margin = this.cutMargin();
    for (let end = keep + margin; ; end *= 4) {
      if (end >= text.length) return this.scrub(text);
      const scrubbed = this.scrub(text.slice(0, end));
      if (scrubbed.length >= keep + margin) return scrubbed;
    }
  }

  private searchedForms(): string[] {
    return [...this.literals, ...this.embedded.map(({ core }) => core)];
  }

  /** Where short secrets stand as whole values in `text`: [start, end) ranges, in order, not overlapping. */
  private wholeValueRanges(text: string, firstOnly: boolean): [number, number][] {
    const found: [number, number][] = [];
    for (const spelling of this.wholeValues)
      for (let at = text.indexOf(spelling.text); at >= 0; at = text.indexOf(spelling.text, at + 1))
        if (isWholeValueAt(text, at, spelling)) {
          found.push([at, at + spelling.text.length]);
          if (firstOnly) return found;
        }
    found.sort((a, b) => a[0] - b[0] || b[1] - a[1]);
    const merged: [number, number][] = [];
    for (const range of found) {
      const last = merged.at(-1);
      if (last && range[0] < last[1]) last[1] = Math.max(last[1], range[1]);
      else merged.push(range);
    }
    return merged;
  }
}

/** The first `limit` UTF-16 units of `text`, never ending in half of a surrogate pair. */
export function truncateText(text: string, limit: number): string {
  if (text.length <= limit) return text;
  const code = text.charCodeAt(limit - 1);
  return text.slice(0, code >= 0xd800 && code <= 0xdbff ? limit - 1 : limit);
}
