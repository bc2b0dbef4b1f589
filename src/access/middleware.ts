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
 * Failed authentications are throttled per client address (./throttle.ts):
 * 429 `too_many_failed_attempts` with Retry-After.
 *
 * 401 and 403 follow RFC 6750 section 3: `WWW-Authenticate` carries
 * `error="invalid_token"` when a token was sent but is not valid, and
 * `error="insufficient_scope"` with the scope needed.
 */
import type { Context, MiddlewareHandler } from "hono";
import type { AppBindings } from "../env";
import { AppError } from "../problem";
import { MIN_ADMIN_TOKEN_LENGTH, resolvePrincipal, type Principal } from "./principal";
import type { Scope } from "./scopes";
import { clientAddress, lockoutSeconds, recordFailedAuthentication, tooManyFailedAttempts } from "./throttle";

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

/**
 * The request's principal, authenticating once per request. A token that is
 * refused counts against the client address (./throttle.ts); an address with
 * too many such failures gets 429 before its token is even looked at.
 */
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
  const address = clientAddress(c.req.raw);
  const lockedOut = lockoutSeconds(c.env, address);
  if (lockedOut !== null) throw tooManyFailedAttempts(lockedOut);
  const defer = (work: Promise<unknown>) => c.executionCtx.waitUntil(work.catch(logDeferredFailure));
  const verdict = await resolvePrincipal(c.env, token, defer);
  if (verdict.ok) {
    c.set("principal", verdict.principal);
    return verdict.principal;
  }
  switch (verdict.reason) {
    case "admin_token_too_short":
      throw adminTokenTooShort();
    case "unknown_token": {
      const other = await options.resolveOther?.(c, token);
      if (other) {
        c.set("principal", other);
        return other;
      }
      const wait = await recordFailedAuthentication(c.env, address);
      throw wait === null ? unauthorized(`${challenge()}, error="invalid_token"`) : tooManyFailedAttempts(wait);
    }
  }
}

/** The operator's ADMIN_TOKEN is too short: say so, and how to set another, never the token. */
function adminTokenTooShort(): AppError {
  return new AppError(
    401,
    "admin_token_too_short",
    `This is ADMIN_TOKEN, but it is shorter than ${MIN_ADMIN_TOKEN_LENGTH} characters, so it is never accepted. Set a new one of at least ${MIN_ADMIN_TOKEN_LENGTH} random characters: \`openssl rand -base64 32 | npx wrangler secret put ADMIN_TOKEN\` (locally, \`npm run dev\` replaces a short one in .dev.vars). API keys keep working meanwhile.`,
    { min_length: MIN_ADMIN_TOKEN_LENGTH },
    { "www-authenticate": `${REALM}, error="invalid_token"` },
  );
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
