/**
 * AES-256-GCM sealing of secrets at rest. With src/crypto/keyring.ts, this is
 * the only code that touches encryption keys. See docs/storage.md.
 *
 *   v1.<key id>.<base64url IV (12 bytes)>.<base64url ciphertext + tag>
 *
 * New values are sealed under the keyring's current key; a value is opened
 * with the key its id names, so values sealed under an older key keep opening
 * until that key leaves the keyring. The additional authenticated data names
 * the row and field a value belongs to (for example `tool:<id>:token`), so a
 * ciphertext copied into another row or field fails to open.
 */
import { base64UrlToBytes, bytesToBase64Url } from "../encoding";

const FORMAT_VERSION = "v1";
const IV_BYTES = 12;
const KEY_ID = /^[0-9a-f]{8}$/;

export interface SealingKey {
  /** The first 4 bytes of SHA-256 of the key, hex: a fingerprint, so an id can never name two keys. */
  id: string;
  aes: CryptoKey;
  /** A separate key, derived by HKDF, for keyed hashes (cache keys). Never used to encrypt. */
  hmac: CryptoKey;
}

export interface Keyring {
  /** Seals every new value. */
  current: SealingKey;
  /** Every key that may open a value, the current one included, by id. */
  keys: ReadonlyMap<string, SealingKey>;
}

export type SealFailure = "malformed" | "unknown_key" | "auth_failed";

export class SealError extends Error {
  constructor(
    readonly reason: SealFailure,
    /** For `unknown_key`: the id the value names. A fingerprint, not key material. */
    readonly keyId: string | null = null,
  ) {
    super(`sealed value could not be opened: ${reason}`);
    this.name = "SealError";
  }
}

/** Imports 32 raw bytes as a sealing key: AES-GCM for sealing, and an HKDF-derived HMAC key. */
export async function importSealingKey(raw: Uint8Array): Promise<SealingKey> {
  if (raw.byteLength !== 32) throw new RangeError("a sealing key is 32 bytes");
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

/** Seals under the keyring's current key. */
export async function sealSecret(keyring: Keyring, plaintext: string, aad: string): Promise<string> {
  const key = keyring.current;
  const iv = crypto.getRandomValues(new Uint8Array(IV_BYTES));
  const ciphertext = await crypto.subtle.encrypt(
    { name: "AES-GCM", iv, additionalData: new TextEncoder().encode(aad) },
    key.aes,
    new TextEncoder().encode(plaintext),
  );
  return [FORMAT_VERSION, key.id, bytesToBase64Url(iv), bytesToBase64Url(new Uint8Array(ciphertext))].join(".");
}

/** Opens a value with the key its id names. Throws SealError. */
export async function openSecret(keyring: Keyring, sealed: string, aad: string): Promise<string> {
  const { keyId, iv, ciphertext } = parseSealed(sealed);
  const key = keyring.keys.get(keyId);
  if (!key) throw new SealError("unknown_key", keyId);
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

/**
 * Re-seals a value under the current key, as Vault's rewrap does: the
 * plaintext never leaves this function. A value already under the current key
 * is returned unchanged (after checking that it opens), so rewrapping twice is
 * the same as once. Throws SealError, like openSecret.
 */
export async function rewrapSecret(
  keyring: Keyring,
  sealed: string,
  aad: string,
): Promise<{ sealed: string; rewrapped: boolean }> {
  const plaintext = await openSecret(keyring, sealed, aad);
  if (sealedKeyId(sealed) === keyring.current.id) return { sealed, rewrapped: false };
  return { sealed: await sealSecret(keyring, plaintext, aad), rewrapped: true };
}

/** The key id a sealed value names, or null if it is not a sealed value. Does not check the ciphertext. */
export function sealedKeyId(sealed: string): string | null {
  const parts = sealed.split(".");
  return parts.length === 4 && parts[0] === FORMAT_VERSION && KEY_ID.test(parts[1] as string)
    ? (parts[1] as string)
    : null;
}

/** A keyed hash under the current key, for naming cache entries after values that must not be recoverable from the name. */
export async function keyedHash(key: SealingKey, data: string): Promise<string> {
  const mac = await crypto.subtle.sign("HMAC", key.hmac, new TextEncoder().encode(data));
  return bytesToBase64Url(new Uint8Array(mac));
}

function parseSealed(sealed: string): { keyId: string; iv: Uint8Array; ciphertext: Uint8Array } {
  const parts = sealed.split(".");
  if (parts.length !== 4 || parts[0] !== FORMAT_VERSION) throw new SealError("malformed");
  const [, keyId, ivText, ctText] = parts as [string, string, string, string];
  // Ids are fingerprints; anything else is not ours (and never reaches an error message).
  if (!KEY_ID.test(keyId)) throw new SealError("malformed");
  let iv: Uint8Array;
  let ciphertext: Uint8Array;
  try {
    iv = base64UrlToBytes(ivText);
    ciphertext = base64UrlToBytes(ctText);
  } catch {
    throw new SealError("malformed");
  }
  if (iv.byteLength !== IV_BYTES) throw new SealError("malformed");
  return { keyId, iv, ciphertext };
}

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

/**
 * The AAD of a secret typed into the UI's editor but not saved yet, which the
 * page carries sealed between round trips: it opens only for the same session,
 * the same tool (or "new") and the same field (src/ui/draft-secrets.ts).
 */
export function draftSecretAad(sessionBinding: string, toolKey: string, field: string): string {
  return `ui-draft:${sessionBinding}:${toolKey}:${field}`;
}
