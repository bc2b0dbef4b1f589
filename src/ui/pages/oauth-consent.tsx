import type { ConsentDescription } from "@cloudflare/workers-oauth-provider";
import { CsrfField, Time } from "../components";
import { Page } from "../layout";
import type { Session } from "../session";

export interface ConsentTool {
  id: string;
  name: string;
  description: string | null;
}

export interface ConsentPageProps {
  session: Session;
  /** What the library says must be shown: name, redirect host, loopback. Every string came from the client. */
  client: ConsentDescription;
  /** When the client registered itself (RFC 7591), if known. */
  registeredAt: string | null;
  /** The consent transaction's handle: it works once, in this browser (the library's binding cookie). */
  handle: string;
  /** Whether the signed-in principal holds tools:execute, the one scope a grant can carry. */
  canGrant: boolean;
  tools: ConsentTool[];
  /** More tools are offered over MCP than the list shows. */
  moreTools: boolean;
}

/**
 * The authorization endpoint's page: an app (an MCP client) asks to run tools
 * for the signed-in person. It names the app as the app named itself, says
 * that the name is not verified, where access will be sent, and what the
 * grant allows; the person allows every tool or chooses some, or denies.
 */
export function ConsentPage({ session, client, registeredAt, handle, canGrant, tools, moreTools }: ConsentPageProps) {
  const as = session.principal.kind === "admin_token" ? "the admin token" : "your API key";
  return (
    <Page title={`Connect ${client.clientName}`} session={session}>
      <div class="card">
        <h1>Connect “{client.clientName}” to toolgate?</h1>
        <dl class="facts">
          <dt>App</dt>
          <dd>
            “{client.clientName}”. It registered itself with toolgate
            {registeredAt ? (
              <>
                {" "}
                on <Time iso={registeredAt} />
              </>
            ) : null}
            ; this name is what the app calls itself, and nobody has checked it.
          </dd>
          <dt>Sends access to</dt>
          <dd>
            <strong>{client.redirectHost}</strong>
          </dd>
          <dt>Can</dt>
          <dd>
            Run tools over MCP (<code>tools:execute</code>) for you, signed in with {as}: each run uses the tool's
            stored credentials and is logged. It cannot read or change tool definitions or their secrets, read the
            execution log, or manage keys.
          </dd>
          <dt>Until</dt>
          <dd>
            You revoke it under <a href="/ui/apps">Connected apps</a>
            {session.principal.kind === "api_key"
              ? ", your API key is revoked, or it goes unused for 30 days."
              : ", the admin token changes, or it goes unused for 30 days."}
          </dd>
        </dl>
        {client.redirectIsLoopback && (
          <p class="notice" role="note">
            This sends access to an app on your own computer ({client.redirectHost}). Continue only if you just started
            connecting from an app there: any program on this computer could be listening.
          </p>
        )}
        {!canGrant && (
          <div class="error-summary" role="alert">
            Your API key does not have the tools:execute scope, so it cannot give an app access to run tools. Sign in
            with a key that has it, or deny.
          </div>
        )}
        <form method="post" action="/ui/oauth/authorize">
          <CsrfField token={session.csrfToken} />
          <input type="hidden" name="handle" value={handle} />
          {canGrant && <ChooseTools tools={tools} moreTools={moreTools} />}
          <div class="actions">
            {canGrant && (
              <button class="primary" type="submit" name="decision" value="allow">
                Allow
              </button>
            )}
            <button type="submit" name="decision" value="deny">
              Deny
            </button>
          </div>
        </form>
      </div>
    </Page>
  );
}

function ChooseTools({ tools, moreTools }: { tools: ConsentTool[]; moreTools: boolean }) {
  return (
    <fieldset id="tools">
      <legend>Which tools</legend>
      <label class="check" for="access-all">
        <input type="radio" id="access-all" name="access" value="all" checked />
        <span>Every tool offered to AI agents over MCP, also those added later</span>
      </label>
      <label class="check" for="access-chosen">
        <input type="radio" id="access-chosen" name="access" value="chosen" />
        <span>Only the tools chosen here (the app sees no other):</span>
      </label>
      {tools.length === 0 ? (
        <p class="muted">No tool is offered over MCP yet.</p>
      ) : (
        <ul class="row-list">
          {tools.map((tool, i) => (
            <li class="field">
              <label class="check" for={`tool-${i}`}>
                <input type="checkbox" id={`tool-${i}`} name="tool" value={tool.id} />
                <span>
                  {tool.name}
                  {tool.description && <span class="muted"> · {tool.description}</span>}
                </span>
              </label>
            </li>
          ))}
        </ul>
      )}
      {moreTools && (
        <p class="hint">
          Only the first {tools.length} tools are listed. To give the app a tool beyond them, allow every tool.
        </p>
      )}
    </fieldset>
  );
}
