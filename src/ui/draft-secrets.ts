/**
 * Secrets typed into the editor before it is saved. When the form makes a
 * round trip without saving (add a parameter, switch a view, fix an error),
 * the page must not lose what was typed, yet it must never hold a secret in
 * clear. So a typed secret goes back to the page sealed (AES-GCM under the
 * current key, bound to this session, tool and field: `draftSecretBinding`),
 * in a hidden `draft_secret.<field>` input, and is opened again on submit.
 * Drafts are always v2 and never opened as v1, so SEALED_V1_READS does not
 * concern them.
 */
import { loadKeyring } from "../crypto/keyring";
import { openSecret, sealSecret } from "../crypto/seal";
import { draftSecretBinding } from "../engine/auth/binding";
import type { Env } from "../env";
import type { Session } from "./session";

export const DRAFT_PREFIX = "draft_secret.";

type FormBody = Record<string, string | File | (string | File)[]>;

/**
 * Fills `typed` (secret values typed in this submit, by field) with the
 * drafts from earlier round trips for fields left empty now. A draft that does
 * not open (another session, a rotated key) is dropped: the field is then
 * simply empty again.
 */
export async function openDraftSecrets(
  env: Env,
  session: Session,
  toolKey: string,
  body: FormBody,
  typed: Record<string, string>,
): Promise<Record<string, string>> {
  const out = { ...typed };
  const drafts = Object.entries(body).filter(([name]) => name.startsWith(DRAFT_PREFIX));
  if (drafts.length === 0) return out;
  const keyring = await loadKeyring(env);
  for (const [name, value] of drafts) {
    const field = name.slice(DRAFT_PREFIX.length);
    const sealed = Array.isArray(value) ? value.at(-1) : value;
    if (out[field] || typeof sealed !== "string") continue;
    try {
      out[field] = await openSecret(keyring, sealed, draftSecretBinding(session.csrfToken, toolKey, field));
    } catch {
      // Not ours or no longer openable: forget it.
    }
  }
  return out;
}

/** The typed secrets sealed for the page to carry, by field. */
export async function sealDraftSecrets(
  env: Env,
  session: Session,
  toolKey: string,
  secrets: Record<string, string>,
): Promise<Record<string, string>> {
  const entries = Object.entries(secrets).filter(([, value]) => value !== "");
  if (entries.length === 0) return {};
  const keyring = await loadKeyring(env);
  const sealed: Record<string, string> = {};
  for (const [field, value] of entries)
    sealed[field] = await sealSecret(keyring, value, draftSecretBinding(session.csrfToken, toolKey, field));
  return sealed;
}
