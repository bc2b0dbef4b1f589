/**
 * The connections an OpenAPI import uses: one per security scheme of the
 * imported operations, shared by all of them. A scheme the request maps to a
 * `connection_id` uses that connection; any other gets a new one, created
 * through the registry's own connection code (src/registry/connection-writes.ts),
 * so it is validated and its secrets sealed as POST /connections would. A
 * new connection holds the secrets the request sent and none otherwise: it
 * is then `needs_secret` (or `needs_authorization`) until someone sends them
 * with PUT /connections/{id}, and its tools answer 409 connection_not_ready
 * meanwhile. The credential may go only to the origins the tools call.
 */
import type { z } from "@hono/zod-openapi";
import { drizzle } from "drizzle-orm/d1";
import type { ConnectionAuthConfigInput, ConnectionInput } from "../api/connection-schemas";
import { ConnectionInput as ConnectionInputSchema } from "../api/connection-schemas";
import type { ImportConnection, ImportConnectionChoice, OpenApiImportRequest } from "../api/imports-openapi-schemas";
import type { Scope } from "../access/scopes";
import type { ConnectionRow } from "../db/schema";
import { missingConnectionSecrets, requiredConnectionSecrets } from "../engine/auth/connection-status";
import type { OutboundSettings } from "../engine/outbound/policy";
import type { Env } from "../env";
import type { OperationConversion } from "../imports/openapi";
import type { SchemeConnection } from "../imports/openapi-security";
import { uniqueToolName } from "../imports/tool-names";
import { AppError, issuesToFieldErrors, pointerToken, validationError, type ProblemFieldError } from "../problem";
import { normalizeConnection, type ConnectionDefinition } from "./connection-definition";
import { createConnection } from "./connection-writes";
import { getConnectionView, type ConnectionView } from "./connections";
import { connectionNamesStartingWith } from "./names";
import { presentConnection } from "./present-connection";
import { originOf } from "./urls";

type Choices = z.output<typeof OpenApiImportRequest>["connections"];
type Draft = Extract<OperationConversion, { status: "draft" }>;

/** What an import does about one scheme: a connection its tools name, or why its operations are skipped. */
export type SchemePlan =
  | { kind: "use"; result: ImportConnection; connection: ConnectionRow | null }
  | {
      kind: "skip";
      result: ImportConnection;
      reason: "connection_incomplete" | "invalid_connection";
      detail: string;
      errors?: ProblemFieldError[];
    };

/** The caller-supplied fields each connection type needs to exist at all (not secrets: a document never holds them). */
const IDENTITY_FIELD = { basic: "username", oauth2: "client_id" } as const;

/**
 * Plans (and, unless a dry run, creates or finds) the connection of every
 * scheme the drafts use. A connection_id that names nothing is a 422 for the
 * whole request: the caller meant a connection, and another would be wrong.
 */
export async function importConnections(
  env: Env,
  drafts: readonly Draft[],
  title: string | null,
  choices: Choices,
  outbound: OutboundSettings,
  dryRun: boolean,
  principalScopes: readonly Scope[],
): Promise<Map<string, SchemePlan>> {
  const uses = schemeUses(drafts);
  // Creating a connection is a connections:write action wherever it happens; checked before anything is created.
  const creating = [...uses.keys()].filter((scheme) => choices?.[scheme]?.connection_id === undefined);
  if (!dryRun && creating.length > 0 && !principalScopes.includes("connections:write"))
    throw new AppError(
      403,
      "insufficient_scope",
      `This import creates connections (for the security scheme${creating.length === 1 ? "" : "s"} ${creating.map((s) => `"${s}"`).join(", ")}), which needs the connections:write scope this API key does not have. Use a key that has it, map each scheme to a connection you have with connections.<scheme>.connection_id, or send the secrets in auth_config so that each tool keeps its own.`,
      { required_scope: "connections:write" },
    );
  const plans = new Map<string, SchemePlan>();
  const db = drizzle(env.DB);
  const derived = [...uses.keys()].map((scheme) => ({ scheme, base: derivedName(title, scheme) }));
  const taken = await connectionNamesStartingWith(
    db,
    derived.map((d) => d.base.slice(0, 56)),
  );
  for (const { scheme, base } of derived) {
    const use = uses.get(scheme) as SchemeUse;
    const choice = choices?.[scheme] ?? {};
    if (choice.connection_id !== undefined) {
      plans.set(scheme, await existing(env, scheme, choice.connection_id, use));
      continue;
    }
    const name = choice.name ?? uniqueToolName(base, taken);
    taken.add(name);
    plans.set(scheme, await created(env, scheme, name, use, choice, outbound, dryRun));
  }
  return plans;
}

interface SchemeUse {
  auth: SchemeConnection["auth"];
  scopes: string[];
  origins: string[];
  operations: number;
}

/** Each scheme's connection auth, the scopes its operations ask for (in order of first use), and the origins they call. */
function schemeUses(drafts: readonly Draft[]): Map<string, SchemeUse> {
  const uses = new Map<string, SchemeUse>();
  for (const draft of drafts) {
    const connection = draft.connection;
    if (!connection) continue;
    const use = uses.get(connection.scheme) ?? { auth: connection.auth, scopes: [], origins: [], operations: 0 };
    use.operations++;
    for (const scope of connection.scopes) if (!use.scopes.includes(scope)) use.scopes.push(scope);
    const origin = originOf(draft.tool.endpoint_url ?? "");
    if (origin !== null && !use.origins.includes(origin)) use.origins.push(origin);
    uses.set(connection.scheme, use);
  }
  return uses;
}

/** `<title>_<scheme>` in name characters, such as `Petstore_api_key`; the scheme alone when there is no title. */
export function derivedName(title: string | null, scheme: string): string {
  const clean = (text: string) => text.replace(/[^A-Za-z0-9_-]+/g, "_").replace(/^_+|_+$/g, "");
  const own = clean(scheme) || "auth";
  const head = title ? clean(title).slice(0, 63 - own.length) : "";
  return (head ? `${head}_${own}` : own).slice(0, 64);
}

async function existing(env: Env, scheme: string, id: string, use: SchemeUse): Promise<SchemePlan> {
  let view: ConnectionView;
  try {
    view = await getConnectionView(drizzle(env.DB), id);
  } catch (err) {
    if (!(err instanceof AppError) || err.status !== 404) throw err;
    const message = `There is no connection with id "${id}": pick one from GET /connections, or leave the scheme out to create one.`;
    throw validationError("connection_not_found", message, [
      { path: `/connections/${pointerToken(scheme)}/connection_id`, message },
    ]);
  }
  const shown = presentConnection(view);
  return {
    kind: "use",
    connection: view.row,
    result: {
      security_scheme: scheme,
      status: "existing",
      id: view.row.id,
      name: view.row.name,
      auth_config: shown.auth_config,
      allowed_origins: view.row.allowedOrigins,
      connection_status: shown.status,
      needs: needsOf(view.row, shown.status),
      operations: use.operations,
    },
  };
}

async function created(
  env: Env,
  scheme: string,
  name: string,
  use: SchemeUse,
  choice: ImportConnectionChoice,
  outbound: OutboundSettings,
  dryRun: boolean,
): Promise<SchemePlan> {
  const identity = use.auth.type === "basic" || use.auth.type === "oauth2" ? IDENTITY_FIELD[use.auth.type] : null;
  const missingIdentity = identity !== null && choice[identity] === undefined ? [identity] : [];
  // A stand-in lets a dry run (or the check before a refusal) validate everything else about the connection.
  const input: ConnectionInput = {
    name,
    description: `Created by importing the OpenAPI security scheme "${scheme}".`,
    auth_config: connectionAuth(use, {
      ...choice,
      username: choice.username ?? "username",
      client_id: choice.client_id ?? "client-id",
    }),
    allowed_origins: use.origins,
  };
  const base = {
    security_scheme: scheme,
    name,
    allowed_origins: use.origins,
    operations: use.operations,
  };
  const parsed = ConnectionInputSchema.safeParse(input);
  if (!parsed.success) return invalid(base, scheme, issuesToFieldErrors(parsed.error.issues));
  let def: ConnectionDefinition;
  try {
    def = normalizeConnection(parsed.data, outbound);
  } catch (err) {
    if (!(err instanceof AppError) || err.status !== 422) throw err;
    const errors = err.extensions.errors;
    return invalid(
      base,
      scheme,
      Array.isArray(errors) ? (errors as ProblemFieldError[]) : [{ path: "", message: err.detail }],
    );
  }
  const secretsSet = Object.keys(def.providedSecrets).sort();
  const needs = [
    ...missingIdentity,
    ...requiredConnectionSecrets(def.authParams).filter((f) => !secretsSet.includes(f)),
    ...(isAuthorizationCode(use.auth) ? ["authorization"] : []),
  ];
  const authShown = withoutSecrets(parsed.data.auth_config, secretsSet, missingIdentity);
  if (missingIdentity.length > 0 && !dryRun)
    return {
      kind: "skip",
      reason: "connection_incomplete",
      detail: `Its security scheme "${scheme}" needs a connection, and a ${use.auth.type === "basic" ? "Basic connection needs a username" : "OAuth2 connection needs your client_id at the provider"}: send connections.${scheme}.${identity}, or connections.${scheme}.connection_id to use a connection you have.`,
      result: {
        ...base,
        status: "skipped",
        auth_config: authShown,
        needs,
        detail: "Not created: see the operations' detail.",
      },
    };
  if (dryRun)
    return {
      kind: "use",
      connection: null,
      result: { ...base, status: "would_create", auth_config: authShown, needs },
    };
  let view: ConnectionView;
  try {
    view = await createConnection(env, parsed.data);
  } catch (err) {
    if (!(err instanceof AppError) || err.status !== 409) throw err;
    return invalid(base, scheme, [{ path: `/connections/${pointerToken(scheme)}/name`, message: err.detail }]);
  }
  const shown = presentConnection(view);
  return {
    kind: "use",
    connection: view.row,
    result: {
      ...base,
      status: "created",
      id: view.row.id,
      name: view.row.name,
      auth_config: shown.auth_config,
      connection_status: shown.status,
      needs: needsOf(view.row, shown.status),
    },
  };
}

function invalid(
  base: Pick<ImportConnection, "security_scheme" | "name" | "allowed_origins" | "operations">,
  scheme: string,
  errors: ProblemFieldError[],
): SchemePlan {
  const words = errors.map((e) => `${e.path ? `${e.path}: ` : ""}${e.message}`).join("; ");
  return {
    kind: "skip",
    reason: "invalid_connection",
    detail: `The connection for its security scheme "${scheme}" is not valid (${words}). Fix it in connections.${scheme}, or send connections.${scheme}.connection_id to use a connection you have.`,
    errors,
    result: { ...base, status: "skipped", needs: [], detail: words, errors },
  };
}

/** The scheme as POST /connections' auth_config, with what the caller sent for it. */
function connectionAuth(
  use: SchemeUse,
  choice: ImportConnectionChoice & { username: string; client_id: string },
): ConnectionAuthConfigInput {
  const scope = use.scopes.length > 0 ? { scope: use.scopes.join(" ") } : {};
  const secret = <K extends string>(field: K, value: string | undefined) =>
    (value !== undefined ? { [field]: value } : {}) as Partial<Record<K, string>>;
  const auth = use.auth;
  switch (auth.type) {
    case "api_key":
      return { ...auth, ...secret("value", choice.value) };
    case "bearer_token":
      return { type: "bearer_token", ...secret("token", choice.token) };
    case "basic":
      return { type: "basic", username: choice.username, ...secret("password", choice.password) };
    case "oauth2":
      return {
        ...auth,
        client_id: choice.client_id,
        ...scope,
        client_auth_method: "client_secret_basic",
        ...secret("client_secret", choice.client_secret),
      };
  }
}

function isAuthorizationCode(auth: SchemeConnection["auth"]): boolean {
  return auth.type === "oauth2" && auth.grant_type === "authorization_code";
}

/** The auth config as a dry run shows it: no secret values, no stand-ins, and which secrets were sent. */
function withoutSecrets(
  auth: ConnectionAuthConfigInput,
  secretsSet: string[],
  standIns: string[],
): ImportConnection["auth_config"] {
  const { token: _t, value: _v, password: _p, client_secret: _s, ...kept } = auth as Record<string, unknown>;
  for (const field of standIns) delete kept[field];
  return { ...kept, secrets_set: secretsSet } as ImportConnection["auth_config"];
}

function needsOf(row: ConnectionRow, status: string): string[] {
  return [...missingConnectionSecrets(row), ...(status === "needs_authorization" ? ["authorization"] : [])];
}
