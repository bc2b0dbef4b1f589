/**
 * `POST /connections/{id}/authorize`: starts an OAuth2 authorization-code
 * flow for a program, which hands the URL to a person (src/registry/oauth-flow.ts).
 * The person's browser comes back to `GET /oauth/callback`, a page
 * (src/ui/oauth-callback.tsx), not part of this JSON API.
 */
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { scoped } from "../access/middleware";
import type { AppBindings } from "../env";
import { CALLBACK_PATH, startAuthorization } from "../registry/oauth-flow";
import { OAUTH_STATE_TTL_MS } from "../registry/oauth-states";
import { problemsWith } from "./openapi";
import { IdParam } from "./schemas";

export const connectionAuthorizeApi = new OpenAPIHono<AppBindings>();

const Authorization = z
  .object({
    authorization_url: z.string().openapi({
      description:
        "Open this in a browser: the provider's sign-in and consent page. It carries a single-use `state` and a PKCE S256 challenge.",
    }),
    redirect_uri: z.string().openapi({
      description: `Where the provider sends the browser back: \`<PUBLIC_BASE_URL>${CALLBACK_PATH}\`, or the origin of this request when PUBLIC_BASE_URL is not set. It must be registered at the provider exactly.`,
    }),
    expires_at: z.string().openapi({ description: "ISO 8601: the flow must be completed by then (10 minutes)." }),
  })
  .openapi("ConnectionAuthorization");

const authorizeRoute = createRoute({
  method: "post",
  path: "/connections/{id}/authorize",
  operationId: "authorizeConnection",
  tags: ["Connections"],
  summary: "Start connecting an OAuth2 authorization-code connection",
  description: `Answers the URL of the provider's consent page. Whoever opens it signs in at the provider; the provider then redirects the browser to \`${CALLBACK_PATH}\`, where toolgate exchanges the code (with the PKCE verifier), stores the tokens sealed, and shows **Connected** with the granted scopes and account. A flow started here has no browser to bind, so it completes with its \`state\` alone, which works once and for 10 minutes: hand the URL only to the person who should connect their account. Connecting again replaces the previous grant.`,
  ...scoped("connections:write"),
  request: { params: IdParam },
  responses: {
    200: { description: "The flow is started.", content: { "application/json": { schema: Authorization } } },
    ...problemsWith(
      {
        404: "There is no such connection (`connection_not_found`).",
        409: "The connection is not an OAuth2 authorization-code connection (`not_authorization_code`).",
        500: "The encryption keyring or PUBLIC_BASE_URL is missing or malformed.",
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

connectionAuthorizeApi.openapi(authorizeRoute, async (c) => {
  const started = await startAuthorization(c.env, {
    connectionId: c.req.valid("param").id,
    principal: c.get("principal"),
    requestUrl: c.req.url,
    browser: false,
  });
  c.header("Cache-Control", "no-store");
  return c.json(
    {
      authorization_url: started.authorizationUrl,
      redirect_uri: started.redirectUri,
      expires_at: new Date(Date.now() + OAUTH_STATE_TTL_MS).toISOString(),
    },
    200,
  );
});
