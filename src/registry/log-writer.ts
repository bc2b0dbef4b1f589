/**
 * Writing execution log rows without one D1 write per execution.
 *
 * - **Group commit** (the default): an isolate collects rows for up to
 *   GROUP_COMMIT_WAIT_MS, or until GROUP_COMMIT_ROWS have come, and inserts
 *   them in one statement (./log-batch.ts). Each execute's `waitUntil` waits
 *   for the flush that holds its row, so the isolate stays alive until its
 *   rows have landed. A failed flush is retried; then its rows are inserted
 *   one by one, so one row D1 refuses does not take the others with it; a row
 *   that still fails is named in an error log line (ids only, never payloads).
 * - **Queue** (when LOG_QUEUE is bound): the same groups go to the queue
 *   with one `sendBatch`, and the queue consumer (./log-consumer.ts) inserts
 *   them. A row the queue refuses (too large, or the queue failing) is
 *   written to D1 directly instead, so it is not lost.
 *
 * Until its flush lands, a row can be read from this isolate's buffer
 * (`bufferedExecution`), which is how GET /executions/{id} answers right
 * after an execute in group-commit mode.
 */
import { bindingOf } from "../db/session";
import type { ExecutionRow } from "../db/schema";
import type { Env } from "../env";
import { BATCH_ROWS, insertRows } from "./log-batch";

export const GROUP_COMMIT_ROWS = BATCH_ROWS;
/**
 * The window: a few tens of ms, so that an isolate serving a few hundred executes a second sends D1 groups of
 * tens of rows, and no isolate flushes more than 20 times a second whatever its load (docs/capacity.md).
 */
export const GROUP_COMMIT_WAIT_MS = 50;
/** Delays before the second and third attempt of a failed flush; all within waitUntil's 30 s. */
const RETRY_DELAYS_MS = [50, 500];
/** A queue message is at most 128 KB; a row near that goes to D1 directly. */
const MAX_MESSAGE_BYTES = 100_000;
/** A sendBatch carries at most 100 messages and 256 KB. */
const MAX_SEND_BATCH_BYTES = 200_000;

type Sink = (rows: ExecutionRow[]) => Promise<void>;

/** Rows on their way to the sink. */
interface Group {
  rows: ExecutionRow[];
  /** When the group closes at the latest (epoch ms). */
  closesAt: number;
  /** Null until the flush has finished, then its outcome. */
  outcome: { ok: true } | { ok: false; err: unknown } | null;
}

/** How often a request waiting for another request's flush looks again (ms). */
const POLL_MS = 2;
/** A request stops waiting for a flush after this long (waitUntil's limit is 30 s). */
const MAX_WAIT_MS = 25_000;

/**
 * One isolate's buffer for one destination: rows wait here for at most
 * `waitMs`, or until `maxRows` have come; then the request that closes the
 * group (the one whose timer fired, or that brought the last row) writes it.
 *
 * Requests share the buffer, but never a promise or any I/O: a Worker request
 * may not wait on a promise that another request settles (the runtime refuses
 * it, or cancels the waiter when the other request ends). So each request
 * waits for its group on its own timers, reading the group's outcome, which is
 * plain data, and the request that writes a group waits for its own write.
 */
export class GroupCommit {
  private open: Group | null = null;
  /** Groups closed and not yet landed (or failed). */
  private readonly flushing = new Set<Group>();
  /** Rows appended and not yet landed (or failed), by id. */
  private readonly unsettled = new Map<string, ExecutionRow>();

  constructor(
    private readonly sink: Sink,
    private readonly waitMs = GROUP_COMMIT_WAIT_MS,
    private readonly maxRows = GROUP_COMMIT_ROWS,
  ) {}

  /** Adds a row; resolves when the group holding it has landed, rejects if it could not be written. */
  append(row: ExecutionRow): Promise<void> {
    this.unsettled.set(row.id, row);
    let group = this.open;
    if (group === null) {
      const opened: Group = { rows: [], closesAt: Date.now() + this.waitMs, outcome: null };
      group = this.open = opened;
      setTimeout(() => this.close(opened), this.waitMs);
    }
    group.rows.push(row);
    if (group.rows.length >= this.maxRows) this.close(group);
    return waitFor(group);
  }

  find(id: string): ExecutionRow | undefined {
    return this.unsettled.get(id);
  }

  /** Resolves once every row appended so far has landed or failed. */
  async settled(): Promise<void> {
    const groups = [...this.flushing];
    if (this.open) {
      groups.push(this.open);
      this.close(this.open);
    }
    await Promise.allSettled(groups.map(waitFor));
  }

  private close(group: Group): void {
    if (this.open !== group) return;
    this.open = null;
    this.flushing.add(group);
    const settle = (outcome: NonNullable<Group["outcome"]>) => {
      group.outcome = outcome;
      this.flushing.delete(group);
      for (const row of group.rows) this.unsettled.delete(row.id);
    };
    this.sink(group.rows).then(
      () => settle({ ok: true }),
      (err: unknown) => settle({ ok: false, err }),
    );
  }
}

/** Waits, on the calling request's own timers, for `group`'s flush to finish. */
async function waitFor(group: Group): Promise<void> {
  const started = Date.now();
  let delay = Math.max(1, group.closesAt - started + POLL_MS);
  while (group.outcome === null) {
    if (Date.now() - started > MAX_WAIT_MS)
      throw new Error(`a group of ${group.rows.length} log rows did not land within ${MAX_WAIT_MS} ms`);
    await sleep(delay);
    delay = POLL_MS;
  }
  if (!group.outcome.ok) throw group.outcome.err;
}

/** The writers of each D1 binding (one per isolate in production): group commit, and queue groups by queue. */
const writers = new WeakMap<
  D1Database,
  { direct?: GroupCommit; queued: WeakMap<Queue, GroupCommit>; all: Set<GroupCommit> }
>();

/** Where `env`'s rows go: the queue when LOG_QUEUE is bound, else D1 by group commit. */
export function logWriterFor(env: Env): GroupCommit {
  const binding = bindingOf(env.DB);
  let entry = writers.get(binding);
  if (entry === undefined) {
    entry = { queued: new WeakMap(), all: new Set() };
    writers.set(binding, entry);
  }
  const queue = env.LOG_QUEUE;
  if (queue === undefined) {
    if (!entry.direct) entry.all.add((entry.direct = new GroupCommit((rows) => landRows(binding, rows))));
    return entry.direct;
  }
  let writer = entry.queued.get(queue);
  if (writer === undefined) {
    writer = new GroupCommit((rows) => enqueueRows(queue, binding, rows));
    entry.queued.set(queue, writer);
    entry.all.add(writer);
  }
  return writer;
}

/** A row of this isolate that is not in D1 yet (or not known to be). */
export function bufferedExecution(db: D1Database, id: string): ExecutionRow | undefined {
  for (const writer of writers.get(bindingOf(db))?.all ?? []) {
    const row = writer.find(id);
    if (row) return row;
  }
  return undefined;
}

/** Waits for this isolate's rows to land (or be queued), so that a list read next includes them. */
export async function settleLogWrites(db: D1Database): Promise<void> {
  await Promise.all([...(writers.get(bindingOf(db))?.all ?? [])].map((writer) => writer.settled()));
}

/** Inserts rows into D1: the whole group, retried; then row by row. Throws if any row could not be written. */
export async function landRows(db: D1Database, rows: readonly ExecutionRow[]): Promise<void> {
  let lastError: unknown;
  for (let attempt = 0; attempt <= RETRY_DELAYS_MS.length; attempt++) {
    if (attempt > 0) await sleep(RETRY_DELAYS_MS[attempt - 1]!);
    try {
      await insertRows(db, rows);
      return;
    } catch (err) {
      lastError = err;
    }
  }
  if (rows.length === 1) throw reportLost(rows, lastError);
  const lost: ExecutionRow[] = [];
  for (const row of rows) {
    try {
      await insertRows(db, [row]);
    } catch (err) {
      lastError = err;
      lost.push(row);
    }
  }
  if (lost.length > 0) throw reportLost(lost, lastError);
}

function reportLost(rows: readonly ExecutionRow[], err: unknown): Error {
  console.error(
    JSON.stringify({
      msg: "execution log rows could not be written",
      count: rows.length,
      execution_ids: rows.map((row) => row.id),
      error: describeError(err),
    }),
  );
  return new Error(`${rows.length} execution log rows could not be written`);
}

/** A D1 or queue error in a few words: its name and the first line of its message (they hold no row values). */
export function describeError(err: unknown): string {
  const name = (err as Error)?.name ?? "Error";
  const message = String((err as Error)?.message ?? "")
    .split("\n")[0]!
    .slice(0, 200);
  return `${name}: ${message}`;
}

/** Sends rows to the queue in as few sendBatch calls as fit; what the queue cannot take goes to D1 directly. */
async function enqueueRows(queue: Queue, db: D1Database, rows: readonly ExecutionRow[]): Promise<void> {
  const direct: ExecutionRow[] = [];
  const sends: MessageSendRequest[][] = [[]];
  let bytes = 0;
  for (const row of rows) {
    const size = utf8.encode(JSON.stringify(row)).byteLength;
    if (size > MAX_MESSAGE_BYTES) {
      direct.push(row);
      continue;
    }
    let current = sends.at(-1)!;
    if (current.length >= GROUP_COMMIT_ROWS || bytes + size > MAX_SEND_BATCH_BYTES) {
      sends.push((current = []));
      bytes = 0;
    }
    current.push({ body: row, contentType: "json" });
    bytes += size;
  }
  await Promise.all(
    sends
      .filter((messages) => messages.length > 0)
      .map(async (messages) => {
        try {
          await queue.sendBatch(messages);
        } catch (err) {
          console.error(
            JSON.stringify({ msg: "log queue refused a batch; writing it to D1", error: describeError(err) }),
          );
          direct.push(...messages.map((m) => m.body as ExecutionRow));
        }
      }),
  );
  if (direct.length > 0) await landRows(db, direct);
}

const utf8 = new TextEncoder();

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
