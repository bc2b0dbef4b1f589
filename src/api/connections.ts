/**
 * /connections: credentials made once and used by many tools. CRUD with
 * ETag/If-Match like /tools, and a test that sends the credential. Each
 * route's definition sits beside its handler; the rules are in
 * src/registry/connection-writes.ts, the test in src/engine/connection-test.ts.
 */
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { drizzle } from "drizzle-orm/d1";
import { scoped } from "../access/middleware";
import { testAndRecord } from "../engine/connection-test";
import type { AppBindings } from "../env";
import { createConnection, removeConnection, replaceConnectionDefinition } from "../registry/connection-writes";
import { getConnectionView, listConnectionViews } from "../registry/connections";
import { presentConnection } from "../registry/present-connection";
import { etagMatches, etagOf } from "../registry/present";
import { Connection, ConnectionInput, ConnectionList, ConnectionTestResult } from "./connection-schemas";
import { problems, problemsWith } from "./openapi";
import { decodeCursor, pageOf } from "./pagination";
import { IdParam, ListQuery } from "./schemas";

export const connectionsApi = new OpenAPIHono<AppBindings>();

const jsonBody = <T extends z.ZodType>(schema: T) => ({
  required: true,
  content: { "application/json": { schema } },
});

const ETagHeader = z.string().openapi({ description: "The connection's version, quoted." });

const connectionResponse = (description: string) => ({
  description,
  headers: z.object({ ETag: ETagHeader }),
  content: { "application/json": { schema: Connection } },
});

const CONNECTION_409 = "A connection with this name already exists (`connection_name_taken`).";

const createConnectionRoute = createRoute({
  method: "post",
  path: "/connections",
  operationId: "createConnection",
  tags: ["Connections"],
  summary: "Create a connection",
  description:
    "Stores a credential that tools use with `connection_id`. Secrets may be left out: the connection is then `needs_secret` until they are sent with PUT. Secret values are never returned.",
  ...scoped("connections:write"),
  request: { body: jsonBody(ConnectionInput) },
  responses: {
    201: {
      ...connectionResponse("The connection, as stored."),
      headers: z.object({ ETag: ETagHeader, Location: z.string().openapi({ description: "/connections/{id}" }) }),
    },
    ...problemsWith({ 409: CONNECTION_409 }, 400, 401, 403, 409, 413, 415, 422, 500),
  },
});

connectionsApi.openapi(createConnectionRoute, async (c) => {
  const view = await createConnection(c.env, c.req.valid("json"));
  c.header("ETag", etagOf(view.row));
  c.header("Location", `/connections/${view.row.id}`);
  return c.json(presentConnection(view), 201);
});

const listConnectionsRoute = createRoute({
  method: "get",
  path: "/connections",
  operationId: "listConnections",
  tags: ["Connections"],
  summary: "List connections, oldest first",
  ...scoped("connections:read"),
  request: { query: ListQuery },
  responses: {
    200: { description: "A page of connections.", content: { "application/json": { schema: ConnectionList } } },
    ...problems(400, 401, 403, 422, 500),
  },
});

connectionsApi.openapi(listConnectionsRoute, async (c) => {
  const { limit, cursor } = c.req.valid("query");
  const views = await listConnectionViews(drizzle(c.env.DB), limit, decodeCursor(cursor));
  const page = pageOf(
    views.map((view) => ({ ...view, id: view.row.id })),
    limit,
    (view) => view.row.createdAt,
    presentConnection,
  );
  return c.json(page, 200);
});

const getConnectionRoute = createRoute({
  method: "get",
  path: "/connections/{id}",
  operationId: "getConnection",
  tags: ["Connections"],
  summary: "Get a connection",
  ...scoped("connections:read"),
  request: { params: IdParam },
  responses: { 200: connectionResponse("The connection."), ...problems(401, 403, 404, 422, 500) },
});

connectionsApi.openapi(getConnectionRoute, async (c) => {
  const view = await getConnectionView(drizzle(c.env.DB), c.req.valid("param").id);
  c.header("ETag", etagOf(view.row));
  return c.json(presentConnection(view), 200);
});

const replaceConnectionRoute = createRoute({
  method: "put",
  path: "/connections/{id}",
  operationId: "replaceConnection",
  tags: ["Connections"],
  summary: "Replace a connection",
  description:
    "Replaces the whole connection and increments `version`. Secret fields left out keep their stored values only if nothing that decides where they are sent changed (the auth type, grant type, allowed_origins, token or authorization URL, client_id, client_auth_method, scope, audience, the API key's location and name, the Basic username); otherwise they must be sent again (422 `secrets_required`, naming what changed). A new secret is used by every tool from its next execution on. `allowed_origins` must keep every origin a tool that uses the connection calls (422 `origins_in_use`, naming the tools). Send `If-Match` with the ETag you read to avoid overwriting someone else's change.",
  ...scoped("connections:write"),
  request: {
    params: IdParam,
    headers: z.object({ "if-match": z.string().optional().openapi({ description: "The ETag from a previous read." }) }),
    body: jsonBody(ConnectionInput),
  },
  responses: {
    200: connectionResponse("The connection, as stored."),
    ...problemsWith(
      {
        409: `${CONNECTION_409} Or tools that use it kept changing while it was saved (\`concurrent_change\`): save again.`,
      },
      400,
      401,
      403,
      404,
      409,
      412,
      413,
      415,
      422,
      500,
    ),
  },
});

connectionsApi.openapi(replaceConnectionRoute, async (c) => {
  const ifMatch = c.req.valid("header")["if-match"];
  const view = await replaceConnectionDefinition(
    c.env,
    c.req.valid("param").id,
    c.req.valid("json"),
    (version) => ifMatch === undefined || etagMatches(ifMatch, version),
  );
  c.header("ETag", etagOf(view.row));
  return c.json(presentConnection(await getConnectionView(drizzle(c.env.DB), view.row.id)), 200);
});

const deleteConnectionRoute = createRoute({
  method: "delete",
  path: "/connections/{id}",
  operationId: "deleteConnection",
  tags: ["Connections"],
  summary: "Delete a connection",
  description:
    "Deletes the connection, its secrets and its token state. A connection that tools use is not deleted: 409 `connection_in_use` names them (`tools`).",
  ...scoped("connections:write"),
  request: { params: IdParam },
  responses: {
    204: { description: "Deleted." },
    ...problemsWith(
      {
        409: "Tools use the connection (`connection_in_use`): `tools` lists them (id and name), `tools_count` counts them.",
      },
      401,
      403,
      404,
      409,
      422,
      500,
    ),
  },
});

connectionsApi.openapi(deleteConnectionRoute, async (c) => {
  await removeConnection(c.env, c.req.valid("param").id);
  return c.body(null, 204);
});

const testConnectionRoute = createRoute({
  method: "post",
  path: "/connections/{id}/test",
  operationId: "testConnection",
  tags: ["Connections"],
  summary: "Test a connection's credential",
  description:
    "OAuth2 client credentials: requests a fresh token (and caches it), then sends `test_request` with it when there is one. Bearer, API key and Basic: sends `test_request` with the credential; 2xx means it works. The answer says whether it worked, the status and the latency, never a secret or a response body. A failure of the credential itself (token refused, 401, 403) sets the connection's status to `error`; a success clears it.",
  ...scoped("connections:write"),
  request: { params: IdParam },
  responses: {
    200: {
      description: "What the test found, whether the credential worked or not.",
      content: { "application/json": { schema: ConnectionTestResult } },
    },
    ...problemsWith(
      {
        409: "The connection is not ready (`connection_not_ready`): a secret is not set, or it is not signed in to its provider; `detail` says what to do.",
        422: "The connection has no `test_request` to send its credential to (`test_request_missing`): add one with PUT.",
        500: "The keyring is missing or malformed, the connection's secrets cannot be opened (`secrets_unavailable`), or an unexpected error.",
      },
      401,
      403,
      404,
      409,
      422,
      500,
    ),
  },
});

connectionsApi.openapi(testConnectionRoute, async (c) => {
  const { result } = await testAndRecord(c.env, c.req.valid("param").id, (work) => c.executionCtx.waitUntil(work));
  return c.json(result, 200);
});
