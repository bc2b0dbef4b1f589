/**
 * Tools by name, as a model's function call names them: GET /tools?name= and
 * POST /tools/by-name/{name}/execute, which must behave exactly like execute
 * by id (same result, errors, scope and log row).
 */
import { describe, expect, it } from "vitest";
import {
  api,
  createApiKey,
  createTool,
  execute,
  json,
  uniqueName,
  useUpstream,
  waitForLog,
  type Json,
} from "./helpers";

const upstream = useUpstream();

async function executeByName(name: string, input: unknown, token?: string) {
  const res = await api(`/tools/by-name/${encodeURIComponent(name)}/execute`, {
    method: "POST",
    json: { input },
    ...(token === undefined ? {} : { token }),
  });
  return { status: res.status, body: await res.json<Json>(), res };
}

function userTool(overrides: Record<string, unknown> = {}) {
  return createTool({
    name: uniqueName("get_user"),
    endpoint_url: "https://api.example.com/v1/users/{user_id}",
    input_schema: {
      type: "object",
      properties: { user_id: { type: "integer", minimum: 1 }, fields: { type: "string", default: "name" } },
      required: ["user_id"],
    },
    ...overrides,
  });
}

/** What two runs of the same call share: everything but the execution's own id and duration. */
function sameCall(body: Json): Json {
  const { execution_id, duration_ms, ...rest } = body;
  expect(typeof execution_id).toBe("string");
  expect(typeof duration_ms).toBe("number");
  return rest;
}

describe("GET /tools?name=", () => {
  it("finds the one tool of exactly that name, and nothing for another case, a part or an unknown name", async () => {
    const tool = await createTool({ name: uniqueName("Lookup_Me") });
    await createTool({ name: `${tool.name}_2` });
    const found = await api(`/tools?name=${tool.name}`);
    expect(found.status).toBe(200);
    expect(await found.json<Json>()).toEqual({ items: [tool], next_cursor: null });
    for (const other of [tool.name.toLowerCase(), tool.name.slice(0, -1), uniqueName("missing")]) {
      const res = await api(`/tools?name=${other}`);
      expect(await res.json<Json>(), other).toEqual({ items: [], next_cursor: null });
    }
  });

  it("refuses a name no tool can have with 422, pointing at the parameter", async () => {
    const res = await api("/tools?name=get%20weather");
    expect(res.status).toBe(422);
    const body = await res.json<Json>();
    expect(body.code).toBe("invalid_request");
    expect(body.errors).toContainEqual(expect.objectContaining({ path: "/query/name" }));
  });
});

describe("POST /tools/by-name/{name}/execute", () => {
  it("runs the tool as execute by id does: the same result, request and log row", async () => {
    const tool = await userTool();
    upstream.on("GET", "https://api.example.com/v1/users/42", (req) =>
      json({ id: 42, fields: req.url.searchParams.get("fields") }),
    );
    const byName = await executeByName(tool.name, { user_id: 42 });
    const byId = await execute(tool.id, { user_id: 42 });
    expect(byName.status).toBe(200);
    expect(sameCall(byName.body)).toEqual(sameCall(byId.body));
    expect(byName.body).toMatchObject({ tool_id: tool.id, status_code: 200, output: { id: 42, fields: "name" } });
    expect(upstream.calls.map((c) => c.url.href)).toEqual([
      "https://api.example.com/v1/users/42?fields=name",
      "https://api.example.com/v1/users/42?fields=name",
    ]);
    const [nameLog, idLog] = await Promise.all([
      waitForLog(byName.body.execution_id),
      waitForLog(byId.body.execution_id),
    ]);
    const logged = (log: Json) => {
      const { tool_id, tool_name, tool_version, outcome, upstream_status, method, url, input, output } = log;
      return { tool_id, tool_name, tool_version, outcome, upstream_status, method, url, input, output };
    };
    expect(logged(nameLog)).toEqual(logged(idLog));
    expect(nameLog).toMatchObject({ tool_id: tool.id, tool_name: tool.name, outcome: "success" });
  });

  it("answers invalid input with the same 422 as execute by id, and sends nothing", async () => {
    const tool = await userTool();
    const byName = await executeByName(tool.name, { user_id: 0 });
    const byId = await execute(tool.id, { user_id: 0 });
    expect(byName.status).toBe(422);
    expect(byName.res.headers.get("content-type")).toBe("application/problem+json");
    expect(sameCall(byName.body)).toEqual(sameCall(byId.body));
    expect(byName.body.code).toBe("input_invalid");
    expect(upstream.calls).toHaveLength(0);
  });

  it("answers an unknown name with 404 tool_not_found, and a name no tool can have with 422", async () => {
    const missing = uniqueName("missing");
    const unknown = await executeByName(missing, {});
    expect(unknown.status).toBe(404);
    expect(unknown.body).toMatchObject({ code: "tool_not_found", detail: `There is no tool named "${missing}".` });
    const invalid = await executeByName("a.b", {});
    expect(invalid.status).toBe(422);
    expect(invalid.body.errors).toContainEqual(expect.objectContaining({ path: "/param/name" }));
  });

  it("runs the tool of that name even when the name is another tool's id", async () => {
    const byId = await createTool({ endpoint_url: "https://api.example.com/v1/by-id" });
    const named = await createTool({ name: byId.id, endpoint_url: "https://api.example.com/v1/by-name" });
    upstream.on("GET", "https://api.example.com/v1/by-id", () => json({ ran: "by id" }));
    upstream.on("GET", "https://api.example.com/v1/by-name", () => json({ ran: "by name" }));
    expect((await executeByName(byId.id, {})).body).toMatchObject({ tool_id: named.id, output: { ran: "by name" } });
    expect((await execute(byId.id, {})).body).toMatchObject({ tool_id: byId.id, output: { ran: "by id" } });
  });

  it("needs a token (401) and the tools:execute scope (403), like execute by id", async () => {
    const tool = await userTool();
    const anonymous = await api(`/tools/by-name/${tool.name}/execute`, { method: "POST", json: {}, token: null });
    expect(anonymous.status).toBe(401);
    const reader = await createApiKey(["tools:read"]);
    const denied = await executeByName(tool.name, { user_id: 1 }, reader.key);
    expect(denied.status).toBe(403);
    expect(denied.body).toMatchObject({ code: "insufficient_scope", required_scope: "tools:execute" });
    upstream.on("GET", "https://api.example.com/v1/users/1", () => json({ id: 1 }));
    const runner = await createApiKey(["tools:execute"]);
    expect((await executeByName(tool.name, { user_id: 1 }, runner.key)).status).toBe(200);
  });
});
