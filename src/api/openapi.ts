/** Shared pieces of route definitions: the problem responses. Scopes come from src/access/middleware.ts. */
import { z } from "@hono/zod-openapi";
import { ProblemSchema } from "./schemas";

const RetryAfterHeader = z.string().openapi({ description: "Seconds to wait before trying again." });

const DESCRIPTIONS: Record<number, string> = {
  400: "Malformed JSON (`malformed_json`), JSON nested more than 128 levels (`json_too_deep`), or an invalid cursor (`invalid_cursor`).",
  401: "Missing, unknown or revoked bearer token (`unauthorized`), or an ADMIN_TOKEN shorter than 32 characters, which is never accepted (`admin_token_too_short`).",
  403: "The API key lacks the scope this operation needs (`insufficient_scope`, with `required_scope`).",
  404: "Not found.",
  409: "A tool with this name already exists.",
  412: "If-Match does not match the current version.",
  413: "The request body is larger than 1 MiB.",
  415: "The request body is not JSON.",
  422: "The request is well-formed but not valid; `errors` lists each problem with its path.",
  429: "Too many failed authentications from this client address (`too_many_failed_attempts`); `Retry-After` says how many seconds to wait.",
  500: "A server-side failure: the encryption keyring missing or malformed, an unexpected error, or (for execute) an output that fails its schema or secrets that cannot be opened.",
  502: "The upstream API or its OAuth2 token endpoint failed.",
  504: "The upstream API did not answer within the tool's timeout.",
};

/** What execute's 403 also covers. */
/** An execute's 409: its connection (docs/connections.md). */
export const EXECUTE_409 =
  "The tool's connection is not ready (`connection_not_ready`: a secret is missing, or it needs signing in again; `connection_status` says which), or it was changed while this call started (`concurrent_change`): run the tool again. Nothing was sent to the API.";
export const EXECUTE_403 = `${DESCRIPTIONS[403]} Or the outbound policy refused a request (\`outbound_blocked\`): a private, local or metadata host, plain http, or a redirect there. Nothing was sent to it.`;

/** Problem+json responses for the given statuses, for a route's `responses`. */
export function problems(...statuses: number[]) {
  return problemsWith({}, ...statuses);
}

/**
 * The same, with some descriptions replaced. A route that authenticates (401)
 * also answers 429: failed authentications are throttled (src/access/throttle.ts).
 */
export function problemsWith(overrides: Record<number, string>, ...statuses: number[]) {
  const all = statuses.includes(401) && !statuses.includes(429) ? [...statuses, 429] : statuses;
  return Object.fromEntries(
    all.map((status) => [
      status,
      {
        description: overrides[status] ?? DESCRIPTIONS[status] ?? "Error.",
        ...(status === 429 ? { headers: z.object({ "Retry-After": RetryAfterHeader }) } : {}),
        content: { "application/problem+json": { schema: ProblemSchema } },
      },
    ]),
  );
}
