/**
 * The random values of an OAuth2 authorization-code flow: the `state`, the
 * PKCE code verifier and its S256 challenge (RFC 7636), and the flow cookie.
 * Each is 32 random bytes (256 bits, above the 128 the design asks for),
 * base64url: a verifier of 43 characters, inside RFC 7636's 43-128.
 */
import { bytesToBase64Url } from "../encoding";

/** 32 random bytes, base64url: a state, a code verifier or a flow cookie. */
export function randomFlowValue(): string {
  return bytesToBase64Url(crypto.getRandomValues(new Uint8Array(32)));
}

/** base64url of SHA-256 of the text: the S256 challenge of a verifier, and how states and flow cookies are stored. */
export async function sha256Base64Url(text: string): Promise<string> {
  return bytesToBase64Url(new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text))));
}

/** A new PKCE pair: the verifier stays with toolgate (sealed), the challenge goes to the provider. */
export async function newPkce(): Promise<{ verifier: string; challenge: string }> {
  const verifier = randomFlowValue();
  return { verifier, challenge: await sha256Base64Url(verifier) };
}
