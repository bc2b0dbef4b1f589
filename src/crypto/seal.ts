/**
 * AES-256-GCM sealing of secrets at rest. This file is the only place that
 * touches the encryption key. See docs/storage.md for the format.
 *
 *   v1.<key id>.<base64url IV (12 bytes)>.<base64url ciphertext + tag>
 *
 * The additional authenticated data names the row and field a value belongs
 * to (for example `tool:<id>:token`), so a ciphertext copied into another row
 * or field fails to open.
 */
import { base64ToBytes, base64UrlToBytes, bytesToBase64Url } from "../encoding";
import { AppError } from "../problem";

const FORMAT_VERSION = "v1";
const IV_BYTES = 12;

export interface SealingKey {
  /** Derived from the key itself, so rotating keys later can tell them apart. */
  id: string;
  aes: CryptoKey;
  /** A separate key, derived by HKDF, for keyed hashes (cache keys). Never used to encrypt. */
  hmac: CryptoKey;
}

/** Per-isolate cache: importing a key costs a few hundred microseconds; do it once per key string. */
const importedKeyCache = new Map<string, Promise<SealingKey>>();

export class SealError extends Error {
  constructor(readonly reason: "malformed" | "unknown_key" | "auth_failed") {
    super(`sealed value could not be opened: ${reason}`);
    this.name = "SealError";
  }
}

function keyUnavailable(): AppError {
  return new AppError(
    500,
    "encryption_key_unavailable",
    "ENCRYPTION_KEY is missing or malformed: it must be base64 of exactly 32 bytes. Secrets cannot be stored or used until it is set.",
  );
}

/** Imports `ENCRYPTION_KEY`. Fails closed with a 500 problem when it is missing or malformed. */
export function loadSealingKey(encoded: string | undefined): Promise<SealingKey> {
  if (!encoded) return Promise.reject(keyUnavailable());
  let pending = importedKeyCache.get(encoded);
  if (!pending) {
    pending = importSealingKey(encoded);
    importedKeyCache.set(encoded, pending);
    pending.catch(() => importedKeyCache.delete(encoded));
  }
  return pending;
}

async function importSealingKey(encoded: string): Promise<SealingKey> {
  let raw: Uint8Array;
  try {
    raw = base64ToBytes(encoded.trim());
  } catch {
    throw keyUnavailable();
  }
  if (raw.byteLength !== 32) throw keyUnavailable();
  const aes = await crypto.subtle.importKey("raw", raw, "AES-GCM", false, ["encrypt", "decrypt"]);
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", raw));
  const id = hex(digest.subarray(0, 4));
  const hkdf = await crypto.subtle.importKey("raw", raw, "HKDF", false, ["deriveKey"]);
  const hmac = await crypto.subtle.deriveKey(
    {
      name: "HKDF",
      hash: "SHA-256",
      salt: new Uint8Array(0),
      info: new TextEncoder().encode("toolgate cache-key hmac v1"),
    },
    hkdf,
    { name: "HMAC", hash: "SHA-256", length: 256 },
    false,
    ["sign"],
  );
  return { id, aes, hmac };
}

/** The AAD of a sealed tool secret: the ciphertext only opens in this tool's row and this field. */
export function toolSecretAad(toolId: string, field: string): string {
  return `tool:${toolId}:${field}`;
}

export async function sealSecret(key: SealingKey, plaintext: string, aad: string): Promise<string> {
  const iv = crypto.getRandomValues(new Uint8Array(IV_BYTES));
  const ciphertext = await crypto.subtle.encrypt(
    { name: "AES-GCM", iv, additionalData: new TextEncoder().encode(aad) },
    key.aes,
    new TextEncoder().encode(plaintext),
  );
  return [FORMAT_VERSION, key.id, bytesToBase64Url(iv), bytesToBase64Url(new Uint8Array(ciphertext))].join(".");
}

export async function openSecret(key: SealingKey, sealed: string, aad: string): Promise<string> {
  const parts = sealed.split(".");
  if (parts.length !== 4 || parts[0] !== FORMAT_VERSION) throw new SealError("malformed");
  const [, keyId, ivText, ctText] = parts as [string, string, string, string];
  if (keyId !== key.id) throw new SealError("unknown_key");
  let iv: Uint8Array;
  let ciphertext: Uint8Array;
  try {
    iv = base64UrlToBytes(ivText);
    ciphertext = base64UrlToBytes(ctText);
  } catch {
    throw new SealError("malformed");
  }
  if (iv.byteLength !== IV_BYTES) throw new SealError("malformed");
  try {
    const plaintext = await crypto.subtle.decrypt(
      { name: "AES-GCM", iv, additionalData: new TextEncoder().encode(aad) },
      key.aes,
      ciphertext,
    );
    return new TextDecoder().decode(plaintext);
  } catch {
    throw new SealError("auth_failed");
  }
}

/** A keyed hash, for naming cache entries after values that must not be recoverable from the name. */
export async function keyedHash(key: SealingKey, data: string): Promise<string> {
  const mac = await crypto.subtle.sign("HMAC", key.hmac, new TextEncoder().encode(data));
  return bytesToBase64Url(new Uint8Array(mac));
}

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}
