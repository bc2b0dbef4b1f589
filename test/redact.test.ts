/** The Redactor on its own: every encoding of a secret it must catch, and JSON values it must keep intact. */
import { describe, expect, it } from "vitest";
import { REDACTED, Redactor } from "../src/engine/redact";

const SECRET = "s3cr\u00e9t/+=&~ <x>";

describe("Redactor.scrub", () => {
  it.each([
    ["raw", SECRET],
    ["percent-encoded", "s3cr%C3%A9t%2F%2B%3D%26~%20%3Cx%3E"],
    ["percent-encoded in lower case", "s3cr%c3%a9t%2f%2b%3d%26~%20%3cx%3e"],
    ["form-encoded", "s3cr%C3%A9t%2F%2B%3D%26%7E+%3Cx%3E"],
    ["form-encoded in lower case", "s3cr%c3%a9t%2f%2b%3d%26%7e+%3cx%3e"],
    ["percent-encoded twice", "s3cr%25C3%25A9t%252F%252B%253D%2526~%2520%253Cx%253E"],
    ["percent-encoded twice in lower case", "s3cr%25c3%25a9t%252f%252b%253d%2526~%2520%253cx%253e"],
    ["form-encoded, then percent-encoded", "s3cr%25C3%25A9t%252F%252B%253D%2526%257E%2B%253Cx%253E"],
    ["form-encoded, then percent-encoded, in lower case", "s3cr%25c3%25a9t%252f%252b%253d%2526%257e%2b%253cx%253e"],
    ["percent-encoded, then form-encoded", "s3cr%25C3%25A9t%252F%252B%253D%2526%7E%2520%253Cx%253E"],
    ["percent-encoded, then form-encoded, in lower case", "s3cr%25c3%25a9t%252f%252b%253d%2526%7e%2520%253cx%253e"],
    ["base64 of the UTF-8 bytes", "czNjcsOpdC8rPSZ+IDx4Pg=="],
    ["base64 without padding", "czNjcsOpdC8rPSZ+IDx4Pg"],
    ["base64url", "czNjcsOpdC8rPSZ-IDx4Pg=="],
    ["base64url without padding", "czNjcsOpdC8rPSZ-IDx4Pg"],
    ["hex", "73336372c3a9742f2b3d267e203c783e"],
    ["hex in upper case", "73336372C3A9742F2B3D267E203C783E"],
    ["a JSON Pointer token", "s3cr\u00e9t~1+=&~0 <x>"],
    ["JSON-escaped by PHP (\\/ and \\u00e9)", "s3cr\\u00e9t\\/+=&~ <x>"],
    ["JSON-escaped by Python (\\u00e9)", "s3cr\\u00e9t/+=&~ <x>"],
    ["JSON-escaped by Go (\\u0026, \\u003c, \\u003e)", "s3cr\u00e9t/+=\\u0026~ \\u003cx\\u003e"],
  ])("replaces the secret %s", (_label, form) => {
    const redactor = new Redactor([SECRET]);
    expect(redactor.scrub(`before ${form} after`)).toBe(`before ${REDACTED} after`);
  });

  it("escapes quotes and backslashes the way JSON does", () => {
    const redactor = new Redactor(['quote"back\\slash']);
    expect(redactor.scrub(JSON.stringify({ v: 'quote"back\\slash' }))).toBe(`{"v":"${REDACTED}"}`);
  });

  it("replaces a secret that contains another whole", () => {
    const redactor = new Redactor(["abcdefgh", "abcdefgh-longer"]);
    expect(redactor.scrub("abcdefgh-longer and abcdefgh")).toBe(`${REDACTED} and ${REDACTED}`);
  });

  it("matches a secret made of regular-expression syntax literally", () => {
    const secret = "a.b*c+d?(e)[f]{g}|h^$\\i/j";
    const redactor = new Redactor([secret]);
    expect(redactor.scrub(`x ${secret} y`)).toBe(`x ${REDACTED} y`);
    expect(redactor.scrub("aXbbbc+d?(e)[f]{g}|h^$\\i/j")).toBe("aXbbbc+d?(e)[f]{g}|h^$\\i/j");
    expect(redactor.contains("a.b*c+d?(e)[f]{g}|h")).toBe(false);
  });

  it("accepts a secret with a lone surrogate without throwing", () => {
    const redactor = new Redactor(["lone-\ud800-surrogate"]);
    expect(redactor.scrub("x lone-\ud800-surrogate y")).toBe(`x ${REDACTED} y`);
  });
});

/** Base64 (or base64url) of the UTF-8 bytes of `text`, independent of the code under test. */
function base64(text: string, url = false): string {
  let binary = "";
  for (const byte of new TextEncoder().encode(text)) binary += String.fromCharCode(byte);
  const standard = btoa(binary);
  return url ? standard.replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "") : standard;
}

describe("Redactor.scrub: the secret's base64 inside a longer base64 text", () => {
  it.each([
    ["at the start of a 3-byte group", "", "[REDACTED]F0YWls"],
    ["one byte into a group", "u", "d[REDACTED]hdGFpbA=="],
    ["two bytes into a group", "us", "dX[REDACTED]IXRhaWw="],
  ])("finds it %s, with the characters it shares with its neighbours", (_label, prefix, scrubbed) => {
    const redactor = new Redactor([SECRET]);
    expect(redactor.scrub(base64(`${prefix}${SECRET}!tail`))).toBe(scrubbed);
  });

  it.each([
    ["base64", false],
    ["base64url", true],
  ])("leaves no bit of the secret in %s, whatever comes before and after", (_label, url) => {
    // The same surroundings around two secrets of the same length, whose first and last bytes differ in
    // every bit that can share a base64 character with a neighbour: what is left must not differ.
    const other = "(3CR\u00c9T-*:!_ (ya";
    const one = new Redactor([SECRET]);
    const two = new Redactor([other]);
    for (let before = 0; before <= 5; before++)
      for (let after = 0; after <= 4; after++) {
        const [head, tail] = ["user:".slice(0, before), "!tail".slice(0, after)];
        const left = one.scrub(`Basic ${base64(`${head}${SECRET}${tail}`, url)}`);
        expect(left, `${before} before, ${after} after`).toContain(REDACTED);
        expect(left).toBe(two.scrub(`Basic ${base64(`${head}${other}${tail}`, url)}`));
      }
  });

  it("leaves base64 text that does not hold the secret as it is", () => {
    const redactor = new Redactor([SECRET]);
    const text = base64("s3cr\u00e9t/+=&~ <y> and more");
    expect(redactor.scrub(text)).toBe(text);
  });
});

describe("Redactor.contains", () => {
  it("finds every form, the embedded base64 too", () => {
    const redactor = new Redactor([SECRET]);
    expect(redactor.contains("https://x.example/?q=73336372C3A9742F2B3D267E203C783E")).toBe(true);
    expect(redactor.contains(base64(`user:${SECRET}`, true))).toBe(true);
    expect(redactor.contains("nothing here")).toBe(false);
  });

  it("compares without regard to case only when asked", () => {
    const redactor = new Redactor(["Tok3nWithCaps99"]);
    expect(redactor.contains("tok3nwithcaps99.evil.example")).toBe(false);
    expect(redactor.containsIgnoringCase("tok3nwithcaps99.evil.example")).toBe(true);
    expect(redactor.containsIgnoringCase(base64("Tok3nWithCaps99").toLowerCase())).toBe(true);
  });
});

describe("Redactor.scrubValue", () => {
  it("scrubs keys and values at any depth", () => {
    const redactor = new Redactor([SECRET]);
    expect(redactor.scrubValue({ [SECRET]: [1, { deep: `x${SECRET}` }] })).toEqual({
      [REDACTED]: [1, { deep: `x${REDACTED}` }],
    });
  });

  it('keeps a "__proto__" key as a key instead of setting the prototype', () => {
    const redactor = new Redactor([SECRET]);
    const value = JSON.parse('{"__proto__": {"polluted": true}, "ok": 1}');
    const scrubbed = redactor.scrubValue(value) as Record<string, unknown>;
    expect(JSON.stringify(scrubbed)).toBe('{"__proto__":{"polluted":true},"ok":1}');
    expect(Object.getPrototypeOf(scrubbed)).toBe(Object.prototype);
    expect((scrubbed as { polluted?: unknown }).polluted).toBeUndefined();
  });
});
