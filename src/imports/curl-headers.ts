/**
 * Which headers of an imported cURL command the tool keeps. Pure.
 *
 * Left out, each reported in a warning:
 * - set by the runtime, or refused by the registry: Host, Content-Length,
 *   Transfer-Encoding, Connection, Keep-Alive, Upgrade, TE, Trailer,
 *   Proxy-Connection, and Accept-Encoding (Workers' fetch negotiates
 *   compression and decompresses itself);
 * - about the browser rather than the call: Sec-* (client hints, fetch
 *   metadata, Sec-GPC), Alt-Used, a browser User-Agent (one starting "Mozilla/"; any other is
 *   kept, since some APIs require one), Origin, Referer, Priority, DNT,
 *   Upgrade-Insecure-Requests, Pragma, Cache-Control as a reload sends it
 *   (no-cache or max-age=0), and the conditional If-None-Match and
 *   If-Modified-Since, which would make the API answer 304 without a body;
 * - credentials: Cookie (a browser session's), Proxy-Authorization, and the
 *   Authorization header and every other header the registry would refuse as
 *   a static one for carrying a credential (isCredentialHeaderName:
 *   X-Api-Key, X-Shopify-Access-Token, X-Client-Secret…), which become
 *   auth_config (./curl-credentials.ts) rather than headers.
 * Everything else is kept, Accept, Accept-Language and Content-Type
 * included.
 */
import { isValidHeaderValue } from "../engine/request";
import { isCredentialHeaderName } from "../registry/credential-headers";
import { HEADER_NAME, PLATFORM_HEADERS } from "../registry/definition";
import {
  credentialFromAuthorization,
  looksLikeCredential,
  MORE_API_KEY_HEADERS,
  type Credential,
} from "./curl-credentials";

/** What the registry refuses as a static header (src/registry/definition.ts), plus what fetch sets itself. */
const RUNTIME_HEADERS: ReadonlySet<string> = new Set([...PLATFORM_HEADERS, "accept-encoding"]);

const BROWSER_HEADERS = new Set([
  "alt-used",
  "origin",
  "referer",
  "priority",
  "dnt",
  "upgrade-insecure-requests",
  "pragma",
  "if-none-match",
  "if-modified-since",
]);

function isBrowserHeader(lower: string, value: string): boolean {
  if (BROWSER_HEADERS.has(lower) || lower.startsWith("sec-")) return true;
  if (lower === "user-agent") return value.startsWith("Mozilla/");
  if (lower === "cache-control") return /^(?:no-cache|max-age=0)$/i.test(value.trim());
  return false;
}

export interface HeaderSorting {
  /** Kept headers: the first spelling of each name; repeated names joined with ", ". */
  headers: Record<string, string>;
  /** Authorization and other credential headers, in the order written. */
  authorization: Credential[];
  apiKeys: Credential[];
  cookies: boolean;
  warnings: string[];
}

export function sortHeaders(lines: readonly { name: string; value: string | null; raw: string }[]): HeaderSorting {
  const kept = new Map<string, { name: string; value: string }>();
  const runtime: string[] = [];
  const browser: string[] = [];
  const result: HeaderSorting = { headers: {}, authorization: [], apiKeys: [], cookies: false, warnings: [] };
  for (const { name, value, raw } of lines) {
    // A line that is not "Name: value" is never echoed: it might be a bare token.
    if (value === null || !HEADER_NAME.test(name)) {
      result.warnings.push("Ignored a -H value that is not a header (Name: value).");
      continue;
    }
    if (value === "" && !raw.trimEnd().endsWith(";")) {
      result.warnings.push(`Ignored "${name}:" with no value (curl uses it to remove a header it would send).`);
      continue;
    }
    const lower = name.toLowerCase();
    if (lower === "authorization")
      result.authorization.push(credentialFromAuthorization(name, value, `the ${name} header`));
    else if (lower === "cookie") result.cookies = true;
    else if (lower === "proxy-authorization")
      result.warnings.push(`Left out the ${name} header: it is a credential for a proxy, which tools do not use.`);
    else if (isCredentialHeaderName(name) || MORE_API_KEY_HEADERS.has(lower))
      result.apiKeys.push({
        auth: { type: "api_key", location: "header", key_name: name, value },
        source: `the ${name} header`,
        secrets: [value],
      });
    else if (RUNTIME_HEADERS.has(lower)) runtime.push(name);
    else if (isBrowserHeader(lower, value)) browser.push(name);
    else if (!isValidHeaderValue(value))
      result.warnings.push(
        `Left out the ${name} header: its value is not printable ASCII or Latin-1 text, which a header must be.`,
      );
    else {
      const existing = kept.get(lower);
      if (existing) existing.value = `${existing.value}, ${value}`;
      else kept.set(lower, { name, value });
    }
  }
  if (runtime.length > 0) result.warnings.push(`Left out headers the runtime sets itself: ${unique(runtime)}.`);
  if (browser.length > 0)
    result.warnings.push(`Left out headers that describe the browser rather than the API call: ${unique(browser)}.`);
  for (const { name, value } of kept.values()) {
    result.headers[name] = value;
    if (looksLikeCredential(name))
      result.warnings.push(
        `Kept the ${name} header, but its name suggests a credential: static headers are stored in plaintext and shown to anyone who can read the tool. Move it to auth_config if it is one.`,
      );
  }
  return result;
}

function unique(names: string[]): string {
  return [...new Set(names)].join(", ");
}
