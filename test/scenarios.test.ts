/** The six scenarios of the user story, end to end through the Worker. */
import { describe, expect, it } from "vitest";
import { api, createTool, execute, json, uniqueName, useUpstream, waitForLog } from "./helpers";

const upstream = useUpstream();

describe("user story scenarios", () => {
  it("1. registers a webhook tool with no auth and invokes it", async () => {
    const tool = await createTool({
      name: uniqueName("notify_webhook"),
      description: "Posts a message to the team webhook",
      method: "POST",
      endpoint_url: "https://hooks.example.com/services/T000/B000",
      input_schema: {
        type: "object",
        properties: { text: { type: "string" }, channel: { type: "string", default: "#general" } },
        required: ["text"],
      },
    });
    expect(tool.auth_config).toEqual({ type: "none", secrets_set: [] });
    upstream.on(
      "POST",
      "https://hooks.example.com/services/T000/B000",
      () => new Response("ok", { headers: { "content-type": "text/plain" } }),
    );

    const { status, body } = await execute(tool.id, { text: "deploy finished" });

    expect(status).toBe(200);
    expect(body).toMatchObject({ tool_id: tool.id, tool_version: 1, status_code: 200, output: "ok" });
    const [call] = upstream.calls;
    expect(call?.headers.get("content-type")).toBe("application/json");
    expect(call?.headers.get("authorization")).toBeNull();
    expect(JSON.parse(call!.body)).toEqual({ text: "deploy finished", channel: "#general" });
  });

  it("2. runs a GET tool with an API key in the query", async () => {
    const tool = await createTool({
      name: uniqueName("get_weather"),
      method: "GET",
      endpoint_url: "https://weather.example.com/data/2.5/weather?units=metric",
      auth_config: { type: "api_key", key_name: "appid", location: "query", value: "wx-key-7f3a9c" },
      input_schema: { type: "object", properties: { q: { type: "string" } }, required: ["q"] },
    });
    expect(tool.auth_config).toEqual({ type: "api_key", key_name: "appid", location: "query", secrets_set: ["value"] });
    upstream.on("GET", "https://weather.example.com/data/2.5/weather", () =>
      json({ name: "Paris", main: { temp: 18.5 } }),
    );

    const { status, body } = await execute(tool.id, { q: "Paris" });

    expect(status).toBe(200);
    expect(body.output).toEqual({ name: "Paris", main: { temp: 18.5 } });
    expect(upstream.calls[0]?.url.search).toBe("?units=metric&q=Paris&appid=wx-key-7f3a9c");
  });

  it("3. uses OAuth2 client credentials, fetching the token first", async () => {
    const tool = await createTool({
      name: uniqueName("crm_contacts"),
      endpoint_url: "https://crm.example.com/api/contacts",
      auth_config: {
        type: "oauth2",
        token_url: "https://auth.example.com/oauth/token",
        client_id: "crm-client",
        client_secret: "crm-secret-91b2",
        scope: "contacts.read",
        grant_type: "client_credentials",
      },
    });
    upstream.on("POST", "https://auth.example.com/oauth/token", () =>
      json({ access_token: "at-scenario-3", token_type: "Bearer", expires_in: 3600 }),
    );
    upstream.on("GET", "https://crm.example.com/api/contacts", () => json([{ id: 1, name: "Ada" }]));

    const { status, body } = await execute(tool.id);

    expect(status).toBe(200);
    expect(body.output).toEqual([{ id: 1, name: "Ada" }]);
    const [tokenCall, apiCall] = upstream.calls;
    expect(tokenCall?.url.href).toBe("https://auth.example.com/oauth/token");
    expect(tokenCall?.body).toBe("grant_type=client_credentials&scope=contacts.read");
    expect(apiCall?.headers.get("authorization")).toBe("Bearer at-scenario-3");
  });

  it("4. fails input validation on a missing required field", async () => {
    const tool = await createTool({
      input_schema: {
        type: "object",
        properties: { city: { type: "string" }, days: { type: "integer", minimum: 1 } },
        required: ["city"],
      },
    });

    const { status, body, res } = await execute(tool.id, { days: 0 });

    expect(status).toBe(422);
    expect(res.headers.get("content-type")).toBe("application/problem+json");
    expect(body).toMatchObject({ status: 422, code: "input_invalid", tool_id: tool.id });
    expect(body.errors).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ path: "/input/city", keyword: "required" }),
        expect.objectContaining({ path: "/input/days", keyword: "minimum" }),
      ]),
    );
    expect(upstream.calls).toHaveLength(0);
    const log = await waitForLog(body.execution_id);
    expect(log.outcome).toBe("input_invalid");
  });

  it("5. fails output validation on an unexpected format", async () => {
    const tool = await createTool({
      endpoint_url: "https://api.example.com/v1/price",
      output_schema: {
        type: "object",
        properties: { price: { type: "number" }, currency: { type: "string", pattern: "^[A-Z]{3}$" } },
        required: ["price", "currency"],
      },
    });
    upstream.on("GET", "https://api.example.com/v1/price", () => json({ price: "12.50", currency: "euros" }));

    const { status, body } = await execute(tool.id);

    expect(status).toBe(500);
    expect(body).toMatchObject({ code: "output_invalid", upstream_status: 200 });
    expect(body.errors).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ path: "/output/price", keyword: "type" }),
        expect.objectContaining({ path: "/output/currency", keyword: "pattern" }),
      ]),
    );
    const log = await waitForLog(body.execution_id);
    expect(log.outcome).toBe("output_invalid");
  });

  it("6. returns the parsed response of a successful execution", async () => {
    const tool = await createTool({
      endpoint_url: "https://api.example.com/v1/users/{user_id}",
      input_schema: { type: "object", properties: { user_id: { type: "integer" } }, required: ["user_id"] },
      output_schema: {
        type: "object",
        properties: { id: { type: "integer" }, email: { type: "string" } },
        required: ["id"],
      },
    });
    upstream.on("GET", "https://api.example.com/v1/users/42", () =>
      json(
        { id: 42, email: "ada@example.com" },
        { headers: { "content-type": "application/vnd.api+json; charset=utf-8" } },
      ),
    );

    const { status, body } = await execute(tool.id, { user_id: 42 });

    expect(status).toBe(200);
    expect(Object.keys(body).sort()).toEqual([
      "duration_ms",
      "execution_id",
      "output",
      "status_code",
      "tool_id",
      "tool_version",
    ]);
    expect(body).toMatchObject({
      tool_id: tool.id,
      tool_version: 1,
      status_code: 200,
      output: { id: 42, email: "ada@example.com" },
    });
    expect(typeof body.duration_ms).toBe("number");
    const log = await waitForLog(body.execution_id);
    expect(log).toMatchObject({
      tool_id: tool.id,
      outcome: "success",
      upstream_status: 200,
      method: "GET",
      url: "https://api.example.com/v1/users/42",
      input: { user_id: 42 },
      output: { id: 42, email: "ada@example.com" },
    });
  });
});

describe("health", () => {
  it("is public", async () => {
    const res = await api("/health", { token: null });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: "ok" });
  });
});
