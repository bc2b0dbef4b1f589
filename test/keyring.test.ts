/**
 * The keyring: parsing ENCRYPTION_KEYS (and ENCRYPTION_KEY), failing closed
 * on every malformed setting, sealing under the current key, opening by the
 * key id a value names, and rewrapping without the plaintext leaving seal.ts.
 */
import { describe, expect, it } from "vitest";
import { loadKeyring } from "../src/crypto/keyring";
import { openSecret, rewrapSecret, SealError, sealedEnvelope, sealSecret, type SealBinding } from "../src/crypto/seal";
import { AppError } from "../src/problem";
import { testKey } from "./keys";
import { sealV1 } from "./legacy-seal";

/** The key id a sealed value names. */
const sealedKeyId = (sealed: string) => sealedEnvelope(sealed)?.keyId ?? null;
const B = (...parts: string[]): SealBinding => ["test", ...parts];

const NEW = await testKey(11);
const OLD = await testKey(22);
const OTHER = await testKey(33);

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => expect.fail("expected a rejection"),
    (err: unknown) => err,
  );
}

describe("ENCRYPTION_KEYS", () => {
  it("makes the first key current and keeps the others for opening", async () => {
    const keyring = await loadKeyring({ ENCRYPTION_KEYS: `${NEW.base64},${OLD.base64}` });
    expect(keyring.current.id).toBe(NEW.id);
    expect([...keyring.keys.keys()]).toEqual([NEW.id, OLD.id]);
  });

  it("names keys by their fingerprint: the first 4 bytes of SHA-256 of the key, in hex", async () => {
    const raw = Uint8Array.from(atob(NEW.base64), (ch) => ch.charCodeAt(0));
    const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", raw));
    const expected = Array.from(digest.subarray(0, 4), (b) => b.toString(16).padStart(2, "0")).join("");
    expect((await loadKeyring({ ENCRYPTION_KEYS: NEW.base64 })).current.id).toBe(expected);
    expect(NEW.id).toBe(expected);
  });

  it("seals new values under the current key and opens values sealed under an older one", async () => {
    const before = await loadKeyring({ ENCRYPTION_KEYS: OLD.base64 });
    const sealedBefore = await sealSecret(before, "sealed-under-old", B("1"));
    expect(sealedKeyId(sealedBefore)).toBe(OLD.id);

    const rotated = await loadKeyring({ ENCRYPTION_KEYS: `${NEW.base64},${OLD.base64}` });
    const sealedAfter = await sealSecret(rotated, "sealed-under-new", B("2"));
    expect(sealedKeyId(sealedAfter)).toBe(NEW.id);
    expect(await openSecret(rotated, sealedBefore, B("1"))).toBe("sealed-under-old");
    expect(await openSecret(rotated, sealedAfter, B("2"))).toBe("sealed-under-new");
  });

  it("opens the same values whatever the order of the keys: the id in the value picks the key", async () => {
    const a = await loadKeyring({ ENCRYPTION_KEYS: `${NEW.base64},${OLD.base64}` });
    const b = await loadKeyring({ ENCRYPTION_KEYS: `${OLD.base64},${NEW.base64}` });
    const sealedByA = await sealSecret(a, "either", B("aad"));
    const sealedByB = await sealSecret(b, "either", B("aad"));
    expect(sealedKeyId(sealedByA)).toBe(NEW.id);
    expect(sealedKeyId(sealedByB)).toBe(OLD.id);
    expect(await openSecret(b, sealedByA, B("aad"))).toBe("either");
    expect(await openSecret(a, sealedByB, B("aad"))).toBe("either");
  });

  it("refuses a value whose key was retired, naming the key id", async () => {
    const before = await loadKeyring({ ENCRYPTION_KEYS: `${NEW.base64},${OLD.base64}` });
    const sealedUnderOld = await sealSecret(await loadKeyring({ ENCRYPTION_KEYS: OLD.base64 }), "gone", B("aad"));
    expect(await openSecret(before, sealedUnderOld, B("aad"))).toBe("gone");
    const retired = await loadKeyring({ ENCRYPTION_KEYS: NEW.base64 });
    const err = await rejection(openSecret(retired, sealedUnderOld, B("aad")));
    expect(err).toBeInstanceOf(SealError);
    expect((err as SealError).reason).toBe("unknown_key");
    expect((err as SealError).keyId).toBe(OLD.id);
  });

  it("tolerates spaces and newlines around entries", async () => {
    const keyring = await loadKeyring({ ENCRYPTION_KEYS: ` ${NEW.base64} ,\n${OLD.base64}\n` });
    expect(keyring.current.id).toBe(NEW.id);
    expect(keyring.keys.size).toBe(2);
  });

  it("is the whole keyring when set: ENCRYPTION_KEY is then ignored", async () => {
    const legacy = await loadKeyring({ ENCRYPTION_KEY: OTHER.base64 });
    const sealedUnderLegacy = await sealSecret(legacy, "legacy", B("aad"));
    const keyring = await loadKeyring({ ENCRYPTION_KEYS: NEW.base64, ENCRYPTION_KEY: OTHER.base64 });
    expect(keyring.current.id).toBe(NEW.id);
    expect([...keyring.keys.keys()]).toEqual([NEW.id]);
    expect(((await rejection(openSecret(keyring, sealedUnderLegacy, B("aad")))) as SealError).reason).toBe(
      "unknown_key",
    );
  });

  it("ENCRYPTION_KEY alone is a one-key keyring, and its values open once the key moves into ENCRYPTION_KEYS", async () => {
    const legacy = await loadKeyring({ ENCRYPTION_KEY: OLD.base64 });
    expect(legacy.current.id).toBe(OLD.id);
    const sealed = await sealSecret(legacy, "from-the-old-setting", B("aad"));
    const moved = await loadKeyring({ ENCRYPTION_KEYS: `${NEW.base64},${OLD.base64}` });
    expect(await openSecret(moved, sealed, B("aad"))).toBe("from-the-old-setting");
  });

  it("is imported once per isolate: the same setting gives the same keyring object", async () => {
    const setting = { ENCRYPTION_KEYS: `${OTHER.base64},${NEW.base64}` };
    expect(await loadKeyring(setting)).toBe(await loadKeyring(setting));
  });

  const SUFFIX = "Secrets cannot be stored or used until it is fixed.";
  const LIST_RULE = "ENCRYPTION_KEYS is a comma-separated list of base64 keys of 32 bytes, the current key first.";
  it.each([
    ["empty", "", `ENCRYPTION_KEYS entry 1 of 1 is empty: ${LIST_RULE}`],
    ["a trailing comma", `${NEW.base64},`, `ENCRYPTION_KEYS entry 2 of 2 is empty: ${LIST_RULE}`],
    ["two commas in a row", `${NEW.base64},,${OLD.base64}`, `ENCRYPTION_KEYS entry 2 of 3 is empty: ${LIST_RULE}`],
    [
      "an entry that is not base64",
      `${NEW.base64},not base64!`,
      "ENCRYPTION_KEYS entry 2 of 2 is malformed: it must be base64 of exactly 32 bytes.",
    ],
    [
      "a 16-byte key",
      `${NEW.base64},${btoa("0123456789abcdef")}`,
      "ENCRYPTION_KEYS entry 2 of 2 is malformed: it must be base64 of exactly 32 bytes.",
    ],
    [
      "a labelled entry (ids are fingerprints, not labels)",
      `k2:${NEW.base64}`,
      "ENCRYPTION_KEYS entry 1 of 1 is malformed: it must be base64 of exactly 32 bytes.",
    ],
    [
      "a JSON object",
      JSON.stringify({ current: "k2", keys: { k2: NEW.base64 } }),
      "ENCRYPTION_KEYS entry 1 of 2 is malformed: it must be base64 of exactly 32 bytes.",
    ],
    [
      "the same key twice",
      `${NEW.base64},${OLD.base64},${NEW.base64}`,
      `ENCRYPTION_KEYS entries 1 and 3 are the same key (id ${NEW.id}); list each key once.`,
    ],
  ])("fails closed on %s with a 500 that names the entry and never a key", async (_label, setting, detail) => {
    const err = await rejection(loadKeyring({ ENCRYPTION_KEYS: setting, ENCRYPTION_KEY: OTHER.base64 }));
    expect(err).toBeInstanceOf(AppError);
    const problem = (err as AppError).toProblem();
    expect(problem).toMatchObject({ status: 500, code: "encryption_key_unavailable", detail: `${detail} ${SUFFIX}` });
    const text = JSON.stringify(problem);
    for (const key of [NEW, OLD, OTHER]) expect(text).not.toContain(key.base64);
  });
});

describe("rewrapSecret", () => {
  it("re-seals a value under the current key; the result opens without the old key", async () => {
    const old = await loadKeyring({ ENCRYPTION_KEYS: OLD.base64 });
    const sealed = await sealSecret(old, "rewrap-me-please", B("tool", "t", "token"));
    const rotated = await loadKeyring({ ENCRYPTION_KEYS: `${NEW.base64},${OLD.base64}` });

    const result = await rewrapSecret(rotated, sealed, B("tool", "t", "token"));

    expect(result.rewrapped).toBe(true);
    expect(sealedKeyId(result.sealed)).toBe(NEW.id);
    expect(result.sealed).not.toContain("rewrap-me-please");
    expect(Object.keys(result).sort()).toEqual(["rewrapped", "sealed"]);
    const retired = await loadKeyring({ ENCRYPTION_KEYS: NEW.base64 });
    expect(await openSecret(retired, result.sealed, B("tool", "t", "token"))).toBe("rewrap-me-please");
    expect(((await rejection(openSecret(retired, result.sealed, B("tool", "u", "token")))) as SealError).reason).toBe(
      "binding_mismatch",
    );
  });

  it("leaves a value already under the current key as it is (idempotent)", async () => {
    const keyring = await loadKeyring({ ENCRYPTION_KEYS: `${NEW.base64},${OLD.base64}` });
    const sealed = await sealSecret(keyring, "already-current", B("aad"));
    expect(await rewrapSecret(keyring, sealed, B("aad"))).toEqual({ sealed, rewrapped: false });
  });

  it("refuses what it cannot open: a retired key, the wrong binding, not a sealed value", async () => {
    const keyring = await loadKeyring({ ENCRYPTION_KEYS: NEW.base64 });
    const underOther = await sealSecret(await loadKeyring({ ENCRYPTION_KEYS: OTHER.base64 }), "x-secret", B("aad"));
    const current = await sealSecret(keyring, "y-secret", B("aad"));
    const unknown = (await rejection(rewrapSecret(keyring, underOther, B("aad")))) as SealError;
    expect([unknown.reason, unknown.keyId]).toEqual(["unknown_key", OTHER.id]);
    expect(((await rejection(rewrapSecret(keyring, current, B("other")))) as SealError).reason).toBe(
      "binding_mismatch",
    );
    expect(((await rejection(rewrapSecret(keyring, "plaintext!", B("aad")))) as SealError).reason).toBe("malformed");
  });

  it("moves a v1 value to v2 under the current key, bound to the binding given, only with its v1 additional data", async () => {
    const keyring = await loadKeyring({ ENCRYPTION_KEYS: `${NEW.base64},${OLD.base64}` });
    const v1UnderOld = await sealV1("old-format-secret", "tool:t:token", OLD.base64);
    const v1UnderNew = await sealV1("old-format-current", "tool:t:token", NEW.base64);

    const refused = (await rejection(rewrapSecret(keyring, v1UnderOld, B("tool", "t", "token")))) as SealError;
    expect(refused.reason).toBe("legacy_format");

    for (const [v1, plaintext] of [
      [v1UnderOld, "old-format-secret"],
      // Under the current key already, but v1: still moved.
      [v1UnderNew, "old-format-current"],
    ] as const) {
      const result = await rewrapSecret(keyring, v1, B("tool", "t", "token", "dest"), { v1Aad: "tool:t:token" });
      expect(result.rewrapped).toBe(true);
      expect(sealedEnvelope(result.sealed)).toEqual({ version: "v2", keyId: NEW.id });
      expect(await openSecret(keyring, result.sealed, B("tool", "t", "token", "dest"))).toBe(plaintext);
      expect(((await rejection(openSecret(keyring, result.sealed, B("tool", "t", "token")))) as SealError).reason).toBe(
        "binding_mismatch",
      );
    }
    const wrongAad = (await rejection(
      rewrapSecret(keyring, v1UnderOld, B("x"), { v1Aad: "tool:u:token" }),
    )) as SealError;
    expect(wrongAad.reason).toBe("auth_failed");
  });
});
