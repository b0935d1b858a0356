// Nothing ends silently: a message the forwarder cannot process, or one Service Bus moved to the
// dead-letter queue, is logged with its reason, and the escalation it carried (when it is still
// waiting to reach 21Vianet) moves to `failed` with that reason in its history.
//
// The forwarder records its own bad messages here instead of dead-lettering them: the Node.js
// programming model gives a queue-triggered function no message actions, so throwing would only
// mean up to MaxDeliveryCount pointless redeliveries and a reason ("MaxDeliveryCountExceeded")
// that hides the real one.
import { BridgeError } from "../../lib/errors.js";
import { changeEscalation, type Decision } from "../escalations/change-escalation.js";
import type { Escalation, HistoryEntry } from "../escalations/escalation.js";
import type { Clock, EscalationStore } from "../escalations/ports.js";
import { MAX_DEAD_LETTER_BODY, type DeadLetterEntry, type DeadLetterLog, type DeadLetterSource } from "./ports.js";

export interface DeadLetterDependencies {
  store: EscalationStore;
  log: DeadLetterLog;
  clock: Clock;
  /** The queue whose messages these are, recorded with each entry. */
  queue: string;
}

/** What Service Bus told about the message. */
export interface MessageIdentity {
  messageId: string;
  sequenceNumber?: number;
  enqueuedAt?: string;
  deliveryCount?: number;
}

export interface DeadMessage {
  source: DeadLetterSource;
  body: unknown;
  identity: MessageIdentity;
  reason: string;
  description: string;
  /**
   * Whether the message was the escalation's own reference: true on the dead-letter queue and
   * for a valid reference the forwarder gave up on; false for a malformed message, which must
   * not fail an escalation that still has its own, valid message.
   */
  failsEscalation: boolean;
}

// Only a queued escalation is still waiting on its message; any later status was reached without it.
const FAILABLE = new Set(["queued"]);

export async function recordDeadLetter(dead: DeadMessage, deps: DeadLetterDependencies): Promise<DeadLetterEntry> {
  const at = deps.clock.now().toISOString();
  const escalationId = namedEscalation(dead.body);
  const outcome =
    escalationId === undefined
      ? "no-escalation"
      : dead.failsEscalation
        ? await failEscalation(escalationId, dead, deps, at)
        : (await deps.store.get(escalationId)) === undefined
          ? "no-escalation"
          : "escalation-unchanged";
  const entry: DeadLetterEntry = {
    source: dead.source,
    queue: deps.queue,
    at,
    messageId: dead.identity.messageId,
    ...(dead.identity.sequenceNumber === undefined ? {} : { sequenceNumber: dead.identity.sequenceNumber }),
    ...(dead.identity.enqueuedAt === undefined ? {} : { enqueuedAt: dead.identity.enqueuedAt }),
    ...(dead.identity.deliveryCount === undefined ? {} : { deliveryCount: dead.identity.deliveryCount }),
    reason: dead.reason,
    description: dead.description,
    ...(escalationId === undefined ? {} : { escalationId }),
    body: bodyText(dead.body).slice(0, MAX_DEAD_LETTER_BODY),
    outcome,
  };
  await deps.log.record(entry);
  return entry;
}

async function failEscalation(
  id: string,
  dead: DeadMessage,
  deps: DeadLetterDependencies,
  at: string,
): Promise<DeadLetterEntry["outcome"]> {
  const change = await changeEscalation(deps.store, id, ({ value }): Decision<DeadLetterEntry["outcome"]> =>
    FAILABLE.has(value.status)
      ? { write: failed(value, dead, at), answer: "escalation-failed" }
      : { stop: "escalation-unchanged" },
  );
  if (change.ok) return change.answer;
  if (change.error === "not-found") return "no-escalation";
  throw new BridgeError(
    "escalation-kept-changing",
    `escalation ${id} kept changing while its dead letter was recorded; the message will be retried`,
  );
}

function failed(escalation: Escalation, dead: DeadMessage, at: string): Escalation {
  const where = dead.source === "forwarder" ? "given up by the forwarder" : "dead-lettered by Service Bus";
  // An attempt whose outcome is unknown may have created the request: say so, with the marker to look for.
  const open =
    escalation.forwarding?.openAttempt === undefined
      ? ""
      : `; an attempt's outcome is unknown: look for [escalation:${escalation.id}] at 21Vianet before escalating again`;
  const entry: HistoryEntry = {
    at,
    from: escalation.status,
    to: "failed",
    actor: "dead-letter-handler",
    detail: `${where}: ${dead.reason}: ${dead.description}${open}`,
  };
  return {
    ...escalation,
    status: "failed",
    updatedAt: at,
    history: [...escalation.history, entry],
    ...(escalation.forwarding === undefined
      ? {}
      : { forwarding: { ...escalation.forwarding, lastError: `${dead.reason}: ${dead.description}` } }),
  };
}

/** The escalation id a message names, read leniently: a malformed message may still name one. */
function namedEscalation(body: unknown): string | undefined {
  if (typeof body !== "object" || body === null || !("escalationId" in body)) return undefined;
  const id = body.escalationId;
  return typeof id === "string" && id !== "" && id.length <= 128 ? id : undefined;
}

function bodyText(body: unknown): string {
  if (typeof body === "string") return body;
  if (Buffer.isBuffer(body)) return body.toString("utf8");
  try {
    // JSON.stringify answers undefined for undefined and functions, whatever its type says.
    const text = JSON.stringify(body) as string | undefined;
    return text ?? String(body);
  } catch {
    return String(body);
  }
}
