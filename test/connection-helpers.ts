/** Test helpers for connections: creating them, tools that use them, and reading their rows. */
import { env } from "cloudflare:test";
import { expect } from "vitest";
import { api, createTool, uniqueName, type Json, type ToolBody } from "./helpers";

export const API_ORIGIN = "https://api.example.com";

export type ConnectionBody = Record<string, unknown>;

/** A bearer-token connection to API_ORIGIN, with `overrides`. */
export function connectionBody(overrides: ConnectionBody = {}): ConnectionBody {
  return {
    name: uniqueName("conn"),
    auth_config: { type: "bearer_token", token: "conn-bearer-token-0001" },
    allowed_origins: [API_ORIGIN],
    ...overrides,
  };
}

/** Creates a connection and returns its JSON; fails the test if creation fails. */
export async function createConnection(overrides: ConnectionBody = {}): Promise<Json> {
  const res = await api("/connections", { method: "POST", json: connectionBody(overrides) });
  const body = await res.json<Json>();
  expect(res.status, JSON.stringify(body)).toBe(201);
  return body;
}

/** Creates an http tool that uses a connection (its endpoint on API_ORIGIN unless overridden). */
export function createConnectedTool(connectionId: string, overrides: ToolBody = {}): Promise<Json> {
  return createTool({ endpoint_url: `${API_ORIGIN}/v1/items`, connection_id: connectionId, ...overrides });
}

/** Replaces a connection (no If-Match); returns status and body. */
export async function putConnection(id: string, body: ConnectionBody): Promise<{ status: number; body: Json }> {
  const res = await api(`/connections/${id}`, { method: "PUT", json: body });
  return { status: res.status, body: await res.json<Json>() };
}

export async function getConnection(id: string): Promise<Json> {
  const res = await api(`/connections/${id}`);
  const body = await res.json<Json>();
  expect(res.status, JSON.stringify(body)).toBe(200);
  return body;
}

/** The connection's row as D1 holds it. */
export async function connectionRow(id: string): Promise<Record<string, any>> {
  const row = await env.DB.prepare("SELECT * FROM connections WHERE id = ?").bind(id).first<Record<string, any>>();
  if (!row) throw new Error(`no connection row ${id}`);
  return row;
}

/** Waits until a deferred write made the condition true (writes after the response land a moment later). */
export async function eventually<T>(read: () => Promise<T>, ok: (value: T) => boolean): Promise<T> {
  let value = await read();
  for (let i = 0; i < 100 && !ok(value); i++) {
    await new Promise((r) => setTimeout(r, 10));
    value = await read();
  }
  return value;
}
