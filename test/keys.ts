/** Encryption keys for tests: deterministic 32-byte keys and their ids (fingerprints). */

export interface TestKey {
  /** What ENCRYPTION_KEYS / ENCRYPTION_KEY hold. */
  base64: string;
  /** The key id sealed values carry: the first 4 bytes of SHA-256 of the key, hex. */
  id: string;
}

/** A key whose bytes are derived from `seed`; different seeds give different keys. */
export async function testKey(seed: number): Promise<TestKey> {
  const raw = Uint8Array.from({ length: 32 }, (_, i) => (seed * 31 + i * 7) % 256);
  let binary = "";
  for (const byte of raw) binary += String.fromCharCode(byte);
  const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", raw));
  const id = Array.from(digest.subarray(0, 4), (b) => b.toString(16).padStart(2, "0")).join("");
  return { base64: btoa(binary), id };
}
