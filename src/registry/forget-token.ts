import { loadKeyring } from "../crypto/keyring";
import { openSecret } from "../crypto/seal";
import type { ConnectionRow, ToolRow } from "../db/schema";
import { oauth2Client } from "../engine/auth";
import { connectionSecretOpening, sealedV1Reads, toolSecretOpening } from "../engine/auth/binding";
import { TokenCache } from "../engine/auth/token-cache";
import type { Env } from "../env";

/**
 * Drops the cached OAuth2 token of a deleted tool, from KV and this isolate's
 * memory (other isolates keep theirs until it expires). Best effort.
 */
export async function forgetCachedToken(env: Env, row: ToolRow): Promise<void> {
  const params = row.authParams;
  const sealed = row.authSecrets.client_secret;
  if (params.type !== "oauth2" || !sealed) return;
  try {
    const keyring = await loadKeyring(env);
    const { binding, options } = toolSecretOpening(row, "client_secret", sealedV1Reads(env));
    const clientSecret = await openSecret(keyring, sealed, binding, options);
    await new TokenCache(env.TOKEN_CACHE, keyring, () => {}).invalidate(
      oauth2Client(params, { client_secret: clientSecret }),
    );
  } catch {
    // A token we cannot name (its key retired, its row changed) expires on its own TTL, or the next rewrap drops it.
  }
}

/**
 * The same for a connection whose client secret was replaced or which was
 * deleted: its token under the secrets version it was cached with. Best effort.
 */
export async function forgetConnectionToken(env: Env, row: ConnectionRow): Promise<void> {
  const params = row.authParams;
  const sealed = row.authSecrets.client_secret;
  if (params.type !== "oauth2" || params.grant_type !== "client_credentials" || !sealed) return;
  try {
    const keyring = await loadKeyring(env);
    const { binding, options } = connectionSecretOpening(row, "client_secret");
    const clientSecret = await openSecret(keyring, sealed, binding, options);
    await new TokenCache(env.TOKEN_CACHE, keyring, () => {}).invalidate(
      oauth2Client(params, { client_secret: clientSecret }, row),
    );
  } catch {
    // As above: a token we cannot name expires on its own.
  }
}
