/** Refuses JSON request bodies nested deeper than MAX_JSON_DEPTH, before anything parses them. */
import type { MiddlewareHandler } from "hono";
import { isJsonContentType } from "../encoding";
import { jsonDepthExceeds, MAX_JSON_DEPTH } from "../json-depth";
import { AppError } from "../problem";

export function limitJsonDepth(options: { maxDepth?: number } = {}): MiddlewareHandler {
  const maxDepth = options.maxDepth ?? MAX_JSON_DEPTH;
  return async function limitJsonDepthMiddleware(c, next) {
    const contentType = c.req.header("content-type") ?? "";
    if (c.req.method !== "GET" && c.req.method !== "HEAD" && isJsonContentType(contentType)) {
      // Hono keeps the text, so the route's validator parses it without reading the body again.
      if (jsonDepthExceeds(await c.req.text(), maxDepth))
        throw new AppError(
          400,
          "json_too_deep",
          `The request body nests arrays and objects deeper than ${maxDepth} levels.`,
        );
    }
    await next();
  };
}
