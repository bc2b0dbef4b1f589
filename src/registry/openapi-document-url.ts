/**
 * Fetching an OpenAPI document from a URL the caller gives (document_url):
 * through the outbound policy like every request toolgate sends, each
 * redirect hop included, with no credentials, a time limit and a size cap.
 * A URL the policy refuses, an unreachable host or a non-2xx answer is a 422
 * that says which, never the fetched body.
 */
import { readTextCapped } from "../engine/body";
import { sendFollowingRedirects } from "../engine/outbound/redirects";
import type { OutboundSettings } from "../engine/outbound/policy";
import { Redactor } from "../engine/redact";
import { MAX_DOCUMENT_CHARS } from "../imports/openapi-document";
import { validationError, type AppError } from "../problem";

/** How long fetching the document may take, headers and body together. */
export const DOCUMENT_FETCH_TIMEOUT_MS = 30_000;

/** No credentials go with a document fetch: nothing to attach, nothing to remove. */
const NO_CREDENTIALS = { apply() {}, remove() {} };

export async function fetchOpenApiDocument(url: string, outbound: OutboundSettings): Promise<string> {
  const signal = AbortSignal.timeout(DOCUMENT_FETCH_TIMEOUT_MS);
  const headers = new Headers({ accept: "application/json, application/yaml;q=0.9, */*;q=0.8" });
  let sent;
  try {
    sent = await sendFollowingRedirects(
      { method: "GET", url: new URL(url), headers, body: undefined },
      { outbound, signal, credentials: NO_CREDENTIALS, redactor: new Redactor() },
    );
  } catch {
    throw unreachable(
      url,
      signal.aborted
        ? `no answer within ${DOCUMENT_FETCH_TIMEOUT_MS / 1000} seconds`
        : "the request failed (DNS, TLS or connection)",
    );
  }
  if (!sent.ok)
    throw sent.kind === "outbound_blocked"
      ? validationError("document_url_blocked", `The outbound policy refuses document_url: ${sent.refusal.message}`, [
          { path: "/document_url", message: sent.refusal.message },
        ])
      : unreachable(url, `more than ${sent.redirects} redirects`);
  const { response } = sent;
  if (!response.ok) {
    await response.body?.cancel().catch(() => {});
    throw unreachable(url, `it answered HTTP ${response.status}`);
  }
  let text;
  try {
    text = await readTextCapped(response, MAX_DOCUMENT_CHARS, signal);
  } catch {
    throw unreachable(url, `the body did not arrive within ${DOCUMENT_FETCH_TIMEOUT_MS / 1000} seconds`);
  }
  if (!text.ok)
    throw validationError(
      "document_too_large",
      `The document at document_url is larger than ${MAX_DOCUMENT_CHARS / 1024 / 1024} MiB.`,
      [{ path: "/document_url", message: "The document is too large." }],
    );
  return text.text;
}

function unreachable(url: string, why: string): AppError {
  const message = `The document could not be fetched from ${new URL(url).origin}: ${why}. Check the URL, or send the document itself.`;
  return validationError("document_unreachable", message, [{ path: "/document_url", message }]);
}
