/**
 * The UI's API keys page: list, create, revoke. Create and revoke go through
 * src/access/key-management.ts, exactly as POST and DELETE /api-keys do, and
 * the form is checked with the API's own ApiKeyInput schema. Every action
 * needs the `admin` scope, as the API's routes do.
 */
import { drizzle } from "drizzle-orm/d1";
import { createApiKey, revokeApiKeyNow } from "../access/key-management";
import { SCOPES, type Scope } from "../access/scopes";
import { findApiKeyById, listApiKeys } from "../access/store";
import { decodeCursor, pageOf } from "../api/pagination";
import { ApiKeyInput } from "../api/schemas";
import { AppError } from "../problem";
import { addFieldError, type FieldErrors } from "./components";
import { ApiKeysPage, type ApiKeyFormState } from "./pages/api-keys";
import type { UiContext } from "./routes";
import type { Session } from "./session";

const PAGE_SIZE = 50;
const EMPTY_FORM: ApiKeyFormState = { name: "", scopes: [] };

/** GET /ui/keys */
export async function showApiKeys(c: UiContext, session: Session) {
  const revokedId = c.req.query("revoked");
  const revoked = revokedId ? await findApiKeyById(drizzle(c.env.DB), revokedId.slice(0, 64)) : undefined;
  return renderKeys(c, session, EMPTY_FORM, new Map(), {
    flash: revoked?.revokedAt ? `Revoked the key “${revoked.name}”. It no longer works.` : undefined,
  });
}

/** POST /ui/keys: create a key, and show it this once; or the form again with what to fix. */
export async function submitApiKey(c: UiContext, session: Session) {
  const body = await c.req.parseBody({ all: true });
  const form = apiKeyFormOf(body);
  const parsed = ApiKeyInput.safeParse(form);
  if (!parsed.success) {
    const errors: FieldErrors = new Map();
    for (const issue of parsed.error.issues) {
      if (issue.path[0] === "name")
        addFieldError(
          errors,
          "key-name",
          "Give the key a name of 1 to 100 characters (no line breaks or other control characters).",
        );
      else addFieldError(errors, "key-scopes", "Choose at least one thing the key may do.");
    }
    return renderKeys(c, session, form, errors, { status: 422 });
  }
  const created = await createApiKey(drizzle(c.env.DB), parsed.data);
  return renderKeys(c, session, EMPTY_FORM, new Map(), { created, status: 201 });
}

/** POST /ui/keys/:id/revoke */
export async function revokeApiKeyFromUi(c: UiContext, id: string) {
  const row = await revokeApiKeyNow(drizzle(c.env.DB), id);
  if (!row) throw new AppError(404, "api_key_not_found", "There is no such API key.");
  return c.redirect(`/ui/keys?${new URLSearchParams({ revoked: row.id })}`, 303);
}

/** The form's name and scopes as typed (unknown scope values are dropped, never echoed). */
export function apiKeyFormOf(body: Record<string, unknown>): ApiKeyFormState {
  const name = typeof body.name === "string" ? body.name.trim() : "";
  const given = ([] as unknown[]).concat(body.scopes ?? []);
  return { name, scopes: SCOPES.filter((scope: Scope) => given.includes(scope)) };
}

async function renderKeys(
  c: UiContext,
  session: Session,
  form: ApiKeyFormState,
  errors: FieldErrors,
  extra: { created?: Awaited<ReturnType<typeof createApiKey>>; flash?: string | undefined; status?: 200 | 201 | 422 },
) {
  const rows = await listApiKeys(drizzle(c.env.DB), PAGE_SIZE, decodeCursor(c.req.query("cursor")));
  const page = pageOf(
    rows,
    PAGE_SIZE,
    (row) => row.createdAt,
    (row) => row,
  );
  return c.html(
    <ApiKeysPage
      session={session}
      keys={page.items}
      nextCursor={page.next_cursor}
      form={form}
      errors={errors}
      created={extra.created}
      flash={extra.flash}
    />,
    extra.status ?? 200,
  );
}
