/**
 * The Connections pages: the list with status in words, create and edit
 * through the API's rules (all errors at once, secrets write-only, asked for
 * again after a change of destination), Test connection, and a delete that
 * names the tools that block it. No page ever shows a secret.
 */
import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { api, createApiKey, json, uniqueName, useUpstream, type Json } from "./helpers";
import { API_ORIGIN, connectionRow, createConnectedTool, createConnection } from "./connection-helpers";
import { newToolPage, storedTool } from "./ui-fixtures";
import {
  decodeEntities,
  fieldError,
  formFields,
  getPage,
  inputValue,
  postForm,
  savedToolId,
  signIn,
  submitForm,
  textareaValue,
} from "./ui-helpers";

const upstream = useUpstream();

const SECRET = "conn-ui-secret-value-0001";

function form(overrides: Record<string, string> = {}): Record<string, string> {
  return {
    name: uniqueName("conn"),
    description: "",
    auth_type: "bearer_token",
    allowed_origins: API_ORIGIN,
    conn_token: SECRET,
    test_method: "GET",
    test_url: `${API_ORIGIN}/v1/me`,
    ...overrides,
  };
}

function expectNoSecret(html: string, ...secrets: string[]) {
  for (const secret of [SECRET, ...secrets]) expect(html).not.toContain(secret);
}

describe("the Connections list", () => {
  it("is in the navigation and lists each connection with its type, status in words, tools and last use", async () => {
    const session = await signIn();
    const ready = await createConnection();
    const waiting = await createConnection({ auth_config: { type: "api_key", key_name: "X-Key", location: "header" } });
    await createConnectedTool(ready.id);
    const res = await getPage("/ui/connections", session);
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('href="/ui/connections" aria-current="page"');
    const rowOf = (name: string) => html.slice(html.indexOf(`>${name}</a>`)).split("</tr>")[0] ?? "";
    expect(rowOf(ready.name)).toContain("Bearer token");
    expect(rowOf(ready.name)).toContain("Ready");
    expect(rowOf(ready.name)).toMatch(/data-label="Tools">1</);
    expect(rowOf(ready.name)).toContain("never");
    expect(rowOf(waiting.name)).toContain("API key (header)");
    expect(decodeEntities(rowOf(waiting.name))).toContain("Needs its secret");
    expect(decodeEntities(rowOf(waiting.name))).toContain("Edit the connection and type the secret");
    expectNoSecret(html, "conn-bearer-token-0001");
  });

  it("is not offered to a key without connections:read, and refuses it", async () => {
    const session = await signIn((await createApiKey(["tools:read"])).key);
    expect(await (await getPage("/ui", session)).text()).not.toContain('href="/ui/connections"');
    const res = await getPage("/ui/connections", session);
    expect(res.status).toBe(403);
    expect(await res.text()).toContain("connections:read");
  });
});

describe("creating and editing a connection", () => {
  it("warns under every secret field while a typed secret is short, as the tool editor does", async () => {
    const html = await (await getPage("/ui/connections/new", await signIn())).text();
    for (const id of ["conn_token", "conn_value", "conn_password", "conn_client_secret"]) {
      // public/ui/app.js fills the warning named by the input; a truncated paste is noticed before saving.
      expect(new RegExp(`<input[^>]*\\bid="${id}"[^>]*>`).exec(html)?.[0]).toContain(
        `data-short-secret-warning="${id}-short"`,
      );
      expect(html).toContain(`<span id="${id}-short" class="short-secret-warning" aria-live="polite">`);
    }
  });

  it("creates a connection from the form, and its page never shows the secret", async () => {
    const session = await signIn();
    const fields = form();
    const res = await postForm("/ui/connections/new", fields, session);
    expect(res.status, await res.clone().text()).toBe(303);
    const location = res.headers.get("location") ?? "";
    const id = /\/ui\/connections\/([^/?]+)\?saved=1$/.exec(location)?.[1] ?? "";
    const stored = await (await api(`/connections/${id}`)).json<Json>();
    expect(stored).toMatchObject({
      name: fields.name,
      auth_config: { type: "bearer_token", secrets_set: ["token"] },
      allowed_origins: [API_ORIGIN],
      test_request: { method: "GET", url: `${API_ORIGIN}/v1/me` },
      status: "ready",
    });
    const page = await (await getPage(location, session)).text();
    expect(page).toContain("Saved.");
    expect(inputValue(page, "conn_token")).toBe("");
    expect(page).toContain("saved, leave empty to keep");
    expect(textareaValue(page, "allowed_origins")).toBe(API_ORIGIN);
    expectNoSecret(page);
    // The row holds it sealed, not as typed.
    expect(JSON.stringify(await connectionRow(id))).not.toContain(SECRET);
  });

  it("shows every error at once, in words, at its field", async () => {
    const session = await signIn();
    const res = await postForm(
      "/ui/connections/new",
      form({ name: "bad name!", auth_type: "api_key", key_name: "", allowed_origins: "", conn_value: SECRET }),
      session,
    );
    expect(res.status).toBe(422);
    const html = await res.text();
    expect(fieldError(html, "name")).toContain("letters, digits, _ or -");
    expect(fieldError(html, "key_name")).toBe("Fill in the header or parameter name.");
    expect(fieldError(html, "allowed_origins")).toContain("at least one origin");
    expect(html).toContain("The connection was not saved");
    // What was typed stays, except the secret.
    expect(inputValue(html, "name")).toBe("bad name!");
    expectNoSecret(html);
  });

  it("says in words why an origin is refused", async () => {
    const session = await signIn();
    const res = await postForm("/ui/connections/new", form({ allowed_origins: "https://api.example.com/v1" }), session);
    expect(res.status).toBe(422);
    expect(fieldError(await res.text(), "allowed_origins")).toBeTruthy();
  });

  it("keeps the secret when it is left empty, and uses a new one from the next test on (rotation)", async () => {
    const session = await signIn();
    const connection = await createConnection({ test_request: { method: "GET", url: `${API_ORIGIN}/v1/me` } });
    const page = await (await getPage(`/ui/connections/${connection.id}`, session)).text();
    const version = inputValue(page, "version") ?? "";
    const base = {
      name: connection.name,
      auth_type: "bearer_token",
      allowed_origins: API_ORIGIN,
      test_method: "GET",
      test_url: `${API_ORIGIN}/v1/me`,
    };
    const kept = await postForm(`/ui/connections/${connection.id}`, { ...base, version }, session);
    expect(kept.status).toBe(303);
    expect((await api(`/connections/${connection.id}`).then((r) => r.json<Json>())).auth_config.secrets_set).toEqual([
      "token",
    ]);
    const rotated = await postForm(`/ui/connections/${connection.id}`, { ...base, conn_token: SECRET }, session);
    expect(rotated.status).toBe(303);
    upstream.on("GET", `${API_ORIGIN}/v1/me`, () => json({ ok: true }));
    const tested = await postForm(`/ui/connections/${connection.id}/test`, {}, session);
    expect(tested.status).toBe(200);
    expect(upstream.calls.at(-1)?.headers.get("authorization")).toBe(`Bearer ${SECRET}`);
    const html = await tested.text();
    expect(html).toContain("The connection works");
    expect(html).toContain("HTTP 200");
    expectNoSecret(html, "conn-bearer-token-0001");
  });

  it("asks for the secret again when where it goes changed, without saying it is kept", async () => {
    const session = await signIn();
    const connection = await createConnection();
    const res = await postForm(
      `/ui/connections/${connection.id}`,
      { name: connection.name, auth_type: "bearer_token", allowed_origins: "https://other.example.com" },
      session,
    );
    expect(res.status).toBe(422);
    const html = decodeEntities(await res.text());
    expect(html).toContain("Type the secret again: allowed_origins changed");
    expect(fieldError(html, "conn_token")).toContain("Type it again");
    expect(html).not.toContain("saved, leave empty to keep");
    expect(html).not.toContain("Saved, leave empty to keep");
    // With the secret it saves.
    const saved = await postForm(
      `/ui/connections/${connection.id}`,
      {
        name: connection.name,
        auth_type: "bearer_token",
        allowed_origins: "https://other.example.com",
        conn_token: SECRET,
      },
      session,
    );
    expect(saved.status).toBe(303);
  });

  it("shows a failed test in words and the status it leaves", async () => {
    const session = await signIn();
    const connection = await createConnection({ test_request: { method: "GET", url: `${API_ORIGIN}/v1/me` } });
    upstream.on("GET", `${API_ORIGIN}/v1/me`, () => json({ error: "nope" }, { status: 401 }));
    const res = await postForm(`/ui/connections/${connection.id}/test`, {}, session);
    const html = decodeEntities(await res.text());
    expect(html).toContain("The connection did not work");
    expect(html).toContain("HTTP 401");
    expect(html).toContain("Failed last time");
    expectNoSecret(html, "conn-bearer-token-0001");
  });

  it("says what to do when a test cannot run: no secret, or no test request", async () => {
    const session = await signIn();
    const noSecret = await createConnection({
      auth_config: { type: "api_key", key_name: "X-Key", location: "header" },
      test_request: { method: "GET", url: `${API_ORIGIN}/v1/me` },
    });
    const first = decodeEntities(await (await postForm(`/ui/connections/${noSecret.id}/test`, {}, session)).text());
    expect(first).toContain("The connection did not work");
    expect(first).toMatch(/secret/i);
    const noRequest = await createConnection();
    const second = decodeEntities(await (await postForm(`/ui/connections/${noRequest.id}/test`, {}, session)).text());
    expect(second).toContain("The connection did not work");
    expect(second).toContain("test_request");
  });

  it("renders every type's fields, the redirect URI to copy, and Connect (then Reconnect) on a sign-in connection's page", async () => {
    const session = await signIn();
    const html = await (await getPage("/ui/connections/new", session)).text();
    for (const id of ["conn-auth-type", "key_name", "username", "token_url", "authorization_url", "client_id"])
      expect(html).toContain(`id="${id}"`);
    expect(inputValue(html, "redirect_uri")).toBe("https://toolgate.test/oauth/callback");
    expect(html).toContain('data-copy="redirect_uri"');
    expect(html).toContain("press Connect on its page");
    const res = await postForm(
      "/ui/connections/new",
      form({
        auth_type: "authorization_code",
        authorization_url: "https://auth.example.com/authorize",
        token_url: "https://auth.example.com/token",
        client_id: "my-client",
        extra_authorize_params: "access_type=offline\nprompt=consent",
        allowed_origins: `${API_ORIGIN}\nhttps://auth.example.com`,
        conn_token: "",
      }),
      session,
    );
    expect(res.status, await res.clone().text()).toBe(303);
    const page = decodeEntities(await (await getPage(res.headers.get("location") ?? "", session)).text());
    expect(page).toContain("Not signed in");
    expect(textareaValue(page, "extra_authorize_params")).toBe("access_type=offline\nprompt=consent");
    const id = new URL(res.headers.get("location") ?? "", "https://toolgate.test").pathname.split("/").pop() ?? "";
    expect(page).toContain(`action="/ui/connections/${id}/connect"`);
    expect(page).toMatch(/<button type="submit">Connect<\/button>/);
    expect(page).not.toContain(">Reconnect<");

    // The provider revoked the grant (a refresh got invalid_grant): the page says so and offers Reconnect.
    await env.DB.prepare(
      "INSERT INTO connection_tokens (connection_id, access_token, token_version, invalid_reason, updated_at) VALUES (?, NULL, 1, 'invalid_grant', ?)",
    )
      .bind(id, new Date().toISOString())
      .run();
    const revoked = decodeEntities(await (await getPage(`/ui/connections/${id}`, session)).text());
    expect(revoked).toContain("Not signed in");
    expect(revoked).toContain("The provider no longer accepts the grant");
    expect(revoked).toMatch(/<button type="submit">Reconnect<\/button>/);

    // Connect starts the flow: a page that goes on to the provider's authorization URL with PKCE.
    const started = await postForm(`/ui/connections/${id}/connect`, {}, session);
    expect(started.status).toBe(200);
    const handoff = decodeEntities(await started.text());
    expect(handoff).toContain("https://auth.example.com/authorize?");
    expect(handoff).toContain("code_challenge_method=S256");
  });
});

describe("deleting a connection", () => {
  it("lists the tools that use it, each linked, and keeps it", async () => {
    const session = await signIn();
    const connection = await createConnection();
    const tool = await createConnectedTool(connection.id);
    const confirm = await getPage(`/ui/connections/${connection.id}/delete`, session);
    expect(confirm.status).toBe(200);
    const res = await postForm(`/ui/connections/${connection.id}/delete`, {}, session);
    expect(res.status).toBe(409);
    const html = decodeEntities(await res.text());
    expect(html).toContain("was not deleted: 1 tool uses it");
    expect(html).toContain(`<a href="/ui/tools/${tool.id}/edit">${tool.name}</a>`);
    expect((await api(`/connections/${connection.id}`)).status).toBe(200);
  });

  it("deletes an unused connection and says so", async () => {
    const session = await signIn();
    const connection = await createConnection();
    const res = await postForm(`/ui/connections/${connection.id}/delete`, {}, session);
    expect(res.status).toBe(303);
    const list = await (await getPage(res.headers.get("location") ?? "", session)).text();
    expect(list).toContain(`Deleted the connection ${connection.name}.`);
    expect((await api(`/connections/${connection.id}`)).status).toBe(404);
  });
});

describe("a tool that uses a connection, in the editor and the test panel", () => {
  const toolFields = (name: string, changes: Record<string, string> = {}) => ({
    name,
    endpoint_url: `${API_ORIGIN}/v1/items`,
    auth_source: "connection",
    ...changes,
  });

  it("offers the saved connections, those matching the URL first, and saves the tool with the one chosen", async () => {
    const session = await signIn();
    const elsewhere = await createConnection({ allowed_origins: ["https://elsewhere.example.com"] });
    const matching = await createConnection();
    const page = await newToolPage(session, []);
    expect(page).toContain('id="auth-source-connection"');
    expect(page).toContain('href="/ui/connections/new" target="_blank"');
    // With the URL typed, a round trip orders the picker: the matching one comes first.
    const refreshed = await submitForm(
      page,
      "/ui/tools/new",
      session,
      toolFields(uniqueName(), { connection_id: "" }),
      "refresh_connections",
    );
    expect(refreshed.res.status).toBe(200);
    const picker = /<select id="connection_id"[\s\S]*?<\/select>/.exec(refreshed.html)?.[0] ?? "";
    expect(picker.indexOf(matching.name)).toBeGreaterThan(0);
    expect(picker.indexOf(matching.name)).toBeLessThan(picker.indexOf(elsewhere.name));
    expect(decodeEntities(picker)).toContain(`${matching.name} (Ready, matches the URL)`);
    expect(inputValue(refreshed.html, "name")).not.toBe("");

    const name = uniqueName();
    const { res } = await submitForm(page, "/ui/tools/new", session, toolFields(name, { connection_id: matching.id }));
    const tool = await storedTool(savedToolId(res));
    expect(tool).toMatchObject({ name, connection_id: matching.id, auth_config: { type: "bearer_token" } });
    // Editing keeps it on the connection: the edit form sends the choice back as it is.
    const edit = await (await getPage(`/ui/tools/${tool.id}/edit`, session)).text();
    expect(formFields(edit, `/ui/tools/${tool.id}/edit`)).toContainEqual(["auth_source", "connection"]);
    expect(formFields(edit, `/ui/tools/${tool.id}/edit`)).toContainEqual(["connection_id", matching.id]);
  });

  it("asks for a connection when none is picked, and refuses an endpoint outside its origins at the URL field", async () => {
    const session = await signIn();
    const connection = await createConnection();
    const page = await newToolPage(session, []);
    const none = await submitForm(page, "/ui/tools/new", session, toolFields(uniqueName(), { connection_id: "" }));
    expect(none.res.status).toBe(422);
    expect(fieldError(none.html, "connection_id")).toBe(
      "Choose a connection, or choose credentials for this tool only.",
    );
    const outside = await submitForm(
      page,
      "/ui/tools/new",
      session,
      toolFields(uniqueName(), { connection_id: connection.id, endpoint_url: "https://other.example.com/v1/items" }),
    );
    expect(outside.res.status).toBe(422);
    expect(fieldError(outside.html, "endpoint_url")).toContain(API_ORIGIN);
  });

  it("moves a tool from its own credentials onto a connection", async () => {
    const session = await signIn();
    const connection = await createConnection();
    const page = await newToolPage(session, []);
    const own = await submitForm(
      page,
      "/ui/tools/new",
      session,
      toolFields(uniqueName(), { auth_source: "own", auth_type: "bearer_token", bearer_token: SECRET }),
    );
    const id = savedToolId(own.res);
    expect((await storedTool(id)).connection_id).toBeNull();
    const edit = await (await getPage(`/ui/tools/${id}/edit`, session)).text();
    const moved = await submitForm(edit, `/ui/tools/${id}/edit`, session, {
      auth_source: "connection",
      connection_id: connection.id,
    });
    expect(moved.res.status, moved.html).toBe(303);
    expect(await storedTool(id)).toMatchObject({ connection_id: connection.id });
    expectNoSecret(await (await getPage(`/ui/tools/${id}/edit`, session)).text());
  });

  it("shows a run stopped by a connection that is not ready in words, with a link to fix the connection", async () => {
    const session = await signIn();
    const connection = await createConnection({
      auth_config: { type: "api_key", key_name: "X-Key", location: "header" },
    });
    const tool = await createConnectedTool(connection.id);
    const res = await postForm(`/ui/tools/${tool.id}/run`, {}, session);
    const html = decodeEntities(await res.text());
    expect(html).toContain(connection.name);
    expect(html).toContain(`<a href="/ui/connections/${connection.id}">Fix the connection ${connection.name}</a>`);
    expect(upstream.calls).toEqual([]);
  });
});
