/**
 * API key material: how a key is made, what is shown of it, and what is
 * stored (its hash only). Reviewable on its own; no I/O.
 *
 * A key is `tg_` + base64url of 32 random bytes (256 bits). Only SHA-256 of
 * the key is stored. A fast unsalted hash is enough for a key of that entropy
 * (nobody can guess one to test against the hash), unlike a password.
 */
import { bytesToBase64Url } from "../encoding";

const KEY_PREFIX = "tg_";
const KEY_BYTES = 32;
/** Characters of the key shown in listings: `tg_` and the first 8 of the random part (48 of 256 bits). */
const DISPLAY_PREFIX_LENGTH = KEY_PREFIX.length + 8;
const API_KEY_FORMAT = /^tg_[A-Za-z0-9_-]{43}$/;

export interface NewApiKey {
  /** The key itself: returned once, when created, and never stored. */
  key: string;
  /** What listings show, so a person can tell keys apart. */
  prefix: string;
  hash: string;
}

export async function generateApiKey(): Promise<NewApiKey> {
  const key = KEY_PREFIX + bytesToBase64Url(crypto.getRandomValues(new Uint8Array(KEY_BYTES)));
  return { key, prefix: key.slice(0, DISPLAY_PREFIX_LENGTH), hash: await hashApiKey(key) };
}

/** base64url of SHA-256 of the key: what `api_keys.key_hash` holds and lookups match on. */
export async function hashApiKey(key: string): Promise<string> {
  return bytesToBase64Url(new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(key))));
}

/** Whether a bearer token has the shape of an API key; anything else is refused without a lookup. */
export function looksLikeApiKey(token: string): boolean {
  return API_KEY_FORMAT.test(token);
}
