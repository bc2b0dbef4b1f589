/**
 * The registry's write operations on connections: create, replace, delete.
 * The API (src/api/connections.ts) calls these, and so will the UI and the
 * imports, so the rules live here once:
 *
 * - Secrets are sealed bound to the connection and its destination
 *   (src/engine/auth/binding.ts) by the same rule as a tool's
 *   (`sealSecretsForWrite`): a secret left out of a replace stays only when
 *   the destination is unchanged, otherwise 422 `secrets_required`.
 * - `secrets_version` goes up whenever a stored secret changes: cached tokens
 *   are keyed by it, so a token obtained with an old secret is never used again.
 * - A replace cannot strand a tool: every tool that uses the connection must
 *   still call one of its allowed origins (422 `origins_in_use`, naming them).
 * - A connection that tools use cannot be deleted (409 `connection_in_use`).
 */
import { drizzle } from "drizzle-orm/d1";
import type { ConnectionInput } from "../api/connection-schemas";
import type { ConnectionRow } from "../db/schema";
import { CONNECTION_SECRET_FIELDS } from "../engine/auth";
import {
  connectionDestination,
  connectionDestinationChanges,
  connectionSecretBinding,
  type ConnectionDestinationFact,
} from "../engine/auth/binding";
import { requireOutboundSettings } from "../engine/outbound/settings";
import type { Env } from "../env";
import { AppError } from "../problem";
import { normalizeConnection, type ConnectionDefinition } from "./connection-definition";
import {
  connectionNotFound,
  connectionVersionMismatch,
  deleteConnection,
  getConnection,
  insertConnection,
  NAMED_TOOLS_LIMIT,
  replaceConnection,
  toolsUsingConnection,
  type ConnectionView,
  type ToolUsingConnection,
} from "./connections";
import { forgetConnectionToken } from "./forget-token";
import { sealSecretsForWrite } from "./secrets";
import { originOf } from "./urls";
import { forgetConnection } from "./runnable";

/** Each destination fact of a connection as the API's messages name it. */
const CONNECTION_FACT_WORDS: Record<ConnectionDestinationFact, string> = {
  auth_type: "the auth type",
  grant_type: "grant_type",
  allowed_origins: "allowed_origins",
  token_url: "token_url",
  authorization_url: "authorization_url",
  client_id: "client_id",
  client_auth_method: "client_auth_method",
  scope: "scope",
  audience: "audience",
  api_key_location: "location",
  api_key_name: "key_name",
  username: "username",
};

/** How many times a replace re-checks the tools when one of them changes meanwhile. */
const REPLACE_ATTEMPTS = 3;

/** Validates, seals and stores a new connection (422, 409 on failure). Secrets may be left out: it is then needs_secret. */
export async function createConnection(env: Env, input: ConnectionInput): Promise<ConnectionView> {
  const def = normalizeConnection(input, requireOutboundSettings(env));
  const id = crypto.randomUUID();
  const { sealed } = await sealConnectionSecrets(env, id, def, null);
  const now = new Date().toISOString();
  const row = connectionRow(id, def, sealed, {
    secretsVersion: 1,
    lastErrorCode: null,
    lastErrorAt: null,
    lastUsedAt: null,
    version: 1,
    createdAt: now,
    updatedAt: now,
  });
  await insertConnection(drizzle(env.DB), row);
  return { row, toolsCount: 0, grant: null };
}

/**
 * Replaces a connection's definition and increments its version. `expected`
 * is the version the caller edited (412 if someone saved since). A changed
 * secret or destination also clears the last error, which was about the old
 * credential.
 */
export async function replaceConnectionDefinition(
  env: Env,
  id: string,
  input: ConnectionInput,
  expected: (version: number) => boolean = () => true,
): Promise<ConnectionView> {
  const db = drizzle(env.DB);
  for (let attempt = 0; attempt < REPLACE_ATTEMPTS; attempt++) {
    const previous = await getConnection(db, id);
    if (!expected(previous.version)) throw connectionVersionMismatch(previous.id);
    const def = normalizeConnection(input, requireOutboundSettings(env));
    const users = await toolsUsingConnection(db, previous.id);
    throwIfStranded(def, users);
    const { sealed, changedSecrets, changedDestination } = await sealConnectionSecrets(env, previous.id, def, previous);
    const fresh = changedSecrets || changedDestination;
    const row = connectionRow(previous.id, def, sealed, {
      secretsVersion: previous.secretsVersion + (changedSecrets ? 1 : 0),
      lastErrorCode: fresh ? null : previous.lastErrorCode,
      lastErrorAt: fresh ? null : previous.lastErrorAt,
      lastUsedAt: previous.lastUsedAt,
      version: previous.version + 1,
      createdAt: previous.createdAt,
      updatedAt: new Date().toISOString(),
    });
    const outcome = await replaceConnection(db, row, previous.version, users);
    if (outcome === "version") throw connectionVersionMismatch(previous.id);
    if (outcome === "replaced") {
      forgetConnection(previous.id);
      if (changedSecrets) await forgetConnectionToken(env, previous);
      return { row, toolsCount: users.length, grant: null };
    }
  }
  throw new AppError(
    409,
    "concurrent_change",
    "Tools that use this connection kept changing while it was being saved; save it again.",
  );
}

/** Deletes a connection no tool uses (409 `connection_in_use` naming the tools otherwise), and its cached token. */
export async function removeConnection(env: Env, id: string): Promise<ConnectionRow> {
  const db = drizzle(env.DB);
  const row = await getConnection(db, id);
  const outcome = await deleteConnection(db, row.id);
  if (outcome === "in_use") {
    const users = await toolsUsingConnection(db, row.id);
    const named = users.slice(0, NAMED_TOOLS_LIMIT);
    throw new AppError(
      409,
      "connection_in_use",
      `Connection "${row.name}" is used by ${users.length} tool${users.length === 1 ? "" : "s"} (${named
        .map((tool) => tool.name)
        .join(
          ", ",
        )}${users.length > named.length ? ", ..." : ""}): give them another connection or their own credentials first, or delete them.`,
      { tools: named.map((tool) => ({ id: tool.id, name: tool.name })), tools_count: users.length },
    );
  }
  if (outcome === "not_found") throw connectionNotFound(row.id);
  forgetConnection(row.id);
  await forgetConnectionToken(env, row);
  return row;
}

/** 422 `origins_in_use` when a tool that uses the connection calls an origin the new definition no longer allows. */
function throwIfStranded(def: ConnectionDefinition, users: readonly ToolUsingConnection[]): void {
  const stranded = users
    .map((tool) => ({ tool, origin: originOf(tool.endpointUrl) }))
    .filter(({ origin }) => origin !== null && !def.allowedOrigins.includes(origin));
  if (stranded.length === 0) return;
  const named = stranded.slice(0, NAMED_TOOLS_LIMIT);
  const list = named.map(({ tool, origin }) => `${tool.name} (${origin})`).join(", ");
  throw new AppError(
    422,
    "origins_in_use",
    `Tools that use this connection call origins the new allowed_origins leave out: ${list}${
      stranded.length > named.length ? ", ..." : ""
    }. Keep their origins, or move those tools first.`,
    {
      errors: [
        {
          path: "/allowed_origins",
          message: `Still used by: ${list}${stranded.length > named.length ? ", ..." : ""}.`,
        },
      ],
      tools: named.map(({ tool, origin }) => ({ id: tool.id, name: tool.name, origin })),
    },
  );
}

/**
 * What changed, between a stored connection and its replacement, among the
 * facts its secrets are bound to: empty when the stored secrets may stay.
 * The same simplifications as a tool's (`secretReuseVerdict`).
 */
export function connectionReuseVerdict(
  previous: Pick<ConnectionRow, "authParams" | "allowedOrigins">,
  next: Pick<ConnectionDefinition, "authParams" | "allowedOrigins">,
): ConnectionDestinationFact[] {
  const changed = connectionDestinationChanges(connectionDestination(previous), connectionDestination(next));
  // Another auth type or grant has other facts altogether; naming them would only add noise.
  if (changed.includes("auth_type")) return ["auth_type"];
  if (changed.includes("grant_type")) return ["grant_type"];
  const keyName = (params: unknown) => (params as { key_name?: unknown }).key_name;
  if (changed.includes("api_key_location") && keyName(previous.authParams) === keyName(next.authParams))
    return changed.filter((fact) => fact !== "api_key_name");
  return changed;
}

async function sealConnectionSecrets(
  env: Env,
  id: string,
  def: ConnectionDefinition,
  previous: ConnectionRow | null,
): Promise<{ sealed: Record<string, string>; changedSecrets: boolean; changedDestination: boolean }> {
  const destination = connectionDestination(def);
  const changed = previous ? connectionReuseVerdict(previous, def) : null;
  const fields = CONNECTION_SECRET_FIELDS[def.authParams.type];
  const result = await sealSecretsForWrite(env, {
    typeName: def.authParams.type,
    fields,
    // A connection may be saved without its secrets (status needs_secret), but one that had secrets and
    // changes where they go must be given them again: nothing stored follows it to a new destination.
    required: previous && changed!.length > 0 && Object.keys(previous.authSecrets).length > 0 ? fields : [],
    provided: def.providedSecrets,
    stored: previous?.authSecrets ?? null,
    changed,
    words: CONNECTION_FACT_WORDS,
    binding: (field) => connectionSecretBinding(id, field, destination),
  });
  return { ...result, changedDestination: (changed?.length ?? 0) > 0 };
}

function connectionRow(
  id: string,
  def: ConnectionDefinition,
  secrets: Record<string, string>,
  meta: Pick<
    ConnectionRow,
    "secretsVersion" | "lastErrorCode" | "lastErrorAt" | "lastUsedAt" | "version" | "createdAt" | "updatedAt"
  >,
): ConnectionRow {
  return {
    id,
    name: def.name,
    description: def.description,
    authType: def.authParams.type,
    authParams: def.authParams,
    authSecrets: secrets,
    allowedOrigins: def.allowedOrigins,
    testRequest: def.testRequest,
    ...meta,
  };
}
