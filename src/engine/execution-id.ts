/**
 * Execution ids are UUIDv7 (RFC 9562): 48 bits of Unix milliseconds, then
 * random bits. Two things follow from the time in front:
 * - a log row that is not in D1 yet can be told from one that never existed
 *   (GET /executions/{id} answers `execution_pending` for a recent id);
 * - new rows go to the end of the primary-key index rather than anywhere in it.
 * The id reveals when the execution started, which its log row says anyway.
 */

export function newExecutionId(nowMs: number = Date.now()): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  let time = nowMs;
  for (let i = 5; i >= 0; i--) {
    bytes[i] = time % 256;
    time = Math.floor(time / 256);
  }
  bytes[6] = 0x70 | (bytes[6]! & 0x0f);
  bytes[8] = 0x80 | (bytes[8]! & 0x3f);
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The start time a UUIDv7 execution id carries, in Unix ms; null for any other id. */
export function executionIdTime(id: string): number | null {
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i.test(id)) return null;
  return Number.parseInt(id.slice(0, 8) + id.slice(9, 13), 16);
}
