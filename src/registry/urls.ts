/**
 * Rules for the URLs a tool is saved with: endpoint templates and token URLs.
 */
import { checkOutboundUrl, type OutboundSettings } from "../engine/outbound/policy";
import { PLACEHOLDER } from "../engine/request";
import type { ProblemFieldError } from "../problem";

/**
 * The origin (scheme, host, port) of a URL or endpoint template, or null.
 * Placeholders are only allowed after the origin, so replacing them cannot
 * change it.
 */
export function originOf(url: string | null | undefined): string | null {
  if (!url) return null;
  try {
    return new URL(url.replace(PLACEHOLDER, "x")).origin;
  } catch {
    return null;
  }
}

/**
 * Checks an absolute http(s) URL, optionally a template with `{placeholders}`
 * in its path or query, against the template rules and the outbound policy.
 * Placeholders never reach the origin, so the policy's verdict on the
 * template's origin holds for every request made from it.
 */
export function checkUrl(
  url: string,
  path: string,
  allowPlaceholders: boolean,
  outbound: OutboundSettings,
): ProblemFieldError[] {
  const authorityEnd = (() => {
    const schemeEnd = url.indexOf("://");
    if (schemeEnd < 0) return -1;
    const rest = url.slice(schemeEnd + 3).search(/[/?#]/);
    return rest < 0 ? url.length : schemeEnd + 3 + rest;
  })();
  if (/[{}]/.test(url)) {
    if (!allowPlaceholders) return [{ path, message: "This URL cannot contain { or }." }];
    if (/[{}]/.test(url.replace(PLACEHOLDER, "")))
      return [{ path, message: "Write placeholders as {name}, using letters, digits, _ . ~ and -." }];
    if (authorityEnd < 0 || /[{}]/.test(url.slice(0, authorityEnd)))
      return [
        { path, message: "Placeholders may only appear in the path or query, never in the scheme, host or port." },
      ];
  }
  let parsed: URL;
  try {
    parsed = new URL(url.replace(PLACEHOLDER, "x"));
  } catch {
    return [{ path, message: "Must be an absolute URL, such as https://api.example.com/v1/items." }];
  }
  const verdict = checkOutboundUrl(parsed, outbound);
  if (!verdict.ok) return [{ path, message: verdict.message }];
  if (parsed.hash) return [{ path, message: "A URL fragment (#...) is never sent to the server; remove it." }];
  return [];
}
