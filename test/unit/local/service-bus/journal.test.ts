import { describe, it, expect, afterEach } from "vitest";
import { existsSync, mkdtempSync, rmSync, statSync, truncateSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import rhea from "rhea";
import { Broker } from "../../../../local/service-bus/broker.js";
import type { QueueSettings } from "../../../../local/service-bus/config.js";
import { Journal } from "../../../../local/service-bus/journal.js";
import { readApplicationProperties } from "../../../../local/service-bus/message-codec.js";
import type { Queue, StoredMessage } from "../../../../local/service-bus/queue.js";
import { FakeClock, FakeConsumer, brokerSettings, encodedMessage, queueSettings, scheduledFor } from "./builders.js";

const JOURNAL_FILE = "servicebus.journal";

const openBrokers = new Set<Broker>();
const directories: string[] = [];

afterEach(() => {
  for (const broker of openBrokers) broker.close();
  openBrokers.clear();
  for (const directory of directories.splice(0)) rmSync(directory, { recursive: true, force: true });
});

function temporaryDirectory(): string {
  const directory = mkdtempSync(join(tmpdir(), "sb-journal-"));
  directories.push(directory);
  return directory;
}

interface Durable {
  dataDir: string;
  clock: FakeClock;
  settings: QueueSettings[];
}

function durable(overrides: Partial<QueueSettings> = {}): Durable {
  return { dataDir: temporaryDirectory(), clock: new FakeClock(), settings: [queueSettings(overrides)] };
}

function openBroker(setup: Durable): Broker {
  const broker = new Broker(brokerSettings(setup.settings), { dataDir: setup.dataDir, now: () => setup.clock.now });
  openBrokers.add(broker);
  return broker;
}

function closeBroker(broker: Broker): void {
  broker.close();
  openBrokers.delete(broker);
}

/** Closes the broker and opens a new one on the same data directory. */
function restart(broker: Broker, setup: Durable): Broker {
  closeBroker(broker);
  return openBroker(setup);
}

function ordersOf(broker: Broker): Queue {
  const queue = broker.queue("orders");
  if (queue === undefined) throw new Error("queue 'orders' is missing");
  return queue;
}

function deadLettersOf(broker: Broker): Queue {
  const queue = ordersOf(broker).deadLetterQueue;
  if (queue === undefined) throw new Error("queue 'orders' has no dead-letter queue");
  return queue;
}

function snapshot(
  queue: Queue,
): { sequenceNumber: number; messageId: unknown; deliveryCount: number; state: string }[] {
  return [...queue.storedMessages()].map((stored) => ({
    sequenceNumber: stored.sequenceNumber,
    messageId: stored.message.messageId,
    deliveryCount: stored.deliveryCount,
    state: stored.state,
  }));
}

function bySequenceNumber(queue: Queue, sequenceNumber: number): StoredMessage {
  const [stored] = queue.peek(sequenceNumber, 1);
  if (stored?.sequenceNumber !== sequenceNumber) throw new Error(`no message ${sequenceNumber}`);
  return stored;
}

function sendOne(queue: Queue, messageId: string, overrides: Record<string, unknown> = {}): number {
  const [sequenceNumber] = queue.send([encodedMessage({ message_id: messageId, ...overrides })]);
  if (sequenceNumber === undefined) throw new Error(`message ${messageId} was not stored`);
  return sequenceNumber;
}

describe("Journal through a durable Broker", () => {
  it("when a broker opens on an empty directory, then it creates the journal file and starts empty", () => {
    const setup = durable();
    setup.dataDir = join(setup.dataDir, "nested", "data");

    const broker = openBroker(setup);

    expect(existsSync(join(setup.dataDir, JOURNAL_FILE))).toBe(true);
    expect(snapshot(ordersOf(broker))).toEqual([]);
    expect(ordersOf(broker).nextSequenceNumber).toBe(1);
  });

  it("when the broker restarts, then sent messages survive with their sequence numbers and exact bytes", () => {
    const setup = durable();
    const broker = openBroker(setup);
    const wire = {
      application_properties: { n: rhea.types.wrap_short(-3) },
      body: rhea.message.data_section(Buffer.from("payload")) as unknown,
    };
    ordersOf(broker).send([encodedMessage({ message_id: "a", ...wire }), encodedMessage({ message_id: "b" })]);
    const before = bySequenceNumber(ordersOf(broker), 1).message;

    const reopened = restart(broker, setup);

    expect(snapshot(ordersOf(reopened))).toEqual([
      { sequenceNumber: 1, messageId: "a", deliveryCount: 0, state: "active" },
      { sequenceNumber: 2, messageId: "b", deliveryCount: 0, state: "active" },
    ]);
    const after = bySequenceNumber(ordersOf(reopened), 1);
    expect(after.message.properties).toEqual(before.properties);
    expect(after.message.applicationProperties).toEqual(before.applicationProperties);
    expect(after.message.body).toEqual(before.body);
    expect(after.enqueuedTimeMs).toBe(setup.clock.now);
  });

  it("when messages were completed before the restart, then they stay gone", () => {
    const setup = durable();
    const broker = openBroker(setup);
    for (const id of ["a", "b", "c"]) sendOne(ordersOf(broker), id);
    const consumer = new FakeConsumer({ credit: 2 });
    ordersOf(broker).addConsumer(consumer);
    ordersOf(broker).settle(consumer.deliveries[0]?.lockKey ?? "", { kind: "complete" });
    ordersOf(broker).settle(consumer.deliveries[1]?.lockKey ?? "", { kind: "abandon" });

    const reopened = restart(broker, setup);

    expect(snapshot(ordersOf(reopened))).toEqual([
      { sequenceNumber: 2, messageId: "b", deliveryCount: 1, state: "active" },
      { sequenceNumber: 3, messageId: "c", deliveryCount: 0, state: "active" },
    ]);
  });

  it("when the broker restarts, then delivery counts and deferred and scheduled states survive", () => {
    const setup = durable();
    const broker = openBroker(setup);
    const queue = ordersOf(broker);
    sendOne(queue, "abandoned");
    sendOne(queue, "deferred");
    queue.send([scheduledFor(setup.clock.now + 60_000, { message_id: "scheduled" })]);
    const consumer = new FakeConsumer({ credit: 2 });
    queue.addConsumer(consumer);
    queue.settle(consumer.deliveries[0]?.lockKey ?? "", { kind: "abandon", properties: { retried: "yes" } });
    queue.settle(consumer.deliveries[1]?.lockKey ?? "", { kind: "defer" });
    queue.removeConsumer(consumer);

    const reopened = restart(broker, setup);

    const restored = ordersOf(reopened);
    expect(snapshot(restored)).toEqual([
      { sequenceNumber: 1, messageId: "abandoned", deliveryCount: 1, state: "active" },
      { sequenceNumber: 2, messageId: "deferred", deliveryCount: 1, state: "deferred" },
      { sequenceNumber: 3, messageId: "scheduled", deliveryCount: 0, state: "scheduled" },
    ]);
    expect(readApplicationProperties(bySequenceNumber(restored, 1).message)).toEqual({ retried: "yes" });
    expect(bySequenceNumber(restored, 3).scheduledEnqueueTimeMs).toBe(setup.clock.now + 60_000);
  });

  it("when restored, then deferred messages are received by sequence number and scheduled ones activate on time", () => {
    const setup = durable();
    const broker = openBroker(setup);
    const queue = ordersOf(broker);
    const deferred = sendOne(queue, "deferred");
    queue.send([scheduledFor(setup.clock.now + 60_000, { message_id: "scheduled" })]);
    const first = new FakeConsumer({ credit: 1 });
    queue.addConsumer(first);
    queue.settle(first.lastLockKey(), { kind: "defer" });

    const reopened = restart(broker, setup);
    const restored = ordersOf(reopened);
    const consumer = new FakeConsumer();
    restored.addConsumer(consumer);
    const deliveredBeforeSchedule = consumer.deliveries.length;
    setup.clock.advance(60_000);
    restored.tick();

    expect(deliveredBeforeSchedule).toBe(0);
    expect(consumer.deliveries.map((d) => d.messageId)).toEqual(["scheduled"]);
    const received = restored.receiveDeferred([deferred], "peekLock");
    expect(received.ok && received.messages.map((m) => [m.stored.message.messageId, m.stored.deliveryCount])).toEqual([
      ["deferred", 1],
    ]);
  });

  it("when a scheduled message was cancelled before the restart, then it does not come back", () => {
    const setup = durable();
    const broker = openBroker(setup);
    const [sequenceNumber] = ordersOf(broker).schedule([
      scheduledFor(setup.clock.now + 60_000, { message_id: "cancelled" }),
    ]);
    ordersOf(broker).cancelScheduled([sequenceNumber ?? -1]);

    const reopened = restart(broker, setup);

    expect(snapshot(ordersOf(reopened))).toEqual([]);
  });

  it("when the broker restarts, then dead-lettered messages survive in the dead-letter queue with their reason", () => {
    const setup = durable({ maxDeliveryCount: 2 });
    const broker = openBroker(setup);
    sendOne(ordersOf(broker), "poison");
    sendOne(ordersOf(broker), "exhausted");
    const consumer = new FakeConsumer({ credit: 1 });
    ordersOf(broker).addConsumer(consumer);
    ordersOf(broker).settle(consumer.lastLockKey(), { kind: "deadLetter", reason: "Poison", description: "bad body" });
    consumer.creditLeft = 10;
    ordersOf(broker).creditAvailable();
    ordersOf(broker).settle(consumer.lastLockKey(), { kind: "abandon" });
    ordersOf(broker).settle(consumer.lastLockKey(), { kind: "abandon" });

    const reopened = restart(broker, setup);

    expect(snapshot(ordersOf(reopened))).toEqual([]);
    const deadLetters = deadLettersOf(reopened);
    expect(snapshot(deadLetters)).toEqual([
      { sequenceNumber: 1, messageId: "poison", deliveryCount: 0, state: "active" },
      { sequenceNumber: 2, messageId: "exhausted", deliveryCount: 2, state: "active" },
    ]);
    expect(readApplicationProperties(bySequenceNumber(deadLetters, 1).message)).toEqual({
      DeadLetterReason: "Poison",
      DeadLetterErrorDescription: "bad body",
    });
    expect(readApplicationProperties(bySequenceNumber(deadLetters, 2).message)).toMatchObject({
      DeadLetterReason: "MaxDeliveryCountExceeded",
    });
    expect(deadLetters.nextSequenceNumber).toBe(3);
  });

  it("when every message was completed before the restart, then the next sequence number still continues", () => {
    const setup = durable();
    const broker = openBroker(setup);
    const consumer = new FakeConsumer({ receiveMode: "receiveAndDelete" });
    ordersOf(broker).addConsumer(consumer);
    for (const id of ["a", "b", "c"]) sendOne(ordersOf(broker), id);

    const reopened = restart(broker, setup);
    const sequenceNumber = sendOne(ordersOf(reopened), "d");

    expect(consumer.deliveries).toHaveLength(3);
    expect(sequenceNumber).toBe(4);
  });

  it("when the broker restarts twice, then sequence numbers keep increasing", () => {
    const setup = durable();
    let broker = openBroker(setup);
    sendOne(ordersOf(broker), "a");
    broker = restart(broker, setup);
    sendOne(ordersOf(broker), "b");

    broker = restart(broker, setup);

    expect(sendOne(ordersOf(broker), "c")).toBe(3);
    expect(snapshot(ordersOf(broker)).map((m) => m.sequenceNumber)).toEqual([1, 2, 3]);
  });

  it("when duplicate detection is on, then message ids seen before the restart are still detected within the window", () => {
    const setup = durable({ requiresDuplicateDetection: true, duplicateDetectionWindowMs: 60_000 });
    const broker = openBroker(setup);
    sendOne(ordersOf(broker), "once");

    const reopened = restart(broker, setup);
    setup.clock.advance(59_999);
    const duplicate = ordersOf(reopened).send([encodedMessage({ message_id: "once" })]);
    setup.clock.advance(1);
    const afterWindow = ordersOf(reopened).send([encodedMessage({ message_id: "once" })]);

    expect(duplicate).toEqual([]);
    expect(afterWindow).toEqual([2]);
  });

  it("when a message was locked when the broker closed, then it comes back active with one more delivery", () => {
    const setup = durable();
    const broker = openBroker(setup);
    sendOne(ordersOf(broker), "in-flight");
    const consumer = new FakeConsumer();
    ordersOf(broker).addConsumer(consumer);
    ordersOf(broker).settle(consumer.lastLockKey(), { kind: "abandon" });
    expect(consumer.last().deliveryCount).toBe(1);

    const reopened = restart(broker, setup);
    const next = new FakeConsumer();
    ordersOf(reopened).addConsumer(next);

    expect(next.deliveries.map((d) => [d.messageId, d.deliveryCount, d.lockKey === undefined])).toEqual([
      ["in-flight", 2, false],
    ]);
    expect(ordersOf(reopened).counts().locked).toBe(1);
  });

  it("when a locked message reaches MaxDeliveryCount through the restart, then it is dead-lettered", () => {
    const setup = durable({ maxDeliveryCount: 1 });
    const broker = openBroker(setup);
    sendOne(ordersOf(broker), "in-flight");
    ordersOf(broker).addConsumer(new FakeConsumer());

    const reopened = restart(broker, setup);

    expect(snapshot(ordersOf(reopened))).toEqual([]);
    expect(snapshot(deadLettersOf(reopened))).toEqual([
      { sequenceNumber: 1, messageId: "in-flight", deliveryCount: 1, state: "active" },
    ]);
  });

  it("when a lost lock was counted at one restart, then the next restart does not count it again", () => {
    const setup = durable();
    const broker = openBroker(setup);
    sendOne(ordersOf(broker), "in-flight");
    ordersOf(broker).addConsumer(new FakeConsumer());

    const once = restart(broker, setup);
    const twice = restart(once, setup);

    expect(snapshot(ordersOf(twice))).toEqual([
      { sequenceNumber: 1, messageId: "in-flight", deliveryCount: 1, state: "active" },
    ]);
  });

  it("when a message's TTL runs on across a restart, then it expires at its original time", () => {
    const setup = durable();
    const broker = openBroker(setup);
    sendOne(ordersOf(broker), "short-lived", { ttl: 10_000 });
    setup.clock.advance(5_000);

    const reopened = restart(broker, setup);
    setup.clock.advance(4_999);
    ordersOf(reopened).tick();
    const beforeExpiry = snapshot(ordersOf(reopened)).length;
    setup.clock.advance(1);
    ordersOf(reopened).tick();

    expect(beforeExpiry).toBe(1);
    expect(snapshot(ordersOf(reopened))).toEqual([]);
  });

  /** A journal holding "kept", then "torn" cut three bytes short, as a crash mid-write leaves it. */
  function tornJournal() {
    const setup = durable();
    const broker = openBroker(setup);
    sendOne(ordersOf(broker), "kept");
    sendOne(ordersOf(broker), "torn");
    closeBroker(broker);
    const path = join(setup.dataDir, JOURNAL_FILE);
    truncateSync(path, statSync(path).size - 3);
    return setup;
  }

  it("when the last record was torn by a crash, then it is ignored and earlier records are kept", () => {
    const setup = tornJournal();
    const reopened = openBroker(setup);

    expect(snapshot(ordersOf(reopened))).toEqual([
      { sequenceNumber: 1, messageId: "kept", deliveryCount: 0, state: "active" },
    ]);
  });

  it("when a torn journal was recovered, then records written afterwards survive the next restart", () => {
    const setup = tornJournal();
    const recovered = openBroker(setup);
    sendOne(ordersOf(recovered), "after");

    const reopened = restart(recovered, setup);

    expect(snapshot(ordersOf(reopened)).map((m) => m.messageId)).toEqual(["kept", "after"]);
  });

  it("when only a few bytes of a record header were written, then replay stops there", () => {
    const setup = durable();
    const broker = openBroker(setup);
    sendOne(ordersOf(broker), "kept");
    closeBroker(broker);
    const path = join(setup.dataDir, JOURNAL_FILE);
    const sizeWithOne = statSync(path).size;
    const again = openBroker(setup);
    sendOne(ordersOf(again), "torn");
    closeBroker(again);

    truncateSync(path, sizeWithOne + 5);
    const reopened = openBroker(setup);

    expect(snapshot(ordersOf(reopened)).map((m) => m.messageId)).toEqual(["kept"]);
  });

  it("when the broker reopens, then the journal is compacted to the live messages", () => {
    const setup = durable();
    const broker = openBroker(setup);
    const consumer = new FakeConsumer({ receiveMode: "receiveAndDelete" });
    ordersOf(broker).addConsumer(consumer);
    for (let i = 0; i < 50; i++) sendOne(ordersOf(broker), `gone-${i}`, { body: "x".repeat(1_000) });
    ordersOf(broker).removeConsumer(consumer);
    sendOne(ordersOf(broker), "live");
    closeBroker(broker);
    const path = join(setup.dataDir, JOURNAL_FILE);
    const sizeBefore = statSync(path).size;

    const reopened = openBroker(setup);
    const sizeAfter = statSync(path).size;

    expect(sizeAfter).toBeLessThan(sizeBefore / 10);
    expect(snapshot(ordersOf(reopened)).map((m) => [m.sequenceNumber, m.messageId])).toEqual([[51, "live"]]);
  });

  it("when queue names differ in case between runs, then the journal still matches them", () => {
    const setup = durable({ name: "Orders" });
    const broker = openBroker(setup);
    sendOne(ordersOf(broker), "a");
    closeBroker(broker);

    setup.settings = [queueSettings({ name: "ORDERS" })];
    const reopened = openBroker(setup);

    expect(snapshot(ordersOf(reopened)).map((m) => m.messageId)).toEqual(["a"]);
  });
});

describe("Journal.open", () => {
  it("when opened on a fresh directory, then nothing is recovered", () => {
    const { journal, recovered } = Journal.open(temporaryDirectory());
    journal.close();

    expect(recovered.size).toBe(0);
  });

  it("when a broker wrote to the directory, then replay reports each queue and dead-letter queue by lower-case name", () => {
    const setup = durable({ name: "Orders" });
    const broker = openBroker(setup);
    sendOne(ordersOf(broker), "a");
    sendOne(ordersOf(broker), "b");
    const consumer = new FakeConsumer({ credit: 2 });
    ordersOf(broker).addConsumer(consumer);
    ordersOf(broker).settle(consumer.deliveries[0]?.lockKey ?? "", { kind: "deadLetter" });
    closeBroker(broker);

    const { journal, recovered } = Journal.open(setup.dataDir);
    journal.close();

    const queue = recovered.get("orders");
    const deadLetters = recovered.get("orders/$deadletterqueue");
    expect(queue?.nextSequenceNumber).toBe(3);
    expect(
      [...(queue?.messages.values() ?? [])].map((entry) => [entry.stored.message.messageId, entry.lockedWhenStopped]),
    ).toEqual([["b", true]]);
    expect([...(deadLetters?.messages.values() ?? [])].map((entry) => entry.stored.message.messageId)).toEqual(["a"]);
  });

  it("when records are written through a queue journal and compacted, then a snapshot with locks and message ids replays", () => {
    const directory = temporaryDirectory();
    const clock = new FakeClock();
    const broker = new Broker(brokerSettings([queueSettings({ requiresDuplicateDetection: true })]), {
      now: () => clock.now,
    });
    openBrokers.add(broker);
    const source = ordersOf(broker);
    sendOne(source, "locked");
    sendOne(source, "waiting");
    source.addConsumer(new FakeConsumer({ credit: 1 }));
    const { journal } = Journal.open(directory);
    journal.setSnapshotSources(() => [
      {
        journalName: "Orders",
        nextSequenceNumber: 9,
        storedMessages: () => source.storedMessages(),
        recentMessageIds: () => source.recentMessageIds(),
      },
    ]);

    journal.compact();
    journal.close();
    const { journal: reopened, recovered } = Journal.open(directory);
    reopened.close();

    const queue = recovered.get("orders");
    expect(queue?.nextSequenceNumber).toBe(9);
    expect([...(queue?.messageIds.entries() ?? [])]).toEqual([
      ["s:locked", clock.now],
      ["s:waiting", clock.now],
    ]);
    expect(
      [...(queue?.messages.values() ?? [])].map((entry) => [
        entry.stored.sequenceNumber,
        entry.stored.message.messageId,
        entry.lockedWhenStopped,
      ]),
    ).toEqual([
      [1, "locked", true],
      [2, "waiting", false],
    ]);
  });
});
