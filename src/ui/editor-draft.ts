/**
 * The editor's form, back after a session ended under it. When a save (or
 * any round trip) arrives without a session, the sign-in page sends the
 * person back to the editor with `restore_draft=1`; /ui/editor-draft.js kept
 * the form's fields in the tab's sessionStorage when it was submitted, all
 * but its secrets, and posts them back here with `_action=restore_draft`.
 * The secrets typed in the ended session are named (`lost_secret`), never
 * sent: this marks each of their fields to be typed again.
 */
import type { ToolRow } from "../db/schema";
import { addFieldError, type FieldErrors } from "./components";
import { DRAFT_PREFIX } from "./draft-secrets";
import { SECRET_FIELD_IDS } from "./tool-form";

/** The query flag on the editor's URL that tells its script to post the kept draft back. */
export const RESTORE_DRAFT_QUERY = "restore_draft=1";

const SECRET_WORDS: Record<string, string> = {
  token: "the bearer token",
  value: "the API key value",
  client_secret: "the client secret",
};

type FormBody = Record<string, string | File | (string | File)[]>;

/**
 * Adds, at each secret field named in `lost_secret`, that it must be typed
 * again; returns the notice for the restored form. A lost secret is named by
 * its input (`api_key_value`) or by its sealed draft (`draft_secret.value`,
 * a secret typed in an earlier round trip, sealed to the ended session).
 */
export function markLostSecrets(body: FormBody, stored: ToolRow | null, errors: FieldErrors): string {
  const named = body.lost_secret === undefined ? [] : [body.lost_secret].flat();
  const lost = new Set<string>();
  for (const name of named) {
    if (typeof name !== "string") continue;
    const field = name.startsWith(DRAFT_PREFIX)
      ? name.slice(DRAFT_PREFIX.length)
      : Object.keys(SECRET_FIELD_IDS).find((f) => SECRET_FIELD_IDS[f] === name);
    if (field !== undefined && Object.hasOwn(SECRET_FIELD_IDS, field)) lost.add(field);
  }
  for (const field of lost) {
    const keeps = stored !== null && Object.hasOwn(stored.authSecrets, field);
    addFieldError(
      errors,
      SECRET_FIELD_IDS[field] ?? "",
      `Type ${SECRET_WORDS[field]} again: you typed it before your session ended, and toolgate never keeps a secret in the browser.${keeps ? " Left empty, the saved one stays." : ""}`,
    );
  }
  return lost.size > 0
    ? "Your form is back as you left it before signing in again, except the secrets: type them again where marked, then save."
    : "Your form is back as you left it before signing in again. Check it, then save.";
}
