// In-memory stand-ins for the forwarding ports.
import type { EscalationMessage } from "../../../../shared/domain/escalations/escalation.js";
import type { DeadLetterEntry, DeadLetterLog, RetryQueue } from "../../../../shared/domain/forwarding/ports.js";
import { CriteriaRules } from "../../../../shared/domain/escalations/criteria.js";
import type { EscalationRequest } from "../../../../shared/domain/escalations/escalation-request.js";
import type { IdGenerator } from "../../../../shared/domain/escalations/ports.js";
import { DEFAULT_BACKOFF } from "../../../../shared/domain/forwarding/backoff.js";
import { forwardEscalation } from "../../../../shared/domain/forwarding/forward-escalation.js";
import { PortalChannel } from "../../../../shared/domain/forwarding/portal-channel.js";
import { submitEscalation } from "../../../../shared/domain/escalations/submit-escalation.js";
import { buildEscalationRequest } from "../../../builders/escalation-request.js";
import { FakeClock, InMemoryEscalationStore, InMemoryQueue, SequentialIds } from "../escalations/fakes.js";

export class InMemoryRetryQueue implements RetryQueue {
  readonly scheduled: { message: EscalationMessage; retry: number; at: Date }[] = [];
  /** The next N schedules are refused, as Service Bus refuses them when it is unavailable. */
  refuse = 0;

  scheduleRetry(message: EscalationMessage, retry: number, at: Date): Promise<void> {
    if (this.refuse > 0) {
      this.refuse--;
      return Promise.reject(new Error("ServiceBusError: ServiceUnavailable"));
    }
    this.scheduled.push({ message, retry, at });
    return Promise.resolve();
  }
}

export class InMemoryDeadLetterLog implements DeadLetterLog {
  readonly entries = new Map<string, DeadLetterEntry>();

  record(entry: DeadLetterEntry): Promise<void> {
    this.entries.set(
      `${entry.source}|${entry.messageId}|${String(entry.sequenceNumber ?? "")}`,
      structuredClone(entry),
    );
    return Promise.resolve();
  }
}

export interface QueuedOptions {
  request?: EscalationRequest;
  store?: InMemoryEscalationStore;
  clock?: FakeClock;
  ids?: IdGenerator;
}

/** A store holding one queued escalation, and the message that references it. */
export async function queuedEscalation(options: QueuedOptions = {}) {
  const store = options.store ?? new InMemoryEscalationStore();
  const clock = options.clock ?? new FakeClock();
  const outcome = await submitEscalation(
    options.request ?? buildEscalationRequest(),
    { id: "desk", tenants: "all" },
    {
      store,
      queue: new InMemoryQueue(),
      clock,
      ids: options.ids ?? new SequentialIds(),
      rules: CriteriaRules.parse({}),
      services: ["office365"],
    },
  );
  if (!outcome.ok) throw new Error("not accepted");
  const escalation = outcome.escalation;
  return {
    store,
    clock,
    escalation,
    message: { escalationId: escalation.id, correlationId: escalation.correlationId },
  };
}

/** An escalation routed to the portal channel and waiting there for a person. */
export async function awaitingPortal(options: QueuedOptions = {}) {
  const queued = await queuedEscalation(options);
  const result = await forwardEscalation(queued.message, {
    store: queued.store,
    channels: { portal: new PortalChannel() },
    routing: [{ channel: "portal" }],
    clock: queued.clock,
    backoff: DEFAULT_BACKOFF,
    newRequestId: () => "unused",
  });
  if (result.kind !== "done" || result.status !== "awaiting_portal")
    throw new Error(`not awaiting the portal: ${JSON.stringify(result)}`);
  const stored = await queued.store.get(queued.escalation.id);
  if (stored === undefined) throw new Error("lost");
  return { ...queued, escalation: stored.value };
}
