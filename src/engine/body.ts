/** Reading response bodies without trusting their size. */

/** How much of an upstream response body is read before giving up. */
export const MAX_RESPONSE_BYTES = 5 * 1024 * 1024;

export type CappedText = { ok: true; text: string } | { ok: false };

/**
 * Reads a body as UTF-8 text, at most `maxBytes` of it. Past the cap the
 * stream is cancelled and `{ ok: false }` returned. Stream errors (timeouts,
 * resets) are thrown to the caller, which knows how to name them.
 */
export async function readTextCapped(response: Response, maxBytes: number): Promise<CappedText> {
  if (!response.body) return { ok: true, text: "" };
  const declared = Number(response.headers.get("content-length"));
  if (Number.isFinite(declared) && declared > maxBytes) {
    await response.body.cancel();
    return { ok: false };
  }
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let text = "";
  let received = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    received += value.byteLength;
    if (received > maxBytes) {
      await reader.cancel();
      return { ok: false };
    }
    text += decoder.decode(value, { stream: true });
  }
  return { ok: true, text: text + decoder.decode() };
}
