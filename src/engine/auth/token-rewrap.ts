/**
 * The token cache's part of a rewrap. An entry's KV name is an HMAC under the
 * key that sealed it (token-cache.ts), so an entry sealed under any key but
 * the current one is never looked up again: re-sealing it would keep a
 * ciphertext nobody reads. It is deleted instead, and the next execution of
 * its tool fetches a fresh token, cached under the current key. Entries
 * under a key already retired go the same way, and so do entries in the v1
 * format, which the cache no longer reads.
 */
import { sealedEnvelope, type Keyring } from "../../crypto/seal";
import { KV_PREFIX } from "./token-cache";

export interface TokenFailure {
  kind: "cached_token";
  kv_key: string;
  reason: "kv_unavailable";
  detail: string;
}

export interface TokenRewrapPage {
  /** Entries under the current key, left as they are. */
  kept: number;
  /** Entries under another key, in the v1 format or unreadable: deleted. */
  dropped: number;
  failures: TokenFailure[];
  /** KV's list cursor for the next page, or null when the listing is complete. */
  cursor: string | null;
}

export async function rewrapCachedTokens(
  kv: KVNamespace,
  keyring: Keyring,
  cursor: string | null,
  limit: number,
): Promise<TokenRewrapPage> {
  const listing = await kv.list({ prefix: KV_PREFIX, limit, ...(cursor ? { cursor } : {}) });
  let kept = 0;
  let dropped = 0;
  const failures: TokenFailure[] = [];
  for (const { name } of listing.keys) {
    try {
      const sealed = await kv.get(name);
      if (sealed === null) continue; // expired since it was listed
      const envelope = sealedEnvelope(sealed);
      if (envelope?.version === "v2" && envelope.keyId === keyring.current.id) {
        kept++;
        continue;
      }
      await kv.delete(name);
      dropped++;
    } catch {
      failures.push({
        kind: "cached_token",
        kv_key: name,
        reason: "kv_unavailable",
        detail: "KV failed while reading or deleting this entry; run rewrap again.",
      });
    }
  }
  return { kept, dropped, failures, cursor: listing.list_complete ? null : listing.cursor };
}
