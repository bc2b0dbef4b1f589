/**
 * The encryption keyring: which keys may open stored secrets, and which one
 * seals new ones. Read from Worker secrets, imported once per isolate, and
 * refused (500 `encryption_key_unavailable`) whenever it is missing or
 * malformed: nothing is ever stored in plaintext for want of a key.
 *
 *   ENCRYPTION_KEYS = <base64 key>[,<base64 key>...]   the first is current
 *   ENCRYPTION_KEY  = <base64 key>                      a one-key keyring
 *
 * When ENCRYPTION_KEYS is set it is the whole keyring and ENCRYPTION_KEY is
 * ignored, so moving to it (old key listed second) is one secret update.
 * Key ids are fingerprints of the keys (see seal.ts), not names an operator
 * chooses: values sealed under ENCRYPTION_KEY keep opening when that key moves
 * into ENCRYPTION_KEYS, and a reused name can never point at another key.
 */
import { base64ToBytes } from "../encoding";
import type { Env } from "../env";
import { AppError } from "../problem";
import { importSealingKey, type Keyring, type SealingKey } from "./seal";

export type KeyringSettings = Pick<Env, "ENCRYPTION_KEYS" | "ENCRYPTION_KEY">;

/** Per-isolate caches: importing a key costs a few hundred microseconds; do it once per key and per setting. */
const importedKeyCache = new Map<string, Promise<SealingKey>>();
const keyringCache = new Map<string, Promise<Keyring>>();
/** Settings change rarely; the bound only matters to a process that sees many (the tests). */
const CACHE_LIMIT = 64;

function keyringUnavailable(detail: string): AppError {
  return new AppError(
    500,
    "encryption_key_unavailable",
    `${detail} Secrets cannot be stored or used until it is fixed.`,
  );
}

/** The keyring the settings describe. Fails closed with a 500 problem that names what is wrong, never a key. */
export function loadKeyring(settings: KeyringSettings): Promise<Keyring> {
  let entries: string[];
  let name: "ENCRYPTION_KEYS" | "ENCRYPTION_KEY";
  if (settings.ENCRYPTION_KEYS !== undefined) {
    name = "ENCRYPTION_KEYS";
    entries = settings.ENCRYPTION_KEYS.split(",").map((entry) => entry.trim());
  } else if (settings.ENCRYPTION_KEY !== undefined) {
    name = "ENCRYPTION_KEY";
    entries = [settings.ENCRYPTION_KEY.trim()];
  } else {
    return Promise.reject(
      keyringUnavailable("No encryption key is configured: set ENCRYPTION_KEYS (or ENCRYPTION_KEY)."),
    );
  }
  const cacheKey = `${name}=${entries.join(",")}`;
  let pending = keyringCache.get(cacheKey);
  if (!pending) {
    pending = buildKeyring(name, entries);
    remember(keyringCache, cacheKey, pending);
  }
  return pending;
}

async function buildKeyring(name: "ENCRYPTION_KEYS" | "ENCRYPTION_KEY", entries: string[]): Promise<Keyring> {
  const raws = entries.map((entry, index) => {
    const where =
      name === "ENCRYPTION_KEY" ? "ENCRYPTION_KEY" : `ENCRYPTION_KEYS entry ${index + 1} of ${entries.length}`;
    if (entry === "")
      throw keyringUnavailable(
        name === "ENCRYPTION_KEY"
          ? "ENCRYPTION_KEY is empty: it must be base64 of exactly 32 bytes."
          : `${where} is empty: ENCRYPTION_KEYS is a comma-separated list of base64 keys of 32 bytes, the current key first.`,
      );
    let raw: Uint8Array;
    try {
      raw = base64ToBytes(entry);
    } catch {
      raw = new Uint8Array(0);
    }
    if (raw.byteLength !== 32)
      throw keyringUnavailable(`${where} is malformed: it must be base64 of exactly 32 bytes.`);
    return { entry, raw };
  });
  const keys = new Map<string, SealingKey>();
  for (const [index, { entry, raw }] of raws.entries()) {
    const key = await importOnce(entry, raw);
    const earlier = [...keys.values()].findIndex((k) => k.id === key.id);
    if (earlier >= 0)
      throw keyringUnavailable(
        `ENCRYPTION_KEYS entries ${earlier + 1} and ${index + 1} are the same key (id ${key.id}); list each key once.`,
      );
    keys.set(key.id, key);
  }
  return { current: keys.values().next().value as SealingKey, keys };
}

function importOnce(entry: string, raw: Uint8Array): Promise<SealingKey> {
  let pending = importedKeyCache.get(entry);
  if (!pending) {
    pending = importSealingKey(raw);
    remember(importedKeyCache, entry, pending);
  }
  return pending;
}

/** Caches a promise, forgets it if it fails (a failure is not a key), and keeps the cache bounded. */
function remember<T>(cache: Map<string, Promise<T>>, key: string, value: Promise<T>): void {
  if (cache.size >= CACHE_LIMIT) {
    const oldest = cache.keys().next().value;
    if (oldest !== undefined) cache.delete(oldest);
  }
  cache.set(key, value);
  value.catch(() => {
    if (cache.get(key) === value) cache.delete(key);
  });
}
