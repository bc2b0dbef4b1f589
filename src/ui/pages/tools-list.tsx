import { isDamaged, type StoredTool } from "../../registry/stored-tool";
import type { LatestRun } from "../../registry/execution-log";
import { OutcomeBadge, Time } from "../components";
import { Page } from "../layout";
import { can, type Session } from "../session";
import { AUTH_LABELS, CONNECTION_AUTH_LABEL } from "../labels";

export interface ToolsListProps {
  session: Session;
  tools: StoredTool[];
  latest: Map<string, LatestRun>;
  query: string;
  nextCursor: string | null;
  flash?: string | undefined;
}

export function ToolsListPage({ session, tools, latest, query, nextCursor, flash }: ToolsListProps) {
  const filtered = query !== "";
  const mayWrite = can(session, "tools:write");
  // The last run is execution-log data: only for those who may read the log.
  const showRuns = can(session, "executions:read");
  return (
    <Page title="Tools" session={session} current="tools">
      <div class="page-head">
        <h1>Tools</h1>
        {mayWrite && (
          <span class="actions">
            <a class="button" href="/ui/import">
              Import from OpenAPI
            </a>{" "}
            <a class="button primary" href="/ui/tools/new">
              New tool
            </a>
          </span>
        )}
      </div>
      {flash && (
        <p class="success" role="status">
          {flash}
        </p>
      )}
      {tools.length === 0 && !filtered ? (
        <EmptyState mayWrite={mayWrite} />
      ) : (
        <>
          <form class="filter" method="get" action="/ui" role="search">
            <div class="field">
              <label for="q">Search names and descriptions</label>
              <input type="search" id="q" name="q" value={query} autocomplete="off" />
            </div>
            <button type="submit">Search</button>
            {filtered && <a href="/ui">Clear search</a>}
          </form>
          {tools.length === 0 ? (
            <p class="card">No tool has “{query}” in its name or description.</p>
          ) : (
            <table>
              <caption class="sr-only">Registered tools</caption>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Calls</th>
                  <th scope="col">Authentication</th>
                  {showRuns && <th scope="col">Last run</th>}
                </tr>
              </thead>
              <tbody>
                {tools.map((tool) => (
                  <ToolRowView tool={tool} run={latest.get(tool.id)} showRuns={showRuns} />
                ))}
              </tbody>
            </table>
          )}
          {nextCursor && (
            <nav class="pager" aria-label="Pages">
              <a href={`/ui?${new URLSearchParams({ q: query, cursor: nextCursor })}`}>Next page</a>
            </nav>
          )}
        </>
      )}
      {showRuns && (
        <p class="muted">
          A deleted tool's runs are kept for audit: <a href="/ui/deleted-tools">see deleted tools and their runs</a>.
        </p>
      )}
    </Page>
  );
}

function ToolRowView({ tool, run, showRuns }: { tool: StoredTool; run: LatestRun | undefined; showRuns: boolean }) {
  return (
    <tr>
      <td data-label="Name">
        <a href={`/ui/tools/${tool.id}`}>{tool.name}</a>
        {isDamaged(tool) && (
          <div class="field-error">
            Damaged: its stored {tool.damage.map((d) => d.column).join(", ")} cannot be read.
          </div>
        )}
        {tool.description && <div class="muted">{tool.description}</div>}
      </td>
      <td data-label="Calls">
        {tool.executionType === "function" ? (
          <span>built-in function {tool.functionName}</span>
        ) : (
          <span>
            <span class="method">{tool.method}</span> <Host host={hostOf(tool.endpointUrl)} />
          </span>
        )}
      </td>
      <td data-label="Authentication">
        {"connectionId" in tool && tool.connectionId !== null
          ? CONNECTION_AUTH_LABEL
          : (AUTH_LABELS[tool.authType] ?? tool.authType)}
      </td>
      {showRuns && (
        <td data-label="Last run">
          {run ? (
            <span>
              <OutcomeBadge outcome={run.outcome} />
              {run.upstreamStatus !== null && ` HTTP ${run.upstreamStatus}`} · <Time iso={run.startedAt} />
            </span>
          ) : (
            <span class="muted">never run</span>
          )}
        </td>
      )}
    </tr>
  );
}

function EmptyState({ mayWrite }: { mayWrite: boolean }) {
  return (
    <div class="card empty">
      <h2>No tools yet</h2>
      <p>
        A tool is one call to a web API, set up once: its address, its method, how it signs in, and which inputs it
        takes. Once saved, anyone you allow, a person here, a workflow or an AI agent, can run it by name without seeing
        its credentials.
      </p>
      {mayWrite ? (
        <p>
          <a class="button primary" href="/ui/tools/new">
            Create your first tool
          </a>{" "}
          or <a href="/ui/import">import tools from an OpenAPI document</a>.
        </p>
      ) : (
        <p class="muted">Your API key cannot create tools; ask an administrator for one with the tools:write scope.</p>
      )}
    </div>
  );
}

/**
 * A host that a narrow column may wrap only between its labels and before the
 * port, never inside one ("127.0.0.1:878 / 8" misreads the port): each part
 * unbreakable, a line-break opportunity between them. An IP address is one part.
 */
function Host({ host }: { host: string }) {
  const port = /:\d+$/.exec(host)?.[0] ?? "";
  const name = host.slice(0, host.length - port.length);
  const labels = /^[\d.]+$|^\[/.test(name) ? [name] : name.split(/(?<=\.)/);
  const parts = [...labels, ...(port ? [port] : [])].filter((p) => p !== "");
  return (
    <span class="host">
      {parts.map((part, i) => (
        <>
          {i > 0 && <wbr />}
          <span class="host-part">{part}</span>
        </>
      ))}
    </span>
  );
}

function hostOf(url: string | null): string {
  if (!url) return "";
  try {
    return new URL(url.replace(/\{[^}]*\}/g, "x")).host;
  } catch {
    return url;
  }
}
