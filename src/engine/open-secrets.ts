/**
 * Opening stored secrets for one call, each with the binding computed from
 * the row as loaded (./auth/binding.ts): a row whose destination changed
 * outside the service fails here, before anything is sent. The execute path
 * and a connection's test open secrets here, and nowhere else.
 */
import { loadKeyring } from "../crypto/keyring";
import { openSecret, SealError, type Keyring, type SealBinding } from "../crypto/seal";
import type { ConnectionRow, ToolRow } from "../db/schema";
import type { Env } from "../env";
import { AppError } from "../problem";
import { connectionSecretOpening, sealedV1Reads, toolSecretOpening } from "./auth/binding";
import type { SecretsUnavailableReason } from "./outcomes";

export type OpenedSecrets =
  | { ok: true; secrets: Record<string, string>; keyring: Keyring | undefined }
  | { ok: false; reason: SecretsUnavailableReason; keyId: string | null };

type Opening = { binding: SealBinding; options: { v1Aad?: string } };

/** A tool's own secrets (v1 values too, while SEALED_V1_READS is on). */
export async function openToolSecrets(tool: ToolRow, env: Env): Promise<OpenedSecrets> {
  const v1Reads = sealedV1Reads(env);
  return openSealed(env, tool.authSecrets, tool.authType === "oauth2", (field) =>
    toolSecretOpening(tool, field, v1Reads),
  );
}

/** The same for a connection's secrets, bound to the connection and its destination (allowed origins included). */
export async function openConnectionSecrets(connection: ConnectionRow, env: Env): Promise<OpenedSecrets> {
  return openSealed(env, connection.authSecrets, connection.authType === "oauth2", (field) =>
    connectionSecretOpening(connection, field),
  );
}

/** `needsKeyring`: the token cache needs it even when nothing is sealed (its entries are sealed and keyed with it). */
async function openSealed(
  env: Env,
  stored: Record<string, string>,
  needsKeyring: boolean,
  opening: (field: string) => Opening,
): Promise<OpenedSecrets> {
  const sealed = Object.entries(stored);
  if (sealed.length === 0 && !needsKeyring) return { ok: true, secrets: {}, keyring: undefined };
  let keyring: Keyring;
  try {
    keyring = await loadKeyring(env);
  } catch (err) {
    if (err instanceof AppError) return { ok: false, reason: "keyring_unavailable", keyId: null };
    throw err;
  }
  try {
    const secrets: Record<string, string> = {};
    for (const [field, value] of sealed) {
      const { binding, options } = opening(field);
      secrets[field] = await openSecret(keyring, value, binding, options);
    }
    return { ok: true, secrets, keyring };
  } catch (err) {
    if (err instanceof SealError) return { ok: false, reason: err.reason, keyId: err.keyId };
    throw err;
  }
}
