import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import type { ContentfulStatusCode } from "hono/utils/http-status";

/**
 * RFC 9457 problem details. Every error this service answers with has this
 * shape, a stable machine-readable `code`, and never an exception message or
 * stack trace that was not written for the client.
 */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  errors?: ProblemFieldError[];
  [extension: string]: unknown;
}

export interface ProblemFieldError {
  /** JSON Pointer into the request (for example `/input_schema/type` or `/input/age`). */
  path: string;
  message: string;
  keyword?: string;
}

const TITLES: Record<number, string> = {
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  405: "Method Not Allowed",
  409: "Conflict",
  412: "Precondition Failed",
  413: "Content Too Large",
  415: "Unsupported Media Type",
  422: "Unprocessable Content",
  429: "Too Many Requests",
  500: "Internal Server Error",
  502: "Bad Gateway",
  504: "Gateway Timeout",
};

/** One JSON Pointer reference token (RFC 6901): `~` and `/` escaped. */
export function pointerToken(token: string | number): string {
  return String(token).replaceAll("~", "~0").replaceAll("/", "~1");
}

/** Schema issues (zod's `{ path, message }`) as problem field errors, their paths as JSON Pointers under `prefix`. */
export function issuesToFieldErrors(
  issues: readonly { path: readonly PropertyKey[]; message: string }[],
  prefix = "",
): ProblemFieldError[] {
  return issues.map((issue) => ({
    path: prefix + issue.path.map((p) => `/${pointerToken(String(p))}`).join(""),
    message: issue.message,
  }));
}

export const PROBLEM_CONTENT_TYPE = "application/problem+json";

/** A failure the client is meant to see. Thrown anywhere; turned into problem+json by `onError`. */
export class AppError extends Error {
  constructor(
    readonly status: ContentfulStatusCode,
    readonly code: string,
    readonly detail: string,
    readonly extensions: Record<string, unknown> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(detail);
    this.name = "AppError";
  }

  toProblem(): Problem {
    return {
      type: `https://toolgate.dev/problems/${this.code.replaceAll("_", "-")}`,
      title: TITLES[this.status] ?? "Error",
      status: this.status,
      detail: this.detail,
      code: this.code,
      ...this.extensions,
    };
  }
}

export function problemResponse(problem: Problem, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(problem), {
    status: problem.status,
    headers: { "content-type": PROBLEM_CONTENT_TYPE, ...headers },
  });
}

export function validationError(code: string, detail: string, errors: ProblemFieldError[]): AppError {
  return new AppError(422, code, detail, { errors });
}

/**
 * The single error handler. Known errors keep their status and code; anything
 * else is logged server-side and answered with a generic 500.
 */
export function onError(err: Error, c: Context): Response {
  if (err instanceof AppError) return problemResponse(err.toProblem(), err.headers);
  if (err instanceof HTTPException) {
    // Hono and @hono/zod-openapi raise these for malformed JSON and a body
    // that is not JSON. Anything else falls through to the generic 500.
    if (err.status === 400)
      return problemResponse(new AppError(400, "malformed_json", "The request body is not valid JSON.").toProblem());
    if (err.status === 415)
      return problemResponse(
        new AppError(415, "unsupported_media_type", "Send the request body as application/json.").toProblem(),
      );
  }
  console.error(JSON.stringify({ msg: "unhandled error", path: new URL(c.req.url).pathname, name: err?.name }));
  return problemResponse(
    new AppError(500, "internal_error", "The server hit an unexpected error. It has been logged.").toProblem(),
  );
}

export function notFound(c: Context): Response {
  return problemResponse(
    new AppError(
      404,
      "route_not_found",
      `No route matches ${c.req.method} ${new URL(c.req.url).pathname}.`,
    ).toProblem(),
  );
}
