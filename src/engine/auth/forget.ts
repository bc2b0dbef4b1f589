import { loadSealingKey, openSecret } from "../../crypto/seal";
import type { ToolRow } from "../../db/schema";
import type { Env } from "../../env";
import { secretAad } from "../../registry/secrets";
import { oauth2Client, type AuthParams } from "./index";
import { TokenCache } from "./token-cache";

/** Drops the cached OAuth2 token of a tool that is deleted or replaced. Best effort. */
export async function forgetCachedToken(env: Env, row: ToolRow): Promise<void> {
  const params = row.authParams as AuthParams;
  const sealed = row.authSecrets.client_secret;
  if (params.type !== "oauth2" || !sealed) return;
  try {
    const key = await loadSealingKey(env.ENCRYPTION_KEY);
    const clientSecret = await openSecret(key, sealed, secretAad(row.id, "client_secret"));
    await new TokenCache(env.TOKEN_CACHE, key, () => {}).invalidate(
      oauth2Client(params, { client_secret: clientSecret }),
    );
  } catch {
    // A token we cannot name (key rotated away) expires on its own TTL.
  }
}
