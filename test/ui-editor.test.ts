/**
 * The tool editor through the Worker, as a browser drives it: the form is
 * read from the page, filled in, and posted with the button pressed. What the
 * API then returns, and what reaches the upstream API, is what is asserted.
 */
import { describe, expect, it } from "vitest";
import { createTool, json, uniqueName, useUpstream } from "./helpers";
import { answerWeather, createWeatherTool, newToolPage, storedTool, WEATHER_PAGE, weatherFields } from "./ui-fixtures";
import {
  errorSummary,
  fieldError,
  fieldValue,
  formFields,
  getPage,
  postForm,
  runFromPanel,
  savedToolId,
  signIn,
  submitForm,
  toolNamed,
  type FormPairs,
} from "./ui-helpers";

const upstream = useUpstream();

/** A form's values by name, without the secret inputs and sealed drafts (which a re-rendered form holds differently). */
function typedValues(pairs: FormPairs): FormPairs {
  const secrets = ["bearer_token", "api_key_value", "client_secret", "_action"];
  return pairs
    .filter(([name]) => !secrets.includes(name) && !name.startsWith("draft_secret."))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

describe("creating a tool", () => {
  it("creates the tool a submitted form describes, exactly as the API then returns it", async () => {
    const session = await signIn();
    const secret = `k-${crypto.randomUUID()}`;
    const name = uniqueName();
    const page = await newToolPage(session, WEATHER_PAGE);
    const { res } = await submitForm(page, "/ui/tools/new", session, weatherFields(name, secret));
    expect(res.status).toBe(303);
    const id = savedToolId(res);

    expect(await storedTool(id)).toEqual({
      id,
      name,
      description: "Current weather for a city.",
      execution_type: "http_request",
      format_mode: "by_draft",
      method: "GET",
      endpoint_url: "https://api.example.com/v1/weather/{city}",
      function_name: null,
      headers: { Accept: "application/json" },
      timeout: 10,
      max_response_bytes: 5 * 1024 * 1024,
      retry: null,
      auth_config: { type: "api_key", key_name: "X-Api-Key", location: "header", secrets_set: ["value"] },
      connection_id: null,
      input_schema: {
        type: "object",
        properties: {
          city: { type: "string", description: "The city" },
          units: { type: "string", default: "metric", enum: ["metric", "imperial"] },
        },
        required: ["city"],
        additionalProperties: false,
      },
      output_schema: null,
      input_mapping: { city: { in: "path" }, units: { in: "query", name: "u" } },
      body_format: "json",
      mcp_enabled: true,
      version: 1,
      created_at: expect.any(String),
      updated_at: expect.any(String),
    });

    const toolPage = await getPage(`/ui/tools/${id}?saved=1`, session);
    const html = await toolPage.text();
    expect(html).toContain("Saved. Try it here.");
    expect(html).not.toContain(secret);
  });

  it("keeps a stored secret when it is left empty on edit: the next run sends the same credential", async () => {
    const session = await signIn();
    const secret = `k-${crypto.randomUUID()}`;
    const tool = await createWeatherTool(session, secret);

    const edit = await (await getPage(`/ui/tools/${tool.id}/edit`, session)).text();
    expect(edit).not.toContain(secret);
    expect(edit).toContain('placeholder="saved, leave empty to keep"');
    const { res } = await submitForm(edit, `/ui/tools/${tool.id}/edit`, session, { description: "Now in Kelvin." });
    expect(res.status).toBe(303);
    expect(res.headers.get("location")).toBe(`/ui/tools/${tool.id}?saved=1`);
    expect(await storedTool(tool.id)).toMatchObject({
      description: "Now in Kelvin.",
      version: 2,
      auth_config: { type: "api_key", secrets_set: ["value"] },
    });

    answerWeather(upstream);
    const run = await runFromPanel(session, tool.id, { "in.city": "Paris" });
    expect(run.res.status).toBe(200);
    expect(upstream.calls).toHaveLength(1);
    expect(upstream.calls[0]?.url.href).toBe("https://api.example.com/v1/weather/Paris?u=metric");
    expect(upstream.calls[0]?.headers.get("x-api-key")).toBe(secret);
    expect(upstream.calls[0]?.headers.get("accept")).toBe("application/json");
  });

  it("creates an OAuth2 tool from the form: a run gets a token with the client secret and calls with it", async () => {
    const session = await signIn();
    const clientSecret = `cs-${crypto.randomUUID()}`;
    const name = uniqueName();
    const page = await newToolPage(session, []);
    const { res } = await submitForm(page, "/ui/tools/new", session, {
      name,
      endpoint_url: "https://api.example.com/v1/reports",
      auth_type: "oauth2",
      token_url: "https://auth.example.com/oauth/token",
      client_id: "reports-client",
      client_secret: clientSecret,
      oauth_scope: "reports.read",
      client_auth_method: "client_secret_basic",
    });
    const id = savedToolId(res);
    expect((await storedTool(id)).auth_config).toEqual({
      type: "oauth2",
      token_url: "https://auth.example.com/oauth/token",
      client_id: "reports-client",
      scope: "reports.read",
      grant_type: "client_credentials",
      client_auth_method: "client_secret_basic",
      secrets_set: ["client_secret"],
    });

    upstream.on("POST", "https://auth.example.com/oauth/token", () =>
      json({ access_token: "at-1", token_type: "Bearer", expires_in: 3600 }),
    );
    upstream.on("GET", "https://api.example.com/v1/reports", () => json({ reports: [] }));
    const run = await runFromPanel(session, id);
    expect(run.res.status).toBe(200);
    expect(run.html).not.toContain(clientSecret);
    const [token, call] = upstream.calls;
    expect(token?.headers.get("authorization")).toBe(`Basic ${btoa(`reports-client:${clientSecret}`)}`);
    expect(Object.fromEntries(new URLSearchParams(token?.body))).toEqual({
      grant_type: "client_credentials",
      scope: "reports.read",
    });
    expect(call?.headers.get("authorization")).toBe("Bearer at-1");
  });
});

describe("offering a tool over MCP", () => {
  it("saves mcp_enabled false when the box is unchecked, shows it unchecked, and true again when checked", async () => {
    const session = await signIn();
    const page = await newToolPage(session, []);
    // A browser sends the hidden "false" always and the checkbox's "true" only when it is checked.
    expect(formFields(page, "/ui/tools/new").filter(([n]) => n === "mcp_enabled")).toEqual([
      ["mcp_enabled", "false"],
      ["mcp_enabled", "true"],
    ]);
    const unchecked = formFields(page, "/ui/tools/new").filter(([n, v]) => !(n === "mcp_enabled" && v === "true"));
    const fields: FormPairs = [
      ...unchecked.filter(([n]) => n !== "name" && n !== "endpoint_url"),
      ["name", uniqueName()],
      ["endpoint_url", "https://api.example.com/v1/items"],
      ["_action", "save"],
    ];
    const res = await postForm("/ui/tools/new", fields, session);
    const id = savedToolId(res);
    expect((await storedTool(id)).mcp_enabled).toBe(false);

    const edit = await (await getPage(`/ui/tools/${id}/edit`, session)).text();
    expect(formFields(edit, `/ui/tools/${id}/edit`).filter(([n]) => n === "mcp_enabled")).toEqual([
      ["mcp_enabled", "false"],
    ]);
    const { res: saved } = await submitForm(edit, `/ui/tools/${id}/edit`, session, {});
    expect(saved.status).toBe(303);
    expect((await storedTool(id)).mcp_enabled).toBe(false);
    const again = await (await getPage(`/ui/tools/${id}/edit`, session)).text();
    const checked = [...formFields(again, `/ui/tools/${id}/edit`), ["mcp_enabled", "true"] as [string, string]];
    expect((await postForm(`/ui/tools/${id}/edit`, [...checked, ["_action", "save"]], session)).status).toBe(303);
    expect((await storedTool(id)).mcp_enabled).toBe(true);
  });
});

describe("errors in the form", () => {
  const CASES: [string, (name: string) => Promise<Record<string, string>>, string, string | RegExp][] = [
    [
      "an invalid name",
      async () => ({ name: "not a name!" }),
      "name",
      "A name can have only letters, digits, _ and -. Not allowed: space and “!”. Use _ instead.",
    ],
    [
      "a name already taken",
      async (name) => ({ name: (await createTool({ name: `${name}_taken` })).name }),
      "name",
      /^A tool named "tool_[0-9a-f]{8}_taken" already exists\. Choose another name\.$/,
    ],
    [
      "bad JSON in the output schema",
      async () => ({ output_schema: '{"type": "object",' }),
      "output_schema",
      /^This is not valid JSON: .+/,
    ],
    [
      "a default that does not match the parameter's type",
      async () => ({ "param.1.type": "integer", "param.1.default": "many", "param.1.allowed": "" }),
      "param-1-default_value",
      '"many" is not a number.',
    ],
  ];

  for (const [what, change, field, message] of CASES)
    it(`answers ${what} with 422, the message next to the field, and every typed value kept`, async () => {
      const session = await signIn();
      const secret = `k-${crypto.randomUUID()}`;
      const name = uniqueName();
      const page = await newToolPage(session, WEATHER_PAGE);
      const fields = { ...weatherFields(name, secret), ...(await change(name)) };
      const { res, html, sent } = await submitForm(page, "/ui/tools/new", session, fields);
      expect(res.status).toBe(422);
      if (typeof message === "string") expect(fieldError(html, field)).toBe(message);
      else expect(fieldError(html, field)).toMatch(message);
      expect(errorSummary(html)).toContain("The tool was not saved. Please fix:");
      expect(typedValues(formFields(html, "/ui/tools/new"))).toEqual(typedValues(sent));
      expect(html).not.toContain(secret);
      expect(fieldValue(formFields(html, "/ui/tools/new"), "draft_secret.value")).toMatch(/.{20,}/);
      expect(await toolNamed(fields.name ?? "")).toEqual(what === "a name already taken" ? expect.anything() : null);
    });
});

describe("every problem at once, in words", () => {
  it("shows a bad name, a timeout too long, a missing URL and a missing secret after one submit", async () => {
    const session = await signIn();
    const name = uniqueName();
    const page = await newToolPage(session, WEATHER_PAGE);
    const fields = {
      ...weatherFields(name, ""),
      name: `${name}.x!`,
      timeout: "999",
      endpoint_url: "",
      "param.0.location": "query",
    };
    const { res, html } = await submitForm(page, "/ui/tools/new", session, fields);
    expect(res.status).toBe(422);
    expect(fieldError(html, "name")).toBe(
      "A name can have only letters, digits, _ and -. Not allowed: “.” (dot) and “!”. Use _ instead.",
    );
    expect(fieldError(html, "timeout")).toBe("The timeout can be at most 300 seconds.");
    expect(fieldError(html, "endpoint_url")).toBe("Fill in the endpoint URL.");
    expect(fieldError(html, "api_key_value")).toBe("Fill in the API key value.");
    // No validator's or API's own words reach the page.
    expect(html).not.toMatch(/Too big|Too small|expected number|auth_config|Instance does not/);
    expect(await toolNamed(fields.name)).toBeNull();
  });
});

describe("secrets across round trips", () => {
  it("never puts a typed secret into the page, yet saves it after a round trip", async () => {
    const session = await signIn();
    const secret = `k-${crypto.randomUUID()}`;
    const name = uniqueName();
    const page = await newToolPage(session, WEATHER_PAGE);
    const typed = await submitForm(page, "/ui/tools/new", session, weatherFields(name, secret), "add_param");
    expect(typed.res.status).toBe(200);
    expect(typed.html).not.toContain(secret);
    expect(typed.html).toContain('placeholder="entered, leave empty to keep"');
    const form = formFields(typed.html, "/ui/tools/new");
    expect(fieldValue(form, "api_key_value")).toBe("");
    expect(fieldValue(form, "param.2.name")).toBe("");

    // Another session cannot open the sealed draft: to it, the secret was never entered.
    const other = await signIn();
    const stolen = await submitForm(typed.html, "/ui/tools/new", other, { _csrf: other.csrf });
    expect(stolen.res.status).toBe(422);
    expect(fieldError(stolen.html, "api_key_value")).toBe("Fill in the API key value.");

    const saved = await submitForm(typed.html, "/ui/tools/new", session);
    const id = savedToolId(saved.res);
    expect((await storedTool(id)).auth_config.secrets_set).toEqual(["value"]);
    answerWeather(upstream);
    await runFromPanel(session, id, { "in.city": "Oslo" });
    expect(upstream.calls.map((c) => c.headers.get("x-api-key"))).toEqual([secret]);
  });

  it("asks for the secret again, next to its field, when the endpoint moves to another host", async () => {
    const session = await signIn();
    const secret = `k-${crypto.randomUUID()}`;
    const tool = await createWeatherTool(session, secret);
    const edit = await (await getPage(`/ui/tools/${tool.id}/edit`, session)).text();
    const moved = { endpoint_url: "https://weather.example.net/v1/weather/{city}" };

    const refused = await submitForm(edit, `/ui/tools/${tool.id}/edit`, session, moved);
    expect(refused.res.status).toBe(422);
    expect(fieldError(refused.html, "api_key_value")).toBe(
      "Enter the API key value again: the endpoint URL's host changed, and a stored secret only goes where it was entered for.",
    );
    expect(refused.html).toContain(
      'Enter it again: <span data-reenter-changes="">the endpoint URL&#39;s host changed</span>, and a stored secret only goes where it was entered for.',
    );
    expect(fieldValue(formFields(refused.html, `/ui/tools/${tool.id}/edit`), "endpoint_url")).toBe(moved.endpoint_url);
    expect(await storedTool(tool.id)).toMatchObject({
      version: 1,
      endpoint_url: "https://api.example.com/v1/weather/{city}",
    });

    const newSecret = `k-${crypto.randomUUID()}`;
    const saved = await submitForm(refused.html, `/ui/tools/${tool.id}/edit`, session, { api_key_value: newSecret });
    expect(saved.res.status).toBe(303);
    upstream.on("GET", "https://weather.example.net/v1/weather/Rome", () => json({ city: "Rome" }));
    await runFromPanel(session, tool.id, { "in.city": "Rome" });
    expect(upstream.calls.map((c) => [c.url.host, c.headers.get("x-api-key")])).toEqual([
      ["weather.example.net", newSecret],
    ]);
  });

  it("asks for the client secret again when the OAuth2 scope changes, as the API does, and keeps it otherwise", async () => {
    const session = await signIn();
    const tool = await createTool({
      endpoint_url: "https://api.example.com/v1/reports",
      auth_config: {
        type: "oauth2",
        token_url: "https://auth.example.com/oauth/token",
        client_id: "ui-scope-client",
        client_secret: "ui-scope-secret-1",
        scope: "reports.read",
      },
    });
    const path = `/ui/tools/${tool.id}/edit`;
    const edit = await (await getPage(path, session)).text();
    // The page carries what the stored secret is bound to, for the live notice; never the secret.
    expect(edit).toContain(
      'data-stored-destination="{&quot;auth_type&quot;:&quot;oauth2&quot;,&quot;endpoint_origin&quot;:&quot;https://api.example.com&quot;,&quot;token_url&quot;:&quot;https://auth.example.com/oauth/token&quot;,&quot;api_key_location&quot;:null,&quot;api_key_name&quot;:null,&quot;client_id&quot;:&quot;ui-scope-client&quot;,&quot;client_auth_method&quot;:&quot;client_secret_basic&quot;,&quot;scope&quot;:&quot;reports.read&quot;,&quot;audience&quot;:null}"',
    );
    expect(edit).not.toContain("ui-scope-secret-1");

    const refused = await submitForm(edit, path, session, { oauth_scope: "reports.read reports.write" });
    expect(refused.res.status).toBe(422);
    expect(fieldError(refused.html, "client_secret")).toBe(
      "Enter the client secret again: the scope changed, and a stored secret only goes where it was entered for.",
    );
    expect(refused.html).toContain('Enter it again: <span data-reenter-changes="">the scope changed</span>');
    expect(await storedTool(tool.id)).toMatchObject({ version: 1, auth_config: { scope: "reports.read" } });

    // A change outside the binding keeps the stored secret.
    const kept = await submitForm(edit, path, session, { description: "Reports, read only." });
    expect(kept.res.status).toBe(303);
    upstream.on("POST", "https://auth.example.com/oauth/token", () =>
      json({ access_token: "ui-scope-access", token_type: "Bearer", expires_in: 3600 }),
    );
    upstream.on("GET", "https://api.example.com/v1/reports", () => json({ ok: true }));
    await runFromPanel(session, tool.id, {});
    expect(upstream.calls[0]?.headers.get("authorization")).toBe(`Basic ${btoa("ui-scope-client:ui-scope-secret-1")}`);
  });

  it("refuses a save made from a page older than the stored tool, keeping the other change", async () => {
    const session = await signIn();
    const tool = await createWeatherTool(session, `k-${crypto.randomUUID()}`);
    const path = `/ui/tools/${tool.id}/edit`;
    const mine = await (await getPage(path, session)).text();
    const theirs = await (await getPage(path, session)).text();

    expect((await submitForm(theirs, path, session, { description: "Theirs." })).res.status).toBe(303);
    const stale = await submitForm(mine, path, session, { description: "Mine." });
    expect(stale.res.status).toBe(422);
    expect(errorSummary(stale.html)).toBe(
      "The tool was not saved. Please fix: Someone else saved this tool after you opened it. Open it again to see their change, then reapply yours.",
    );
    expect(fieldValue(formFields(stale.html, path), "description")).toBe("Mine.");
    expect(await storedTool(tool.id)).toMatchObject({ description: "Theirs.", version: 2 });
  });
});
