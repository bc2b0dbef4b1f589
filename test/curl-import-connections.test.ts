/**
 * POST /imports/curl and connections: the command's credential saved as a
 * new connection (limited to the command's origin), or a matching connection
 * (same origin, same kind of credential) offered and reused; either way the
 * draft names the connection and carries no credential.
 */
import { describe, expect, it } from "vitest";
import { api, createApiKey, execute, json, uniqueName, useUpstream, type Json } from "./helpers";
import { createConnection, getConnection } from "./connection-helpers";

const upstream = useUpstream();

async function importCurl(body: Record<string, unknown>, token?: string) {
  const res = await api("/imports/curl", { method: "POST", json: body, ...(token ? { token } : {}) });
  return { status: res.status, body: await res.json<Json>() };
}

async function saveTool(draft: Json): Promise<Json> {
  const res = await api("/tools", { method: "POST", json: { ...draft, name: uniqueName("curl") } });
  const body = await res.json<Json>();
  expect(res.status, JSON.stringify(body)).toBe(201);
  return body;
}

describe("cURL import: the credential as a connection", () => {
  it("save_connection creates a ready connection for the command's origin; the draft names it and holds no credential", async () => {
    const host = `${uniqueName("svc").toLowerCase().replace(/_/g, "-")}.example.com`;
    const token = `tok-${crypto.randomUUID()}`;
    const command = `curl https://${host}/v1/items -H 'Authorization: Bearer ${token}'`;
    const { status, body } = await importCurl({ command, save_connection: {} });
    expect(status, JSON.stringify(body)).toBe(200);
    expect(body.connection).toMatchObject({ status: "created", name: `${host.replace(/\./g, "_")}_token` });
    expect(body.draft.connection_id).toBe(body.connection.id);
    expect(body.draft.auth_config).toBeUndefined();
    expect(JSON.stringify(body)).not.toContain(token);
    const connection = await getConnection(body.connection.id);
    expect(connection).toMatchObject({
      status: "ready",
      auth_config: { type: "bearer_token", secrets_set: ["token"] },
      allowed_origins: [`https://${host}`],
    });

    const tool = await saveTool(body.draft);
    upstream.on("GET", `https://${host}/v1/items`, () => json({ items: [] }));
    const run = await execute(tool.id, {});
    expect(run.status, JSON.stringify(run.body)).toBe(200);
    expect(upstream.calls[0]!.headers.get("authorization")).toBe(`Bearer ${token}`);
  });

  it("offers the connections that send the same kind of credential to the origin, and reuses one by connection_id", async () => {
    const origin = `https://${uniqueName("match").toLowerCase().replace(/_/g, "-")}.example.com`;
    const same = await createConnection({
      auth_config: { type: "api_key", key_name: "X-Api-Key", location: "header", value: "stored-key-value-1" },
      allowed_origins: [origin],
    });
    // Another key name, another type, another origin: not offered.
    await createConnection({
      auth_config: { type: "api_key", key_name: "X-Other", location: "header" },
      allowed_origins: [origin],
    });
    await createConnection({ auth_config: { type: "bearer_token" }, allowed_origins: [origin] });
    await createConnection({
      auth_config: { type: "api_key", key_name: "X-Api-Key", location: "header" },
      allowed_origins: ["https://elsewhere.example.com"],
    });
    const command = `curl ${origin}/v2/things -H 'X-Api-Key: pasted-key-value-2'`;
    const offered = await importCurl({ command });
    expect(offered.status).toBe(200);
    expect(offered.body.matching_connections).toEqual([{ id: same.id, name: same.name, status: "ready" }]);
    expect(offered.body.draft.auth_config).toMatchObject({ type: "api_key", value: "pasted-key-value-2" });

    const reused = await importCurl({ command, connection_id: same.id });
    expect(reused.status).toBe(200);
    expect(reused.body.connection).toEqual({ status: "reused", id: same.id, name: same.name });
    expect(reused.body.draft).toMatchObject({ connection_id: same.id });
    expect(reused.body.draft.auth_config).toBeUndefined();
    expect(JSON.stringify(reused.body.draft)).not.toContain("pasted-key-value-2");
    const tool = await saveTool(reused.body.draft);
    upstream.on("GET", `${origin}/v2/things`, () => json({}));
    await execute(tool.id, {});
    expect(upstream.calls[0]!.headers.get("x-api-key")).toBe("stored-key-value-1");
  });

  it("refuses a connection_id for another origin, and save_connection without a credential or with only a placeholder", async () => {
    const elsewhere = await createConnection({ allowed_origins: ["https://elsewhere.example.com"] });
    const wrong = await importCurl({
      command: "curl https://api.example.com/x -H 'Authorization: Bearer abcdefgh12345'",
      connection_id: elsewhere.id,
    });
    expect(wrong.status).toBe(422);
    expect(wrong.body.errors).toEqual([
      { path: "/connection_id", message: expect.stringContaining("only to https://elsewhere.example.com") },
    ]);
    const none = await importCurl({ command: "curl https://api.example.com/x", save_connection: {} });
    expect(none.status).toBe(422);
    expect(none.body.errors[0].path).toBe("/save_connection");
    const placeholder = await importCurl({
      command: "curl https://api.example.com/x -H 'Authorization: Bearer $API_TOKEN'",
      save_connection: {},
    });
    expect(placeholder.status).toBe(422);
    expect(placeholder.body.errors[0].message).toContain("placeholder");
  });

  it("save_connection needs connections:write; matching needs connections:read", async () => {
    const { key } = await createApiKey(["tools:write"]);
    const command = "curl https://api.example.com/x -H 'Authorization: Bearer abcdefgh12345'";
    const refused = await importCurl({ command, save_connection: {} }, key);
    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({ code: "insufficient_scope", required_scope: "connections:write" });
    const plain = await importCurl({ command }, key);
    expect(plain.status).toBe(200);
    expect(plain.body.matching_connections).toEqual([]);
  });
});
