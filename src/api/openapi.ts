/** Shared pieces of route definitions: the problem responses. Scopes come from src/access/middleware.ts. */
import { ProblemSchema } from "./schemas";

const DESCRIPTIONS: Record<number, string> = {
  400: "Malformed JSON (`malformed_json`), JSON nested more than 128 levels (`json_too_deep`), or an invalid cursor (`invalid_cursor`).",
  401: "Missing, unknown or revoked bearer token (`unauthorized`).",
  403: "The API key lacks the scope this operation needs (`insufficient_scope`, with `required_scope`).",
  404: "Not found.",
  409: "A tool with this name already exists.",
  412: "If-Match does not match the current version.",
  413: "The request body is larger than 1 MiB.",
  415: "The request body is not JSON.",
  422: "The request is well-formed but not valid; `errors` lists each problem with its path.",
  500: "A server-side failure: the encryption keyring missing or malformed, an unexpected error, or (for execute) an output that fails its schema or secrets that cannot be opened.",
  502: "The upstream API or its OAuth2 token endpoint failed.",
  504: "The upstream API did not answer within the tool's timeout.",
};

/** What execute's 403 also covers. */
export const EXECUTE_403 = `${DESCRIPTIONS[403]} Or the outbound policy refused a request (\`outbound_blocked\`): a private, local or metadata host, plain http, or a redirect there. Nothing was sent to it.`;

/** Problem+json responses for the given statuses, for a route's `responses`. */
export function problems(...statuses: number[]) {
  return problemsWith({}, ...statuses);
}

/** The same, with some descriptions replaced. */
export function problemsWith(overrides: Record<number, string>, ...statuses: number[]) {
  return Object.fromEntries(
    statuses.map((status) => [
      status,
      {
        description: overrides[status] ?? DESCRIPTIONS[status] ?? "Error.",
        content: { "application/problem+json": { schema: ProblemSchema } },
      },
    ]),
  );
}
