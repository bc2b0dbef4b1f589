/**
 * Builds the app: middleware, routers, the OpenAPI document, docs, and the
 * one error handler. Requests enter in src/index.ts and are routed here.
 */
import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import { bodyLimit } from "hono/body-limit";
import { authenticate } from "./access/middleware";
import { SCOPE_DESCRIPTIONS } from "./access/scopes";
import { adminApi } from "./api/admin";
import { apiKeysApi } from "./api/api-keys";
import { connectionsApi } from "./api/connections";
import { docsPage } from "./api/docs";
import { executionsApi } from "./api/executions";
import { exportsApi } from "./api/exports";
import { curlImportApi } from "./api/imports-curl";
import { MAX_IMPORT_BODY_BYTES, OPENAPI_IMPORT_PATH, openapiImportApi } from "./api/imports-openapi";
import { limitJsonDepth } from "./api/json-depth";
import { connectionAuthorizeApi } from "./api/connection-authorize";
import { schemaInferApi } from "./api/schemas-infer";
import { toolsApi } from "./api/tools";
import { d1Sessions } from "./db/session";
import { toolVersionsApi } from "./api/tool-versions";
import { mcpApi } from "./mcp/http";
import { oauthApi } from "./oauth/routes";
import { connectionOAuthPages } from "./ui/connection-oauth";
import { uiApp } from "./ui/routes";
import type { AppBindings } from "./env";
import { AppError, issuesToFieldErrors, notFound, onError, validationError } from "./problem";
import { publicBaseUrl } from "./public-base-url";
import { CALLBACK_PATH } from "./registry/oauth-flow";
import { securityHeaders } from "./security-headers";

export const MAX_BODY_BYTES = 1024 * 1024;
const PROTECTED_PATHS = [
  "/tools",
  "/tools/*",
  "/connections",
  "/connections/*",
  "/executions",
  "/executions/*",
  "/exports/*",
  "/api-keys",
  "/api-keys/*",
  "/admin/*",
  "/imports/*",
  "/schemas/*",
];

const healthRoute = createRoute({
  method: "get",
  path: "/health",
  operationId: "getHealth",
  tags: ["Service"],
  summary: "Liveness check (public)",
  security: [],
  responses: {
    200: {
      description: "The Worker is serving requests.",
      content: { "application/json": { schema: z.object({ status: z.literal("ok") }) } },
    },
  },
});

/**
 * Browser pages read the primary: a browser carries no D1 bookmark from page
 * to page. The web UI, and the OAuth2 callback of connections, which reads the
 * flow its sign-in started a moment ago (a replica may not have it yet).
 */
function isBrowserPage(path: string): boolean {
  return path === "/" || path === "/ui" || path.startsWith("/ui/") || path === CALLBACK_PATH;
}

export function buildApp() {
  const app = new OpenAPIHono<AppBindings>({
    // One shape for every request that fails its schema: 422 with a JSON Pointer per problem.
    defaultHook: (result) => {
      if (result.success) return;
      const where = result.target === "json" ? "" : `/${result.target}`;
      throw validationError(
        "invalid_request",
        `The request ${result.target === "json" ? "body" : result.target} is not valid.`,
        issuesToFieldErrors(result.error.issues, where),
      );
    },
  });

  app.onError(onError);
  app.notFound(notFound);

  // First, so that every response passes through it: routes, errors, 404s, the UI, /mcp.
  app.use("*", securityHeaders());
  const defaultLimit = bodyLimit({
    maxSize: MAX_BODY_BYTES,
    onError: () => {
      throw new AppError(413, "body_too_large", "The request body is larger than 1 MiB.");
    },
  });
  // An OpenAPI import carries a whole document (GitHub's is 13 MB): that one route has a limit of its own.
  const importLimit = bodyLimit({
    maxSize: MAX_IMPORT_BODY_BYTES,
    onError: () => {
      throw new AppError(
        413,
        "body_too_large",
        `The request body is larger than ${MAX_IMPORT_BODY_BYTES / 1024 / 1024} MiB: import the document in parts, with operation_ids, or from a URL with document_url.`,
      );
    },
  });
  app.use("*", (c, next) => (c.req.path === OPENAPI_IMPORT_PATH ? importLimit(c, next) : defaultLimit(c, next)));
  // Every path under these needs a valid token, known route or not; each
  // route then checks its own scope (src/access/middleware.ts).
  for (const path of PROTECTED_PATHS) app.use(path, authenticate());
  // After authentication, which reads API keys from the primary (and caches them per isolate).
  app.use("*", d1Sessions({ primaryPaths: isBrowserPage }));
  app.use("*", limitJsonDepth());

  app.openapi(healthRoute, (c) => c.json({ status: "ok" as const }, 200));

  app.route("/", toolsApi);
  app.route("/", toolVersionsApi);
  app.route("/", connectionsApi);
  app.route("/", connectionAuthorizeApi);
  app.route("/", executionsApi);
  app.route("/", exportsApi);
  app.route("/", apiKeysApi);
  app.route("/", adminApi);
  app.route("/", curlImportApi);
  app.route("/", schemaInferApi);
  // MCP (JSON-RPC over Streamable HTTP): outside the OpenAPI document, same tokens and scopes.
  app.route("/", mcpApi);
  // OAuth for /mcp (src/oauth/): metadata, client registration, tokens; the consent page is in the UI.
  app.route("/", oauthApi);
  app.route("/", openapiImportApi);

  app.openAPIRegistry.registerComponent("securitySchemes", "bearerAuth", {
    type: "http",
    scheme: "bearer",
    description: `ADMIN_TOKEN (every scope) or an API key from POST /api-keys (the scopes it was created with). Each operation lists, in \`security\` and \`x-required-scopes\`, the one scope it needs. Scopes:\n\n${Object.entries(
      SCOPE_DESCRIPTIONS,
    )
      .map(([scope, text]) => `- \`${scope}\`: ${text}`)
      .join("\n")}`,
  });
  app.doc31("/openapi.json", (c) => ({
    openapi: "3.1.0",
    info: {
      title: "toolgate",
      version: "0.1.0",
      description:
        "A registry of HTTP API tools with encrypted credentials, and an engine that executes them with validated input and output. Errors are RFC 9457 problem+json with a stable `code`.",
    },
    // Relative unless configured: the document is served by the API it describes.
    servers: [{ url: publicBaseUrl(c.env) ?? "/" }],
  }));
  app.get("/docs", (c) => c.html(docsPage("/openapi.json")));

  // The web UI: / and /ui/* (src/ui/routes.tsx), with its own sessions and HTML error pages.
  app.route("/", uiApp);
  // Where a provider sends the browser back after an OAuth2 sign-in: a page, no bearer token.
  app.route("/", connectionOAuthPages);

  return app;
}
