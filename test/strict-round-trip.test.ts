/**
 * The strict-mode round trip through the Worker: export a tool strictly, make
 * the arguments a strict model would send under that export (OpenAI: every
 * property present, null for each one left out; Anthropic: left out), pass
 * them unchanged to execute, and check the request that reaches the upstream.
 */
import { Validator, type Schema } from "@cfworker/json-schema";
import { describe, expect, it } from "vitest";
import { isPlainObject } from "../src/plain-object";
import { api, createTool, execute, json, uniqueName, useUpstream, type Json } from "./helpers";

const upstream = useUpstream();
const FORECASTS = "https://api.example.com/v1/forecasts";

const FORECAST_INPUT = {
  type: "object",
  properties: {
    city: { type: "string", description: "City name" },
    units: { type: "string", enum: ["metric", "imperial"], default: "metric" },
    timezone: { type: "string", description: "IANA zone; the city's own when left out" },
    days: { type: "integer", enum: [1, 2, 3, 4, 5, 6, 7] },
    filter: {
      type: "object",
      properties: {
        min_temp: { type: "number" },
        conditions: { type: "array", items: { type: "string", enum: ["rain", "snow", "sun"] } },
      },
    },
  },
  required: ["city"],
};

function forecastTool() {
  return createTool({
    name: uniqueName("forecast"),
    description: "Weather forecast for a city",
    method: "POST",
    endpoint_url: FORECASTS,
    input_schema: FORECAST_INPUT,
  });
}

async function exported(toolId: string, format: string): Promise<Json> {
  const res = await api(`/exports/functions/${toolId}?format=${format}&strict=true`);
  const body = await res.json<Json>();
  expect(res.status, JSON.stringify(body)).toBe(200);
  expect(body.strict_unavailable).toBeNull();
  return body.item;
}

/**
 * The arguments a model constrained to `schema` (OpenAI strict: every
 * property required) sends when it means `chosen`: what it chose, and null for
 * every property it leaves out, which the strict schema makes nullable.
 */
function strictModelArguments(schema: Json, chosen: Json): Json {
  return Object.fromEntries(
    Object.entries(schema.properties as Record<string, Json>).map(([name, property]) => {
      if (!Object.hasOwn(chosen, name)) return [name, null];
      const value = chosen[name];
      return [name, isPlainObject(value) ? strictModelArguments(objectVariant(property), value) : value];
    }),
  );
}

/** The object schema of a property strict mode made nullable (`anyOf: [object, null]` or `type: [object, null]`). */
function objectVariant(property: Json): Json {
  return Array.isArray(property.anyOf) ? property.anyOf.find((v: Json) => v.type === "object") : property;
}

/** The arguments must be ones the vendor's grammar allows: valid against the exported schema. */
function expectValidAgainst(schema: Json, args: Json): void {
  const result = new Validator(schema as Schema, "2020-12", false).validate(args);
  expect(result.errors, JSON.stringify(args)).toEqual([]);
}

describe("OpenAI strict export → model arguments → execute", () => {
  it("executes the nulls of optional arguments as absent: defaults filled in, nothing sent for the rest", async () => {
    const tool = await forecastTool();
    const definition = await exported(tool.id, "openai");
    expect(definition.function.strict).toBe(true);
    const parameters = definition.function.parameters;
    const args = strictModelArguments(parameters, { city: "Paris" });
    expect(args).toEqual({ city: "Paris", units: null, timezone: null, days: null, filter: null });
    expectValidAgainst(parameters, args);

    upstream.on("POST", FORECASTS, (req) => json({ received: JSON.parse(req.body) }));
    const run = await execute(tool.id, args);
    expect(run.status, JSON.stringify(run.body)).toBe(200);
    expect(JSON.parse(upstream.calls[0]!.body)).toEqual({ city: "Paris", units: "metric" });
  });

  it("drops the nulls inside a nested object the model did fill in", async () => {
    const tool = await forecastTool();
    const parameters = (await exported(tool.id, "openai")).function.parameters;
    const args = strictModelArguments(parameters, {
      city: "Oslo",
      units: "imperial",
      days: 3,
      filter: { conditions: ["snow"] },
    });
    expect(args.filter).toEqual({ min_temp: null, conditions: ["snow"] });
    expectValidAgainst(parameters, args);

    upstream.on("POST", FORECASTS, () => json({ ok: true }));
    const run = await execute(tool.id, args);
    expect(run.status, JSON.stringify(run.body)).toBe(200);
    expect(JSON.parse(upstream.calls[0]!.body)).toEqual({
      city: "Oslo",
      units: "imperial",
      days: 3,
      filter: { conditions: ["snow"] },
    });
  });

  it("takes the Responses API's export the same way, by name as by id", async () => {
    const tool = await forecastTool();
    const definition = await exported(tool.id, "openai-responses");
    expect(definition).toMatchObject({ type: "function", name: tool.name, strict: true });
    const args = strictModelArguments(definition.parameters, { city: "Lima", days: 2 });
    expectValidAgainst(definition.parameters, args);

    upstream.on("POST", FORECASTS, () => json({ ok: true }));
    const res = await api(`/tools/by-name/${definition.name}/execute`, { method: "POST", json: { input: args } });
    expect(res.status, await res.clone().text()).toBe(200);
    expect(JSON.parse(upstream.calls[0]!.body)).toEqual({ city: "Lima", units: "metric", days: 2 });
  });

  it("keeps a null the tool's own schema allows, and still refuses one for a required argument", async () => {
    const tool = await createTool({
      method: "POST",
      endpoint_url: FORECASTS,
      input_schema: {
        type: "object",
        properties: { city: { type: "string" }, note: { type: ["string", "null"] } },
        required: ["city"],
      },
    });
    upstream.on("POST", FORECASTS, () => json({ ok: true }));
    const kept = await execute(tool.id, { city: "Rome", note: null });
    expect(kept.status).toBe(200);
    expect(JSON.parse(upstream.calls[0]!.body)).toEqual({ city: "Rome", note: null });

    const refused = await execute(tool.id, { city: null, note: null });
    expect(refused.status).toBe(422);
    expect(refused.body.code).toBe("input_invalid");
    expect(refused.body.errors).toContainEqual(expect.objectContaining({ path: "/input/city", keyword: "type" }));
    expect(upstream.calls).toHaveLength(1);
  });
});

describe("Anthropic strict export → model arguments → execute", () => {
  it("executes the arguments Claude sends under strict tool use: optional ones left out", async () => {
    const tool = await forecastTool();
    const definition = await exported(tool.id, "anthropic");
    expect(definition.strict).toBe(true);
    const args = { city: "Cairo", filter: { min_temp: 30 } };
    expectValidAgainst(definition.input_schema, args);
    expectValidAgainst(definition.input_schema, { city: "Cairo" });
    expect(
      new Validator(definition.input_schema as Schema, "2020-12", false).validate({ city: "Cairo", extra: 1 }).valid,
      "strict closes every object",
    ).toBe(false);

    upstream.on("POST", FORECASTS, () => json({ ok: true }));
    const run = await execute(tool.id, args);
    expect(run.status, JSON.stringify(run.body)).toBe(200);
    expect(JSON.parse(upstream.calls[0]!.body)).toEqual({ city: "Cairo", units: "metric", filter: { min_temp: 30 } });
  });
});
