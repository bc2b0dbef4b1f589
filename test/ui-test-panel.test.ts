/**
 * A tool's test panel through the Worker: running with the generated form,
 * what the result shows, the log row it writes, input errors next to their
 * fields, upstream failures, and secrets kept out of the page.
 */
import { describe, expect, it } from "vitest";
import { createTool, json, useUpstream, waitForLog } from "./helpers";
import { answerWeather, createWeatherTool } from "./ui-fixtures";
import {
  codeBlocks,
  decodeEntities,
  errorSummary,
  executionIdOf,
  factsOf,
  fieldError,
  fieldValue,
  formFields,
  getPage,
  runFromPanel,
  signIn,
  statusMessages,
  submitForm,
  textareaValue,
} from "./ui-helpers";

const upstream = useUpstream();

describe("the test panel", () => {
  it("runs the tool and shows the outcome, status, request and pretty response, and logs the run", async () => {
    const session = await signIn();
    const secret = `k-${crypto.randomUUID()}`;
    const tool = await createWeatherTool(session, secret);
    answerWeather(upstream);

    const { res, html } = await runFromPanel(session, tool.id, { "in.city": "Paris" });
    expect(res.status).toBe(200);
    const executionId = executionIdOf(html);
    expect(factsOf(html)).toMatchObject({
      Outcome: "success",
      Status: "HTTP 200",
      Duration: expect.stringMatching(/^\d+ ms$/),
      Request: "GET https://api.example.com/v1/weather/Paris?u=metric",
      "Headers sent": "accept, x-api-key (values hidden)",
      "Log entry": executionId,
    });
    expect(codeBlocks(html)).toEqual([JSON.stringify({ city: "Paris", temp_c: 18.5 }, null, 2)]);
    expect(html).not.toContain(secret);
    // The form keeps what was typed, the default still in place.
    const form = formFields(html, `/ui/tools/${tool.id}/run`);
    expect([fieldValue(form, "in.city"), fieldValue(form, "in.units")]).toEqual(["Paris", "metric"]);

    expect(upstream.calls).toHaveLength(1);
    expect(upstream.calls[0]?.url.href).toBe("https://api.example.com/v1/weather/Paris?u=metric");
    expect(upstream.calls[0]?.headers.get("x-api-key")).toBe(secret);
    expect(await waitForLog(executionId)).toMatchObject({
      id: executionId,
      tool_id: tool.id,
      tool_name: tool.name,
      outcome: "success",
      upstream_status: 200,
      method: "GET",
      url: "https://api.example.com/v1/weather/Paris?u=metric",
      input: { city: "Paris", units: "metric" },
      output: { city: "Paris", temp_c: 18.5 },
    });
  });

  it("points a missing required input at its field, and calls nothing", async () => {
    const session = await signIn();
    const tool = await createWeatherTool(session, `k-${crypto.randomUUID()}`);
    const { res, html } = await runFromPanel(session, tool.id, { "in.city": "", "in.units": "imperial" });
    expect(res.status).toBe(200);
    expect(fieldError(html, "input-city")).toBe("This field is required.");
    expect(html).toMatch(/<select id="input-units" name="in.units"[^>]*>/);
    expect(fieldValue(formFields(html, `/ui/tools/${tool.id}/run`), "in.units")).toBe("imperial");
    expect(factsOf(html)).toMatchObject({ Outcome: "input invalid", Status: "no response" });
    expect(upstream.calls).toEqual([]);
  });

  it("refuses a value the form cannot convert before running, keeping what was typed", async () => {
    const session = await signIn();
    const tool = await createTool({
      input_schema: { type: "object", properties: { days: { type: "integer" } }, additionalProperties: false },
    });
    const { res, html } = await runFromPanel(session, tool.id, { "in.days": "2.5" });
    expect(res.status).toBe(422);
    expect(fieldError(html, "input-days")).toBe("days must be a whole number.");
    expect(errorSummary(html)).toBe("The input was not accepted. days must be a whole number.");
    expect(fieldValue(formFields(html, `/ui/tools/${tool.id}/run`), "in.days")).toBe("2.5");
    expect(html).not.toContain('id="result"');
    expect(upstream.calls).toEqual([]);
  });

  it.each([
    [401, "The API refused the credentials (HTTP 401). Check the key or token under Authentication."],
    [403, "The API refused the credentials (HTTP 403). Check the key or token under Authentication."],
    [404, "The API answered HTTP 404: nothing is at this address. Check the endpoint URL and the inputs in its path."],
  ])("heads an upstream %i with what happened and what to try, never an HTTP reason", async (status, words) => {
    const session = await signIn();
    const tool = await createWeatherTool(session, `k-${crypto.randomUUID()}`);
    upstream.on("GET", "https://api.example.com/v1/weather/Paris", () => json({ error: "no" }, { status }));
    const { html } = await runFromPanel(session, tool.id, { "in.city": "Paris" });
    expect(errorSummary(html)).toBe(`${words} The upstream API answered ${status}.`);
    expect(html).not.toMatch(/Bad Gateway|Internal Server Error/);
  });

  it("shows what the API returned when it fails the output schema, keeps it in the log, and updates the schema from it", async () => {
    const session = await signIn();
    const tool = await createTool({
      endpoint_url: "https://api.example.com/v1/price",
      output_schema: { type: "object", properties: { price: { type: "number" } }, required: ["price"] },
    });
    const id = String(tool.id);
    upstream.on("GET", "https://api.example.com/v1/price", () => json({ price: "12.50", currency: "EUR" }));

    const { html } = await runFromPanel(session, id);
    expect(factsOf(html)).toMatchObject({ Outcome: "output invalid", Status: "HTTP 200" });
    expect(errorSummary(html)).toContain(
      "The API answered, but its response does not match the output schema. Update the output schema, or check the API.",
    );
    expect(errorSummary(html)).toContain("At price: A number was expected, but the API sent text.");
    expect(codeBlocks(html)).toEqual([JSON.stringify({ price: "12.50", currency: "EUR" }, null, 2)]);
    const executionId = executionIdOf(html);
    expect(await waitForLog(executionId)).toMatchObject({
      outcome: "output_invalid",
      output: {
        errors: [expect.objectContaining({ path: "/output/price" })],
        response: { price: "12.50", currency: "EUR" },
      },
    });

    // The offer, right there: the editor opens with the schema learned from this response, not yet saved.
    const href = decodeEntities(
      /<a class="button" href="([^"]+)">Update the output schema from this response<\/a>/.exec(html)?.[1] ?? "",
    );
    expect(href).toBe(`/ui/tools/${id}/edit?output_schema_from=${executionId}#output`);
    const editor = await (await getPage(href.replace(/#.*$/, ""), session)).text();
    expect(statusMessages(editor)).toContain("Output schema generated. Review it, then save the tool.");
    expect(JSON.parse(textareaValue(editor, "output_schema") ?? "")).toMatchObject({
      properties: { price: { type: "string" }, currency: { type: "string" } },
    });
    // The run's own page shows the response and the same offer.
    const detail = await (await getPage(`/ui/executions/${executionId}`, session)).text();
    expect(detail).toContain("What the API returned");
    expect(detail).toContain("At price: A number was expected, but the API sent text.");
    expect(detail).toContain("Update the output schema from this response");

    // "Generate from the last test run" learns from it too, instead of "no successful run yet".
    const page = await (await getPage(`/ui/tools/${id}/edit`, session)).text();
    const { html: inferred } = await submitForm(page, `/ui/tools/${id}/edit`, session, {}, "infer_last_run");
    expect(statusMessages(inferred)).toContain("Output schema generated. Review it, then save the tool.");
    expect(inferred).not.toContain("The tool was not saved");
  });

  it("shows an upstream 500 as an upstream error, with its status and body", async () => {
    const session = await signIn();
    const tool = await createWeatherTool(session, `k-${crypto.randomUUID()}`);
    upstream.on("GET", "https://api.example.com/v1/weather/Paris", () =>
      json({ error: "backend down" }, { status: 500 }),
    );
    const { res, html } = await runFromPanel(session, tool.id, { "in.city": "Paris" });
    expect(res.status).toBe(200);
    expect(factsOf(html)).toMatchObject({
      Outcome: "upstream error",
      Status: "HTTP 500",
      Request: "GET https://api.example.com/v1/weather/Paris?u=metric",
    });
    expect(errorSummary(html)).toBe(
      "The API failed on its side (HTTP 500). Try again later. The upstream API answered 500.",
    );
    expect(codeBlocks(html)).toEqual([JSON.stringify({ error: "backend down" }, null, 2)]);
    expect(await waitForLog(executionIdOf(html))).toMatchObject({ outcome: "upstream_error", upstream_status: 500 });
  });

  it("never shows the secret, even when the upstream echoes it back", async () => {
    const session = await signIn();
    const secret = `k-${crypto.randomUUID()}`;
    const tool = await createWeatherTool(session, secret);
    let status = 200;
    upstream.on("GET", "https://api.example.com/v1/weather/Paris", (req) =>
      json(
        { you_sent: req.headers.get("x-api-key"), header: `X-Api-Key: ${req.headers.get("x-api-key")}` },
        { status },
      ),
    );
    for (status of [200, 401]) {
      const { html } = await runFromPanel(session, tool.id, { "in.city": "Paris" });
      expect(upstream.calls.at(-1)?.headers.get("x-api-key")).toBe(secret);
      expect(html).not.toContain(secret);
      expect(codeBlocks(html)).toEqual([
        JSON.stringify({ you_sent: "[REDACTED]", header: "X-Api-Key: [REDACTED]" }, null, 2),
      ]);
      const log = await waitForLog(executionIdOf(html));
      expect(JSON.stringify(log)).not.toContain(secret);
    }
  });
});
