// What the forwarder and the dead-letter handler need besides the escalation store: a way to
// send a reference again later, and a log of messages that could not be processed.
import type { EscalationMessage } from "../escalations/escalation.js";

export interface RetryQueue {
  /**
   * Sends the reference again, to be delivered at `at`, as the escalation's retry number
   * `retry`. The MessageId names the retry, so scheduling the same retry twice is dropped by
   * duplicate detection while each new retry gets through.
   */
  scheduleRetry(message: EscalationMessage, retry: number, at: Date): Promise<void>;
}

/** Where a dead letter was noticed: by the forwarder itself, or on the queue's dead-letter queue. */
/** forwarder: a message it gave up on; dead-letter-queue: the escalations queue's; delivery-dead-letter-queue: report-deliveries'. */
export type DeadLetterSource = "forwarder" | "dead-letter-queue" | "delivery-dead-letter-queue";

export interface DeadLetterEntry {
  source: DeadLetterSource;
  /** The queue the message was on (entries recorded before queues were named have none: the escalations queue). */
  queue?: string;
  /** When it was recorded. */
  at: string;
  messageId: string;
  sequenceNumber?: number;
  enqueuedAt?: string;
  deliveryCount?: number;
  reason: string;
  description: string;
  /** The escalation the message named, when it named one. */
  escalationId?: string;
  /** The message body as text, cut at MAX_DEAD_LETTER_BODY characters. */
  body: string;
  /** What happened to the escalation because of it. */
  outcome: "escalation-failed" | "escalation-unchanged" | "no-escalation";
}

export interface DeadLetterLog {
  /** Idempotent per source, message id and sequence number: a redelivered dead letter is one entry. */
  record(entry: DeadLetterEntry): Promise<void>;
}

/** A dead letter keeps this much of its body: enough to see what it was, never a whole 256 KB message. */
export const MAX_DEAD_LETTER_BODY = 8_192;
