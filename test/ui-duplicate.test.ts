/**
 * Duplicating a tool in the UI: the new-tool form filled from a stored tool,
 * with every definition field copied and no secret; the copy's editor says
 * which secret to enter, and the copy is created only once it is entered.
 */
import { describe, expect, it } from "vitest";
import { createApiKey, createTool, execute, uniqueName, useUpstream } from "./helpers";
import { createConnectedTool, createConnection } from "./connection-helpers";
import { answerWeather, createWeatherTool, storedTool } from "./ui-fixtures";
import {
  errorSummary,
  fieldError,
  formFields,
  getPage,
  inputValue,
  savedToolId,
  signIn,
  statusMessages,
  submitForm,
  textareaValue,
  toolNamed,
} from "./ui-helpers";

const upstream = useUpstream();

describe("duplicating a tool", () => {
  it("copies the definition but not the secret, says which secret to enter, and creates the copy with it", async () => {
    const session = await signIn();
    const original = await createWeatherTool(session, "the-original-key");
    const tool = await (await getPage(`/ui/tools/${original.id}`, session)).text();
    expect(tool).toContain(`href="/ui/tools/${original.id}/duplicate"`);

    const res = await getPage(`/ui/tools/${original.id}/duplicate`, session);
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).not.toContain("the-original-key");
    expect(inputValue(html, "name")).toBe(`${original.name}_copy`);
    expect(textareaValue(html, "description")).toBe("Current weather for a city.");
    expect(inputValue(html, "endpoint_url")).toBe("https://api.example.com/v1/weather/{city}");
    expect(inputValue(html, "api_key_name")).toBe("X-Api-Key");
    expect(inputValue(html, "param-1-wire_name")).toBe("u");
    expect(statusMessages(html)).toContain(`A copy of ${original.name}. Review it, then create it.`);
    expect(fieldError(html, "api_key_value")).toBe(
      `Enter the API key value again: secrets are not copied from ${original.name}, and a stored secret only goes where it was entered for.`,
    );
    // The copy is a new tool: the form creates one, and holds no stored secret to keep.
    const pairs = formFields(html, "/ui/tools/new");
    expect(pairs.find(([name]) => name === "version")?.[1]).toBe("");
    expect(pairs.some(([name]) => name.startsWith("draft_secret."))).toBe(false);

    const refused = await submitForm(html, "/ui/tools/new", session);
    expect(refused.res.status).toBe(422);
    expect(errorSummary(refused.html)).toContain("API key value");
    expect(await toolNamed(`${original.name}_copy`)).toBeNull();

    const { res: saved } = await submitForm(html, "/ui/tools/new", session, { api_key_value: "the-copy-key" });
    const copyId = savedToolId(saved);
    const copy = await storedTool(copyId);
    const source = await storedTool(original.id);
    expect(copy.name).toBe(`${original.name}_copy`);
    for (const field of ["description", "endpoint_url", "headers", "auth_config", "input_schema", "input_mapping"])
      expect(copy[field], field).toEqual(source[field]);

    // Each sends its own key.
    answerWeather(upstream);
    expect((await execute(copyId, { city: "Paris" })).status).toBe(200);
    expect(upstream.calls.at(-1)?.headers.get("x-api-key")).toBe("the-copy-key");
    expect((await execute(original.id, { city: "Paris" })).status).toBe(200);
    expect(upstream.calls.at(-1)?.headers.get("x-api-key")).toBe("the-original-key");
  });

  it("finds a free name, and asks for nothing when the tool has no secret", async () => {
    const session = await signIn();
    const name = uniqueName("dup");
    const tool = await createTool({ name, auth_config: { type: "none" } });
    await createTool({ name: `${name}_copy`, auth_config: { type: "none" } });
    const html = await (await getPage(`/ui/tools/${tool.id}/duplicate`, session)).text();
    expect(inputValue(html, "name")).toBe(`${name}_copy_2`);
    expect(errorSummary(html)).toBeNull();
  });

  it("keeps the connection of a tool that uses one, and asks for no secret", async () => {
    const session = await signIn();
    const connection = await createConnection();
    const tool = await createConnectedTool(connection.id as string);
    const html = await (await getPage(`/ui/tools/${tool.id}/duplicate`, session)).text();
    expect(errorSummary(html)).toBeNull();
    expect(html).not.toContain("conn-bearer-token-0001");
    const { res } = await submitForm(html, "/ui/tools/new", session);
    const copy = await storedTool(savedToolId(res));
    expect(copy.name).toBe(`${tool.name}_copy`);
    expect(copy.connection_id).toBe(connection.id);
  });

  it("needs tools:write", async () => {
    const tool = await createTool();
    const { key } = await createApiKey(["tools:read"]);
    const session = await signIn(key);
    expect((await getPage(`/ui/tools/${tool.id}/duplicate`, session)).status).toBe(403);
    expect(await (await getPage(`/ui/tools/${tool.id}`, session)).text()).not.toContain("/duplicate");
  });
});
