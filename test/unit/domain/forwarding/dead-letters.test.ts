// Dead letters: every one is logged once, and only the escalation's own message can fail it.
import { describe, expect, it } from "vitest";
import type { Escalation } from "../../../../shared/domain/escalations/escalation.js";
import { recordDeadLetter, type DeadMessage } from "../../../../shared/domain/forwarding/dead-letters.js";
import { MAX_DEAD_LETTER_BODY } from "../../../../shared/domain/forwarding/ports.js";
import { InMemoryEscalationStore } from "../escalations/fakes.js";
import { InMemoryDeadLetterLog, queuedEscalation } from "./fakes.js";

const QUEUE = "escalations";

function deadMessage(body: unknown, overrides: Partial<DeadMessage> = {}): DeadMessage {
  return {
    source: "dead-letter-queue",
    body,
    identity: { messageId: "m-1", sequenceNumber: 7, deliveryCount: 10, enqueuedAt: "2026-11-26T07:59:00.000Z" },
    reason: "MaxDeliveryCountExceeded",
    description: "Message could not be consumed after 10 delivery attempts.",
    failsEscalation: true,
    ...overrides,
  };
}

describe("recordDeadLetter", () => {
  it("when a queued escalation's message is dead-lettered, then the escalation fails with the reason and one entry is logged", async () => {
    const { store, clock, escalation, message } = await queuedEscalation();
    const log = new InMemoryDeadLetterLog();
    const entry = await recordDeadLetter(deadMessage(message), { store, log, clock, queue: QUEUE });
    expect(entry).toMatchObject({
      outcome: "escalation-failed",
      escalationId: escalation.id,
      reason: "MaxDeliveryCountExceeded",
      messageId: "m-1",
      sequenceNumber: 7,
      queue: QUEUE,
    });
    const failed = (await store.get(escalation.id))?.value;
    expect(failed?.status).toBe("failed");
    expect(failed?.history.at(-1)).toEqual({
      at: clock.now().toISOString(),
      from: "queued",
      to: "failed",
      actor: "dead-letter-handler",
      detail:
        "dead-lettered by Service Bus: MaxDeliveryCountExceeded: Message could not be consumed after 10 delivery attempts.",
    });
    // Recorded again (a redelivered dead letter): still one entry, and the escalation stays failed.
    await recordDeadLetter(deadMessage(message), { store, log, clock, queue: QUEUE });
    expect(log.entries.size).toBe(1);
    expect((await store.get(escalation.id))?.value.history).toHaveLength(2);
  });

  it("when the escalation already moved on, then it is left alone and the dead letter is still logged", async () => {
    const { store, clock, escalation, message } = await queuedEscalation();
    const stored = await store.get(escalation.id);
    if (stored === undefined) throw new Error("missing");
    const forwarded: Escalation = { ...stored.value, status: "forwarded" };
    await store.replace(forwarded, stored.etag);
    const log = new InMemoryDeadLetterLog();
    expect((await recordDeadLetter(deadMessage(message), { store, log, clock, queue: QUEUE })).outcome).toBe(
      "escalation-unchanged",
    );
    expect((await store.get(escalation.id))?.value.status).toBe("forwarded");
    expect(log.entries.size).toBe(1);
  });

  it("when a malformed message names an escalation, then that escalation is not failed (it has its own message)", async () => {
    const { store, clock, escalation } = await queuedEscalation();
    const log = new InMemoryDeadLetterLog();
    const entry = await recordDeadLetter(
      deadMessage(
        { escalationId: escalation.id, extra: true },
        { source: "forwarder", reason: "InvalidMessage", failsEscalation: false },
      ),
      { store, log, clock, queue: QUEUE },
    );
    expect(entry).toMatchObject({ outcome: "escalation-unchanged", escalationId: escalation.id, source: "forwarder" });
    expect((await store.get(escalation.id))?.value.status).toBe("queued");
  });

  it("when the body names no escalation, then it is logged with its text cut to the limit", async () => {
    const log = new InMemoryDeadLetterLog();
    const huge = "x".repeat(MAX_DEAD_LETTER_BODY + 100);
    const entry = await recordDeadLetter(deadMessage(huge), {
      store: new InMemoryEscalationStore(),
      log,
      clock: { now: () => new Date("2026-11-26T08:00:00Z") },
      queue: QUEUE,
    });
    expect(entry.outcome).toBe("no-escalation");
    expect(entry.escalationId).toBeUndefined();
    expect(entry.body).toHaveLength(MAX_DEAD_LETTER_BODY);
  });

  it("when an attempt's outcome is unknown, then the failure says to look for the marker at 21Vianet", async () => {
    const { store, clock, escalation, message } = await queuedEscalation();
    const stored = await store.get(escalation.id);
    if (stored === undefined) throw new Error("missing");
    const open: Escalation = {
      ...stored.value,
      forwarding: {
        channel: "partner-center",
        attempts: 1,
        firstAttemptAt: stored.value.createdAt,
        openAttempt: { requestId: "r-1", startedAt: stored.value.createdAt },
      },
    };
    await store.replace(open, stored.etag);
    await recordDeadLetter(deadMessage(message), { store, log: new InMemoryDeadLetterLog(), clock, queue: QUEUE });
    const failed = (await store.get(escalation.id))?.value;
    expect(failed?.history.at(-1)?.detail).toContain(`look for [escalation:${escalation.id}] at 21Vianet`);
    expect(failed?.forwarding?.lastError).toBe(
      "MaxDeliveryCountExceeded: Message could not be consumed after 10 delivery attempts.",
    );
  });

  it("when someone changes the escalation meanwhile, then it reads again and still fails it", async () => {
    const { store, clock, escalation, message } = await queuedEscalation();
    let interfered = false;
    const racing = Object.assign(Object.create(store) as InMemoryEscalationStore, {
      replace: async (next: Escalation, etag: string) => {
        if (!interfered) {
          interfered = true;
          const current = await store.get(escalation.id);
          if (current) await store.replace({ ...current.value, updatedAt: clock.now().toISOString() }, current.etag);
        }
        return store.replace(next, etag);
      },
      get: (id: string) => store.get(id),
    });
    expect(
      (
        await recordDeadLetter(deadMessage(message), {
          store: racing,
          log: new InMemoryDeadLetterLog(),
          clock,
          queue: QUEUE,
        })
      ).outcome,
    ).toBe("escalation-failed");
    expect(interfered).toBe(true);
    expect((await store.get(escalation.id))?.value.status).toBe("failed");
  });
});
