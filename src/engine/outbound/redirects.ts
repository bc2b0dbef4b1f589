/**
 * Following redirects ourselves. Workers' fetch would resend every header we
 * set to wherever a Location points, credentials included, so requests go out
 * with `redirect: "manual"` and this loop decides each hop:
 *
 * - at most MAX_REDIRECTS hops, each one through the outbound policy;
 * - 301/302 turn a POST into a GET without body, 303 turns anything but
 *   GET/HEAD into one (the Fetch standard's rules); 307/308 keep method and body;
 * - within the original origin the credentials go along; the first hop to
 *   another origin removes them for the rest of the chain (Authorization, the
 *   API-key header or query parameter, Cookie), and a Location to another
 *   origin that still contains a secret, in any form the Redactor knows, is
 *   not followed at all;
 * - the bodies of redirect responses are cancelled, never read.
 */
import { percentDecode } from "../../encoding";
import type { AttachedCredentials } from "../auth";
import { cancelBody } from "../body";
import type { Redactor } from "../redact";
import { fetchOutbound, type Refusal } from "./fetch";
import type { OutboundSettings } from "./policy";

export const MAX_REDIRECTS = 5;

const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);

/** Headers that describe a request body, dropped with it (Fetch: "request-body-header name"). */
const BODY_HEADERS = ["content-type", "content-encoding", "content-language", "content-location", "content-length"];

export interface ChainRequest {
  method: string;
  url: URL;
  headers: Headers;
  body: string | undefined;
}

export interface ChainOptions {
  outbound: OutboundSettings;
  signal: AbortSignal;
  credentials: AttachedCredentials;
  /** Knows every secret of this call, in every encoding. */
  redactor: Redactor;
}

export type ChainResult =
  | { ok: true; response: Response; redirects: number; url: URL; credentialsKept: boolean }
  | { ok: false; kind: "outbound_blocked"; refusal: Refusal; redirects: number }
  | { ok: false; kind: "too_many_redirects"; redirects: number };

/** Sends `request` (left untouched) and follows its redirects. Network errors and timeouts are thrown. */
export async function sendFollowingRedirects(request: ChainRequest, options: ChainOptions): Promise<ChainResult> {
  const origin = request.url.origin;
  let current: ChainRequest = { ...request, url: new URL(request.url), headers: new Headers(request.headers) };
  let credentialsKept = true;
  for (let redirects = 0; ; redirects++) {
    const sent = await fetchOutbound(
      current.url,
      { method: current.method, headers: current.headers, body: current.body, signal: options.signal },
      options.outbound,
    );
    if (!sent.ok) return { ok: false, kind: "outbound_blocked", refusal: sent.refusal, redirects };
    const response = sent.response;
    const target = redirectTarget(response, current.url);
    if (!target) return { ok: true, response, redirects, url: current.url, credentialsKept };
    await cancelBody(response);
    if (redirects === MAX_REDIRECTS) return { ok: false, kind: "too_many_redirects", redirects };

    current = redirectedRequest(current, response.status, target);
    if (credentialsKept && target.origin === origin) {
      options.credentials.apply(current.url, current.headers);
      continue;
    }
    credentialsKept = false;
    options.credentials.remove(current.url, current.headers);
    if (carriesSecret(current.url, options.redactor))
      return {
        ok: false,
        kind: "outbound_blocked",
        refusal: {
          ok: false,
          reason: "credential_in_redirect",
          message: "A redirect to another origin carries a credential of this tool in its URL; it was not followed.",
        },
        redirects: redirects + 1,
      };
  }
}

/**
 * Whether a URL about to be requested from another origin carries a secret in
 * any form the Redactor knows: as it will be sent; percent-decoded once (the
 * URL parser percent-encodes some characters of a Location, such as spaces,
 * and a secret encoded twice decodes to one encoded once); and in its host
 * without regard to case, since the parser lowercases hosts (and a DNS
 * lookup alone would deliver the name).
 */
function carriesSecret(url: URL, redactor: Redactor): boolean {
  return (
    redactor.contains(url.href) ||
    redactor.contains(percentDecode(url.href)) ||
    redactor.containsIgnoringCase(url.hostname)
  );
}

/** Where a redirect response points, or null when it is not one that can be followed. */
function redirectTarget(response: Response, base: URL): URL | null {
  if (!REDIRECT_STATUSES.has(response.status)) return null;
  const location = response.headers.get("location");
  if (location === null) return null;
  try {
    const target = new URL(location, base);
    target.hash = "";
    return target;
  } catch {
    return null;
  }
}

function redirectedRequest(previous: ChainRequest, status: number, url: URL): ChainRequest {
  const method = previous.method;
  const toGet =
    ((status === 301 || status === 302) && method === "POST") ||
    (status === 303 && method !== "GET" && method !== "HEAD");
  const headers = new Headers(previous.headers);
  if (!toGet) return { method, url, headers, body: previous.body };
  for (const name of BODY_HEADERS) headers.delete(name);
  return { method: "GET", url, headers, body: undefined };
}
