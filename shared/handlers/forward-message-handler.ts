// The queue-triggered forwarder: takes one escalation reference to 21Vianet and settles the
// message by returning (completed) or throwing (abandoned, redelivered). A transient failure is
// retried by a new scheduled message, never by an instant redelivery; a message that cannot be
// processed is recorded as a dead letter and completed, so it is not retried.
import type { InvocationContext } from "@azure/functions";
import { setTimeout as sleep } from "node:timers/promises";
import { recordDeadLetter, type DeadLetterDependencies } from "../domain/forwarding/dead-letters.js";
import { forwardEscalation, type ForwardDependencies } from "../domain/forwarding/forward-escalation.js";
import type { RetryQueue } from "../domain/forwarding/ports.js";
import { BridgeError, errorForLog } from "../lib/errors.js";
import type { EscalationTelemetry } from "../domain/escalations/telemetry.js";
import { ATTR_OUTCOME } from "../lib/telemetry-names.js";
import { inMessageSpan } from "./message-span.js";
import { messageFacts } from "./service-bus-metadata.js";

export interface ForwardHandlerDependencies {
  forward: ForwardDependencies;
  retries: RetryQueue;
  deadLetters: DeadLetterDependencies;
  /** How the handler waits before giving a message back; tests pass a recorder. */
  pause?: (ms: number) => Promise<unknown>;
  /** Told when a dead letter fails an escalation (the forwarder itself reports its other outcomes). */
  telemetry?: EscalationTelemetry;
}

/**
 * How long to hold a message before throwing it back after an unexpected failure (Table Storage
 * or Service Bus unreachable): the host abandons at once and Service Bus redelivers at once, so
 * without a pause MaxDeliveryCount deliveries burn in a second and a short outage dead-letters
 * the escalation. 1 s, 2 s, 4 s... up to 30 s: with MaxDeliveryCount 10, about 2.5 minutes of
 * outage are ridden out. The pause stays well inside the lock, which the host renews anyway.
 */
export function pauseBeforeRedeliveryMs(deliveryCount: number | undefined): number {
  return Math.min(1_000 * 2 ** Math.max(0, (deliveryCount ?? 1) - 1), 30_000);
}

/** Thrown so the host abandons the message and Service Bus redelivers it. */
export class RedeliverError extends BridgeError {
  override readonly name = "RedeliverError";

  constructor(message: string) {
    super("redeliver", message);
  }
}

/** Runs `work`; when it throws, waits pauseBeforeRedeliveryMs before passing the error on. */
export async function pausingOnFailure<T>(
  deliveryCount: number | undefined,
  pause: ((ms: number) => Promise<unknown>) | undefined,
  work: () => Promise<T>,
): Promise<T> {
  try {
    return await work();
  } catch (error) {
    await (pause ?? sleep)(pauseBeforeRedeliveryMs(deliveryCount));
    throw error;
  }
}

export function makeForwardMessageHandler(deps: ForwardHandlerDependencies) {
  return async (message: unknown, context: InvocationContext): Promise<void> => {
    const facts = messageFacts(context);
    // Every way the message can go back to the queue passes through the pause: a refused
    // schedule, a dead letter that cannot be recorded, a conflict, storage down.
    await pausingOnFailure(facts.deliveryCount, deps.pause, () =>
      inMessageSpan("forward escalation", message, facts, context, async (span) => {
        const result = await forwardEscalation(message, deps.forward);
        span.setAttribute(ATTR_OUTCOME, result.kind === "done" ? result.status : result.kind);
        switch (result.kind) {
          case "done":
            context.log("forwarding settled", { messageId: facts.messageId, status: result.status });
            return;
          case "retry": {
            const at = new Date(deps.forward.clock.now().getTime() + result.delayMs);
            await deps.retries.scheduleRetry(result.message, result.retry, at);
            const log = result.failure === "authorisation" ? context.error.bind(context) : context.warn.bind(context);
            log(
              result.failure === "authorisation"
                ? "forwarding will be retried: Partner Center refused our credentials (configuration problem)"
                : "forwarding will be retried",
              {
                escalationId: result.message.escalationId,
                retry: result.retry,
                failure: result.failure,
                at: at.toISOString(),
                ...(result.cause === undefined ? {} : { error: errorForLog(result.cause) }),
              },
            );
            return;
          }
          case "conflict":
            throw new RedeliverError(
              `escalation in message ${facts.messageId} changed while it was forwarded; the redelivery will look again`,
            );
          case "dead-letter": {
            const entry = await recordDeadLetter(
              {
                source: "forwarder",
                body: message,
                identity: facts,
                reason: result.reason,
                description: result.description,
                // A malformed message must not fail an escalation that still has its own valid message.
                failsEscalation: result.reason !== "InvalidMessage",
              },
              deps.deadLetters,
            );
            if (entry.outcome === "escalation-failed" && entry.escalationId !== undefined)
              deps.telemetry?.failed({ escalationId: entry.escalationId, reason: "dead-letter" });
            context.error("message recorded as a dead letter", {
              messageId: facts.messageId,
              reason: result.reason,
              outcome: entry.outcome,
            });
            return;
          }
        }
      }),
    );
  };
}

/**
 * The trigger on `<queue>/$DeadLetterQueue`: records each dead letter and fails its escalation.
 * A dead-letter queue never dead-letters, so a failure here would redeliver at once forever:
 * it pauses first, as the forwarder does.
 */
export function makeDeadLetterHandler(
  deps: DeadLetterDependencies & { pause?: (ms: number) => Promise<unknown>; telemetry?: EscalationTelemetry },
) {
  return async (message: unknown, context: InvocationContext): Promise<void> => {
    const facts = messageFacts(context);
    const entry = await pausingOnFailure(facts.deliveryCount, deps.pause, () =>
      recordDeadLetter(
        {
          source: "dead-letter-queue",
          body: message,
          identity: facts,
          reason: facts.deadLetterReason ?? "unknown",
          description: facts.deadLetterDescription ?? "Service Bus gave no description",
          failsEscalation: true,
        },
        deps,
      ),
    );
    if (entry.outcome === "escalation-failed" && entry.escalationId !== undefined)
      deps.telemetry?.failed({ escalationId: entry.escalationId, reason: "dead-letter" });
    context.error("dead-lettered message recorded", {
      messageId: facts.messageId,
      reason: entry.reason,
      escalationId: entry.escalationId,
      outcome: entry.outcome,
    });
  };
}
