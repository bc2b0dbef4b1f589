/**
 * A tool's saved versions (its definition history, not its runs: those are
 * ./history.tsx): the list, what changed between any two, and Restore.
 */
import type { ToolVersionRow } from "../../db/schema";
import { Time } from "../components";
import { Page } from "../layout";
import { can, type Session } from "../session";
import type { FieldChange } from "../version-diff";

export interface VersionsProps {
  session: Session;
  toolId: string;
  toolName: string;
  /** Whether the tool still exists (a deleted tool's versions are kept for audit, but cannot be restored). */
  exists: boolean;
  /** The tool's current version, when it exists. */
  currentVersion: number | null;
  versions: ToolVersionRow[];
  /** Who saved each version, in words, by `saved_by`. */
  savers: Map<string, string>;
  compared: { from: number; to: number; changes: FieldChange[] } | null;
  nextCursor: string | null;
  flash?: string | undefined;
}

export function VersionsPage(props: VersionsProps) {
  const { session, toolId, toolName, exists, currentVersion, versions, savers, compared, nextCursor, flash } = props;
  const title = `Versions of ${toolName}`;
  const mayRestore = exists && can(session, "tools:write");
  return (
    <Page title={title} session={session}>
      <p class="muted">
        <a href="/ui">Tools</a> / {exists ? <a href={`/ui/tools/${toolId}`}>{toolName}</a> : toolName} /
      </p>
      <h1>{title}</h1>
      {flash && (
        <p class="success" role="status">
          {flash}
        </p>
      )}
      {!exists && (
        <p class="card">This tool was deleted. Its saved versions are kept for audit and can no longer be restored.</p>
      )}
      <p class="muted">
        Every save of the tool is kept here as a version. Versions never keep secrets: restoring one keeps the current
        secret when it goes to the same place, and asks for it again when it does not.
      </p>
      {versions.length === 0 ? (
        <p class="card">
          No saved versions yet. Versions are kept from the first save after this toolgate was upgraded: save the tool
          once to start its history.
        </p>
      ) : (
        <>
          <form class="filter" method="get" action={`/ui/tools/${toolId}/versions`}>
            <VersionSelect id="from" label="Compare version" versions={versions} selected={compared?.from} />
            <VersionSelect id="to" label="with version" versions={versions} selected={compared?.to} />
            <button type="submit">Compare</button>
          </form>
          {compared && (
            <VersionDiff from={`version ${compared.from}`} to={`version ${compared.to}`} changes={compared.changes} />
          )}
          <table>
            <caption class="sr-only">Versions, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Version</th>
                <th scope="col">Saved</th>
                <th scope="col">By</th>
                <th scope="col">Name</th>
                <th scope="col">Actions</th>
              </tr>
            </thead>
            <tbody>
              {versions.map((v, i) => {
                const older = versions[i + 1];
                return (
                  <tr>
                    <td data-label="Version">
                      {v.version}
                      {v.version === currentVersion && " (current)"}
                    </td>
                    <td data-label="Saved">
                      <Time iso={v.savedAt} />
                    </td>
                    <td data-label="By">{v.savedBy === null ? "—" : (savers.get(v.savedBy) ?? v.savedBy)}</td>
                    <td data-label="Name">{v.name}</td>
                    <td data-label="Actions">
                      {older && (
                        <a href={`/ui/tools/${toolId}/versions?from=${older.version}&to=${v.version}`}>
                          Changes in {v.version}
                        </a>
                      )}
                      {mayRestore && v.version !== currentVersion && (
                        <>
                          {older && " · "}
                          <a href={`/ui/tools/${toolId}/versions/${v.version}/restore`}>Restore version {v.version}</a>
                        </>
                      )}
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </>
      )}
      {nextCursor && (
        <nav class="pager" aria-label="Pages">
          <a href={`/ui/tools/${toolId}/versions?${new URLSearchParams({ cursor: nextCursor })}`}>Older versions</a>
        </nav>
      )}
    </Page>
  );
}

function VersionSelect(props: { id: string; label: string; versions: ToolVersionRow[]; selected: number | undefined }) {
  return (
    <div class="field">
      <label for={props.id}>{props.label}</label>
      <select id={props.id} name={props.id}>
        {props.versions.map((v) => (
          <option value={String(v.version)} selected={v.version === props.selected}>
            {v.version}
          </option>
        ))}
      </select>
    </div>
  );
}

/** What changed from `from` to `to`: each field, before and after; JSON as lines marked − and +. */
export function VersionDiff({ from, to, changes }: { from: string; to: string; changes: FieldChange[] }) {
  const heading = `Changes from ${from} to ${to}`;
  if (changes.length === 0)
    return (
      <section class="card version-diff" aria-label={heading}>
        <h2>{heading}</h2>
        <p>No differences: the two definitions are the same.</p>
      </section>
    );
  return (
    <section class="card version-diff" aria-label={heading}>
      <h2>{heading}</h2>
      <dl class="diff-fields">
        {changes.map((change) =>
          change.kind === "value" ? (
            <>
              <dt>{change.label}</dt>
              <dd>
                <del>{change.before}</del> <span aria-hidden="true">→</span> <span class="sr-only">changed to</span>{" "}
                <ins>{change.after}</ins>
              </dd>
            </>
          ) : (
            <>
              <dt>{change.label}</dt>
              <dd>
                <pre class="json-diff">
                  {change.lines.map((line) => (
                    <span class={`diff-${line.kind}`}>
                      {line.kind === "removed" ? "- " : line.kind === "added" ? "+ " : "  "}
                      {line.text}
                      {"\n"}
                    </span>
                  ))}
                </pre>
              </dd>
            </>
          ),
        )}
      </dl>
    </section>
  );
}
