/**
 * Authentication and authorization for the API, as Hono middleware.
 *
 * - `authenticate()` guards whole prefixes: a request without a valid bearer
 *   token gets 401 before routing, so unknown paths reveal nothing either.
 * - `scoped(scope)` goes into a route's definition. It declares the scope in
 *   the OpenAPI document (`security: [{ bearerAuth: [scope] }]`, OpenAPI 3.1
 *   allows scopes for any scheme, and `x-required-scopes`) and enforces that
 *   same scope (403 `insufficient_scope`), so the two cannot drift apart.
 *
 * 401 and 403 follow RFC 6750 section 3: `WWW-Authenticate` carries
 * `error="invalid_token"` when a token was sent but is not valid, and
 * `error="insufficient_scope"` with the scope needed.
 */
import type { Context, MiddlewareHandler } from "hono";
import type { AppBindings } from "../env";
import { AppError } from "../problem";
import { resolvePrincipal, type Principal } from "./principal";
import type { Scope } from "./scopes";

const REALM = 'Bearer realm="toolgate"';

/** What a route adds to bearer authentication: /mcp also takes OAuth access tokens (src/oauth/bearer.ts). */
export interface BearerOptions {
  /** Tried when the token is neither ADMIN_TOKEN nor an API key. */
  resolveOther?: (c: Context<AppBindings>, token: string) => Promise<Principal | null>;
  /** Parameters every 401 challenge adds after the realm, such as RFC 9728's `resource_metadata`; "" for none. */
  challenge?: (c: Context<AppBindings>) => string;
}

export function authenticate(options: BearerOptions = {}): MiddlewareHandler<AppBindings> {
  return async function authenticateMiddleware(c, next) {
    await principalOf(c, options);
    await next();
  };
}

export function requireScope(scope: Scope): MiddlewareHandler<AppBindings> {
  return async function requireScopeMiddleware(c, next) {
    assertScope(await principalOf(c), scope);
    await next();
  };
}

/** 403 `insufficient_scope` unless the principal holds `scope` (the API's routes and the UI's actions). */
export function assertScope(principal: Principal, scope: Scope): void {
  if (!principal.scopes.includes(scope))
    throw new AppError(
      403,
      "insufficient_scope",
      `This operation needs the ${scope} scope, which this API key does not have.`,
      { required_scope: scope },
      { "www-authenticate": `${REALM}, error="insufficient_scope", scope="${scope}"` },
    );
}

/** What a route definition spreads in: its scope, declared and enforced. */
export function scoped(scope: Scope) {
  return {
    security: [{ bearerAuth: [scope] }],
    "x-required-scopes": [scope],
    middleware: [requireScope(scope)],
  };
}

/** The request's principal, authenticating once per request. */
async function principalOf(c: Context<AppBindings>, options: BearerOptions = {}): Promise<Principal> {
  const known = c.get("principal");
  if (known) return known;
  const challenge = () => {
    const extra = options.challenge?.(c);
    return extra ? `${REALM}, ${extra}` : REALM;
  };
  const match = /^Bearer\s+(\S+)\s*$/i.exec(c.req.header("authorization") ?? "");
  if (!match) throw unauthorized(challenge());
  const token = match[1] as string;
  const defer = (work: Promise<unknown>) => c.executionCtx.waitUntil(work.catch(logDeferredFailure));
  const principal = (await resolvePrincipal(c.env, token, defer)) ?? (await options.resolveOther?.(c, token)) ?? null;
  if (!principal) throw unauthorized(`${challenge()}, error="invalid_token"`);
  c.set("principal", principal);
  return principal;
}

function unauthorized(challenge: string): AppError {
  return new AppError(
    401,
    "unauthorized",
    "Send Authorization: Bearer <token> with a valid token: ADMIN_TOKEN, or an API key that is not revoked.",
    {},
    { "www-authenticate": challenge },
  );
}

function logDeferredFailure(err: unknown): void {
  console.error(JSON.stringify({ msg: "recording API key use failed", name: (err as Error)?.name }));
}
