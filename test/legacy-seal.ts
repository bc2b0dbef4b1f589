/**
 * Sealed values in the v1 format, made the way toolgate sealed them before
 * the v2 envelope (written out here, independently of src/crypto/seal.ts, so
 * that the tests check the old format itself, not the new code's idea of it):
 *
 *   v1.<key id>.<base64url IV>.<base64url ciphertext + tag>, AAD `tool:<id>:<field>`
 */
import { env } from "cloudflare:test";

function base64Url(bytes: Uint8Array): string {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

/** Seals `plaintext` in the v1 format under a base64 key (default: the test suite's ENCRYPTION_KEY). */
export async function sealV1(plaintext: string, aad: string, keyBase64 = env.ENCRYPTION_KEY!): Promise<string> {
  const raw = Uint8Array.from(atob(keyBase64), (ch) => ch.charCodeAt(0));
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", raw));
  const keyId = Array.from(digest.subarray(0, 4), (b) => b.toString(16).padStart(2, "0")).join("");
  const key = await crypto.subtle.importKey("raw", raw, "AES-GCM", false, ["encrypt"]);
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const ciphertext = await crypto.subtle.encrypt(
    { name: "AES-GCM", iv, additionalData: new TextEncoder().encode(aad) },
    key,
    new TextEncoder().encode(plaintext),
  );
  return ["v1", keyId, base64Url(iv), base64Url(new Uint8Array(ciphertext))].join(".");
}

/** A tool secret in the v1 format, with the AAD the old code gave it. */
export function sealToolSecretV1(
  toolId: string,
  field: string,
  plaintext: string,
  keyBase64?: string,
): Promise<string> {
  return sealV1(plaintext, `tool:${toolId}:${field}`, keyBase64);
}

/** Replaces a tool's stored secrets with v1 values of the given plaintexts, straight in D1, as an old deployment left them. */
export async function downgradeToV1(
  toolId: string,
  plaintexts: Record<string, string>,
  keyBase64?: string,
): Promise<void> {
  const sealed: Record<string, string> = {};
  for (const [field, plaintext] of Object.entries(plaintexts))
    sealed[field] = await sealToolSecretV1(toolId, field, plaintext, keyBase64);
  const result = await env.DB.prepare("UPDATE tools SET auth_secrets = ? WHERE id = ?")
    .bind(JSON.stringify(sealed), toolId)
    .run();
  if (result.meta.changes !== 1) throw new Error(`no tool ${toolId} to downgrade`);
}
