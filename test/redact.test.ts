/** The Redactor on its own: every encoding of a secret it must catch, and JSON values it must keep intact. */
import { describe, expect, it } from "vitest";
import { REDACTED, Redactor } from "../src/engine/redact";

const SECRET = "s3cr\u00e9t/+=&~ <x>";

describe("Redactor.scrub", () => {
  it.each([
    ["raw", SECRET],
    ["percent-encoded", "s3cr%C3%A9t%2F%2B%3D%26~%20%3Cx%3E"],
    ["form-encoded", "s3cr%C3%A9t%2F%2B%3D%26%7E+%3Cx%3E"],
    ["base64 of the UTF-8 bytes", "czNjcsOpdC8rPSZ+IDx4Pg=="],
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

  it("accepts a secret with a lone surrogate without throwing", () => {
    const redactor = new Redactor(["lone-\ud800-surrogate"]);
    expect(redactor.scrub("x lone-\ud800-surrogate y")).toBe(`x ${REDACTED} y`);
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
