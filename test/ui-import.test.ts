/**
 * The UI's two ways to start from what exists: the Import page (an OpenAPI
 * document, previewed, picked, imported) and "Start from a cURL command" on
 * the new-tool page. Both go through the same code as the API's imports.
 */
import { describe, expect, it } from "vitest";
import crmYaml from "./fixtures/crm-openapi-3.0.yaml?raw";
import { execute, json, uniqueName, useUpstream } from "./helpers";
import { storedTool } from "./ui-fixtures";
import {
  errorSummary,
  fieldError,
  fieldValue,
  formFields,
  getPage,
  postForm,
  savedToolId,
  signIn,
  submitForm,
  unlabelledControls,
  withFields,
} from "./ui-helpers";

const upstream = useUpstream();
const CRM = "https://eu.crm.example.com/v1";

describe("the Import page", () => {
  it("with a secret given for each tool: previews, imports the ones picked, the secret sealed between the steps", async () => {
    const session = await signIn();
    const page = await (await getPage("/ui/import", session)).text();
    expect(unlabelledControls(page)).toEqual([]);
    const key = `k-${crypto.randomUUID()}`;
    const prefix = `t${crypto.randomUUID().slice(0, 6)}_`;

    const preview = await postForm(
      "/ui/import",
      { document: crmYaml, name_prefix: prefix, "secret.value": key, _action: "preview" },
      session,
    );
    const html = await preview.text();
    expect(preview.status, html).toBe(200);
    expect(html).toContain(`value="getContact"`);
    expect(html).toContain(`value="listContacts"`);
    expect(html).not.toContain(key);
    const fields = formFields(html, "/ui/import");
    expect(fieldValue(fields, "draft_secret.value")).toMatch(/^v2\./);

    const picked = fields.filter(([name, value]) => name !== "operation_id" || value === "getContact");
    const imported = await postForm("/ui/import", [...picked, ["_action", "import"]], session);
    const result = await imported.text();
    expect(imported.status, result).toBe(200);
    expect(result).toContain("Created 1 tool");
    expect(result).not.toContain(key);
    const id = /href="\/ui\/tools\/([0-9a-f-]{36})"/.exec(result)?.[1];
    const tool = await storedTool(id ?? "");
    expect(tool.name).toBe(`${prefix}getContact`);
    expect(tool.auth_config).toMatchObject({ type: "api_key", key_name: "X-API-Key", secrets_set: ["value"] });

    upstream.on("GET", `${CRM}/contacts/42`, () => json({ id: 42, name: "Ada", email: "ada@example.com" }));
    const ran = await execute(tool.id, { contactId: 42 });
    expect(ran.status, JSON.stringify(ran.body)).toBe(200);
    expect(upstream.calls.map((c) => c.headers.get("x-api-key"))).toEqual([key]);
  });

  it("creates a connection per scheme without its secret, links its page, and maps a scheme to an existing connection", async () => {
    const session = await signIn();
    const prefix = `t${crypto.randomUUID().slice(0, 6)}_`;
    const preview = await postForm(
      "/ui/import",
      { document: crmYaml, name_prefix: prefix, _action: "preview" },
      session,
    );
    const html = await preview.text();
    expect(preview.status, html).toBe(200);
    expect(unlabelledControls(html)).toEqual([]);
    expect(html).toContain("Scheme <code>apiKey</code>: API key in the header X-API-Key");
    expect(html).toContain("A new connection, Acme_CRM_apiKey");
    // OAuth2 needs a client ID before its connection can exist: the page asks for it there.
    expect(html).toContain('name="client_id:oauth"');
    const fields = formFields(html, "/ui/import");
    expect(fieldValue(fields, "connection_id:apiKey")).toBe("");

    const picked = fields.filter(([name, value]) => name !== "operation_id" || value === "getContact");
    const imported = await postForm("/ui/import", [...picked, ["_action", "import"]], session);
    const result = await imported.text();
    expect(imported.status, result).toBe(200);
    expect(result).toContain("Created 1 tool");
    const connectionId = /href="\/ui\/connections\/([0-9a-f-]{36})"/.exec(result)?.[1];
    expect(connectionId).toBeDefined();
    expect(result).toMatch(
      /created <a href="\/ui\/connections\/[0-9a-f-]{36}">Acme_CRM_apiKey(_\d+)?<\/a>, which needs its API key/,
    );
    const toolId = /href="\/ui\/tools\/([0-9a-f-]{36})"/.exec(result)?.[1];
    const tool = await storedTool(toolId ?? "");
    expect(tool.connection_id).toBe(connectionId);

    // Again, mapping the scheme to the connection just made: it is offered, and used; none is created.
    const again = await postForm(
      "/ui/import",
      { document: crmYaml, name_prefix: `${prefix}b_`, _action: "preview" },
      session,
    );
    const againHtml = await again.text();
    expect(againHtml).toContain(`<option value="${connectionId}">Use Acme_CRM_apiKey`);
    const mapped = withFields(
      formFields(againHtml, "/ui/import").filter(([name, value]) => name !== "operation_id" || value === "getContact"),
      { "connection_id:apiKey": connectionId ?? "" },
    );
    const reused = await (await postForm("/ui/import", [...mapped, ["_action", "import"]], session)).text();
    expect(reused).toContain("Created 1 tool");
    expect(reused).toMatch(/uses <a href="\/ui\/connections\/[0-9a-f-]{36}">/);
    const second = await storedTool(/href="\/ui\/tools\/([0-9a-f-]{36})"/.exec(reused)?.[1] ?? "");
    expect(second.connection_id).toBe(connectionId);
  });

  it("fetches the document from a URL, and offers operations without an operationId by METHOD /path", async () => {
    const session = await signIn();
    const url = "https://specs.example.com/crm.yaml";
    upstream.on("GET", url, () => new Response(crmYaml, { headers: { "content-type": "application/yaml" } }));
    const preview = await postForm("/ui/import", { document_url: url, _action: "preview" }, session);
    const html = await preview.text();
    expect(preview.status, html).toBe(200);
    expect(html).toContain(`value="getContact"`);
    // POST /contacts/search has no operationId: it is picked by method and path.
    expect(html).toContain(`value="POST /contacts/search"`);
    expect(fieldValue(formFields(html, "/ui/import"), "document_url")).toBe(url);

    const blocked = await postForm(
      "/ui/import",
      { document_url: "https://10.0.0.1/spec.json", _action: "preview" },
      session,
    );
    const page = await blocked.text();
    expect(blocked.status).toBe(422);
    expect(fieldError(page, "document_url")).toMatch(/only calls public hosts/);
  });

  it("shows what is wrong with a document that is not OpenAPI, next to it, keeping it", async () => {
    const session = await signIn();
    const res = await postForm("/ui/import", { document: "hello: world", _action: "preview" }, session);
    const html = await res.text();
    expect(res.status).toBe(422);
    expect(html).toContain('id="document-error"');
    expect(html).toContain("hello: world");
  });

  it("is not offered to a key that cannot write tools", async () => {
    const reader = await signIn((await (await import("./helpers")).createApiKey(["tools:read"])).key);
    expect((await getPage("/ui/import", reader)).status).toBe(403);
    expect(await (await getPage("/ui", reader)).text()).not.toContain('href="/ui/import"');
  });
});

describe("starting a tool from a cURL command", () => {
  it("fills in the form, keeps the token sealed, and saves a tool that sends it", async () => {
    const session = await signIn();
    const token = `tok-${crypto.randomUUID()}`;
    const command = `curl 'https://api.example.com/v1/search?q=shoes&limit=10' -H 'Authorization: Bearer ${token}' -H 'Accept: application/json'`;
    const page = await (await getPage("/ui/tools/new", session)).text();
    const filled = await submitForm(page, "/ui/tools/new", session, { curl_command: command }, "import_curl");
    expect(filled.res.status, filled.html).toBe(200);
    expect(filled.html).not.toContain(token);
    const fields = formFields(filled.html, "/ui/tools/new");
    expect(fieldValue(fields, "endpoint_url")).toBe("https://api.example.com/v1/search");
    expect(fieldValue(fields, "auth_type")).toBe("bearer_token");
    expect(fields.filter(([n]) => /^param\.\d+\.name$/.test(n)).map(([, v]) => v)).toEqual(["q", "limit"]);

    const name = uniqueName();
    const saved = await submitForm(filled.html, "/ui/tools/new", session, { name, curl_command: "" });
    expect(saved.res.status, saved.html).toBe(303);
    const tool = await storedTool(savedToolId(saved.res));
    expect(tool.auth_config).toEqual({ type: "bearer_token", secrets_set: ["token"] });

    upstream.on("GET", "https://api.example.com/v1/search", () => json({ items: [] }));
    await execute(tool.id, {});
    expect(upstream.calls.map((c) => [c.url.search, c.headers.get("authorization")])).toEqual([
      ["?q=shoes&limit=10", `Bearer ${token}`],
    ]);
  });

  it("offers to save the command's credential as a connection, or to use a matching one, and saves a tool that uses it", async () => {
    const session = await signIn();
    const host = `${crypto.randomUUID().slice(0, 8)}.example.com`;
    const token = `tok-${crypto.randomUUID()}`;
    const command = `curl 'https://${host}/v1/search?q=shoes' -H 'Authorization: Bearer ${token}'`;
    const page = await (await getPage("/ui/tools/new", session)).text();
    const filled = await submitForm(page, "/ui/tools/new", session, { curl_command: command }, "import_curl");
    expect(filled.html).toContain("Share the command&#39;s credential");
    expect(filled.html).toContain('value="curl_save_connection"');
    expect(filled.html).not.toContain(token);

    const saved = await submitForm(filled.html, "/ui/tools/new", session, { curl_command: "" }, "curl_save_connection");
    expect(saved.res.status, saved.html).toBe(200);
    expect(saved.html).toContain(
      `Saved the command&#39;s credential as connection &quot;${host.replaceAll(".", "_")}_token&quot;`,
    );
    const connectionId = fieldValue(formFields(saved.html, "/ui/tools/new"), "connection_id");
    expect(connectionId).toMatch(/^[0-9a-f-]{36}$/);
    const created = await submitForm(saved.html, "/ui/tools/new", session, { name: uniqueName(), curl_command: "" });
    expect(created.res.status, created.html).toBe(303);
    const tool = await storedTool(savedToolId(created.res));
    expect(tool.connection_id).toBe(connectionId);
    upstream.on("GET", `https://${host}/v1/search`, () => json({ items: [] }));
    await execute(tool.id, {});
    expect(upstream.calls[0]!.headers.get("authorization")).toBe(`Bearer ${token}`);

    // The same kind of credential to the same origin again: the connection is offered, and used.
    const again = await submitForm(page, "/ui/tools/new", session, { curl_command: command }, "import_curl");
    expect(again.html).toContain(`href="/ui/connections/${connectionId}"`);
    const used = await submitForm(
      again.html,
      "/ui/tools/new",
      session,
      { curl_command: "" },
      `curl_use_connection.${connectionId}`,
    );
    expect(used.html).toContain("keeps no credential of its own");
    expect(fieldValue(formFields(used.html, "/ui/tools/new"), "connection_id")).toBe(connectionId);
  });

  it("asks for what the command holds placeholders for, at the fields to fill in, and saves once they are", async () => {
    const session = await signIn();
    const command = `curl -X POST "https://api.example.com/v1/accounts/$ACCOUNT_ID/messages" -H "Authorization: Bearer $EXAMPLE_API_KEY" -d text=hi`;
    const page = await (await getPage("/ui/tools/new", session)).text();
    const filled = await submitForm(page, "/ui/tools/new", session, { curl_command: command }, "import_curl");
    expect(filled.res.status, filled.html).toBe(200);
    expect(errorSummary(filled.html)).toMatch(/^Before creating the tool, fill in:/);
    expect(fieldError(filled.html, "bearer_token")).toBe(
      "Enter the bearer token: the command has $EXAMPLE_API_KEY where it goes.",
    );
    expect(fieldError(filled.html, "param-0-default_value")).toBe(
      "Enter your value for $ACCOUNT_ID as the default of the input account_id, or give account_id on each call: the command has $ACCOUNT_ID there.",
    );
    const fields = formFields(filled.html, "/ui/tools/new");
    expect(fieldValue(fields, "endpoint_url")).toBe("https://api.example.com/v1/accounts/{account_id}/messages");
    expect(fieldValue(fields, "param.0.name")).toBe("account_id");
    expect(fieldValue(fields, "param.0.required")).toBe("true");
    // The placeholder is not kept as the token, sealed or otherwise.
    expect(fieldValue(fields, "draft_secret.token")).toBeUndefined();

    const token = `tok-${crypto.randomUUID()}`;
    const saved = await submitForm(filled.html, "/ui/tools/new", session, {
      name: uniqueName(),
      curl_command: "",
      bearer_token: token,
    });
    expect(saved.res.status, saved.html).toBe(303);
    const tool = await storedTool(savedToolId(saved.res));
    upstream.on("POST", "https://api.example.com/v1/accounts/acc_1/messages", () => json({ ok: true }));
    const run = await execute(tool.id, { account_id: "acc_1" });
    expect(run.status, JSON.stringify(run.body)).toBe(200);
    expect(upstream.calls.map((c) => [c.headers.get("authorization"), c.body])).toEqual([
      [`Bearer ${token}`, "text=hi"],
    ]);
  });

  it("says why a command cannot be read, next to it", async () => {
    const session = await signIn();
    const page = await (await getPage("/ui/tools/new", session)).text();
    const res = await submitForm(page, "/ui/tools/new", session, { curl_command: "wget https://x" }, "import_curl");
    expect(res.res.status).toBe(422);
    expect(res.html).toContain("This is not a curl command");
  });
});
