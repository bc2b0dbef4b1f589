/** Reading response bodies without trusting their size or their pace. */

/** How much of an upstream response body is read before giving up, unless the tool says otherwise. */
export const DEFAULT_MAX_RESPONSE_BYTES = 5 * 1024 * 1024;
/**
 * The most a tool may ask for. A body is held as a string and then parsed, so
 * its memory counts several times against the Worker's 128 MB.
 */
export const MAX_RESPONSE_BYTES_LIMIT = 16 * 1024 * 1024;

export type CappedText = { ok: true; text: string } | { ok: false };

/**
 * Reads a body as UTF-8 text, at most `maxBytes` of it. Past the cap the
 * stream is cancelled and `{ ok: false }` returned. When `signal` fires, the
 * stream is cancelled and its reason thrown, so a body that drips slowly
 * cannot outlive the deadline. Stream errors (resets) are thrown to the
 * caller, which knows how to name them.
 */
export async function readTextCapped(response: Response, maxBytes: number, signal?: AbortSignal): Promise<CappedText> {
  if (!response.body) return { ok: true, text: "" };
  const declared = Number(response.headers.get("content-length"));
  if (Number.isFinite(declared) && declared > maxBytes) {
    await cancelBody(response);
    return { ok: false };
  }
  const reader = response.body.getReader();
  let onAbort = () => {};
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(signal?.reason);
    if (signal?.aborted) onAbort();
    else signal?.addEventListener("abort", onAbort, { once: true });
  });
  const decoder = new TextDecoder();
  let text = "";
  let received = 0;
  try {
    for (;;) {
      const { done, value } = await Promise.race([reader.read(), aborted]);
      if (done) break;
      received += value.byteLength;
      if (received > maxBytes) {
        await reader.cancel().catch(() => {});
        return { ok: false };
      }
      text += decoder.decode(value, { stream: true });
    }
  } catch (err) {
    await reader.cancel().catch(() => {});
    throw err;
  } finally {
    signal?.removeEventListener("abort", onAbort);
  }
  return { ok: true, text: text + decoder.decode() };
}

/** Cancels a body nobody will read, so its connection is released. Never throws. */
export async function cancelBody(response: Response): Promise<void> {
  if (!response.body || response.bodyUsed) return;
  await response.body.cancel().catch(() => {});
}
