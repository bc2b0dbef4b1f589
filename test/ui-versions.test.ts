/**
 * The Versions page in the UI: the list with who saved each version, a
 * readable diff between any two (fields in words, JSON as − and + lines),
 * and Restore, which keeps the current secret where the restored version
 * sends it to the same place and asks for it again where it does not.
 */
import { describe, expect, it } from "vitest";
import { api, createApiKey, execute, httpTool, json, useUpstream, type Json } from "./helpers";
import { diffDefinitions, diffLines, type Definition } from "../src/ui/version-diff";
import { createWeatherTool } from "./ui-fixtures";
import { errorSummary, fieldError, formFields, getPage, postForm, signIn, statusMessages, textOf } from "./ui-helpers";

const upstream = useUpstream();

const ORIGIN_A = "https://api-a.example.com";
const ORIGIN_B = "https://api-b.example.com";

async function put(id: string, body: Json): Promise<void> {
  const res = await api(`/tools/${id}`, { method: "PUT", json: body });
  expect(res.status, await res.text()).toBe(200);
}

async function page(path: string, session: Awaited<ReturnType<typeof signIn>>): Promise<string> {
  const res = await getPage(path, session);
  const html = await res.text();
  expect(res.status, html).toBe(200);
  return html;
}

/** The diff section's text. */
function diffText(html: string): string {
  const match = /<section class="card version-diff"[\s\S]*?<\/section>/.exec(html);
  return match ? textOf(match[0]) : "";
}

/** The JSON diff lines of the page, as written (prefix included). */
function jsonDiffLines(html: string): string[] {
  return [...html.matchAll(/<span class="diff-(removed|added|same)">([\s\S]*?)<\/span>/g)].map((m) =>
    textOf(m[2] ?? ""),
  );
}

describe("the Versions page", () => {
  it("lists every save with who made it, and shows what changed between two versions", async () => {
    const key = await createApiKey(["tools:read", "tools:write"], "deploy bot");
    const session = await signIn();
    const secret = "weather-key-NEVER-ON-A-PAGE-8c1f";
    const created = await createWeatherTool(session, secret);
    const tool = await (await api(`/tools/${created.id}`)).json<Json>();
    const { id: _id, version: _v, created_at: _c, updated_at: _u, auth_config: _a, ...definition } = tool;
    const edited = {
      ...definition,
      auth_config: { type: "api_key", key_name: "X-Api-Key", location: "header" },
      description: "Weather now.",
      timeout: 20,
      input_schema: {
        ...tool.input_schema,
        properties: { ...tool.input_schema.properties, lang: { type: "string" } },
      },
    };
    const res = await api(`/tools/${created.id}`, { method: "PUT", json: edited, token: key.key });
    expect(res.status, await res.text()).toBe(200);

    const toolPage = await page(`/ui/tools/${created.id}`, session);
    expect(toolPage).toContain(`href="/ui/tools/${created.id}/versions"`);

    const html = await page(`/ui/tools/${created.id}/versions`, session);
    expect(html).not.toContain(secret);
    const rows = [...html.matchAll(/<tr>([\s\S]*?)<\/tr>/g)].slice(1).map((m) => textOf(m[1] ?? ""));
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatch(/^2 \(current\) .* API key “deploy bot” /);
    expect(rows[1]).toMatch(/^1 .* admin token /);
    expect(rows[1]).toContain("Restore version 1");

    // By default the newest version is compared with the one before it.
    const diff = diffText(html);
    expect(diff).toContain("Changes from version 1 to version 2");
    expect(diff).toContain("Description Current weather for a city. → changed to Weather now.");
    expect(diff).toContain("Timeout (seconds) 10 → changed to 20");
    expect(diff).not.toContain("URL");
    const lines = jsonDiffLines(html);
    expect(lines).toContain('+ "lang": {');
    expect(lines.filter((line) => line.startsWith("- "))).toEqual([]);

    // Any two, either way round.
    const back = await page(`/ui/tools/${created.id}/versions?from=2&to=1`, session);
    expect(diffText(back)).toContain("Description Weather now. → changed to Current weather for a city.");
    expect(jsonDiffLines(back)).toContain('- "lang": {');
    expect(diffText(await page(`/ui/tools/${created.id}/versions?from=1&to=1`, session))).toContain("No differences");
  });

  it("still shows a deleted tool's versions, without Restore", async () => {
    const session = await signIn();
    const body = httpTool({ description: "kept for audit" });
    const tool = await (await api("/tools", { method: "POST", json: body })).json<Json>();
    await put(tool.id, { ...body, description: "last words" });
    expect((await api(`/tools/${tool.id}`, { method: "DELETE" })).status).toBe(204);
    const html = await page(`/ui/tools/${tool.id}/versions`, session);
    expect(textOf(html)).toContain("This tool was deleted.");
    expect(diffText(html)).toContain("kept for audit → changed to last words");
    expect(html).not.toContain("Restore version");
  });
});

describe("Restore in the UI", () => {
  it("keeps the current secret where the restored version sends it to the same place", async () => {
    const session = await signIn();
    const secret = "same-place-secret-4b7e9a";
    const body = httpTool({
      endpoint_url: `${ORIGIN_A}/v1/items`,
      auth_config: { type: "bearer_token", token: secret },
    });
    const tool = await (await api("/tools", { method: "POST", json: body })).json<Json>();
    await put(tool.id, { ...body, endpoint_url: `${ORIGIN_A}/v2/items`, auth_config: { type: "bearer_token" } });

    const action = `/ui/tools/${tool.id}/versions/1/restore`;
    const html = await page(action, session);
    expect(html).not.toContain(secret);
    expect(statusMessages(html), JSON.stringify(statusMessages(html))).toContain(
      "The bearer token is kept: version 1 sends it to the same place as now.",
    );
    expect(html).not.toContain('type="password"');
    expect(diffText(html)).toContain(`URL ${ORIGIN_A}/v2/items → changed to ${ORIGIN_A}/v1/items`);

    const res = await postForm(action, formFields(html, action), session);
    expect(res.status, await res.text()).toBe(303);
    expect(res.headers.get("location")).toBe(`/ui/tools/${tool.id}/versions?restored=1`);
    const after = await page(res.headers.get("location")!, session);
    expect(statusMessages(after)).toContain("Restored version 1 as version 3.");

    upstream.on("GET", `${ORIGIN_A}/v1/items`, () => json({ ok: true }));
    expect((await execute(tool.id)).status).toBe(200);
    expect(upstream.calls.map((call) => call.headers.get("authorization"))).toEqual([`Bearer ${secret}`]);
  });

  it("asks for the secret again where the destination differs, and never sends the old one there", async () => {
    const session = await signIn();
    const [oldSecret, newSecret] = ["origin-b-secret-9d2c7e", "typed-again-secret-51af0b"];
    const body = httpTool({
      endpoint_url: `${ORIGIN_A}/items`,
      auth_config: { type: "bearer_token", token: "first-a-3e8d" },
    });
    const tool = await (await api("/tools", { method: "POST", json: body })).json<Json>();
    await put(tool.id, {
      ...body,
      endpoint_url: `${ORIGIN_B}/items`,
      auth_config: { type: "bearer_token", token: oldSecret },
    });

    const action = `/ui/tools/${tool.id}/versions/1/restore`;
    const html = await page(action, session);
    expect(statusMessages(html)).toContain(
      "Enter the bearer token again: the endpoint URL's host changed, and a stored secret only goes where it was entered for.",
    );
    expect(html).toMatch(/<input type="password" id="bearer_token" name="secret.token"/);

    const empty = await postForm(action, formFields(html, action), session);
    const refused = await empty.text();
    expect(empty.status).toBe(422);
    expect(errorSummary(refused)).toContain("Enter the bearer token: version 1 needs it.");
    expect(fieldError(refused, "bearer_token")).toBe("Enter the bearer token: version 1 needs it.");
    expect(refused).not.toContain(oldSecret);
    expect((await api(`/tools/${tool.id}`)).headers.get("etag")).toBe('"2"');

    const pairs = formFields(html, action).map(([name, value]): [string, string] =>
      name === "secret.token" ? [name, newSecret] : [name, value],
    );
    const res = await postForm(action, pairs, session);
    expect(res.status, await res.text()).toBe(303);

    upstream.on("GET", `${ORIGIN_A}/items`, () => json({ ok: true }));
    expect((await execute(tool.id)).status).toBe(200);
    expect(upstream.calls.map((call) => [call.url.origin, call.headers.get("authorization")])).toEqual([
      [ORIGIN_A, `Bearer ${newSecret}`],
    ]);
  });

  it("says so when someone saved the tool since the page was opened", async () => {
    const session = await signIn();
    const body = httpTool({ description: "one" });
    const tool = await (await api("/tools", { method: "POST", json: body })).json<Json>();
    await put(tool.id, { ...body, description: "two" });
    const action = `/ui/tools/${tool.id}/versions/1/restore`;
    const html = await page(action, session);
    await put(tool.id, { ...body, description: "three" });
    const res = await postForm(action, formFields(html, action), session);
    expect(res.status).toBe(412);
    expect(errorSummary(await res.text())).toContain("Someone saved this tool since this page was opened.");
    expect((await (await api(`/tools/${tool.id}`)).json<Json>()).description).toBe("three");
  });
});

describe("the diff", () => {
  const base: Definition = {
    name: "t",
    description: null,
    execution_type: "http_request",
    method: "GET",
    endpoint_url: "https://a.example.com/x",
    function_name: null,
    headers: { Accept: "application/json" },
    timeout: 30,
    max_response_bytes: 5242880,
    retry: null,
    auth_config: { type: "none", secrets_set: [] },
    connection_id: null,
    input_schema: { type: "object", properties: { a: { type: "string" } } },
    output_schema: null,
    input_mapping: null,
    format_mode: "by_draft",
    body_format: "json",
    mcp_enabled: true,
  };

  it("names each changed field, header and auth setting, and nothing else", () => {
    expect(diffDefinitions(base, base)).toEqual([]);
    const changed = diffDefinitions(base, {
      ...base,
      method: "POST",
      headers: { "X-Trace": "on" },
      auth_config: { type: "api_key", key_name: "X-Key", location: "header", secrets_set: ["value"] },
      mcp_enabled: false,
    });
    expect(changed).toEqual([
      { kind: "value", label: "Method", before: "GET", after: "POST" },
      { kind: "value", label: "Offered to AI agents", before: "yes", after: "no" },
      { kind: "value", label: "Authentication", before: "none", after: "api_key" },
      { kind: "value", label: "Authentication: key name", before: "(none)", after: "X-Key" },
      { kind: "value", label: "Authentication: sent in", before: "(none)", after: "header" },
      { kind: "value", label: "Authentication: secrets saved", before: "(none)", after: "value" },
      { kind: "value", label: "Header Accept", before: "application/json", after: "(none)" },
      { kind: "value", label: "Header X-Trace", before: "(none)", after: "on" },
    ]);
  });

  it("names a change of how formats are treated, in words", () => {
    expect(diffDefinitions({ ...base, format_mode: "assert" }, base)).toEqual([
      {
        kind: "value",
        label: "Formats",
        before: "checked in every draft",
        after: "as the schema's draft says (an annotation in 2020-12)",
      },
    ]);
  });

  it("shows schemas as JSON lines, ignoring the order of keys", () => {
    const reordered = { ...base, input_schema: { properties: { a: { type: "string" } }, type: "object" } };
    expect(diffDefinitions(base, reordered)).toEqual([]);
    const [change] = diffDefinitions(base, {
      ...base,
      input_schema: { type: "object", properties: { a: { type: "integer" } } },
    });
    expect(change).toEqual({
      kind: "json",
      label: "Input schema",
      lines: [
        { kind: "same", text: "{" },
        { kind: "same", text: '  "properties": {' },
        { kind: "same", text: '    "a": {' },
        { kind: "removed", text: '      "type": "string"' },
        { kind: "added", text: '      "type": "integer"' },
        { kind: "same", text: "    }" },
        { kind: "same", text: "  }," },
        { kind: "same", text: '  "type": "object"' },
        { kind: "same", text: "}" },
      ],
    });
  });

  it("aligns lines by their longest common run", () => {
    expect(diffLines(["a", "b", "c", "d"], ["a", "x", "c", "d", "e"])).toEqual([
      { kind: "same", text: "a" },
      { kind: "removed", text: "b" },
      { kind: "added", text: "x" },
      { kind: "same", text: "c" },
      { kind: "same", text: "d" },
      { kind: "added", text: "e" },
    ]);
    expect(diffLines(["q", "a", "b"], ["a", "b", "q"])).toEqual([
      { kind: "removed", text: "q" },
      { kind: "same", text: "a" },
      { kind: "same", text: "b" },
      { kind: "added", text: "q" },
    ]);
  });
});
