/**
 * The UI gives each API key exactly what the API would (no page shows what
 * the key's scopes hide), saving a tool changes only what was edited, and
 * what the browser sends is bounded as the API's bodies are.
 */
import { describe, expect, it } from "vitest";
import { ADMIN_TOKEN, createApiKey, createTool, json, uniqueName, useUpstream } from "./helpers";
import { createWeatherTool, storedTool } from "./ui-fixtures";
import {
  fieldError,
  formFields,
  getPage,
  postForm,
  sessionIdOf,
  sessionHash,
  sessionRow,
  signIn,
  submitForm,
} from "./ui-helpers";

const upstream = useUpstream();

describe("scopes in the UI", () => {
  it("does not show a write-only key a tool's definition, nor its runs' output", async () => {
    const admin = await signIn();
    const tool = await createWeatherTool(admin, "k-secret-123");
    const writer = await signIn((await createApiKey(["tools:write"])).key);

    const edit = await getPage(`/ui/tools/${tool.id}/edit`, writer);
    expect(edit.status).toBe(403);
    expect(await edit.text()).toContain("tools:read");
    const inferred = await postForm(`/ui/tools/${tool.id}/edit`, { _action: "infer_last_run" }, writer);
    expect(inferred.status).toBe(403);
    // Creating is what tools:write alone allows, as POST /tools does.
    expect((await getPage("/ui/tools/new", writer)).status).toBe(200);
  });

  it("runs a tool only for a key that may also read it, as the result page shows the definition", async () => {
    const admin = await signIn();
    const tool = await createWeatherTool(admin, "k-secret-123");
    const executor = await signIn((await createApiKey(["tools:execute"])).key);
    const run = await postForm(`/ui/tools/${tool.id}/run`, { "in.city": "Paris" }, executor);
    expect(run.status).toBe(403);
    expect(await run.text()).not.toContain("api.example.com");
  });

  it("offers a read-only key no action it cannot take", async () => {
    const admin = await signIn();
    const tool = await createWeatherTool(admin, "k-secret-123");
    const reader = await signIn((await createApiKey(["tools:read"])).key);
    const page = await (await getPage(`/ui/tools/${tool.id}`, reader)).text();
    for (const hidden of [`/ui/tools/${tool.id}/edit`, `/ui/tools/${tool.id}/delete`, `/ui/tools/${tool.id}/history`])
      expect(page).not.toContain(`href="${hidden}"`);
    expect(page).not.toContain(`/ui/tools/${tool.id}/run`);
    expect(page).toContain("cannot run tools");
    const list = await (await getPage("/ui", reader)).text();
    expect(list).not.toContain('href="/ui/tools/new"');
    expect(list).not.toContain("Last run");
  });

  it("shows the last-run action only to a key that may read the log", async () => {
    const admin = await signIn();
    const tool = await createWeatherTool(admin, "k-secret-123");
    const editor = await signIn((await createApiKey(["tools:read", "tools:write"])).key);
    const page = await (await getPage(`/ui/tools/${tool.id}/edit`, editor)).text();
    expect(page).toContain("Generate from sample");
    expect(page).not.toContain("infer_last_run");
  });
});

describe("sessions", () => {
  it("stores nothing from which the admin token could be guessed", async () => {
    const session = await signIn();
    const row = await sessionRow(sessionIdOf(session));
    expect(row?.token_hash).not.toBe(await sessionHash(ADMIN_TOKEN));
    expect(JSON.stringify(row)).not.toContain(ADMIN_TOKEN);
  });

  it("ends the browser's previous session when it signs in again", async () => {
    const first = await signIn();
    const again = await postForm("/ui/sign-in", { token: ADMIN_TOKEN }, first);
    expect(again.status).toBe(303);
    expect(await sessionRow(sessionIdOf(first))).toBeNull();
    expect((await getPage("/ui", first)).status).toBe(303);
  });

  it("says a tool was deleted only for a name a tool could have", async () => {
    const session = await signIn();
    const page = await (
      await getPage(`/ui?${new URLSearchParams({ deleted: "Call +1 555 0100 now" })}`, session)
    ).text();
    expect(page).not.toContain("Deleted the tool");
  });
});

describe("saving from the builder", () => {
  it("keeps a schema made through the API as it was when only the description changes", async () => {
    const session = await signIn();
    // No additionalProperties (extra inputs pass) and no input_mapping (placement follows the defaults).
    const tool = await createTool({
      endpoint_url: "https://api.example.com/v1/items",
      input_schema: { type: "object", properties: { q: { type: "string" } } },
    });
    const edit = await (await getPage(`/ui/tools/${tool.id}/edit`, session)).text();
    const saved = await submitForm(edit, `/ui/tools/${tool.id}/edit`, session, { description: "Search items." });
    expect(saved.res.status, saved.html).toBe(303);
    const after = await storedTool(tool.id);
    expect(after.description).toBe("Search items.");
    expect(after.input_schema).toEqual({ type: "object", properties: { q: { type: "string" } } });
    expect(after.input_mapping).toBeNull();

    upstream.on("GET", "https://api.example.com/v1/items", () => json({ ok: true }));
    const res = await postForm(`/ui/tools/${tool.id}/run`, { "in.q": "a" }, session);
    expect(res.status).toBe(200);
    expect(upstream.calls.map((c) => c.url.href)).toEqual(["https://api.example.com/v1/items?q=a"]);
  });

  it("saves a built-in function tool from the advanced view, with no mapping to refuse", async () => {
    const session = await signIn();
    const tool = await createTool({
      execution_type: "function",
      function_name: "current_time",
      method: null,
      endpoint_url: null,
      input_schema: { type: "object", properties: { timezone: { type: "string" } } },
    });
    const edit = await (await getPage(`/ui/tools/${tool.id}/edit`, session)).text();
    expect(edit).not.toContain('id="param-0-location"');
    const advanced = await submitForm(edit, `/ui/tools/${tool.id}/edit`, session, {}, "view_advanced");
    expect(advanced.html).not.toContain('id="input_mapping"');
    const saved = await submitForm(advanced.html, `/ui/tools/${tool.id}/edit`, session, { description: "Now." });
    expect(saved.res.status, saved.html).toBe(303);
    expect((await storedTool(tool.id)).input_mapping).toBeNull();
  });

  it("refuses JSON nested deeper than the API allows, next to the field, without failing", async () => {
    const session = await signIn();
    const deep = "[".repeat(20_000) + "]".repeat(20_000);
    const page = await (await getPage("/ui/tools/new", session)).text();
    const name = uniqueName();
    const res = await submitForm(page, "/ui/tools/new", session, {
      name,
      endpoint_url: "https://api.example.com/x",
      output_schema: deep,
    });
    expect(res.res.status).toBe(422);
    expect(fieldError(res.html, "output_schema")).toBe("This JSON is nested more than 128 levels deep.");
    expect(formFields(res.html, "/ui/tools/new")).toContainEqual(["name", name]);

    const tool = await createTool({ input_schema: { type: "object" } });
    const run = await postForm(`/ui/tools/${tool.id}/run`, [["input_json", `{"a":${deep}}`]], session);
    expect(run.status).toBe(422);
    expect(await run.text()).toContain("nested");
    expect(upstream.calls).toHaveLength(0);
  });
});

describe("draft secrets", () => {
  it("do not open in another tool's form", async () => {
    const session = await signIn();
    const a = await createWeatherTool(session, "k-secret-aaa");
    const b = await createWeatherTool(session, "k-secret-bbb");
    const editA = await (await getPage(`/ui/tools/${a.id}/edit`, session)).text();
    const typed = await submitForm(
      editA,
      `/ui/tools/${a.id}/edit`,
      session,
      { api_key_value: "k-typed-secret" },
      "add_header",
    );
    const draft = formFields(typed.html, `/ui/tools/${a.id}/edit`).find(([n]) => n === "draft_secret.value");
    expect(draft).toBeDefined();

    // Replayed into tool b's form, with b's host changed so that a secret is needed: it is not there.
    const editB = await (await getPage(`/ui/tools/${b.id}/edit`, session)).text();
    const fields = formFields(editB, `/ui/tools/${b.id}/edit`);
    const moved = await postForm(
      `/ui/tools/${b.id}/edit`,
      [
        ...fields.filter(([n]) => n !== "endpoint_url"),
        ["endpoint_url", "https://other.example.com/v1/weather/{city}"],
        draft as [string, string],
        ["_action", "save"],
      ],
      session,
    );
    expect(moved.status).toBe(422);
    expect(fieldError(await moved.text(), "api_key_value")).toContain("Enter the API key value again");
  });
});
