/**
 * Sealing of secrets at rest: the v2 AES-GCM envelope, its binding MAC, its
 * failure modes, the v1 values it still reads, and the binding to a row.
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { loadKeyring } from "../src/crypto/keyring";
import { openSecret, SealError, sealSecret, type Keyring, type SealBinding } from "../src/crypto/seal";
import { toolDestination, toolSecretBinding } from "../src/engine/auth/binding";
import { AppError } from "../src/problem";
import { api, createTool, execute, json, useUpstream, waitForLog } from "./helpers";
import { sealV1 } from "./legacy-seal";

const upstream = useUpstream();

const SEALED_FORMAT = /^v2\.([0-9a-f]{8})\.([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]{43})$/;

/** Bindings for these tests; the real layouts are in src/engine/auth/binding.ts. */
const B = (...parts: (string | null)[]): SealBinding => ["test", ...parts];

function base64OfBytes(bytes: Uint8Array): string {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}

function base64UrlToBytes(text: string): Uint8Array {
  const binary = atob(text.replaceAll("-", "+").replaceAll("_", "/"));
  return Uint8Array.from(binary, (ch) => ch.charCodeAt(0));
}

function keyOfBytes(fill: (i: number) => number, length = 32): string {
  return base64OfBytes(Uint8Array.from({ length }, (_, i) => fill(i)));
}

function mainKey(): Promise<Keyring> {
  return loadKeyring(env);
}

/** A one-key keyring of the given key. */
function keyringOf(encoded: string): Promise<Keyring> {
  return loadKeyring({ ENCRYPTION_KEYS: encoded });
}

/** The parts of a sealed value; fails the test if it is not in the v2 format. */
function partsOf(sealed: string): { kid: string; iv: string; ct: string; mac: string } {
  const match = SEALED_FORMAT.exec(sealed);
  expect(match, sealed).not.toBeNull();
  return { kid: match![1]!, iv: match![2]!, ct: match![3]!, mac: match![4]! };
}

/** Replaces the first character of a base64url string with a different one (all six of its bits are used). */
function flipFirstChar(text: string): string {
  return (text[0] === "A" ? "B" : "A") + text.slice(1);
}

async function sealError(promise: Promise<unknown>): Promise<SealError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(SealError);
  return err as SealError;
}

async function appError(promise: Promise<unknown>): Promise<AppError> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(AppError);
  return err as AppError;
}

describe("sealSecret / openSecret", () => {
  it("round-trips a secret, including non-ASCII and empty text", async () => {
    const key = await mainKey();
    for (const plaintext of ["sk-live-4f9a", "pässwörd 🔑 with spaces", "", "x".repeat(8192)]) {
      const sealed = await sealSecret(key, plaintext, B("tool", "abc", "token"));
      expect(sealed).toMatch(SEALED_FORMAT);
      if (plaintext) expect(sealed).not.toContain(plaintext);
      expect(await openSecret(key, sealed, B("tool", "abc", "token"))).toBe(plaintext);
    }
  });

  it("names the key by an 8-hex-digit id derived from it, the same for every seal", async () => {
    const key = await mainKey();
    expect(key.current.id).toMatch(/^[0-9a-f]{8}$/);
    const a = partsOf(await sealSecret(key, "one", B("aad")));
    const b = partsOf(await sealSecret(key, "two", B("aad")));
    expect(a.kid).toBe(key.current.id);
    expect(b.kid).toBe(key.current.id);
    const other = await keyringOf(keyOfBytes((i) => i + 1));
    expect(other.current.id).toMatch(/^[0-9a-f]{8}$/);
    expect(other.current.id).not.toBe(key.current.id);
  });

  it("uses a fresh 12-byte IV for every seal, so equal plaintexts seal differently", async () => {
    const key = await mainKey();
    const first = await sealSecret(key, "same-plaintext", B("tool", "t1", "token"));
    const second = await sealSecret(key, "same-plaintext", B("tool", "t1", "token"));
    expect(first).not.toBe(second);
    const a = partsOf(first);
    const b = partsOf(second);
    expect(a.iv).not.toBe(b.iv);
    expect(a.ct).not.toBe(b.ct);
    expect(base64UrlToBytes(a.iv).byteLength).toBe(12);
    expect(base64UrlToBytes(b.iv).byteLength).toBe(12);
    // AES-GCM: ciphertext is as long as the plaintext, plus a 16-byte tag.
    expect(base64UrlToBytes(a.ct).byteLength).toBe("same-plaintext".length + 16);
    expect(await openSecret(key, first, B("tool", "t1", "token"))).toBe("same-plaintext");
    expect(await openSecret(key, second, B("tool", "t1", "token"))).toBe("same-plaintext");
  });

  it("binds the value with a MAC of its binding: 32 bytes, the same for the same binding and key, never the plaintext", async () => {
    const key = await mainKey();
    const a = partsOf(await sealSecret(key, "one-plaintext", B("tool", "t1", "token")));
    const b = partsOf(await sealSecret(key, "another-plaintext", B("tool", "t1", "token")));
    const c = partsOf(await sealSecret(key, "one-plaintext", B("tool", "t2", "token")));
    expect(base64UrlToBytes(a.mac).byteLength).toBe(32);
    expect(b.mac).toBe(a.mac);
    expect(c.mac).not.toBe(a.mac);
    // Under another key, the same binding has another MAC: its key is derived from the sealing key.
    const other = await keyringOf(keyOfBytes((i) => i + 9));
    expect(partsOf(await sealSecret(other, "one-plaintext", B("tool", "t1", "token"))).mac).not.toBe(a.mac);
  });

  it("fails with auth_failed when one character of the ciphertext is changed (the MAC still matches)", async () => {
    const key = await mainKey();
    const sealed = await sealSecret(key, "tamper-me", B("tool", "t1", "token"));
    const { kid, iv, ct, mac } = partsOf(sealed);
    const tampered = ["v2", kid, iv, flipFirstChar(ct), mac].join(".");
    expect(tampered).not.toBe(sealed);
    const err = await sealError(openSecret(key, tampered, B("tool", "t1", "token")));
    expect(err.reason).toBe("auth_failed");
    expect(err.message).toBe("sealed value could not be opened: auth_failed");
  });

  it("fails with auth_failed when the IV is changed", async () => {
    const key = await mainKey();
    const { kid, iv, ct, mac } = partsOf(await sealSecret(key, "tamper-me", B("tool", "t1", "token")));
    const err = await sealError(
      openSecret(key, ["v2", kid, flipFirstChar(iv), ct, mac].join("."), B("tool", "t1", "token")),
    );
    expect(err.reason).toBe("auth_failed");
  });

  it("fails with binding_mismatch under a different binding (another row, field or destination), before decrypting", async () => {
    const key = await mainKey();
    const sealed = await sealSecret(key, "bound-to-row", B("tool", "aaaa", "token", "https://a.example"));
    for (const binding of [
      B("tool", "bbbb", "token", "https://a.example"),
      B("tool", "aaaa", "value", "https://a.example"),
      B("tool", "aaaa", "token", "https://b.example"),
      B("tool", "aaaa", "token", null),
      B("tool", "aaaa", "token", "https://a.example", null),
      B("tool", "aaaa", "token:https://a.example"),
      [],
    ]) {
      const err = await sealError(openSecret(key, sealed, binding));
      expect(err.reason, JSON.stringify(binding)).toBe("binding_mismatch");
    }
    expect(await openSecret(key, sealed, B("tool", "aaaa", "token", "https://a.example"))).toBe("bound-to-row");
  });

  it("canonicalises the binding as a JSON array, so no two bindings share a form by joining", async () => {
    const key = await mainKey();
    // Joined with ":", these two would both read "tool:a:b:c".
    const sealed = await sealSecret(key, "no-joins", B("a:b", "c"));
    expect((await sealError(openSecret(key, sealed, B("a", "b:c")))).reason).toBe("binding_mismatch");
    // null and "null" are different facts.
    const withNull = await sealSecret(key, "null-vs-text", B("x", null));
    expect((await sealError(openSecret(key, withNull, B("x", "null")))).reason).toBe("binding_mismatch");
    expect(await openSecret(key, withNull, B("x", null))).toBe("null-vs-text");
  });

  it("binds the ciphertext itself too: another value's MAC for the right binding does not make it open", async () => {
    const key = await mainKey();
    // What someone who can write to D1 can do: take this row's MAC and put another row's ciphertext beside it.
    const here = partsOf(await sealSecret(key, "this-rows-secret", B("tool", "here", "token")));
    const there = partsOf(await sealSecret(key, "another-rows-secret", B("tool", "there", "token")));
    const spliced = ["v2", there.kid, there.iv, there.ct, here.mac].join(".");
    expect((await sealError(openSecret(key, spliced, B("tool", "here", "token")))).reason).toBe("auth_failed");
  });

  it("fails with binding_mismatch when the stored MAC is changed", async () => {
    const key = await mainKey();
    const { kid, iv, ct, mac } = partsOf(await sealSecret(key, "mac-tamper", B("x")));
    const err = await sealError(openSecret(key, ["v2", kid, iv, ct, flipFirstChar(mac)].join("."), B("x")));
    expect(err.reason).toBe("binding_mismatch");
  });

  it("fails with unknown_key when opened with a different key", async () => {
    const key = await mainKey();
    const other = await keyringOf(keyOfBytes((i) => 255 - i));
    const sealed = await sealSecret(key, "for-key-one", B("aad"));
    const err = await sealError(openSecret(other, sealed, B("aad")));
    expect(err.reason).toBe("unknown_key");
    expect(err.keyId).toBe(key.current.id);
  });

  it("fails closed when the key id is forged to name the other key: its MAC key does not match", async () => {
    const key = await mainKey();
    const other = await keyringOf(keyOfBytes((i) => (i * 7) % 256));
    const { iv, ct, mac } = partsOf(await sealSecret(key, "for-key-one", B("aad")));
    const err = await sealError(openSecret(other, ["v2", other.current.id, iv, ct, mac].join("."), B("aad")));
    expect(err.reason).toBe("binding_mismatch");
  });

  it("rejects malformed sealed strings", async () => {
    const key = await mainKey();
    const { kid, iv, ct, mac } = partsOf(await sealSecret(key, "well-formed", B("aad")));
    const shortIv = "AAAAAAAAAAA"; // 8 bytes
    const v1 = (await sealV1("well-formed", "aad")).split(".");
    const malformed = [
      "",
      "plaintext-secret",
      `v2.${kid}.${iv}.${ct}`,
      `v2.${kid}.${iv}.${ct}.${mac}.extra`,
      `v1.${kid}.${iv}.${ct}.${mac}`,
      `v1.${v1[1]}.${v1[2]}`,
      `v3.${kid}.${iv}.${ct}.${mac}`,
      `V2.${kid}.${iv}.${ct}.${mac}`,
      `v2.${kid}.${shortIv}.${ct}.${mac}`,
      `v2.${kid}.${iv}A.${ct}.${mac}`, // 17 characters of base64url: not a whole number of bytes
      `v2.${kid}.${iv.slice(0, 8)}+/==.${ct}.${mac}`, // standard base64, not base64url
      `v2.${kid}.${iv}.${ct}!.${mac}`,
      `v2.${kid}..${ct}.${mac}`,
      `v2.${kid}.${iv}.${ct}.${mac.slice(0, 22)}`, // a 16-byte MAC
      `v2.${kid}.${iv}.${ct}.`,
      `v2.${kid.toUpperCase()}x.${iv}.${ct}.${mac}`, // not a key id: never quoted back in an error
      `v2..${iv}.${ct}.${mac}`,
    ];
    for (const sealed of malformed) {
      const err = await sealError(openSecret(key, sealed, B("aad"), { v1Aad: "aad" }));
      expect(err.reason, sealed).toBe("malformed");
    }
  });
});

describe("v1 values", () => {
  it("open with the additional data they were sealed with, passed as v1Aad", async () => {
    const key = await mainKey();
    const sealed = await sealV1("sealed-the-old-way", "tool:t1:token");
    expect(await openSecret(key, sealed, B("ignored for v1"), { v1Aad: "tool:t1:token" })).toBe("sealed-the-old-way");
    // Bound to their row and field, as before.
    for (const aad of ["tool:t2:token", "tool:t1:value", ""])
      expect((await sealError(openSecret(key, sealed, B("x"), { v1Aad: aad }))).reason).toBe("auth_failed");
  });

  it("fail with legacy_format without v1Aad, whatever the key: v1 reads off refuse them before any key is looked up", async () => {
    const key = await mainKey();
    const sealed = await sealV1("sealed-the-old-way", "tool:t1:token");
    expect((await sealError(openSecret(key, sealed, B("tool", "t1", "token")))).reason).toBe("legacy_format");
    const underOther = await sealV1(
      "x-secret-under-other",
      "aad",
      keyOfBytes((i) => 200 - i),
    );
    expect((await sealError(openSecret(key, underOther, B("aad")))).reason).toBe("legacy_format");
  });

  it("are never produced: every seal is v2, and a v2 value ignores v1Aad", async () => {
    const key = await mainKey();
    const sealed = await sealSecret(key, "new-write", B("tool", "t1", "token"));
    expect(sealed.startsWith("v2.")).toBe(true);
    const err = await sealError(openSecret(key, sealed, B("other"), { v1Aad: "tool:t1:token" }));
    expect(err.reason).toBe("binding_mismatch");
  });
});

describe("loadKeyring with ENCRYPTION_KEY (one key)", () => {
  it("imports a base64 key of 32 bytes, and the same string twice gives the same keyring", async () => {
    const encoded = keyOfBytes((i) => i * 3);
    const first = await loadKeyring({ ENCRYPTION_KEY: encoded });
    const second = await loadKeyring({ ENCRYPTION_KEY: encoded });
    expect(second).toBe(first);
    expect([...first.keys.keys()]).toEqual([first.current.id]);
    expect(await openSecret(second, await sealSecret(first, "cached", B("aad")), B("aad"))).toBe("cached");
  });

  it.each([
    ["an empty string", "", "ENCRYPTION_KEY is empty: it must be base64 of exactly 32 bytes."],
    [
      "text that is not base64",
      "this is not base64!!",
      "ENCRYPTION_KEY is malformed: it must be base64 of exactly 32 bytes.",
    ],
    ["a 16-byte key", keyOfBytes((i) => i, 16), "ENCRYPTION_KEY is malformed: it must be base64 of exactly 32 bytes."],
    ["a 31-byte key", keyOfBytes((i) => i, 31), "ENCRYPTION_KEY is malformed: it must be base64 of exactly 32 bytes."],
    ["a 33-byte key", keyOfBytes((i) => i, 33), "ENCRYPTION_KEY is malformed: it must be base64 of exactly 32 bytes."],
  ])("rejects %s with encryption_key_unavailable", async (_label, encoded, detail) => {
    const err = await appError(loadKeyring({ ENCRYPTION_KEY: encoded }));
    expect(err.status).toBe(500);
    expect(err.code).toBe("encryption_key_unavailable");
    expect(err.detail).toBe(`${detail} Secrets cannot be stored or used until it is fixed.`);
    if (encoded) expect(err.detail).not.toContain(encoded);
  });

  it("rejects a missing keyring, naming both settings", async () => {
    const err = await appError(loadKeyring({}));
    expect(err.code).toBe("encryption_key_unavailable");
    expect(err.detail).toBe(
      "No encryption key is configured: set ENCRYPTION_KEYS (or ENCRYPTION_KEY). Secrets cannot be stored or used until it is fixed.",
    );
  });

  it("keeps rejecting a bad key on a second load (the failure is not cached as a key)", async () => {
    const encoded = keyOfBytes((i) => i, 16);
    expect((await appError(loadKeyring({ ENCRYPTION_KEY: encoded }))).code).toBe("encryption_key_unavailable");
    expect((await appError(loadKeyring({ ENCRYPTION_KEY: encoded }))).code).toBe("encryption_key_unavailable");
  });
});

describe("sealed secrets in D1", () => {
  const SECRET_A = "tok-A-7c1e5d0b-row-bound";
  const SECRET_B = "tok-B-93aa61f2-row-bound";

  async function authSecretsOf(id: string): Promise<string> {
    const row = await env.DB.prepare("SELECT auth_secrets FROM tools WHERE id = ?").bind(id).first<{
      auth_secrets: string;
    }>();
    expect(row).not.toBeNull();
    return row!.auth_secrets;
  }

  it("stores the secret sealed, with no plaintext (or base64 of it) in any column", async () => {
    const tool = await createTool({
      endpoint_url: "https://api.example.com/v1/sealed",
      auth_config: { type: "bearer_token", token: SECRET_A },
    });

    const row = await env.DB.prepare("SELECT * FROM tools WHERE id = ?").bind(tool.id).first<Record<string, unknown>>();
    expect(row).not.toBeNull();
    const forms = [SECRET_A, btoa(SECRET_A), encodeURIComponent(SECRET_A)];
    for (const [column, value] of Object.entries(row!))
      for (const form of forms) expect(String(value), `column ${column}`).not.toContain(form);

    const secrets = JSON.parse(row!.auth_secrets as string) as Record<string, string>;
    expect(Object.keys(secrets)).toEqual(["token"]);
    expect(secrets.token).toMatch(SEALED_FORMAT);
    expect(JSON.parse(row!.auth_params as string)).toEqual({ type: "bearer_token" });
    const key = await mainKey();
    // Bound to the row, the field and the destination, in the documented layout (docs/storage.md).
    const binding = [
      "toolgate.binding/1",
      "tool",
      tool.id,
      "token",
      "bearer_token",
      "https://api.example.com",
      null,
      null,
      null,
      null,
      null,
      null,
      null,
    ];
    expect(
      toolSecretBinding(
        tool.id,
        "token",
        toolDestination({ authParams: { type: "bearer_token" }, endpointUrl: tool.endpoint_url }),
      ),
    ).toEqual(binding);
    expect(await openSecret(key, secrets.token!, binding)).toBe(SECRET_A);
  });

  it("refuses a sealed secret copied from another tool's row: 500 secrets_unavailable (binding_mismatch), upstream never called", async () => {
    const toolA = await createTool({
      endpoint_url: "https://a.example.com/v1/items",
      auth_config: { type: "bearer_token", token: SECRET_A },
    });
    const toolB = await createTool({
      endpoint_url: "https://b.example.com/v1/items",
      auth_config: { type: "bearer_token", token: SECRET_B },
    });
    upstream.on("GET", "https://a.example.com/v1/items", () => json({ tool: "a" }));
    upstream.on("GET", "https://b.example.com/v1/items", () => json({ tool: "b" }));

    const copied = await authSecretsOf(toolA.id);
    expect(copied).not.toBe(await authSecretsOf(toolB.id));
    const update = await env.DB.prepare("UPDATE tools SET auth_secrets = ? WHERE id = ?").bind(copied, toolB.id).run();
    expect(update.meta.changes).toBe(1);
    expect(await authSecretsOf(toolB.id)).toBe(copied);

    const { status, body, res } = await execute(toolB.id);

    expect(status).toBe(500);
    expect(res.headers.get("content-type")).toBe("application/problem+json");
    expect(body).toMatchObject({
      status: 500,
      code: "secrets_unavailable",
      title: "Internal Server Error",
      tool_id: toolB.id,
      tool_version: 1,
      reason: "binding_mismatch",
      detail:
        "The tool's stored credentials were sealed for another destination: its URL, token URL, API key placement or OAuth2 client was changed outside toolgate (or the credentials were copied from another tool or field), so nothing was sent. Check the tool's definition; if the change is intended, send its secrets again with PUT.",
    });
    expect(body).not.toHaveProperty("key_id");
    expect(JSON.stringify(body)).not.toContain(SECRET_A);
    expect(upstream.calls).toHaveLength(0);

    const log = await waitForLog(body.execution_id);
    expect(log).toMatchObject({
      tool_id: toolB.id,
      outcome: "auth_error",
      upstream_status: null,
      method: null,
      url: null,
      output: null,
    });

    // Tool A, whose row the value belongs to, still works with its own secret.
    const a = await execute(toolA.id);
    expect(a.status).toBe(200);
    expect(upstream.calls).toHaveLength(1);
    expect(upstream.calls[0]?.headers.get("authorization")).toBe(`Bearer ${SECRET_A}`);
  });

  it("refuses a sealed secret moved to another field of the same row", async () => {
    const tool = await createTool({
      endpoint_url: "https://c.example.com/v1/items",
      auth_config: { type: "api_key", key_name: "x-api-key", location: "header", value: "key-C-4411" },
    });
    upstream.on("GET", "https://c.example.com/v1/items", () => json({ ok: true }));
    const sealed = JSON.parse(await authSecretsOf(tool.id)) as { value: string };
    // Re-type the tool as bearer_token and move the api key's sealed value to the `token` field.
    await env.DB.prepare("UPDATE tools SET auth_type = ?, auth_params = ?, auth_secrets = ? WHERE id = ?")
      .bind("bearer_token", JSON.stringify({ type: "bearer_token" }), JSON.stringify({ token: sealed.value }), tool.id)
      .run();

    const { status, body } = await execute(tool.id);

    expect(status).toBe(500);
    expect(body).toMatchObject({ code: "secrets_unavailable", reason: "binding_mismatch" });
    expect(upstream.calls).toHaveLength(0);
  });

  it("deletes the sealed secret with the tool row", async () => {
    const tool = await createTool({ auth_config: { type: "bearer_token", token: SECRET_A } });
    const res = await api(`/tools/${tool.id}`, { method: "DELETE" });
    expect(res.status).toBe(204);
    const row = await env.DB.prepare("SELECT id FROM tools WHERE id = ?").bind(tool.id).first();
    expect(row).toBeNull();
  });
});
