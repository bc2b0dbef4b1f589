import type { ApiKeyRow } from "../../db/schema";
import { SCOPES, SCOPE_DESCRIPTIONS, type Scope } from "../../access/scopes";
import { CsrfField, describedBy, ErrorSummary, FieldError, Time, type FieldErrors } from "../components";
import { Page } from "../layout";
import type { Session } from "../session";
import { RevokeButton, RevokeTable } from "./revoke-table";

/** The form's values as typed: kept when the form comes back with errors. */
export interface ApiKeyFormState {
  name: string;
  scopes: Scope[];
}

export interface ApiKeysProps {
  session: Session;
  keys: ApiKeyRow[];
  nextCursor: string | null;
  form: ApiKeyFormState;
  errors: FieldErrors;
  /** The key just created: its row and the key itself, shown this once. */
  created?: { row: ApiKeyRow; key: string } | undefined;
  flash?: string | undefined;
}

/**
 * API keys: the keys that exist (never the keys themselves: only their first
 * characters), a form to create one with chosen scopes, and a revoke button.
 * A created key is on the page that answers the create, once.
 */
export function ApiKeysPage({ session, keys, nextCursor, form, errors, created, flash }: ApiKeysProps) {
  return (
    <Page title="API keys" session={session} current="keys">
      <div class="page-head">
        <h1>API keys</h1>
      </div>
      <p class="muted">
        An API key lets a program, a workflow or an AI agent use toolgate, with only the permissions you give it. Keys
        can sign in to this page too. Revoke a key the moment it is no longer needed or may have leaked.
      </p>
      {flash && (
        <p class="success" role="status">
          {flash}
        </p>
      )}
      {created && <NewKey name={created.row.name} keyValue={created.key} />}
      <ErrorSummary title="The key was not created. Please fix:" errors={errors} />
      {keys.length === 0 ? <p class="card">There are no API keys yet.</p> : <KeyTable session={session} keys={keys} />}
      {nextCursor && (
        <nav class="pager" aria-label="Pages">
          <a href={`/ui/keys?${new URLSearchParams({ cursor: nextCursor })}`}>Next page</a>
        </nav>
      )}
      <CreateKeyForm session={session} form={form} errors={errors} />
    </Page>
  );
}

/** The key, once, with a copy button (a script reveals it; without one, select the text). */
export function NewKey({ name, keyValue }: { name: string; keyValue: string }) {
  return (
    <div class="success new-key" role="status">
      <p>
        <strong>Created the key “{name}”.</strong> Copy it now and keep it somewhere safe: it is shown only this once,
        and toolgate keeps only a fingerprint of it.
      </p>
      <div class="copy-row">
        <code id="new-key">{keyValue}</code>
        <button type="button" data-copy="new-key" hidden>
          Copy key
        </button>
      </div>
    </div>
  );
}

function KeyTable({ session, keys }: { session: Session; keys: ApiKeyRow[] }) {
  const own = session.principal.kind === "api_key" ? session.principal.keyId : null;
  return (
    <RevokeTable
      caption="API keys"
      columns={["Name", "Key starts with", "May", "Created", "Last used"]}
      rows={keys}
      cells={(key) => [
        <>
          {key.name}
          {key.id === own && <div class="muted">You are signed in with this key.</div>}
        </>,
        <code>{key.prefix}…</code>,
        key.scopes.join(", "),
        <Time iso={key.createdAt} />,
        key.lastUsedAt ? <Time iso={key.lastUsedAt} /> : <span>never</span>,
      ]}
      revoke={(key) =>
        key.revokedAt ? (
          <span class="badge failure">
            revoked <Time iso={key.revokedAt} />
          </span>
        ) : (
          <RevokeButton
            action={`/ui/keys/${encodeURIComponent(key.id)}/revoke`}
            name={key.name}
            csrf={session.csrfToken}
          />
        )
      }
    />
  );
}

function CreateKeyForm({ session, form, errors }: { session: Session; form: ApiKeyFormState; errors: FieldErrors }) {
  return (
    <form method="post" action="/ui/keys" class="card" novalidate>
      <h2>Create a key</h2>
      <CsrfField token={session.csrfToken} />
      <div class="field">
        <label for="key-name">Name</label>
        <input
          type="text"
          id="key-name"
          name="name"
          value={form.name}
          maxlength={100}
          autocomplete="off"
          {...describedBy("key-name", errors, true)}
        />
        <p class="hint" id="key-name-hint">
          Who or what will use it, so that you know which key to revoke later: “weekly report workflow”.
        </p>
        <FieldError id="key-name" errors={errors} />
      </div>
      <fieldset id="key-scopes" {...describedBy("key-scopes", errors)}>
        <legend>What the key may do</legend>
        <FieldError id="key-scopes" errors={errors} />
        {SCOPES.map((scope) => (
          <div class="field">
            <label class="check" for={`scope-${scope}`}>
              <input
                type="checkbox"
                id={`scope-${scope}`}
                name="scopes"
                value={scope}
                checked={form.scopes.includes(scope)}
                aria-describedby={`scope-${scope}-hint`}
              />
              <code>{scope}</code>
            </label>
            <p class="hint" id={`scope-${scope}-hint`}>
              {SCOPE_DESCRIPTIONS[scope]}
            </p>
          </div>
        ))}
      </fieldset>
      <button class="primary" type="submit">
        Create key
      </button>
    </form>
  );
}
