// Queues escalation references on Service Bus with the SDK (the output binding cannot set a
// MessageId): MessageId = escalation id, so duplicate detection drops any re-send; a retry is a
// scheduled message whose MessageId names its retry number.
import type { ServiceBusSender } from "@azure/service-bus";
import type { EscalationMessage } from "../../domain/escalations/escalation.js";
import type { EscalationQueue } from "../../domain/escalations/ports.js";
import type { RetryQueue } from "../../domain/forwarding/ports.js";
import { sendInSpan } from "./message-tracing.js";
import type {
  NoteRetryQueue,
  PartnerNoteMessage,
  PartnerNoteQueue,
} from "../../domain/forwarding/send-partner-note.js";

/** The MessageId of an escalation's retry number `retry` (its first message is the escalation id). */
export function retryMessageId(escalationId: string, retry: number): string {
  return `${escalationId}#retry-${String(retry)}`;
}

/** The MessageId of a partner note's message; its retries add their number. */
export function noteMessageId(escalationId: string, noteId: string, retry?: number): string {
  return `${escalationId}#note-${noteId}${retry === undefined ? "" : `#retry-${String(retry)}`}`;
}

/**
 * How long the intake's send may take, its retries included. The SDK's own policy (3 retries,
 * 30 s apart, at least 60 s per try) can run for minutes, past the idempotency lease (45 s): a
 * retried request would then take the claim over while this one still sends. Past the deadline
 * the send is abandoned and the dispatch sweep sends the stored escalation instead.
 */
export const INTAKE_SEND_DEADLINE_MS = 30_000;

export class ServiceBusEscalationQueue implements EscalationQueue, RetryQueue, PartnerNoteQueue, NoteRetryQueue {
  readonly #sender: ServiceBusSender;
  readonly #sendDeadlineMs: number;

  constructor(sender: ServiceBusSender, sendDeadlineMs = INTAKE_SEND_DEADLINE_MS) {
    this.#sender = sender;
    this.#sendDeadlineMs = sendDeadlineMs;
  }

  async send(message: EscalationMessage): Promise<void> {
    const messageId = message.escalationId;
    await sendInSpan("send", this.#sender.entityPath, message, messageId, async (traceProperties) => {
      await this.#sender.sendMessages(
        {
          body: message,
          messageId,
          correlationId: message.correlationId,
          contentType: "application/json",
          subject: "escalation.queued",
          applicationProperties: traceProperties,
        },
        { abortSignal: AbortSignal.timeout(this.#sendDeadlineMs) },
      );
    });
  }

  async scheduleRetry(message: EscalationMessage, retry: number, at: Date): Promise<void> {
    const messageId = retryMessageId(message.escalationId, retry);
    // The retry carries the forwarder's context on: every attempt of an escalation is one trace.
    await sendInSpan("schedule", this.#sender.entityPath, message, messageId, async (traceProperties) => {
      await this.#sender.scheduleMessages(
        {
          body: message,
          messageId,
          correlationId: message.correlationId,
          contentType: "application/json",
          subject: "escalation.retry",
          applicationProperties: { ...traceProperties, retry },
        },
        at,
      );
    });
  }

  /** A partner note to send to 21Vianet, on the same queue as the escalations, told apart by its `kind`. */
  async queueNote(escalationId: string, noteId: string): Promise<void> {
    const body: PartnerNoteMessage = { kind: "partner-note", escalationId, noteId };
    await this.#sender.sendMessages(
      {
        body,
        messageId: noteMessageId(escalationId, noteId),
        contentType: "application/json",
        subject: "escalation.note",
      },
      { abortSignal: AbortSignal.timeout(this.#sendDeadlineMs) },
    );
  }

  async scheduleNoteRetry(message: PartnerNoteMessage, retry: number, at: Date): Promise<void> {
    await this.#sender.scheduleMessages(
      {
        body: message,
        messageId: noteMessageId(message.escalationId, message.noteId, retry),
        contentType: "application/json",
        subject: "escalation.note.retry",
        applicationProperties: { retry },
      },
      at,
    );
  }
}
