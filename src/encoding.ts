/** Byte and text encodings used across the service. Pure. */

export function bytesToBase64(bytes: Uint8Array): string {
  let binary = "";
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary);
}

/** Lower-case hex, two digits a byte. */
export function bytesToHex(bytes: Uint8Array): string {
  return Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");
}

/** Throws on text that is not base64. */
export function base64ToBytes(text: string): Uint8Array {
  return Uint8Array.from(atob(text), (ch) => ch.charCodeAt(0));
}

export function bytesToBase64Url(bytes: Uint8Array): string {
  return bytesToBase64(bytes).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

/** Throws on text that is not unpadded base64url. */
export function base64UrlToBytes(text: string): Uint8Array {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) throw new Error("not base64url");
  return base64ToBytes(text.replaceAll("-", "+").replaceAll("_", "/"));
}

/** Base64 of the UTF-8 bytes of `text` (what HTTP Basic credentials look like). */
export function textToBase64(text: string): string {
  return bytesToBase64(new TextEncoder().encode(text));
}

/** application/x-www-form-urlencoded encoding of one value: spaces become `+`. */
export function formEncode(value: string): string {
  return new URLSearchParams({ v: value }).toString().slice(2);
}

/**
 * Decodes every `%xx` escape, as UTF-8. Never throws: bytes that are not
 * UTF-8 decode to U+FFFD, and a `%` without two hex digits stays as it is.
 */
export function percentDecode(text: string): string {
  return text.replace(/(?:%[0-9A-Fa-f]{2})+/g, (run) =>
    new TextDecoder().decode(Uint8Array.from(run.slice(1).split("%"), (hex) => parseInt(hex, 16))),
  );
}

const JSON_MEDIA_TYPE = /^application\/(?:[\w.+-]+\+)?json$/i;

/** Whether a Content-Type names JSON: `application/json` or any `application/*+json`, parameters aside. */
export function isJsonContentType(contentType: string | null | undefined): boolean {
  const media = (contentType ?? "").split(";")[0]?.trim() ?? "";
  return JSON_MEDIA_TYPE.test(media);
}
