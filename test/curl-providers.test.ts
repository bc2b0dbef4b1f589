/**
 * cURL commands as providers document them (test/fixtures/curl-providers/*.sh):
 * each is imported through POST /imports/curl, what it left to fill in is
 * filled in, the draft is saved with POST /tools and executed against a
 * double of the provider, and the request that reaches the double is compared
 * with what curl 7.88 sent for the same command. Those requests were recorded
 * once by scripts/record-curl-fixtures.mjs against a local echo server and
 * committed (recorded.json): no network and no curl here.
 *
 * Where the tool's request may differ from curl's, the difference is one that
 * docs/curl-import.md states, and the comparison below names it.
 */
import { describe, expect, it } from "vitest";
import recorded from "./fixtures/curl-providers/recorded.json";
import { api, execute, json, uniqueName, useUpstream, type Json } from "./helpers";

const upstream = useUpstream();

/** A request as curl sent it (recorded.json). */
interface SentByCurl {
  method: string;
  url: string;
  headers: [string, string][];
  body: string;
}

const SENT: Record<string, SentByCurl> = Object.fromEntries(
  Object.entries(recorded.requests).map(([name, request]) => [
    name,
    { ...request, headers: request.headers.map(([header, value]) => [header ?? "", value ?? ""] as [string, string]) },
  ]),
);

const FILES = import.meta.glob<string>("./fixtures/curl-providers/*.sh", {
  query: "?raw",
  import: "default",
  eager: true,
});
const FIXTURES = Object.fromEntries(
  Object.entries(FILES).map(([path, text]) => [/([^/]+)\.sh$/.exec(path)?.[1] as string, text]),
);

/**
 * Every fixture, with what its import must ask for (the `needs` fields:
 * placeholders in the command), and what curl sent that the tool does not.
 */
const TABLE: Record<string, { needs?: string[]; notSent?: { query: string[] } }> = {
  "airtable-list-records": {},
  "algolia-search": { needs: ["/auth_config/value", "/input_schema/properties/X-Algolia-Application-Id/default"] },
  "anthropic-messages": { needs: ["/auth_config/value"] },
  "asana-create-task": {},
  "cloudflare-create-dns-record": { needs: ["/auth_config/token", "/input_schema/properties/zone_id/default"] },
  "cloudflare-list-dns-records": { needs: ["/auth_config/token", "/input_schema/properties/zone_id/default"] },
  "digitalocean-create-droplet": { needs: ["/auth_config/token"] },
  "discord-create-message": { needs: ["/auth_config/value"] },
  "github-create-issue": { needs: ["/auth_config/token"] },
  "github-update-issue": { needs: ["/auth_config/token"] },
  "gitlab-list-projects": { needs: ["/auth_config/value"] },
  "hubspot-create-contact": {},
  "intercom-create-contact": { needs: ["/auth_config/token"] },
  "jira-create-issue": { needs: ["/auth_config/value"] },
  "linear-graphql": { needs: ["/auth_config/value"] },
  "mailchimp-add-member": { needs: ["/auth_config/value", "/input_schema/properties/list_id/default"] },
  "mailgun-send-message": {},
  "mistral-chat-completions": { needs: ["/auth_config/token"] },
  "notion-query-database": { needs: ["/auth_config/token"] },
  "openai-chat-completions": { needs: ["/auth_config/token"] },
  "openai-embeddings": { needs: ["/auth_config/token"] },
  "postmark-send-email": {},
  "sendgrid-mail-send": { needs: ["/auth_config/token"] },
  "shopify-get-product": { needs: ["/auth_config/value"] },
  "shopify-graphql": {},
  "slack-chat-postmessage": {},
  "slack-conversations-list": {},
  "stripe-create-customer": {},
  "stripe-create-payment-intent": {},
  "stripe-delete-customer": {},
  "stripe-list-charges": {},
  "telegram-send-message": { needs: ["/input_schema/properties/telegram_bot_token/default"] },
  "trello-get-boards": { needs: ["/auth_config/value"], notSent: { query: ["token"] } },
  "twilio-send-sms": { needs: ["/auth_config/value", "/input_schema/properties/twilio_account_sid/default"] },
  "zendesk-create-ticket": { needs: ["/auth_config/value"] },
};

/** The command: the fixture without its leading comment lines. */
function commandOf(text: string): string {
  return text.replace(/^(?:#[^\n]*\n)+/, "");
}

/** The `# env NAME=value` lines: what the shell variables held when curl ran. */
function envOf(text: string): Record<string, string> {
  return Object.fromEntries(Array.from(text.matchAll(/^# env ([A-Za-z_][A-Za-z0-9_]*)=(.*)$/gm), (m) => [m[1], m[2]]));
}

const headerOf = (sent: SentByCurl, name: string) =>
  sent.headers.find(([n]) => n.toLowerCase() === name.toLowerCase())?.[1];

/**
 * Fills in what the import asked for, as a person would: the credential as
 * curl sent it, and an input's default as the shell variable held it.
 */
function fillNeeds(draft: Json, needs: Json[], sent: SentByCurl, env: Record<string, string>): Json {
  const auth = draft.auth_config;
  for (const need of needs) {
    if (need.field === "/auth_config/token") auth.token = headerOf(sent, "authorization")?.replace(/^Bearer /, "");
    else if (need.field === "/auth_config/value")
      auth.value =
        auth.location === "query"
          ? new URL(sent.url).searchParams.get(auth.key_name)
          : headerOf(sent, auth.key_name as string);
    else {
      const property = /^\/input_schema\/properties\/([^/]+)\/default$/.exec(need.field)?.[1] as string;
      const variable = /^\$\{?([A-Za-z_][A-Za-z0-9_]*)/.exec(need.placeholders[0])?.[1] as string;
      draft.input_schema.properties[property].default = env[variable];
    }
  }
  return draft;
}

/** Decoded query pairs, in a stable order. */
function queryPairs(url: URL, leaveOut: string[] = []): [string, string][] {
  return [...url.searchParams].filter(([name]) => !leaveOut.includes(name)).sort(([a], [b]) => a.localeCompare(b));
}

describe("provider commands: imported, saved and executed, they send what curl sent", () => {
  it("every fixture is in the table and was recorded", () => {
    expect(Object.keys(FIXTURES).sort()).toEqual(Object.keys(TABLE).sort());
    expect(Object.keys(SENT).sort()).toEqual(Object.keys(TABLE).sort());
    expect(Object.keys(TABLE).length).toBeGreaterThanOrEqual(25);
  });

  it.each(Object.keys(TABLE))("%s", async (fixture) => {
    const text = FIXTURES[fixture] as string;
    const sent = SENT[fixture] as SentByCurl;
    const row = TABLE[fixture] ?? {};

    const imported = await api("/imports/curl", { method: "POST", json: { command: commandOf(text) } });
    const result = await imported.json<Json>();
    expect(imported.status, JSON.stringify(result)).toBe(200);
    expect(result.needs.map((need: Json) => need.field)).toEqual(row.needs ?? []);

    const draft = fillNeeds({ ...result.draft, name: uniqueName() }, result.needs, sent, envOf(text));
    const saved = await api("/tools", { method: "POST", json: draft });
    const tool = await saved.json<Json>();
    expect(saved.status, JSON.stringify(tool)).toBe(201);

    const target = new URL(sent.url);
    upstream.on(sent.method, new RegExp(`^${target.origin.replaceAll(".", "\\.")}/`), () => json({ ok: true }));
    const run = await execute(tool.id, {});
    expect(run.status, JSON.stringify(run.body)).toBe(200);
    expect(upstream.calls).toHaveLength(1);
    const call = upstream.calls[0]!;

    // The method, the host and the path (a path input is percent-encoded: ":" is sent as %3A).
    expect(call.method).toBe(sent.method);
    expect(call.url.origin).toBe(target.origin);
    expect(decodeURIComponent(call.url.pathname)).toBe(decodeURIComponent(target.pathname));
    // The query, decoded (re-encoded as a form encodes it; an API key goes last).
    expect(queryPairs(call.url)).toEqual(queryPairs(target, row.notSent?.query));

    // The headers, but those the runtime sets (Host, Content-Length) and curl's own defaults.
    const commandHeaders = new Set(
      Array.from(commandOf(text).matchAll(/(?:-H|--header)\s+["']([A-Za-z0-9-]+):/g), (m) =>
        (m[1] as string).toLowerCase(),
      ),
    );
    const expected: Record<string, string> = {};
    for (const [name, value] of sent.headers) {
      const lower = name.toLowerCase();
      if (lower === "host" || lower === "content-length") continue;
      if (lower === "user-agent" && !commandHeaders.has("user-agent")) continue;
      expected[lower] = value;
    }
    // curl's Accept: */* when the command has none; the tool asks for JSON.
    if (!commandHeaders.has("accept")) expected.accept = "application/json";
    // A JSON object sent with -d and no Content-Type: curl labels it a form, the tool says JSON (and warned).
    if (result.warnings.some((w: string) => w.startsWith("The data has no Content-Type; it is a JSON object")))
      expected["content-type"] = "application/json";
    const headers = Object.fromEntries(call.headers);
    const multipart = /^multipart\/form-data; boundary=(.+)$/.exec(expected["content-type"] ?? "");
    if (multipart) {
      expect(headers["content-type"]).toMatch(/^multipart\/form-data; boundary=toolgate-[0-9a-f]{32}$/);
      headers["content-type"] = expected["content-type"] as string;
    }
    expect(headers).toEqual(expected);

    // The body: a multipart body byte for byte but its boundary; JSON re-serialised compactly; a form
    // re-encoded as a form encodes it.
    if (multipart) {
      const boundary = /boundary=(.+)$/.exec(call.headers.get("content-type") ?? "")?.[1] as string;
      expect(call.body.replaceAll(boundary, multipart[1] as string)).toBe(sent.body);
    } else if (call.headers.get("content-type")?.includes("json"))
      expect(call.body).toBe(JSON.stringify(JSON.parse(sent.body)));
    else if (call.headers.get("content-type")?.startsWith("application/x-www-form-urlencoded"))
      expect(call.body).toBe(new URLSearchParams(sent.body).toString());
    else expect(call.body).toBe(sent.body);
  });
});
