// In-memory stand-ins for the forwarding ports.
import type { EscalationMessage } from "../../../shared/escalations/escalation.js";
import type { DeadLetterEntry, DeadLetterLog, RetryQueue } from "../../../shared/forwarding/ports.js";
import { CriteriaRules } from "../../../shared/escalations/criteria.js";
import { submitEscalation } from "../../../shared/escalations/submit-escalation.js";
import { buildEscalationRequest } from "../escalations/builders.js";
import { FakeClock, InMemoryEscalationStore, InMemoryQueue, SequentialIds } from "../escalations/fakes.js";

export class InMemoryRetryQueue implements RetryQueue {
  readonly scheduled: { message: EscalationMessage; retry: number; at: Date }[] = [];

  scheduleRetry(message: EscalationMessage, retry: number, at: Date): Promise<void> {
    this.scheduled.push({ message, retry, at });
    return Promise.resolve();
  }
}

export class InMemoryDeadLetterLog implements DeadLetterLog {
  readonly entries = new Map<string, DeadLetterEntry>();

  record(entry: DeadLetterEntry): Promise<void> {
    this.entries.set(`${entry.source}|${entry.messageId}|${String(entry.sequenceNumber ?? "")}`, structuredClone(entry));
    return Promise.resolve();
  }
}

/** A store holding one queued escalation, and the message that references it. */
export async function queuedEscalation(store = new InMemoryEscalationStore(), clock = new FakeClock()) {
  const outcome = await submitEscalation(buildEscalationRequest(), { id: "desk", tenants: "all" }, {
    store,
    queue: new InMemoryQueue(),
    clock,
    ids: new SequentialIds(),
    rules: CriteriaRules.parse({}),
    services: ["office365"],
  });
  if (!outcome.ok) throw new Error("not accepted");
  const escalation = outcome.escalation;
  return { store, clock, escalation, message: { escalationId: escalation.id, correlationId: escalation.correlationId } };
}
