/**
 * The step before restoring a saved version: what the restore changes, and
 * the secret the restored version needs. As in the editor, a stored secret
 * is kept only where the restored version sends it to the same place;
 * otherwise it is asked for again, and the notice says what changed.
 */
import type { ToolRow, ToolVersionRow } from "../../db/schema";
import { CsrfField, describedBy, ErrorSummary, FieldError, type FieldErrors } from "../components";
import { Page } from "../layout";
import type { Session } from "../session";
import { REENTER_WHY } from "../tool-form-errors";
import type { FieldChange } from "../version-diff";
import { VersionDiff } from "./versions";

/** The form's input for each secret field (the editor's ids), and its label. */
export const RESTORE_SECRET_INPUTS: Record<string, { id: string; label: string; noun: string }> = {
  token: { id: "bearer_token", label: "Bearer token", noun: "the bearer token" },
  value: { id: "api_key_value", label: "API key value", noun: "the API key" },
  client_secret: { id: "client_secret", label: "Client secret", noun: "the client secret" },
};

export interface RestoreProps {
  session: Session;
  tool: ToolRow;
  version: ToolVersionRow;
  changes: FieldChange[];
  /** The secret fields the restored version sends. */
  secretFields: readonly string[];
  /** Why the current secrets cannot stay (what changed, in words), or null when they stay. */
  reenter: string | null;
  errors: FieldErrors;
}

export function RestoreVersionPage({ session, tool, version, changes, secretFields, reenter, errors }: RestoreProps) {
  const title = `Restore version ${version.version} of ${tool.name}`;
  const asked = reenter !== null ? secretFields : [];
  return (
    <Page title={title} session={session}>
      <p class="muted">
        <a href="/ui">Tools</a> / <a href={`/ui/tools/${tool.id}`}>{tool.name}</a> /{" "}
        <a href={`/ui/tools/${tool.id}/versions`}>Versions</a> /
      </p>
      <h1>{title}</h1>
      <ErrorSummary title="The version was not restored. Please fix:" errors={errors} />
      <p>
        Restoring saves version {version.version}’s definition as a new version ({tool.version + 1}) of the tool. The
        versions in between stay in the history.
      </p>
      <VersionDiff from={`the current version (${tool.version})`} to={`version ${version.version}`} changes={changes} />
      <form method="post" action={`/ui/tools/${tool.id}/versions/${version.version}/restore`} class="card">
        <CsrfField token={session.csrfToken} />
        <input type="hidden" name="expected_version" value={String(tool.version)} />
        {secretFields.length > 0 && reenter === null && (
          <p class="success" role="status">
            {capitalized(secretFields.map((f) => RESTORE_SECRET_INPUTS[f]?.noun ?? f).join(" and "))} is kept: version{" "}
            {version.version} sends it to the same place as now.
          </p>
        )}
        {asked.length > 0 && (
          <fieldset>
            <legend>Authentication</legend>
            <p class="reenter-notice" role="status">
              Enter {asked.map((f) => RESTORE_SECRET_INPUTS[f]?.noun ?? f).join(" and ")} again: {reenter}, and{" "}
              {REENTER_WHY}.
            </p>
            {asked.map((field) => {
              const input = RESTORE_SECRET_INPUTS[field];
              if (!input) return null;
              return (
                <div class="field">
                  <label for={input.id}>{input.label}</label>
                  <input
                    type="password"
                    id={input.id}
                    name={`secret.${field}`}
                    value=""
                    required
                    autocomplete="new-password"
                    spellcheck={false}
                    {...describedBy(input.id, errors, true)}
                  />
                  <p class="hint" id={`${input.id}-hint`}>
                    Write-only: it is stored encrypted and never shown again.
                  </p>
                  <FieldError id={input.id} errors={errors} />
                </div>
              );
            })}
          </fieldset>
        )}
        <div class="actions">
          <button type="submit">Restore version {version.version}</button>
          <a class="button" href={`/ui/tools/${tool.id}/versions`}>
            Cancel
          </a>
        </div>
      </form>
    </Page>
  );
}

const capitalized = (text: string) => text.charAt(0).toUpperCase() + text.slice(1);
