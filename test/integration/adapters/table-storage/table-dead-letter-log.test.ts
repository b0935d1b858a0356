// Dead letters in Azurite: one row per message however often it is recorded, by day, any id.
import { describe, expect, it } from "vitest";
import { freshTable } from "./fresh-table.js";
import { TableDeadLetterLog } from "../../../../shared/adapters/table-storage/table-dead-letter-log.js";
import type { DeadLetterEntry } from "../../../../shared/domain/forwarding/ports.js";

const entry = (overrides: Partial<DeadLetterEntry> = {}): DeadLetterEntry => ({
  source: "dead-letter-queue",
  at: "2026-11-26T09:00:00.000Z",
  messageId: "esc-1",
  sequenceNumber: 3_000_000_000,
  enqueuedAt: "2026-11-26T08:00:00.000Z",
  deliveryCount: 10,
  reason: "MaxDeliveryCountExceeded",
  description: "Message could not be consumed after 10 delivery attempts.",
  escalationId: "esc-1",
  body: '{"escalationId":"esc-1","correlationId":"c"}',
  outcome: "escalation-failed",
  ...overrides,
});

describe("TableDeadLetterLog", () => {
  const table = freshTable("dead");
  const log = new TableDeadLetterLog(table);

  it("when the same dead letter is recorded twice, then the day holds it once, read back unchanged", async () => {
    await log.record(entry());
    await log.record(entry({ at: "2026-11-26T09:05:00.000Z" }));
    const day = await log.listDay("2026-11-26");
    expect(day).toEqual([entry({ at: "2026-11-26T09:05:00.000Z" })]);
  });

  it("when the forwarder and the dead-letter queue both record one message, then they are two entries", async () => {
    await log.record(entry({ messageId: "esc-2", escalationId: "esc-2", enqueuedAt: "2026-11-27T00:00:01.000Z" }));
    await log.record(
      entry({
        messageId: "esc-2",
        escalationId: "esc-2",
        enqueuedAt: "2026-11-27T00:00:01.000Z",
        source: "forwarder",
        reason: "InvalidMessage",
        outcome: "escalation-unchanged",
      }),
    );
    expect((await log.listDay("2026-11-27")).map((row) => row.source).sort()).toEqual([
      "dead-letter-queue",
      "forwarder",
    ]);
  });

  it("when the message id is any text up to Service Bus's 128 characters, then it is stored and read back", async () => {
    const ids = ["a/b\\c#d?e", "\u4e2d\u6587-\u{1f600}".repeat(20), "~".repeat(128)];
    for (const messageId of ids) await log.record(entry({ messageId, enqueuedAt: "2026-11-28T10:00:00.000Z" }));
    const stored = await log.listDay("2026-11-28");
    expect(stored.map((row) => row.messageId).sort()).toEqual([...ids].sort());
  });

  it("when a message has no enqueue time, then it is filed under the day it was recorded", async () => {
    const withoutEnqueue = entry({ messageId: "no-time", at: "2026-11-29T23:59:59.000Z" });
    delete withoutEnqueue.enqueuedAt;
    await log.record(withoutEnqueue);
    expect((await log.listDay("2026-11-29")).map((row) => row.messageId)).toEqual(["no-time"]);
  });
});
