/** Sealing of secrets at rest: the AES-GCM format, its failure modes, and the AAD binding to a row. */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { loadKeyring } from "../src/crypto/keyring";
import { openSecret, SealError, sealSecret, type Keyring } from "../src/crypto/seal";
import { AppError } from "../src/problem";
import { api, createTool, execute, json, useUpstream, waitForLog } from "./helpers";

const upstream = useUpstream();

const SEALED_FORMAT = /^v1\.([0-9a-f]{8})\.([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)$/;

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

/** The parts of a sealed value; fails the test if it is not in the v1 format. */
function partsOf(sealed: string): { kid: string; iv: string; ct: string } {
  const match = SEALED_FORMAT.exec(sealed);
  expect(match, sealed).not.toBeNull();
  return { kid: match![1]!, iv: match![2]!, ct: match![3]! };
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
      const sealed = await sealSecret(key, plaintext, "tool:abc:token");
      expect(sealed).toMatch(SEALED_FORMAT);
      if (plaintext) expect(sealed).not.toContain(plaintext);
      expect(await openSecret(key, sealed, "tool:abc:token")).toBe(plaintext);
    }
  });

  it("names the key by an 8-hex-digit id derived from it, the same for every seal", async () => {
    const key = await mainKey();
    expect(key.current.id).toMatch(/^[0-9a-f]{8}$/);
    const a = partsOf(await sealSecret(key, "one", "aad"));
    const b = partsOf(await sealSecret(key, "two", "aad"));
    expect(a.kid).toBe(key.current.id);
    expect(b.kid).toBe(key.current.id);
    const other = await keyringOf(keyOfBytes((i) => i + 1));
    expect(other.current.id).toMatch(/^[0-9a-f]{8}$/);
    expect(other.current.id).not.toBe(key.current.id);
  });

  it("uses a fresh 12-byte IV for every seal, so equal plaintexts seal differently", async () => {
    const key = await mainKey();
    const first = await sealSecret(key, "same-plaintext", "tool:t1:token");
    const second = await sealSecret(key, "same-plaintext", "tool:t1:token");
    expect(first).not.toBe(second);
    const a = partsOf(first);
    const b = partsOf(second);
    expect(a.iv).not.toBe(b.iv);
    expect(a.ct).not.toBe(b.ct);
    expect(base64UrlToBytes(a.iv).byteLength).toBe(12);
    expect(base64UrlToBytes(b.iv).byteLength).toBe(12);
    // AES-GCM: ciphertext is as long as the plaintext, plus a 16-byte tag.
    expect(base64UrlToBytes(a.ct).byteLength).toBe("same-plaintext".length + 16);
    expect(await openSecret(key, first, "tool:t1:token")).toBe("same-plaintext");
    expect(await openSecret(key, second, "tool:t1:token")).toBe("same-plaintext");
  });

  it("fails with auth_failed when one character of the ciphertext is changed", async () => {
    const key = await mainKey();
    const sealed = await sealSecret(key, "tamper-me", "tool:t1:token");
    const { kid, iv, ct } = partsOf(sealed);
    const tampered = ["v1", kid, iv, flipFirstChar(ct)].join(".");
    expect(tampered).not.toBe(sealed);
    const err = await sealError(openSecret(key, tampered, "tool:t1:token"));
    expect(err.reason).toBe("auth_failed");
    expect(err.message).toBe("sealed value could not be opened: auth_failed");
  });

  it("fails with auth_failed when the IV is changed", async () => {
    const key = await mainKey();
    const { kid, iv, ct } = partsOf(await sealSecret(key, "tamper-me", "tool:t1:token"));
    const err = await sealError(openSecret(key, ["v1", kid, flipFirstChar(iv), ct].join("."), "tool:t1:token"));
    expect(err.reason).toBe("auth_failed");
  });

  it("fails with auth_failed under a different AAD (another row or another field)", async () => {
    const key = await mainKey();
    const sealed = await sealSecret(key, "bound-to-row", "tool:aaaa:token");
    for (const aad of ["tool:bbbb:token", "tool:aaaa:value", "tool:aaaa:client_secret", ""]) {
      const err = await sealError(openSecret(key, sealed, aad));
      expect(err.reason).toBe("auth_failed");
    }
    expect(await openSecret(key, sealed, "tool:aaaa:token")).toBe("bound-to-row");
  });

  it("fails with unknown_key when opened with a different key", async () => {
    const key = await mainKey();
    const other = await keyringOf(keyOfBytes((i) => 255 - i));
    const sealed = await sealSecret(key, "for-key-one", "aad");
    const err = await sealError(openSecret(other, sealed, "aad"));
    expect(err.reason).toBe("unknown_key");
    expect(err.keyId).toBe(key.current.id);
  });

  it("fails with auth_failed when the key id is forged to name the other key", async () => {
    const key = await mainKey();
    const other = await keyringOf(keyOfBytes((i) => (i * 7) % 256));
    const { iv, ct } = partsOf(await sealSecret(key, "for-key-one", "aad"));
    const err = await sealError(openSecret(other, ["v1", other.current.id, iv, ct].join("."), "aad"));
    expect(err.reason).toBe("auth_failed");
  });

  it("rejects malformed sealed strings", async () => {
    const key = await mainKey();
    const { kid, iv, ct } = partsOf(await sealSecret(key, "well-formed", "aad"));
    const shortIv = "AAAAAAAAAAA"; // 8 bytes
    const malformed = [
      "",
      "plaintext-secret",
      `v1.${kid}.${iv}`,
      `v1.${kid}.${iv}.${ct}.extra`,
      `v2.${kid}.${iv}.${ct}`,
      `V1.${kid}.${iv}.${ct}`,
      `v1.${kid}.${shortIv}.${ct}`,
      `v1.${kid}.${iv}A.${ct}`, // 17 characters of base64url: not a whole number of bytes
      `v1.${kid}.${iv.slice(0, 8)}+/==.${ct}`, // standard base64, not base64url
      `v1.${kid}.${iv}.${ct}!`,
      `v1.${kid}..${ct}`,
      `v1.${kid.toUpperCase()}x.${iv}.${ct}`, // not a key id: never quoted back in an error
      `v1..${iv}.${ct}`,
    ];
    for (const sealed of malformed) {
      const err = await sealError(openSecret(key, sealed, "aad"));
      expect(err.reason, sealed).toBe("malformed");
    }
  });
});

describe("loadKeyring with ENCRYPTION_KEY (one key)", () => {
  it("imports a base64 key of 32 bytes, and the same string twice gives the same keyring", async () => {
    const encoded = keyOfBytes((i) => i * 3);
    const first = await loadKeyring({ ENCRYPTION_KEY: encoded });
    const second = await loadKeyring({ ENCRYPTION_KEY: encoded });
    expect(second).toBe(first);
    expect([...first.keys.keys()]).toEqual([first.current.id]);
    expect(await openSecret(second, await sealSecret(first, "cached", "aad"), "aad")).toBe("cached");
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
    expect(await openSecret(key, secrets.token!, `tool:${tool.id}:token`)).toBe(SECRET_A);
  });

  it("refuses a sealed secret copied from another tool's row: 500 secrets_unavailable, upstream never called", async () => {
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
      reason: "auth_failed",
      detail:
        "The tool's stored credentials fail authentication: they were altered, or copied from another tool or field.",
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
    expect(body.code).toBe("secrets_unavailable");
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
