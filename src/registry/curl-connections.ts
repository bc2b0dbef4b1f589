/**
 * The credential of an imported cURL command as a connection: the
 * connections that already send the same kind of credential to the same
 * origin (to reuse one), or a new one made from the command's credential,
 * created through the registry's own connection code
 * (src/registry/connection-writes.ts). Either way the draft then names the
 * connection and no longer carries the credential itself.
 */
import { and, asc, eq, sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/d1";
import type { ConnectionInput } from "../api/connection-schemas";
import { connections, type ConnectionRow } from "../db/schema";
import type { Env } from "../env";
import type { ToolDraft } from "../imports/curl";
import type { DraftAuth } from "../imports/curl-credentials";
import { uniqueToolName } from "../imports/tool-names";
import { validationError } from "../problem";
import { createConnection } from "./connection-writes";
import { findConnection } from "./connections";
import { connectionNamesStartingWith } from "./names";
import { presentConnection } from "./present-connection";
import { originOf } from "./urls";

/** At most this many matching connections are offered. */
const MATCHES_OFFERED = 20;

type Credential = Exclude<DraftAuth, { type: "none" }>;

export interface ConnectionMatch {
  id: string;
  name: string;
  status: string;
}

/** Whether a stored connection sends this kind of credential: the same type, and for an API key the same name and place. */
export function sendsSameCredential(row: Pick<ConnectionRow, "authParams">, auth: Credential): boolean {
  const params = row.authParams;
  if (params.type !== auth.type) return false;
  if (params.type === "api_key" && auth.type === "api_key")
    return params.key_name.toLowerCase() === auth.key_name.toLowerCase() && params.location === auth.location;
  return true;
}

/** The connections that send the same kind of credential to the draft's origin, oldest first. */
export async function matchingConnections(
  env: Env,
  draft: Pick<ToolDraft, "endpoint_url" | "auth_config">,
): Promise<ConnectionMatch[]> {
  const origin = originOf(draft.endpoint_url);
  if (draft.auth_config.type === "none" || origin === null) return [];
  const auth = draft.auth_config;
  const rows = await drizzle(env.DB)
    .select()
    .from(connections)
    .where(
      and(
        eq(connections.authType, auth.type),
        sql`exists (select 1 from json_each(${connections.allowedOrigins}) where value = ${origin})`,
      ),
    )
    .orderBy(asc(connections.createdAt), asc(connections.id))
    .limit(MATCHES_OFFERED * 4)
    .all();
  return rows
    .filter((row) => sendsSameCredential(row, auth))
    .slice(0, MATCHES_OFFERED)
    .map((row) => ({
      id: row.id,
      name: row.name,
      status: presentConnection({ row, toolsCount: 0, grant: null }).status,
    }));
}

/** The draft using a connection instead of its own credential. */
function onConnection(draft: ToolDraft, id: string): Omit<ToolDraft, "auth_config"> & { connection_id: string } {
  const { auth_config: _auth, ...rest } = draft;
  return { ...rest, connection_id: id };
}

/** A connection that exists, checked: it sends to the draft's origin (422 at /connection_id otherwise). */
export async function reuseConnection(env: Env, draft: ToolDraft, id: string) {
  const row = await checkedReuse(env, draft.endpoint_url, id);
  return { draft: onConnection(draft, row.id), connection: { status: "reused" as const, id: row.id, name: row.name } };
}

/** The connection, if it exists and allows the origin of `endpointUrl` (422 at /connection_id otherwise). */
export async function checkedReuse(env: Env, endpointUrl: string, id: string): Promise<ConnectionRow> {
  const row = await findConnection(drizzle(env.DB), id);
  const origin = originOf(endpointUrl);
  const fail = (message: string) => validationError("invalid_request", message, [{ path: "/connection_id", message }]);
  if (!row) throw fail(`There is no connection with id "${id}".`);
  if (origin === null || !row.allowedOrigins.includes(origin))
    throw fail(
      `Connection "${row.name}" may send its credential only to ${row.allowedOrigins.join(", ")}, not to ${origin ?? "this URL"}.`,
    );
  return row;
}

/**
 * A new connection made of the command's credential, allowed to the draft's
 * origin only. 422 when the command has no credential, or only a placeholder
 * for it (there is nothing to save yet).
 */
export async function saveAsConnection(env: Env, draft: ToolDraft, name: string | undefined) {
  const row = await saveCredentialAsConnection(env, draft.auth_config, draft.endpoint_url, name);
  return {
    draft: onConnection(draft, row.id),
    connection: { status: "created" as const, id: row.id, name: row.name },
  };
}

/** The connection made of a credential, allowed to the origin of `endpointUrl` only (the UI saves its form's this way). */
export async function saveCredentialAsConnection(
  env: Env,
  auth: DraftAuth,
  endpointUrl: string,
  name: string | undefined,
): Promise<ConnectionRow> {
  const origin = originOf(endpointUrl);
  const fail = (message: string) =>
    validationError("invalid_request", message, [{ path: "/save_connection", message }]);
  if (auth.type === "none" || origin === null) throw fail("The command has no credential to save as a connection.");
  const secret = auth.type === "bearer_token" ? auth.token : auth.value;
  if (!secret)
    throw fail(
      "The command has a placeholder where its credential goes: there is no credential to save yet. Put the real value in the command, or create the connection yourself.",
    );
  const base = `${new URL(origin).hostname.replace(/[^A-Za-z0-9_-]+/g, "_")}_${auth.type === "bearer_token" ? "token" : "key"}`;
  const chosen = name ?? uniqueToolName(base, await connectionNamesStartingWith(drizzle(env.DB), [base.slice(0, 56)]));
  const input: ConnectionInput = {
    name: chosen,
    description: "Created from the credential of an imported cURL command.",
    auth_config:
      auth.type === "bearer_token"
        ? { type: "bearer_token", token: secret }
        : { type: "api_key", key_name: auth.key_name, location: auth.location, value: secret },
    allowed_origins: [origin],
  };
  return (await createConnection(env, input)).row;
}
