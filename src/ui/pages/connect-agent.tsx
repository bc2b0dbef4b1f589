import { KEY_PLACEHOLDER, type AgentClient, type AgentSnippet } from "../agent-configs";
import { CsrfField, describedBy, FieldError, type FieldErrors } from "../components";
import { Page } from "../layout";
import { can, type Session } from "../session";
import { NewKey } from "./api-keys";

export interface ConnectAgentProps {
  session: Session;
  mcpUrl: string;
  baseUrl: string;
  clients: AgentClient[];
  exports: AgentSnippet[];
  /** A key created just now for the agent: it is in the snippets, this once. */
  created?: { name: string; key: string } | undefined;
  keyName: string;
  errors: FieldErrors;
}

/**
 * Connect an AI agent: this server's MCP URL and, for each client, what to
 * paste, signing in with OAuth or with an execute-only key the page offers to
 * create; and the function-calling exports for apps that call a model API.
 */
export function ConnectAgentPage({
  session,
  mcpUrl,
  baseUrl,
  clients,
  exports,
  created,
  keyName,
  errors,
}: ConnectAgentProps) {
  const oauth = clients.some((client) => client.oauth !== null);
  return (
    <Page title="Connect an AI agent" session={session} current="agents">
      <h1>Connect an AI agent</h1>
      <p>
        AI agents such as Claude, Cursor or VS Code's Copilot use toolgate's tools over MCP (the Model Context
        Protocol). They see each tool offered to AI agents (a checkbox in the tool's editor), its description and its
        inputs, and run it without ever seeing its credentials.
      </p>
      <dl class="facts">
        <dt>MCP server URL</dt>
        <dd class="copy-row">
          <code id="mcp-url">{mcpUrl}</code>
          <button type="button" data-copy="mcp-url" hidden>
            Copy URL
          </button>
        </dd>
      </dl>
      <h2>How the agent signs in</h2>
      {oauth ? (
        <p>
          <strong>With your sign-in (OAuth):</strong> paste the first configuration; when the agent connects, it opens a
          toolgate page in your browser where you choose which tools it may run. You can end its access under{" "}
          <a href="/ui/apps">Connected apps</a>.
        </p>
      ) : (
        <p class="notice" role="status">
          Agents cannot sign in with OAuth at {baseUrl}: OAuth needs https (or http on localhost). Use an API key.
        </p>
      )}
      <p>
        <strong>With an API key:</strong> for agents that do not sign in themselves. Give the agent a key that can only
        run tools (the tools:execute scope), so that it cannot read or change them.
      </p>
      {created ? (
        <NewKey name={created.name} keyValue={created.key} />
      ) : (
        <AgentKeyForm session={session} keyName={keyName} errors={errors} />
      )}
      {clients.map((client) => (
        <section class="card" aria-labelledby={`${client.id}-title`}>
          <h2 id={`${client.id}-title`}>{client.name}</h2>
          {client.oauth && <Snippet title="Signing in with OAuth" snippet={client.oauth} />}
          <Snippet title={created ? `With the key “${created.name}”` : "With an API key"} snippet={client.withKey} />
        </section>
      ))}
      <h2>Apps that call a model API themselves</h2>
      <p>
        An application that calls OpenAI's or Anthropic's API itself can give the model toolgate's tools as function
        definitions, then run the call the model asks for with <code>{"POST /tools/by-name/{name}/execute"}</code>. The
        exports need a key with the tools:read scope; running needs tools:execute. All routes are in the{" "}
        <a href="/docs#/Exports">API docs</a>.
      </p>
      {exports.map((snippet) => (
        <Snippet title={snippet.where} snippet={{ ...snippet, where: "" }} />
      ))}
    </Page>
  );
}

function Snippet({ title, snippet }: { title: string; snippet: AgentSnippet }) {
  return (
    <div class="snippet">
      <h3>{title}</h3>
      {snippet.where && <p class="hint">{snippet.where}</p>}
      <pre>
        <code id={snippet.id}>{snippet.text}</code>
      </pre>
      <button type="button" data-copy={snippet.id} hidden>
        Copy
      </button>
    </div>
  );
}

function AgentKeyForm({ session, keyName, errors }: { session: Session; keyName: string; errors: FieldErrors }) {
  if (!can(session, "admin"))
    return (
      <p class="muted">
        Only an administrator (a key with the admin scope) can create keys: ask one for a key with only the
        tools:execute scope, and paste it where the configurations below say {KEY_PLACEHOLDER}.
      </p>
    );
  return (
    <form method="post" action="/ui/agents/key" class="card filter" novalidate>
      <CsrfField token={session.csrfToken} />
      <div class="field">
        <label for="agent-key-name">Key name</label>
        <input
          type="text"
          id="agent-key-name"
          name="name"
          value={keyName}
          maxlength={100}
          autocomplete="off"
          {...describedBy("agent-key-name", errors, true)}
        />
        <p class="hint" id="agent-key-name-hint">
          Which agent will use it, so that you know which key to revoke later.
        </p>
        <FieldError id="agent-key-name" errors={errors} />
      </div>
      <button class="primary" type="submit">
        Create an execute-only key
      </button>
    </form>
  );
}
