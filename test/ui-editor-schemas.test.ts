/**
 * The editor's two views of the input schema (the parameters builder and the
 * raw JSON) and its output schema generation, through the Worker.
 */
import { describe, expect, it } from "vitest";
import { createTool, json, uniqueName, useUpstream, waitForLog } from "./helpers";
import { newToolPage, storedTool, WEATHER_PAGE, weatherFields } from "./ui-fixtures";
import {
  errorSummary,
  executionIdOf,
  fieldError,
  fieldValue,
  formFields,
  getPage,
  runFromPanel,
  savedToolId,
  signIn,
  statusMessages,
  submitForm,
  textareaValue,
  type UiSession,
} from "./ui-helpers";

const upstream = useUpstream();
const DRAFT_07 = "http://json-schema.org/draft-07/schema#";

/** The weather form, filled in, switched to the advanced view. */
async function advancedWeatherPage(session: UiSession, name: string): Promise<string> {
  const page = await newToolPage(session, WEATHER_PAGE);
  const { res, html } = await submitForm(
    page,
    "/ui/tools/new",
    session,
    weatherFields(name, "k-secret"),
    "view_advanced",
  );
  expect(res.status, html).toBe(200);
  return html;
}

describe("the parameters views", () => {
  it("shows the schema and mapping the builder rows generate in the advanced view", async () => {
    const session = await signIn();
    const html = await advancedWeatherPage(session, uniqueName());
    expect(fieldValue(formFields(html, "/ui/tools/new"), "params_view")).toBe("advanced");
    expect(html).not.toContain('id="param-0-name"');
    expect(JSON.parse(textareaValue(html, "input_schema") ?? "")).toEqual({
      type: "object",
      properties: {
        city: { type: "string", description: "The city" },
        units: { type: "string", default: "metric", enum: ["metric", "imperial"] },
      },
      required: ["city"],
      additionalProperties: false,
    });
    expect(JSON.parse(textareaValue(html, "input_mapping") ?? "")).toEqual({
      city: { in: "path" },
      units: { in: "query", name: "u" },
    });
  });

  it("stays in the advanced view, saying why, for a schema the builder cannot show, and saves it whole", async () => {
    const session = await signIn();
    const name = uniqueName();
    const advanced = await advancedWeatherPage(session, name);
    const schema = {
      type: "object",
      properties: {
        city: { type: "string" },
        units: { type: "string", pattern: "^(metric|imperial)$" },
      },
      required: ["city"],
      additionalProperties: false,
    };
    const text = JSON.stringify(schema, null, 2);
    const back = await submitForm(advanced, "/ui/tools/new", session, { input_schema: text }, "view_builder");
    expect(back.res.status).toBe(200);
    expect(statusMessages(back.html)).toEqual([
      'The property "units" has a pattern, which the builder cannot show. Edit the schema as JSON below; nothing in it is lost.',
    ]);
    expect(fieldValue(formFields(back.html, "/ui/tools/new"), "params_view")).toBe("advanced");
    expect(textareaValue(back.html, "input_schema")).toBe(text);

    const saved = await submitForm(back.html, "/ui/tools/new", session);
    const tool = await storedTool(savedToolId(saved.res));
    expect(tool.input_schema).toEqual(schema);
    expect(tool.input_mapping).toEqual({ city: { in: "path" }, units: { in: "query", name: "u" } });

    // Opening it again starts in the advanced view, for the same reason.
    const edit = await (await getPage(`/ui/tools/${tool.id}/edit`, session)).text();
    expect(fieldValue(formFields(edit, `/ui/tools/${tool.id}/edit`), "params_view")).toBe("advanced");
    expect(statusMessages(edit)).toEqual([
      'The property "units" has a pattern, which the builder cannot show. Edit the schema as JSON below; nothing in it is lost.',
    ]);
  });

  it("comes back to the builder rows when the schema fits them", async () => {
    const session = await signIn();
    const advanced = await advancedWeatherPage(session, uniqueName());
    const back = await submitForm(advanced, "/ui/tools/new", session, {}, "view_builder");
    expect(back.res.status).toBe(200);
    const form = formFields(back.html, "/ui/tools/new");
    expect(fieldValue(form, "params_view")).toBe("builder");
    expect(
      ["name", "location", "wire_name", "default", "allowed"].map((f) => fieldValue(form, `param.1.${f}`)),
    ).toEqual(["units", "query", "u", "metric", "metric\nimperial"]);
    expect(fieldValue(form, "param.0.required")).toBe("true");
  });
});

describe("saving a stored tool unchanged", () => {
  it("keeps every part of its definition the form can show", async () => {
    const session = await signIn();
    const tool = await createTool({
      description: "Adds an item.\nTwo lines.",
      method: "POST",
      endpoint_url: "https://api.example.com/v1/orgs/{org}/items",
      headers: { "X-Client": "toolgate", Accept: "application/json" },
      body_format: "form",
      timeout: 45,
      max_response_bytes: 65536,
      retry: { max_attempts: 4, base_delay_ms: 100, max_delay_ms: 2000, retry_non_idempotent: true },
      auth_config: { type: "bearer_token", token: `tok-${crypto.randomUUID()}` },
      input_schema: {
        type: "object",
        properties: {
          org: { type: "string" },
          count: { type: "integer", default: 2, enum: [1, 2, 3] },
          dry_run: { type: "boolean", description: "Only check" },
          trace: { type: "string" },
          meta: { type: "object", default: { source: "ui" } },
        },
        required: ["org"],
        additionalProperties: false,
      },
      input_mapping: {
        org: { in: "path" },
        count: { in: "body" },
        dry_run: { in: "query", name: "dry" },
        trace: { in: "header", name: "X-Trace" },
        meta: { in: "body" },
      },
      output_schema: { type: "object", properties: { id: { type: "string" } } },
    });
    const path = `/ui/tools/${tool.id}/edit`;
    const { res } = await submitForm(await (await getPage(path, session)).text(), path, session);
    expect(res.status).toBe(303);
    expect(await storedTool(tool.id)).toEqual({ ...tool, version: 2, updated_at: expect.any(String) });
  });

  it("saves a built-in function tool, which has no request to map inputs into", async () => {
    const session = await signIn();
    const tool = await createTool({
      execution_type: "function",
      function_name: "current_time",
      method: undefined,
      endpoint_url: undefined,
      input_schema: { type: "object", properties: {}, additionalProperties: false },
    });
    const path = `/ui/tools/${tool.id}/edit`;
    const edit = await (await getPage(path, session)).text();
    expect(fieldValue(formFields(edit, path), "function_name")).toBe("current_time");
    const { res, html } = await submitForm(edit, path, session, { description: "The time now." });
    expect(res.status, html).toBe(303);
    expect(await storedTool(tool.id)).toEqual({
      ...tool,
      description: "The time now.",
      version: 2,
      updated_at: expect.any(String),
    });
  });
});

describe("generating the output schema", () => {
  it("generates it from a pasted sample, and saves it", async () => {
    const session = await signIn();
    const page = await newToolPage(session, WEATHER_PAGE);
    const sample = '{"city": "Paris", "temp_c": 18.5, "tags": ["mild"]}';
    const fields = { ...weatherFields(uniqueName(), "k-secret"), sample };
    const generated = await submitForm(page, "/ui/tools/new", session, fields, "infer_sample");
    expect(generated.res.status).toBe(200);
    expect(statusMessages(generated.html)).toEqual(["Output schema generated. Review it, then save the tool."]);
    const expected = {
      $schema: DRAFT_07,
      type: "object",
      properties: {
        city: { type: "string" },
        temp_c: { type: "number" },
        tags: { type: "array", items: { type: "string" } },
      },
      required: ["city", "temp_c", "tags"],
    };
    expect(JSON.parse(textareaValue(generated.html, "output_schema") ?? "")).toEqual(expected);
    expect(textareaValue(generated.html, "sample")).toBe(sample);

    const saved = await submitForm(generated.html, "/ui/tools/new", session);
    expect((await storedTool(savedToolId(saved.res))).output_schema).toEqual(expected);
  });

  it("says what is wrong with a sample that is not JSON, next to it", async () => {
    const session = await signIn();
    const page = await newToolPage(session, []);
    const { res, html } = await submitForm(page, "/ui/tools/new", session, { sample: "{city: Paris}" }, "infer_sample");
    expect(res.status).toBe(422);
    expect(fieldError(html, "sample")).toMatch(/^The sample is not valid JSON: .+/);
    expect(textareaValue(html, "output_schema")).toBe("");
  });

  it("generates it from the last successful test run, not a later failed one", async () => {
    const session = await signIn();
    const tool = await createTool({ endpoint_url: "https://api.example.com/v1/now" });
    let calls = 0;
    upstream.on("GET", "https://api.example.com/v1/now", () =>
      ++calls === 1
        ? json({ city: "Paris", temp_c: 18.5, tags: ["mild"] })
        : json({ error: "maintenance", retry_in: 60 }, { status: 500 }),
    );
    for (const outcome of ["success", "upstream_error"]) {
      const run = await runFromPanel(session, tool.id);
      expect((await waitForLog(executionIdOf(run.html))).outcome).toBe(outcome);
    }

    const path = `/ui/tools/${tool.id}/edit`;
    const edit = await (await getPage(path, session)).text();
    const generated = await submitForm(edit, path, session, {}, "infer_last_run");
    expect(generated.res.status).toBe(200);
    expect(JSON.parse(textareaValue(generated.html, "output_schema") ?? "")).toEqual({
      $schema: DRAFT_07,
      type: "object",
      properties: {
        city: { type: "string" },
        temp_c: { type: "number" },
        tags: { type: "array", items: { type: "string" } },
      },
      required: ["city", "temp_c", "tags"],
    });
    expect(JSON.parse(textareaValue(generated.html, "sample") ?? "")).toEqual({
      city: "Paris",
      temp_c: 18.5,
      tags: ["mild"],
    });
  });

  it("says so, next to the output schema, when the tool has no run with a response yet", async () => {
    const session = await signIn();
    const tool = await createTool();
    const path = `/ui/tools/${tool.id}/edit`;
    const edit = await (await getPage(path, session)).text();
    const { res, html } = await submitForm(edit, path, session, {}, "infer_last_run");
    expect(res.status).toBe(422);
    expect(fieldError(html, "output_schema")).toBe(
      "This tool has no run with a response to learn from yet: run it from its page first.",
    );
    expect(errorSummary(html)).toContain("The output schema could not be generated:");
    expect(html).not.toContain("The tool was not saved");
  });
});
