// The trigger on the escalations queue takes two kinds of message: an escalation to forward, and a
// partner note to send (`kind: "partner-note"`). This handler tells them apart and gives each to
// its own handler; anything else goes to the forwarder, which records it as a dead letter.
import type { InvocationContext } from "@azure/functions";
import {
  PartnerNoteMessage,
  sendPartnerNote,
  type NoteRetryQueue,
  type SendNoteDependencies,
} from "../domain/forwarding/send-partner-note.js";
import { makeForwardMessageHandler, pausingOnFailure, RedeliverError } from "./forward-message-handler.js";
import { messageFacts } from "./service-bus-metadata.js";

export interface NoteHandlerDependencies {
  send: SendNoteDependencies;
  retries: NoteRetryQueue;
  pause?: (ms: number) => Promise<unknown>;
}

export function makePartnerNoteHandler(deps: NoteHandlerDependencies) {
  return async (message: PartnerNoteMessage, context: InvocationContext): Promise<void> => {
    const facts = messageFacts(context);
    await pausingOnFailure(facts.deliveryCount, deps.pause, async () => {
      const result = await sendPartnerNote(message, deps.send);
      switch (result.kind) {
        case "done": {
          const log = result.outcome === "failed" ? context.error.bind(context) : context.log.bind(context);
          log("partner note settled", {
            escalationId: message.escalationId,
            noteId: message.noteId,
            outcome: result.outcome,
          });
          return;
        }
        case "retry": {
          const at = new Date(deps.send.clock.now().getTime() + result.delayMs);
          await deps.retries.scheduleNoteRetry(result.message, result.retry, at);
          context.warn("partner note will be sent again", {
            escalationId: message.escalationId,
            noteId: message.noteId,
            retry: result.retry,
            reason: result.reason,
            at: at.toISOString(),
          });
          return;
        }
        case "conflict":
          throw new RedeliverError(
            `escalation in message ${facts.messageId} kept changing; the redelivery will look again`,
          );
      }
    });
  };
}

export function makeEscalationMessageHandler(
  forward: ReturnType<typeof makeForwardMessageHandler>,
  notes: ReturnType<typeof makePartnerNoteHandler> | undefined,
) {
  return async (message: unknown, context: InvocationContext): Promise<void> => {
    const note = PartnerNoteMessage.safeParse(message);
    // Without the Partner Center channel there is nothing to send a note through: the forwarder
    // records the message as a dead letter with its reason.
    if (note.success && notes !== undefined) return notes(note.data, context);
    return forward(message, context);
  };
}
