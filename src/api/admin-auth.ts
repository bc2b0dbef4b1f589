/**
 * Bearer authentication for the management and execution API. The token is
 * compared in constant time; without a configured ADMIN_TOKEN every request
 * is refused.
 */
import type { MiddlewareHandler } from "hono";
import type { AppBindings } from "../env";
import { AppError } from "../problem";

export function requireAdminToken(): MiddlewareHandler<AppBindings> {
  return async function requireAdminTokenMiddleware(c, next) {
    const expected = c.env.ADMIN_TOKEN;
    if (!expected)
      throw new AppError(
        500,
        "admin_token_not_configured",
        "ADMIN_TOKEN is not set, so the API refuses every request. Set it as a Worker secret.",
      );
    const header = c.req.header("authorization") ?? "";
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (!match || !(await constantTimeEqual(match[1] as string, expected)))
      throw new AppError(
        401,
        "unauthorized",
        "Send Authorization: Bearer <token> with a valid token.",
        {},
        { "www-authenticate": 'Bearer realm="toolgate"' },
      );
    await next();
  };
}

/** Compares digests, so neither the length nor a prefix of the expected token leaks through timing. */
async function constantTimeEqual(given: string, expected: string): Promise<boolean> {
  const encoder = new TextEncoder();
  const [a, b] = await Promise.all([
    crypto.subtle.digest("SHA-256", encoder.encode(given)),
    crypto.subtle.digest("SHA-256", encoder.encode(expected)),
  ]);
  return crypto.subtle.timingSafeEqual(a, b);
}
