/**
 * Security headers on every response the Worker makes: API JSON, problem+json
 * errors (404, 405, 413, 500 included), /openapi.json, /docs, /mcp and the web
 * UI. app.ts registers this first, so every later middleware, route and the
 * error handlers run inside it and nothing answers without these headers.
 *
 * Static files (public/) are served before the Worker runs; public/_headers
 * gives them the same headers (test/e2e/security-headers.e2e.ts compares them).
 *
 * hono/secure-headers fixes its Content-Security-Policy before the handler
 * runs, so it cannot give an HTML page and a JSON body different policies;
 * this sets a short fixed list after the response exists instead.
 */
import type { MiddlewareHandler } from "hono";

/**
 * For HTML (the UI and /docs): scripts, styles, images and requests from this
 * origin only, no inline script, no framing, forms post only here. Swagger UI
 * needs nothing more: its bundle and bootstrap are files under /docs/assets,
 * and its icons are data: images.
 */
export const PAGE_CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

/** For everything else (JSON, problem+json, event streams, static files): a body that loads nothing and cannot be framed. */
export const RESOURCE_CSP = "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'";

/** The headers every response carries, whatever its type. */
export const COMMON_SECURITY_HEADERS: Readonly<Record<string, string>> = {
  "X-Content-Type-Options": "nosniff",
  // Not no-referrer: with it, browsers send `Origin: null` on form posts, which the UI's CSRF check refuses.
  "Referrer-Policy": "same-origin",
  // For browsers that predate frame-ancestors.
  "X-Frame-Options": "DENY",
  "Cross-Origin-Opener-Policy": "same-origin",
  "Cross-Origin-Resource-Policy": "same-origin",
  "Strict-Transport-Security": "max-age=15552000; includeSubDomains",
};

/** The Content-Security-Policy for a response of this Content-Type. */
export function contentSecurityPolicyFor(contentType: string | null): string {
  return /^\s*text\/html\b/i.test(contentType ?? "") ? PAGE_CSP : RESOURCE_CSP;
}

export function securityHeaders(): MiddlewareHandler {
  return async function securityHeadersMiddleware(c, next) {
    await next();
    try {
      applySecurityHeaders(c.res.headers);
    } catch {
      // A Response whose headers are immutable (one passed through from fetch()): copy it, then set them.
      c.res = new Response(c.res.body, c.res);
      applySecurityHeaders(c.res.headers);
    }
  };
}

function applySecurityHeaders(headers: Headers): void {
  for (const [name, value] of Object.entries(COMMON_SECURITY_HEADERS)) headers.set(name, value);
  headers.set("Content-Security-Policy", contentSecurityPolicyFor(headers.get("content-type")));
}
