/**
 * The only place toolgate calls fetch(). Every outbound request passes the
 * outbound policy here first, and none follows redirects on its own: the
 * callers that follow them (./redirects.ts) come back here for every hop.
 */
import { checkOutboundUrl, type OutboundSettings, type OutboundVerdict } from "./policy";

export type Refusal = Extract<OutboundVerdict, { ok: false }>;

export type OutboundResult = { ok: true; response: Response } | { ok: false; refusal: Refusal };

/** Sends a request if the policy allows its URL. Network errors and timeouts are thrown. */
export async function fetchOutbound(
  url: URL | string,
  init: Omit<RequestInit, "redirect">,
  settings: OutboundSettings,
): Promise<OutboundResult> {
  const verdict = checkOutboundUrl(url, settings);
  if (!verdict.ok) return { ok: false, refusal: verdict };
  const response = await fetch(verdict.url.toString(), { ...init, redirect: "manual" });
  return { ok: true, response };
}
