/**
 * The start of a value's JSON (src/engine/json-prefix.ts), and the log row's
 * payload text built from it (loggedJson in src/engine/execute.ts): exactly
 * what scrubbing the whole JSON and clipping it keeps, without writing a large
 * response out in full.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { LOG_PAYLOAD_LIMIT, loggedJson } from "../src/engine/execute";
import { jsonPrefix } from "../src/engine/json-prefix";
import { REDACTED, Redactor, truncateText } from "../src/engine/redact";

/** What the log row kept before: the whole JSON written, scrubbed, then clipped. */
function wholeThenClipped(value: unknown, redactor: Redactor) {
  const text = redactor.scrub(JSON.stringify(value) ?? "null");
  return text.length <= LOG_PAYLOAD_LIMIT
    ? { text, truncated: false }
    : { text: truncateText(text, LOG_PAYLOAD_LIMIT), truncated: true };
}

/** JSON values with containers large enough to be walked, at the top and nested. */
const manyEntries = fc.oneof(
  fc.jsonValue(),
  fc.array(fc.jsonValue({ maxDepth: 2 }), { minLength: 60, maxLength: 150 }),
  fc.dictionary(fc.string(), fc.array(fc.jsonValue({ maxDepth: 1 }), { minLength: 0, maxLength: 100 }), {
    minKeys: 1,
    maxKeys: 80,
  }),
);

/** Enough entries that a container holding them is walked rather than written in one go. */
const FILLER = Array.from({ length: 80 }, (_, i) => i);
const FILLER_KEYS = Object.fromEntries(FILLER.map((i) => [`k${i}`, i]));

describe("jsonPrefix", () => {
  it("is a prefix of JSON.stringify, at least as long as wanted, and complete only when it is all of it", () => {
    fc.assert(
      // Containers of more than 64 entries are walked; smaller ones are written by JSON.stringify in one go.
      fc.property(manyEntries, fc.nat(4000), (value, wanted) => {
        const full = JSON.stringify(value);
        const prefix = jsonPrefix(value, wanted)!;
        expect(full.startsWith(prefix.text)).toBe(true);
        expect(prefix.complete).toBe(prefix.text === full);
        if (!prefix.complete) expect(prefix.text.length).toBeGreaterThanOrEqual(wanted);
      }),
      { numRuns: 500 },
    );
  });

  it("writes what JSON.stringify writes for undefined, functions, toJSON, class instances and sparse arrays", () => {
    const values: unknown[] = [
      { a: undefined, b: () => 1, c: [undefined, () => 1, , 3], d: new Date(0), e: new Map([[1, 2]]) },
      { ...FILLER_KEYS, a: undefined, b: () => 1, c: [undefined, () => 1, , 3, ...FILLER], d: new Date(0) },
      [Symbol("s"), { toJSON: () => "custom" }, Object.create(null, { k: { value: 1, enumerable: true } })],
      [...FILLER, Symbol("s"), undefined, { toJSON: () => "custom" }, Object.assign(Object.create(null), FILLER_KEYS)],
      { nested: { deeper: [{ x: 1 }, "y"] }, n: -0, big: 1e21, s: 'quote " and \u2028' },
    ];
    for (const value of values)
      expect(jsonPrefix(value, 1_000_000)).toEqual({ text: JSON.stringify(value), complete: true });
    expect(jsonPrefix(undefined, 10)).toBeUndefined();
    expect(jsonPrefix(() => 1, 10)).toBeUndefined();
  });

  it("stops after about wanted characters of a large array", () => {
    const large = Array.from({ length: 1000 }, (_, i) => ({ id: i, note: "x".repeat(90) }));
    const prefix = jsonPrefix(large, 20_000)!;
    expect(prefix.complete).toBe(false);
    // Past `wanted` by at most a couple of elements (about 110 characters each).
    expect(prefix.text.length).toBeLessThan(20_400);
    expect(JSON.stringify(large).startsWith(prefix.text)).toBe(true);
  });

  it("throws on a cycle, as JSON.stringify does", () => {
    const cyclic: Record<string, unknown> = { a: 1 };
    cyclic.self = cyclic;
    expect(() => jsonPrefix(cyclic, 1_000_000)).toThrow(TypeError);
  });
});

describe("loggedJson", () => {
  it("keeps what scrubbing the whole JSON keeps, for values with secrets around the cut", () => {
    const secret = fc.oneof(
      fc.string({ minLength: 1, maxLength: 7 }),
      fc.string({ minLength: 8, maxLength: 3000 }),
      fc.constantFrom('tail","head-of-a-secret', "sk_live_0123456789abcdef"),
    );
    fc.assert(
      fc.property(
        fc.array(secret, { minLength: 1, maxLength: 3 }),
        fc.array(fc.tuple(fc.nat(3000), fc.nat(3)), { maxLength: 40 }),
        fc.integer({ min: LOG_PAYLOAD_LIMIT - 3000, max: LOG_PAYLOAD_LIMIT + 3000 }),
        (secrets, pieces, lead) => {
          const redactor = new Redactor(secrets);
          const value = [
            "a".repeat(lead),
            ...pieces.map(([n, k]) => `${"b".repeat(n % 500)}${secrets[k % secrets.length]}`),
            ...FILLER,
          ];
          expect(loggedJson(value, redactor)).toEqual(wholeThenClipped(value, redactor));
        },
      ),
      { numRuns: 150 },
    );
  });

  it("finds a secret whose form runs over the point where less would have been written", () => {
    // As raw text, the secret spans two properties (written one by one); the first ends past the clip,
    // the secret starts before it.
    const first = "start-of-a-secret-that-runs-over-the-clip";
    const secret = `${first}","b":"end-of-it`;
    const value = {
      a: `${"a".repeat(LOG_PAYLOAD_LIMIT - 30)}${first}`,
      b: `end-of-it${"c".repeat(100)}`,
      ...FILLER_KEYS,
    };
    const logged = loggedJson(value, new Redactor([secret]));
    expect(logged.truncated).toBe(true);
    expect(logged.text).toContain(REDACTED);
    expect(logged.text).not.toContain("start-of");
    expect(logged).toEqual(wholeThenClipped(value, new Redactor([secret])));
  });

  it("writes on when redaction leaves too little: a long secret repeated is not cut short", () => {
    const secret = "k".repeat(1000);
    const value = Array.from({ length: 100 }, () => secret);
    const logged = loggedJson(value, new Redactor([secret]));
    expect(logged.truncated).toBe(false);
    expect(JSON.parse(logged.text)).toEqual(Array.from({ length: 100 }, () => REDACTED));
  });
});
