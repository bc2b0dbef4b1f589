/**
 * AES-256-GCM sealing of secrets at rest. With src/crypto/keyring.ts, this is
 * the only code that touches encryption keys. See docs/storage.md.
 *
 *   v2.<key id>.<base64url IV (12 bytes)>.<base64url ciphertext + tag>.<base64url binding MAC (32 bytes)>
 *   v1.<key id>.<base64url IV (12 bytes)>.<base64url ciphertext + tag>          read only
 *
 * New values are sealed under the keyring's current key; a value is opened
 * with the key its id names, so values sealed under an older key keep opening
 * until that key leaves the keyring.
 *
 * A v2 value is bound to a binding: an array of strings and nulls that its
 * owner builds (src/engine/auth/binding.ts) and that this file treats as
 * opaque. Its canonical JSON is the AES-GCM additional data, and an HMAC of it,
 * under a key derived from the sealing key for that use alone, sits beside
 * the ciphertext. Opening compares the MAC first: a value whose row changed
 * after sealing fails as `binding_mismatch` before anything is decrypted, and
 * one whose MAC matches but whose ciphertext does not authenticate was altered
 * (`auth_failed`). AES-GCM alone cannot tell those two apart.
 *
 * A v1 value was sealed with a plain string as its additional data (such as
 * `tool:<id>:<field>`). It opens only when the caller passes that string
 * (`v1Aad`), which callers do only while v1 reads are on; otherwise it fails
 * as `legacy_format`.
 */
import { base64UrlToBytes, bytesToBase64Url } from "../encoding";

const SEAL_VERSION = "v2";
const LEGACY_VERSION = "v1";
const IV_BYTES = 12;
const MAC_BYTES = 32;
const KEY_ID = /^[0-9a-f]{8}$/;
/** HKDF info strings: each derived key has exactly one use. */
const CACHE_KEY_HMAC_INFO = "toolgate cache-key hmac v1";
const BINDING_MAC_INFO = "toolgate binding mac v2";

/**
 * What a v2 value is bound to: strings and nulls in positions its owner's
 * layout fixes (src/engine/auth/binding.ts). Never joined with a separator:
 * its canonical form is JSON, so a URL's `:` cannot shift one field into another.
 */
export type SealBinding = readonly (string | null)[];

export interface SealingKey {
  /** The first 4 bytes of SHA-256 of the key, hex: a fingerprint, so an id can never name two keys. */
  id: string;
  aes: CryptoKey;
  /** A separate key, derived by HKDF, for keyed hashes (cache keys). Never used to encrypt. */
  hmac: CryptoKey;
  /** Another HKDF-derived key, for the MAC of a v2 value's binding and nothing else. */
  bindingMac: CryptoKey;
}

export interface Keyring {
  /** Seals every new value. */
  current: SealingKey;
  /** Every key that may open a value, the current one included, by id. */
  keys: ReadonlyMap<string, SealingKey>;
}

/**
 * Why a value does not open: it is not a sealed value; it is sealed under a
 * key the keyring does not hold; it is bound to something other than what the
 * caller describes (its row changed after sealing, or it was copied to another
 * row or field); it was altered; or it is a v1 value and v1 reads are off.
 */
export type SealFailure = "malformed" | "unknown_key" | "binding_mismatch" | "auth_failed" | "legacy_format";

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

export interface OpenOptions {
  /** The additional data a v1 value was sealed with. Without it, a v1 value fails as `legacy_format`. */
  v1Aad?: string;
}

/** Imports 32 raw bytes as a sealing key: AES-GCM for sealing, and two HMAC keys derived by HKDF. */
export async function importSealingKey(raw: Uint8Array): Promise<SealingKey> {
  if (raw.byteLength !== 32) throw new RangeError("a sealing key is 32 bytes");
  const aes = await crypto.subtle.importKey("raw", raw, "AES-GCM", false, ["encrypt", "decrypt"]);
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", raw));
  const id = hex(digest.subarray(0, 4));
  const hkdf = await crypto.subtle.importKey("raw", raw, "HKDF", false, ["deriveKey"]);
  const hmacKey = (info: string) =>
    crypto.subtle.deriveKey(
      { name: "HKDF", hash: "SHA-256", salt: new Uint8Array(0), info: new TextEncoder().encode(info) },
      hkdf,
      { name: "HMAC", hash: "SHA-256", length: 256 },
      false,
      ["sign"],
    );
  return { id, aes, hmac: await hmacKey(CACHE_KEY_HMAC_INFO), bindingMac: await hmacKey(BINDING_MAC_INFO) };
}

/** Seals under the keyring's current key, bound to `binding`. Always the v2 format. */
export async function sealSecret(keyring: Keyring, plaintext: string, binding: SealBinding): Promise<string> {
  const key = keyring.current;
  const canonical = canonicalBinding(binding);
  const iv = crypto.getRandomValues(new Uint8Array(IV_BYTES));
  const ciphertext = await crypto.subtle.encrypt(
    { name: "AES-GCM", iv, additionalData: canonical },
    key.aes,
    new TextEncoder().encode(plaintext),
  );
  return [
    SEAL_VERSION,
    key.id,
    bytesToBase64Url(iv),
    bytesToBase64Url(new Uint8Array(ciphertext)),
    bytesToBase64Url(await bindingMac(key, canonical)),
  ].join(".");
}

/**
 * Opens a value with the key its id names. For a v2 value the binding's MAC
 * is compared, in constant time, before anything is decrypted. Throws SealError.
 */
export async function openSecret(
  keyring: Keyring,
  sealed: string,
  binding: SealBinding,
  options: OpenOptions = {},
): Promise<string> {
  const parsed = parseSealed(sealed);
  if (parsed.version === LEGACY_VERSION && options.v1Aad === undefined) throw new SealError("legacy_format");
  const key = keyring.keys.get(parsed.keyId);
  if (!key) throw new SealError("unknown_key", parsed.keyId);
  let additionalData: Uint8Array;
  if (parsed.version === SEAL_VERSION) {
    additionalData = canonicalBinding(binding);
    if (!crypto.subtle.timingSafeEqual(await bindingMac(key, additionalData), parsed.mac))
      throw new SealError("binding_mismatch");
  } else additionalData = new TextEncoder().encode(options.v1Aad);
  try {
    const plaintext = await crypto.subtle.decrypt(
      { name: "AES-GCM", iv: parsed.iv, additionalData },
      key.aes,
      parsed.ciphertext,
    );
    return new TextDecoder().decode(plaintext);
  } catch {
    throw new SealError("auth_failed");
  }
}

/**
 * Re-seals a value under the current key in the v2 format, as Vault's rewrap
 * does: the plaintext never leaves this function. A v2 value already under the
 * current key is returned unchanged (after checking that it opens), so
 * rewrapping twice is the same as once. A v1 value opens only with `v1Aad` and
 * comes out bound to `binding`: what the caller describes now is what the
 * value is bound to from then on. Throws SealError, like openSecret.
 */
export async function rewrapSecret(
  keyring: Keyring,
  sealed: string,
  binding: SealBinding,
  options: OpenOptions = {},
): Promise<{ sealed: string; rewrapped: boolean }> {
  const plaintext = await openSecret(keyring, sealed, binding, options);
  const envelope = sealedEnvelope(sealed);
  if (envelope?.version === SEAL_VERSION && envelope.keyId === keyring.current.id) return { sealed, rewrapped: false };
  return { sealed: await sealSecret(keyring, plaintext, binding), rewrapped: true };
}

/** The format and key id a sealed value names, or null if it is not a sealed value. Does not check the ciphertext. */
export function sealedEnvelope(sealed: string): { version: "v1" | "v2"; keyId: string } | null {
  try {
    const { version, keyId } = parseSealed(sealed);
    return { version, keyId };
  } catch {
    return null;
  }
}

/** A keyed hash under the current key, for naming cache entries after values that must not be recoverable from the name. */
export async function keyedHash(key: SealingKey, data: string): Promise<string> {
  const mac = await crypto.subtle.sign("HMAC", key.hmac, new TextEncoder().encode(data));
  return bytesToBase64Url(new Uint8Array(mac));
}

/** The canonical form of a binding: the AES-GCM additional data, and what the MAC covers. */
function canonicalBinding(binding: SealBinding): Uint8Array {
  // The type says so already; a caller that casts its way past it must not get `[1]` and `["1"]` confused.
  for (const part of binding)
    if (part !== null && typeof part !== "string") throw new TypeError("a binding holds strings and nulls only");
  return new TextEncoder().encode(JSON.stringify(binding));
}

async function bindingMac(key: SealingKey, canonical: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.sign("HMAC", key.bindingMac, canonical));
}

type ParsedSealed =
  | { version: "v1"; keyId: string; iv: Uint8Array; ciphertext: Uint8Array }
  | { version: "v2"; keyId: string; iv: Uint8Array; ciphertext: Uint8Array; mac: Uint8Array };

function parseSealed(sealed: string): ParsedSealed {
  const parts = sealed.split(".");
  const [version, keyId, ivText, ctText, macText] = parts;
  const expectedParts = version === SEAL_VERSION ? 5 : version === LEGACY_VERSION ? 4 : -1;
  if (parts.length !== expectedParts) throw new SealError("malformed");
  // Ids are fingerprints; anything else is not ours (and never reaches an error message).
  if (!KEY_ID.test(keyId as string)) throw new SealError("malformed");
  let iv: Uint8Array;
  let ciphertext: Uint8Array;
  let mac: Uint8Array | undefined;
  try {
    iv = base64UrlToBytes(ivText as string);
    ciphertext = base64UrlToBytes(ctText as string);
    if (macText !== undefined) mac = base64UrlToBytes(macText);
  } catch {
    throw new SealError("malformed");
  }
  if (iv.byteLength !== IV_BYTES) throw new SealError("malformed");
  if (version === LEGACY_VERSION) return { version, keyId: keyId as string, iv, ciphertext };
  if (mac?.byteLength !== MAC_BYTES) throw new SealError("malformed");
  return { version: SEAL_VERSION, keyId: keyId as string, iv, ciphertext, mac };
}

function hex(bytes: Uint8Array): string {
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}
