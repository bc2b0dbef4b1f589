/**
 * The log queue's consumer (the Worker's `queue()` handler, when LOG_QUEUE
 * is bound): each delivered batch, up to 100 rows, is inserted in one
 * statement and one transaction (./log-batch.ts).
 *
 * - A message that is not a log row can never be inserted: it is retried at
 *   once, so that it reaches the dead-letter queue after `max_retries`.
 * - When the batch insert fails, the rows are inserted one by one: those that
 *   land are acknowledged, the others retried after RETRY_DELAY_SECONDS, and
 *   after `max_retries` the queue moves them to the dead-letter queue.
 * - Nothing is acknowledged before it is in D1, and every message that is not
 *   acknowledged is named in an error log line. Rows delivered twice are kept
 *   once (the execution id is the key: a second insert of it does nothing).
 */
import type { ExecutionRow } from "../db/schema";
import type { Env } from "../env";
import { asLogRow, insertRows } from "./log-batch";
import { describeError } from "./log-writer";

/** How long a row whose insert failed waits before its next delivery. */
export const RETRY_DELAY_SECONDS = 10;

export async function consumeLogBatch(batch: MessageBatch<unknown>, env: Env): Promise<void> {
  const rows: { message: Message<unknown>; row: ExecutionRow }[] = [];
  for (const message of batch.messages) {
    const row = asLogRow(message.body);
    if (row) rows.push({ message, row });
    else {
      console.error(
        JSON.stringify({
          msg: "log queue: a message is not an execution log row; retried until the dead-letter queue takes it",
          queue: batch.queue,
          message_id: message.id,
          attempts: message.attempts,
        }),
      );
      message.retry();
    }
  }
  if (rows.length === 0) return;

  try {
    await insertRows(
      env.DB,
      rows.map((r) => r.row),
    );
    for (const { message } of rows) message.ack();
    return;
  } catch (err) {
    console.error(
      JSON.stringify({
        msg: "log queue: a batch insert failed; inserting its rows one by one",
        rows: rows.length,
        error: describeError(err),
      }),
    );
  }
  for (const { message, row } of rows) {
    try {
      await insertRows(env.DB, [row]);
      message.ack();
    } catch (err) {
      console.error(
        JSON.stringify({
          msg: "log queue: a row could not be inserted; retried later, then the dead-letter queue",
          execution_id: row.id,
          attempts: message.attempts,
          error: describeError(err),
        }),
      );
      message.retry({ delaySeconds: RETRY_DELAY_SECONDS });
    }
  }
}
