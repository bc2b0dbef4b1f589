/** The Redactor on its own: every encoding of a secret it must catch, and JSON values it must keep intact. */
import fc from "fast-check";
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

describe("a short secret: whole values only", () => {
  const KEY = "abc123";
  const TOKEN = "xxxxx";
  const redactor = new Redactor([KEY, TOKEN]);

  it.each([
    ["a whole string", KEY, REDACTED],
    ["a whole string after Bearer", `Bearer ${TOKEN}`, `Bearer ${REDACTED}`],
    ["a quoted string", `{"key":"${KEY}"}`, `{"key":"${REDACTED}"}`],
    ["a single-quoted string", `{'key': '${KEY}'}`, `{'key': '${REDACTED}'}`],
    ["a quoted Bearer value", `{"authorization":"Bearer ${TOKEN}"}`, `{"authorization":"Bearer ${REDACTED}"}`],
    ["an escaped quoted string", `"{\\"key\\":\\"${KEY}\\"}"`, `"{\\"key\\":\\"${REDACTED}\\"}"`],
    ["a query value", `https://x.example/?appid=${KEY}&q=1`, `https://x.example/?appid=${REDACTED}&q=1`],
    ["a query value at the end", `https://x.example/?appid=${KEY}`, `https://x.example/?appid=${REDACTED}`],
    ["a query value before a fragment", `/p?a=${KEY}#top`, `/p?a=${REDACTED}#top`],
    ["a query value ending a sentence", `Called ?appid=${KEY}. Done`, `Called ?appid=${REDACTED}. Done`],
    ["a path segment", `https://x.example/keys/${KEY}/info`, `https://x.example/keys/${REDACTED}/info`],
    ["a JSON Pointer token", `/output/${KEY}`, `/output/${REDACTED}`],
    [
      "a header line",
      `Host: x\r\nX-Api-Key: ${KEY}\r\nAccept: */*`,
      `Host: x\r\nX-Api-Key: ${REDACTED}\r\nAccept: */*`,
    ],
    ["a Bearer header line", `Authorization: Bearer ${TOKEN}\n`, `Authorization: Bearer ${REDACTED}\n`],
  ])("replaces %s", (_label, text, scrubbed) => {
    expect(redactor.scrub(text)).toBe(scrubbed);
    expect(redactor.contains(text)).toBe(true);
  });

  it.each([
    ["a longer word", "abc1234"],
    ["a longer run", "xxxxxx"],
    ["a word in a sentence", "the abc123 model"],
    ["a longer quoted string", '"the abc123 model"'],
    ["a prefix in quotes", '"abc123x"'],
    ["a longer query value", "?appid=abc123x&q=1"],
    ["a query value that goes on after a dot", "?v=abc123.5"],
    ["a file name", "/files/abc123.json"],
    ["a path segment that goes on", "/keys/abc123-old/"],
    ["a header line that goes on", "X-Note: abc123 is the model\n"],
    ["a colon in prose", "The model was: abc123 and more"],
    ["its base64", "YWJjMTIz"],
    ["its hex", "616263313233"],
    ["Bearer and more", "Bearer xxxxx more"],
    ["six x in a quote", '"xxxxxx"'],
  ])("leaves %s as it is", (_label, text) => {
    expect(redactor.scrub(text)).toBe(text);
    expect(redactor.contains(text)).toBe(false);
  });

  it("scrubs whole JSON values at any depth, a number whose digits are the secret too, and leaves the rest", () => {
    const pin = new Redactor(["4711"]);
    expect(pin.scrubValue({ pin: 4711, count: 47110, note: "pin 4711 sent" })).toEqual({
      pin: REDACTED,
      count: 47110,
      note: "pin 4711 sent",
    });
    expect(
      redactor.scrubValue({
        [KEY]: { headers: { "x-api-key": KEY, authorization: `Bearer ${TOKEN}` } },
        text: "the abc123 model answered xxxxxx",
        list: ["abc1234", KEY],
      }),
    ).toEqual({
      [REDACTED]: { headers: { "x-api-key": REDACTED, authorization: `Bearer ${REDACTED}` } },
      text: "the abc123 model answered xxxxxx",
      list: ["abc1234", REDACTED],
    });
  });

  it("finds a short secret's URL-encoded spellings only as a query value or path segment", () => {
    const spaced = new Redactor(["a b/c"]);
    expect(spaced.scrub("?k=a%20b%2Fc&x=1")).toBe(`?k=${REDACTED}&x=1`);
    expect(spaced.scrub("?k=a+b%2fc")).toBe(`?k=${REDACTED}`);
    expect(spaced.scrub("/a%20b%2Fc/")).toBe(`/${REDACTED}/`);
    expect(spaced.scrub("text a%20b%2Fc text")).toBe("text a%20b%2Fc text");
  });

  it("takes a host label, ignoring case, as a whole value in a host name", () => {
    expect(redactor.containsIgnoringCase("abc123.evil.example")).toBe(true);
    expect(redactor.containsIgnoringCase("ABC123.evil.example")).toBe(true);
    expect(redactor.containsIgnoringCase("abc1234.evil.example")).toBe(false);
  });

  it("treats a secret of 8 characters or more as before: found inside longer text", () => {
    const long = new Redactor(["abcd1234"]);
    expect(long.scrub("the abcd1234 model")).toBe(`the ${REDACTED} model`);
    const seven = new Redactor(["abcd123"]);
    expect(seven.scrub("the abcd123 model")).toBe("the abcd123 model");
  });

  it("finds nothing at all when it holds only short secrets and the text has none", () => {
    expect(redactor.contains("nothing here")).toBe(false);
    expect(new Redactor([]).contains("anything")).toBe(false);
  });
});

describe("Redactor.scrubStart", () => {
  /** What a text cut to `keep` after scrubbing keeps, and whether it was cut. */
  const kept = (text: string, keep: number) => ({ text: text.slice(0, keep), cut: text.length > keep });

  it("keeps what scrubbing the whole text keeps, with secrets around the cut", () => {
    fc.assert(
      fc.property(
        fc.array(fc.oneof(fc.string({ minLength: 1, maxLength: 7 }), fc.string({ minLength: 8, maxLength: 2000 })), {
          minLength: 1,
          maxLength: 3,
        }),
        fc.array(fc.tuple(fc.nat(2000), fc.nat(3)), { maxLength: 30 }),
        fc.integer({ min: 0, max: 40_000 }),
        (secrets, pieces, lead) => {
          const redactor = new Redactor(secrets);
          const text = `${"a".repeat(lead)}${pieces.map(([n, k]) => `${" ".repeat(n % 300)}${secrets[k % secrets.length]}`).join("")}${"z".repeat(30_000)}`;
          expect(kept(redactor.scrubStart(text, 8192), 8192)).toEqual(kept(redactor.scrub(text), 8192));
        },
      ),
      { numRuns: 100 },
    );
  });

  it("finds a secret that runs over the characters kept", () => {
    const secret = "sk_live_0123456789abcdef";
    const text = `${"a".repeat(8192 - 5)}${secret}${"b".repeat(100_000)}`;
    const scrubbed = new Redactor([secret]).scrubStart(text, 8192);
    expect(scrubbed.slice(0, 8192)).not.toContain("sk_li");
    expect(scrubbed.slice(0, 8192).endsWith(REDACTED.slice(0, 5))).toBe(true);
  });

  it("reads on when redaction leaves too little: a long secret repeated is not cut short", () => {
    const secret = "k".repeat(1000);
    const text = secret.repeat(100);
    expect(new Redactor([secret]).scrubStart(text, 8192)).toBe(REDACTED.repeat(100));
  });
});
