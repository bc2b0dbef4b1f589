/**
 * Large log payloads in R2 (when LOG_PAYLOADS is bound): a row whose input,
 * output and run detail (as JSON) together exceed R2_PAYLOAD_THRESHOLD
 * characters keeps its metadata and outcome in D1, and those three in one R2
 * object, named in the row's `payload_key`. The object is written before the row, so
 * a row never names an object that was not written; retention deletes the
 * object before the row (src/retention.ts). Reading a run puts the payloads
 * back, so the API and the UI show them as before.
 *
 * What is stored is what D1 would have held: the same redacted, clipped text.
 * Rows written before the detail moved keep working: their detail is in D1,
 * and their object has no `detail`, so the row's own column is kept.
 */
import type { ExecutionRow } from "../db/schema";
import type { StoredRunDetail } from "../engine/run-detail";

/** Characters of input, output and detail (JSON) above which a row's payloads go to R2. */
export const R2_PAYLOAD_THRESHOLD = 2048;
/** R2 reads at a time when a page of rows is read back (a Worker has 6 connections open at once). */
const READ_CONCURRENCY = 6;

export function payloadKeyOf(executionId: string): string {
  return `executions/${executionId}.json`;
}

interface StoredPayloads {
  input: string | null;
  output: string | null;
  /** Absent in objects written before the detail moved to R2 (the row's D1 column holds it then). */
  detail?: StoredRunDetail | null;
}

/** Payloads as read back: `detail` only when the object holds one (else the row keeps its own). */
type ReadPayloads = Pick<StoredPayloads, "input" | "output"> & { detail?: StoredRunDetail };

/** The row to store: as is, or without its payloads once they are in R2. */
export async function offloadPayloads(bucket: R2Bucket | undefined, row: ExecutionRow): Promise<ExecutionRow> {
  if (!bucket) return row;
  const detailLength = row.detail === null ? 0 : JSON.stringify(row.detail).length;
  if ((row.input?.length ?? 0) + (row.output?.length ?? 0) + detailLength <= R2_PAYLOAD_THRESHOLD) return row;
  const key = payloadKeyOf(row.id);
  const body: StoredPayloads = { input: row.input, output: row.output, detail: row.detail };
  await bucket.put(key, JSON.stringify(body), { httpMetadata: { contentType: "application/json" } });
  return { ...row, input: null, output: null, detail: null, payloadKey: key };
}

/**
 * Rows with their R2 payloads put back; a row whose object cannot be read shows
 * no payloads. A row read without its detail (`latestRunResponse`) gets none added.
 */
export async function withPayloads<
  Row extends Pick<ExecutionRow, "id" | "input" | "output" | "payloadKey"> & Partial<Pick<ExecutionRow, "detail">>,
>(bucket: R2Bucket | undefined, rows: Row[]): Promise<Row[]> {
  const out = [...rows];
  const pending = out.flatMap((row, index) => (row.payloadKey ? [index] : []));
  if (pending.length === 0) return out;
  let next = 0;
  const worker = async () => {
    while (next < pending.length) {
      const index = pending[next++]!;
      const row = out[index]!;
      const { detail, ...payloads } = await readPayloads(bucket, row.id, row.payloadKey!);
      out[index] = { ...row, ...payloads, ...(detail !== undefined && "detail" in row ? { detail } : {}) };
    }
  };
  await Promise.all(Array.from({ length: Math.min(READ_CONCURRENCY, pending.length) }, worker));
  return out;
}

async function readPayloads(bucket: R2Bucket | undefined, id: string, key: string): Promise<ReadPayloads> {
  const missing = (reason: string) => {
    console.error(JSON.stringify({ msg: "execution payloads unavailable", execution_id: id, reason }));
    return { input: null, output: null };
  };
  if (!bucket) return missing("LOG_PAYLOADS is not bound");
  const object = await bucket.get(key);
  if (!object) return missing("no such R2 object");
  try {
    const stored = (await object.json()) as StoredPayloads;
    const payloads: ReadPayloads = { input: stored.input ?? null, output: stored.output ?? null };
    return stored.detail ? { ...payloads, detail: stored.detail } : payloads;
  } catch {
    return missing("the R2 object is not the JSON this Worker writes");
  }
}
