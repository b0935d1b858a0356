import { describe, it, expect } from "vitest";
import rhea from "rhea";
import type { QueueSettings } from "../../../../local/service-bus/config.js";
import { readApplicationProperties } from "../../../../local/service-bus/message-codec.js";
import { Queue, type StoredMessage } from "../../../../local/service-bus/queue.js";
import {
  FakeClock,
  FakeConsumer,
  FOREVER_MS,
  encodedMessage,
  messageWithoutId,
  queueSettings,
  scheduledFor,
} from "./builders.js";

function createQueue(overrides: Partial<QueueSettings> = {}): { clock: FakeClock; queue: Queue } {
  const clock = new FakeClock();
  const queue = new Queue({ settings: queueSettings(overrides), now: () => clock.now });
  return { clock, queue };
}

function deadLetterQueueOf(queue: Queue): Queue {
  const deadLetterQueue = queue.deadLetterQueue;
  if (deadLetterQueue === undefined) throw new Error("queue has no dead-letter queue");
  return deadLetterQueue;
}

function messageIds(messages: Iterable<StoredMessage>): unknown[] {
  return [...messages].map((stored) => stored.message.messageId);
}

function only(queue: Queue): StoredMessage {
  const all = [...queue.storedMessages()];
  expect(all).toHaveLength(1);
  const [stored] = all;
  if (stored === undefined) throw new Error("unreachable");
  return stored;
}

function sendOne(queue: Queue, messageId: string, overrides: Record<string, unknown> = {}): number {
  const [sequenceNumber] = queue.send([encodedMessage({ message_id: messageId, ...overrides })]);
  if (sequenceNumber === undefined) throw new Error(`message ${messageId} was not stored`);
  return sequenceNumber;
}

describe("Queue", () => {
  describe("ordering", () => {
    it("when messages are sent, then they get increasing sequence numbers starting at 1", () => {
      const { queue } = createQueue();

      const first = queue.send([encodedMessage({ message_id: "a" }), encodedMessage({ message_id: "b" })]);
      const second = queue.send([encodedMessage({ message_id: "c" })]);

      expect(first).toEqual([1, 2]);
      expect(second).toEqual([3]);
      expect(queue.nextSequenceNumber).toBe(4);
    });

    it("when a consumer attaches after messages were sent, then it receives them in sequence-number order", () => {
      const { queue } = createQueue();
      for (const id of ["a", "b", "c", "d"]) sendOne(queue, id);
      const consumer = new FakeConsumer();

      queue.addConsumer(consumer);

      expect(consumer.deliveries.map((d) => d.sequenceNumber)).toEqual([1, 2, 3, 4]);
      expect(consumer.deliveries.map((d) => d.messageId)).toEqual(["a", "b", "c", "d"]);
    });

    it("when an earlier message is abandoned, then it is redelivered before later messages that are still waiting", () => {
      const { queue } = createQueue();
      for (const id of ["a", "b", "c"]) sendOne(queue, id);
      const consumer = new FakeConsumer({ credit: 2 });
      queue.addConsumer(consumer);
      const lockOfB = consumer.deliveries[1]?.lockKey ?? "";

      expect(queue.settle(lockOfB, { kind: "abandon" })).toEqual({ ok: true });
      consumer.creditLeft = 2;
      queue.creditAvailable();

      expect(consumer.deliveries.map((d) => d.messageId)).toEqual(["a", "b", "b", "c"]);
    });

    it("when a consumer has no credit, then nothing is delivered until credit is added", () => {
      const { queue } = createQueue();
      const consumer = new FakeConsumer({ credit: 0 });
      queue.addConsumer(consumer);
      sendOne(queue, "a");
      sendOne(queue, "b");
      expect(consumer.deliveries).toHaveLength(0);

      consumer.creditLeft = 1;
      queue.creditAvailable();

      expect(consumer.deliveries.map((d) => d.messageId)).toEqual(["a"]);
      expect(queue.counts()).toEqual({ active: 2, scheduled: 0, deferred: 0, locked: 1 });
    });

    it("when two consumers have credit, then deliveries alternate between them", () => {
      const { queue } = createQueue();
      const first = new FakeConsumer({ credit: 2 });
      const second = new FakeConsumer({ credit: 2 });
      queue.addConsumer(first);
      queue.addConsumer(second);

      for (const id of ["a", "b", "c", "d"]) sendOne(queue, id);

      expect(first.deliveries.map((d) => d.messageId)).toEqual(["a", "c"]);
      expect(second.deliveries.map((d) => d.messageId)).toEqual(["b", "d"]);
    });

    it("when a consumer is removed, then it receives nothing more", () => {
      const { queue } = createQueue();
      const consumer = new FakeConsumer();
      queue.addConsumer(consumer);
      sendOne(queue, "a");

      queue.removeConsumer(consumer);
      sendOne(queue, "b");

      expect(consumer.deliveries.map((d) => d.messageId)).toEqual(["a"]);
      expect(queue.counts().active).toBe(2);
    });
  });

  describe("peekLock", () => {
    it("when a message is first delivered, then it is locked for the lock duration with delivery count 0", () => {
      const { clock, queue } = createQueue({ lockDurationMs: 45_000 });
      sendOne(queue, "a");
      const consumer = new FakeConsumer();

      queue.addConsumer(consumer);

      const delivery = consumer.last();
      expect(delivery.deliveryCount).toBe(0);
      expect(delivery.lock?.token).toHaveLength(16);
      expect(delivery.lockedUntilMs).toBe(clock.now + 45_000);
      expect(queue.hasLock(consumer.lastLockKey())).toBe(true);
      expect(queue.counts()).toEqual({ active: 1, scheduled: 0, deferred: 0, locked: 1 });
    });

    it("when a locked message is completed, then it is removed from the queue", () => {
      const { queue } = createQueue();
      sendOne(queue, "a");
      const consumer = new FakeConsumer();
      queue.addConsumer(consumer);

      const result = queue.settle(consumer.lastLockKey(), { kind: "complete" });

      expect(result).toEqual({ ok: true });
      expect([...queue.storedMessages()]).toHaveLength(0);
      expect(queue.counts()).toEqual({ active: 0, scheduled: 0, deferred: 0, locked: 0 });
    });

    it("when a message is completed twice, then the second settle reports lockLost", () => {
      const { queue } = createQueue();
      sendOne(queue, "a");
      const consumer = new FakeConsumer();
      queue.addConsumer(consumer);
      const lockKey = consumer.lastLockKey();
      queue.settle(lockKey, { kind: "complete" });

      expect(queue.settle(lockKey, { kind: "complete" })).toEqual({ ok: false, error: "lockLost" });
    });

    it("when a lock key is unknown, then settle and renew report lockLost", () => {
      const { queue } = createQueue();

      expect(queue.settle("00".repeat(16), { kind: "complete" })).toEqual({ ok: false, error: "lockLost" });
      expect(queue.renewLock("00".repeat(16))).toEqual({ ok: false, error: "lockLost" });
      expect(queue.hasLock("00".repeat(16))).toBe(false);
    });

    it("when a message is abandoned, then it is redelivered with delivery count 1 under a new lock", () => {
      const { queue } = createQueue();
      sendOne(queue, "a");
      const consumer = new FakeConsumer();
      queue.addConsumer(consumer);
      const firstLock = consumer.lastLockKey();

      queue.settle(firstLock, { kind: "abandon" });

      expect(consumer.deliveries.map((d) => d.deliveryCount)).toEqual([0, 1]);
      const secondLock = consumer.lastLockKey();
      expect(secondLock).not.toBe(firstLock);
      expect(queue.hasLock(firstLock)).toBe(false);
      expect(queue.settle(firstLock, { kind: "complete" })).toEqual({ ok: false, error: "lockLost" });
      expect(queue.settle(secondLock, { kind: "complete" })).toEqual({ ok: true });
    });

    it("when a message is abandoned with properties, then they are merged into its application properties and other entries are kept", () => {
      const { queue } = createQueue();
      sendOne(queue, "a", { application_properties: { keep: "yes", attempt: rhea.types.wrap_int(1) } });
      const consumer = new FakeConsumer();
      queue.addConsumer(consumer);

      queue.settle(consumer.lastLockKey(), { kind: "abandon", properties: { attempt: 2, reason: "busy" } });

      expect(readApplicationProperties(consumer.last().stored.message)).toEqual({
        keep: "yes",
        attempt: 2,
        reason: "busy",
      });
    });
  });

  describe("lock expiry and renewal", () => {
    it("when a lock expires, then the message is redelivered with delivery count 1 and a new lock", () => {
      const { clock, queue } = createQueue({ lockDurationMs: 30_000 });
      sendOne(queue, "a");
      const consumer = new FakeConsumer();
      queue.addConsumer(consumer);
      const expiredLock = consumer.lastLockKey();

      clock.advance(30_000);
      queue.tick();

      expect(consumer.deliveries.map((d) => d.deliveryCount)).toEqual([0, 1]);
      const newLock = consumer.lastLockKey();
      expect(newLock).not.toBe(expiredLock);
      expect(consumer.last().lockedUntilMs).toBe(clock.now + 30_000);
      expect(queue.settle(expiredLock, { kind: "complete" })).toEqual({ ok: false, error: "lockLost" });
      expect(queue.settle(newLock, { kind: "complete" })).toEqual({ ok: true });
    });

    it("when the lock time has passed but no tick ran yet, then settling still reports lockLost", () => {
      const { clock, queue } = createQueue({ lockDurationMs: 30_000 });
      sendOne(queue, "a");
      const consumer = new FakeConsumer();
      queue.addConsumer(consumer);

      clock.advance(30_000);

      expect(queue.hasLock(consumer.lastLockKey())).toBe(false);
      expect(queue.settle(consumer.lastLockKey(), { kind: "complete" })).toEqual({ ok: false, error: "lockLost" });
    });

    it("when a lock has not yet expired, then a tick leaves the message locked", () => {
      const { clock, queue } = createQueue({ lockDurationMs: 30_000 });
      sendOne(queue, "a");
      const consumer = new FakeConsumer();
      queue.addConsumer(consumer);

      clock.advance(29_999);
      queue.tick();

      expect(consumer.deliveries).toHaveLength(1);
      expect(queue.settle(consumer.lastLockKey(), { kind: "complete" })).toEqual({ ok: true });
    });

    it("when a lock is renewed, then it lasts a full lock duration from the renewal and does not expire at the old time", () => {
      const { clock, queue } = createQueue({ lockDurationMs: 30_000 });
      sendOne(queue, "a");
      const consumer = new FakeConsumer();
      queue.addConsumer(consumer);
      const lockKey = consumer.lastLockKey();
      clock.advance(20_000);

      const renewed = queue.renewLock(lockKey);
      clock.advance(15_000);
      queue.tick();

      expect(renewed).toEqual({ ok: true, lockedUntilMs: clock.now - 15_000 + 30_000 });
      expect(consumer.deliveries).toHaveLength(1);
      expect(queue.hasLock(lockKey)).toBe(true);
      expect(queue.settle(lockKey, { kind: "complete" })).toEqual({ ok: true });
    });

    it("when a renewed lock reaches its new expiry, then the message is redelivered", () => {
      const { clock, queue } = createQueue({ lockDurationMs: 30_000 });
      sendOne(queue, "a");
      const consumer = new FakeConsumer();
      queue.addConsumer(consumer);
      clock.advance(20_000);
      queue.renewLock(consumer.lastLockKey());

      clock.advance(30_000);
      queue.tick();

      expect(consumer.deliveries.map((d) => d.deliveryCount)).toEqual([0, 1]);
    });

    it("when a lock has already expired, then renewing it reports lockLost", () => {
      const { clock, queue } = createQueue({ lockDurationMs: 30_000 });
      sendOne(queue, "a");
      const consumer = new FakeConsumer();
      queue.addConsumer(consumer);

      clock.advance(30_000);

      expect(queue.renewLock(consumer.lastLockKey())).toEqual({ ok: false, error: "lockLost" });
    });
  });

  describe("MaxDeliveryCount", () => {
    it("when abandons reach MaxDeliveryCount, then the message moves to the dead-letter queue with reason MaxDeliveryCountExceeded", () => {
      const { queue } = createQueue({ maxDeliveryCount: 3 });
      sendOne(queue, "a", { application_properties: { origin: "test" } });
      const consumer = new FakeConsumer();
      queue.addConsumer(consumer);

      for (let i = 0; i < 3; i++) queue.settle(consumer.lastLockKey(), { kind: "abandon" });

      expect(consumer.deliveries.map((d) => d.deliveryCount)).toEqual([0, 1, 2]);
      expect([...queue.storedMessages()]).toHaveLength(0);
      const deadLettered = only(deadLetterQueueOf(queue));
      expect(deadLettered.deliveryCount).toBe(3);
      expect(deadLettered.message.messageId).toBe("a");
      expect(readApplicationProperties(deadLettered.message)).toEqual({
        origin: "test",
        DeadLetterReason: "MaxDeliveryCountExceeded",
        DeadLetterErrorDescription: "Message could not be consumed after 3 delivery attempts.",
      });
    });

    it("when lock expiries reach MaxDeliveryCount, then the message is dead-lettered with delivery count equal to the maximum", () => {
      const { clock, queue } = createQueue({ maxDeliveryCount: 2, lockDurationMs: 1_000 });
      sendOne(queue, "a");
      const consumer = new FakeConsumer();
      queue.addConsumer(consumer);

      clock.advance(1_000);
      queue.tick();
      clock.advance(1_000);
      queue.tick();

      expect(consumer.deliveries.map((d) => d.deliveryCount)).toEqual([0, 1]);
      expect([...queue.storedMessages()]).toHaveLength(0);
      const deadLettered = only(deadLetterQueueOf(queue));
      expect(deadLettered.deliveryCount).toBe(2);
      expect(readApplicationProperties(deadLettered.message)).toMatchObject({
        DeadLetterReason: "MaxDeliveryCountExceeded",
        DeadLetterErrorDescription: "Message could not be consumed after 2 delivery attempts.",
      });
    });

    it("when abandons stay below MaxDeliveryCount, then the message stays in the queue", () => {
      const { queue } = createQueue({ maxDeliveryCount: 3 });
      sendOne(queue, "a");
      const consumer = new FakeConsumer();
      queue.addConsumer(consumer);

      queue.settle(consumer.lastLockKey(), { kind: "abandon" });
      queue.settle(consumer.lastLockKey(), { kind: "abandon" });

      expect(consumer.deliveries.map((d) => d.deliveryCount)).toEqual([0, 1, 2]);
      expect([...deadLetterQueueOf(queue).storedMessages()]).toHaveLength(0);
    });

    it("when a dead-lettered message is abandoned repeatedly in the dead-letter queue, then it stays there", () => {
      const { queue } = createQueue({ maxDeliveryCount: 1 });
      sendOne(queue, "a");
      const consumer = new FakeConsumer();
      queue.addConsumer(consumer);
      queue.settle(consumer.lastLockKey(), { kind: "abandon" });
      const deadLetterQueue = deadLetterQueueOf(queue);
      const deadLetterConsumer = new FakeConsumer();
      deadLetterQueue.addConsumer(deadLetterConsumer);

      queue.removeConsumer(consumer);
      for (let i = 0; i < 3; i++) deadLetterQueue.settle(deadLetterConsumer.lastLockKey(), { kind: "abandon" });

      expect(deadLetterConsumer.deliveries.map((d) => d.deliveryCount)).toEqual([1, 2, 3, 4]);
      expect(only(deadLetterQueue).message.messageId).toBe("a");
    });
  });

  describe("dead-lettering", () => {
    it("when a message is dead-lettered, then its delivery count is not incremented", () => {
      const { queue } = createQueue();
      sendOne(queue, "a");
      const consumer = new FakeConsumer();
      queue.addConsumer(consumer);
      queue.settle(consumer.lastLockKey(), { kind: "abandon" });

      queue.settle(consumer.lastLockKey(), { kind: "deadLetter" });

      expect(only(deadLetterQueueOf(queue)).deliveryCount).toBe(1);
    });

    it("when a message is dead-lettered with reason, description and properties, then the dead-letter copy carries them as application properties", () => {
      const { queue } = createQueue();
      sendOne(queue, "a", { application_properties: { tenant: "contoso" } });
      const consumer = new FakeConsumer();
      queue.addConsumer(consumer);

      const result = queue.settle(consumer.lastLockKey(), {
        kind: "deadLetter",
        reason: "Poison",
        description: "could not parse the body",
        properties: { stage: "parse", ignoredNull: null, ignoredUndefined: undefined },
      });

      expect(result).toEqual({ ok: true });
      expect([...queue.storedMessages()]).toHaveLength(0);
      expect(readApplicationProperties(only(deadLetterQueueOf(queue)).message)).toEqual({
        tenant: "contoso",
        stage: "parse",
        DeadLetterReason: "Poison",
        DeadLetterErrorDescription: "could not parse the body",
      });
    });

    it("when a message is dead-lettered without reason or description, then no such properties are added", () => {
      const { queue } = createQueue();
      sendOne(queue, "a");
      const consumer = new FakeConsumer();
      queue.addConsumer(consumer);

      queue.settle(consumer.lastLockKey(), { kind: "deadLetter" });

      const deadLettered = only(deadLetterQueueOf(queue));
      expect(readApplicationProperties(deadLettered.message)).toEqual({});
      expect(deadLettered.state).toBe("active");
    });

    it("when the dead-letter queue has a consumer, then dead-lettered messages are delivered from it with the sequence numbers they had on the queue", () => {
      const { queue } = createQueue();
      const deadLetterQueue = deadLetterQueueOf(queue);
      const deadLetterConsumer = new FakeConsumer();
      deadLetterQueue.addConsumer(deadLetterConsumer);
      for (const id of ["a", "b", "c"]) sendOne(queue, id);
      const consumer = new FakeConsumer();
      queue.addConsumer(consumer);

      queue.settle(consumer.deliveries[2]?.lockKey ?? "", { kind: "deadLetter" });
      queue.settle(consumer.deliveries[0]?.lockKey ?? "", { kind: "deadLetter" });

      expect(deadLetterConsumer.deliveries.map((d) => [d.sequenceNumber, d.messageId])).toEqual([
        [3, "c"],
        [1, "a"],
      ]);
      expect(deadLetterQueue.peek(0, 10).map((stored) => [stored.sequenceNumber, stored.message.messageId])).toEqual([
        [1, "a"],
        [3, "c"],
      ]);
      expect(deadLetterQueue.settle(deadLetterConsumer.lastLockKey(), { kind: "complete" })).toEqual({ ok: true });
      expect(messageIds(deadLetterQueue.storedMessages())).toEqual(["c"]);
    });

    it("when a queue is created, then its dead-letter queue is named after it and has no dead-letter queue of its own", () => {
      const { queue } = createQueue({ name: "Orders" });

      const deadLetterQueue = deadLetterQueueOf(queue);

      expect(queue.isDeadLetterQueue).toBe(false);
      expect(deadLetterQueue.name).toBe("Orders/$DeadLetterQueue");
      expect(deadLetterQueue.isDeadLetterQueue).toBe(true);
      expect(deadLetterQueue.deadLetterQueue).toBeUndefined();
    });
  });

  describe("deferral", () => {
    it("when a message is deferred, then it is not delivered again and counts as deferred", () => {
      const { queue } = createQueue();
      sendOne(queue, "a");
      const consumer = new FakeConsumer();
      queue.addConsumer(consumer);

      queue.settle(consumer.lastLockKey(), { kind: "defer" });
      sendOne(queue, "b");

      expect(consumer.deliveries.map((d) => d.messageId)).toEqual(["a", "b"]);
      expect(queue.counts()).toEqual({ active: 1, scheduled: 0, deferred: 1, locked: 1 });
    });

    it("when a deferred message is received by sequence number in peekLock, then it comes locked with delivery count 1", () => {
      const { clock, queue } = createQueue({ lockDurationMs: 30_000 });
      const sequenceNumber = sendOne(queue, "a");
      const consumer = new FakeConsumer();
      queue.addConsumer(consumer);
      queue.settle(consumer.lastLockKey(), { kind: "defer", properties: { deferredBy: "test" } });

      const result = queue.receiveDeferred([sequenceNumber], "peekLock");

      if (!result.ok) throw new Error(`expected ok, got missing ${result.missing}`);
      const [received] = result.messages;
      expect(result.messages).toHaveLength(1);
      expect(received?.stored.sequenceNumber).toBe(sequenceNumber);
      expect(received?.stored.deliveryCount).toBe(1);
      expect(received?.stored.state).toBe("deferred");
      expect(received?.lock?.lockedUntilMs).toBe(clock.now + 30_000);
      expect(readApplicationProperties(received?.stored.message ?? encodedMessage())).toEqual({ deferredBy: "test" });
      expect(queue.settle(received?.lock?.key ?? "", { kind: "complete" })).toEqual({ ok: true });
      expect([...queue.storedMessages()]).toHaveLength(0);
    });

    it("when a deferred message is received by sequence number in receiveAndDelete, then it is removed without a lock", () => {
      const { queue } = createQueue();
      const sequenceNumber = sendOne(queue, "a");
      const consumer = new FakeConsumer();
      queue.addConsumer(consumer);
      queue.settle(consumer.lastLockKey(), { kind: "defer" });

      const result = queue.receiveDeferred([sequenceNumber], "receiveAndDelete");

      expect(result.ok).toBe(true);
      if (result.ok)
        expect(result.messages.map((m) => [m.stored.sequenceNumber, m.lock])).toEqual([[sequenceNumber, undefined]]);
      expect([...queue.storedMessages()]).toHaveLength(0);
    });

    it("when receive-by-sequence-number names an active message, then it reports that number as missing", () => {
      const { queue } = createQueue();
      const sequenceNumber = sendOne(queue, "a");

      expect(queue.receiveDeferred([sequenceNumber], "peekLock")).toEqual({ ok: false, missing: sequenceNumber });
    });

    it("when receive-by-sequence-number names an unknown number, then nothing is handed out, not even the deferred ones", () => {
      const { queue } = createQueue();
      const sequenceNumber = sendOne(queue, "a");
      const consumer = new FakeConsumer();
      queue.addConsumer(consumer);
      queue.settle(consumer.lastLockKey(), { kind: "defer" });

      const result = queue.receiveDeferred([sequenceNumber, 999], "peekLock");

      expect(result).toEqual({ ok: false, missing: 999 });
      expect(only(queue).lock).toBeUndefined();
      expect(queue.receiveDeferred([sequenceNumber], "peekLock").ok).toBe(true);
    });

    it("when a deferred message is already locked, then receiving it again reports it missing", () => {
      const { queue } = createQueue();
      const sequenceNumber = sendOne(queue, "a");
      const consumer = new FakeConsumer();
      queue.addConsumer(consumer);
      queue.settle(consumer.lastLockKey(), { kind: "defer" });
      queue.receiveDeferred([sequenceNumber], "peekLock");

      expect(queue.receiveDeferred([sequenceNumber], "peekLock")).toEqual({ ok: false, missing: sequenceNumber });
    });

    it("when a received deferred message is abandoned, then it stays deferred with one more delivery counted", () => {
      const { queue } = createQueue();
      const sequenceNumber = sendOne(queue, "a");
      const consumer = new FakeConsumer();
      queue.addConsumer(consumer);
      queue.settle(consumer.lastLockKey(), { kind: "defer" });
      const received = queue.receiveDeferred([sequenceNumber], "peekLock");
      const lockKey = received.ok ? (received.messages[0]?.lock?.key ?? "") : "";

      queue.settle(lockKey, { kind: "abandon" });

      expect(consumer.deliveries).toHaveLength(1);
      const stored = only(queue);
      expect(stored.state).toBe("deferred");
      expect(stored.deliveryCount).toBe(2);
    });
  });

  describe("receiveAndDelete", () => {
    it("when a receiveAndDelete consumer takes messages, then they are delivered without a lock and removed", () => {
      const { queue } = createQueue();
      sendOne(queue, "a");
      sendOne(queue, "b");
      const consumer = new FakeConsumer({ receiveMode: "receiveAndDelete" });

      queue.addConsumer(consumer);

      expect(consumer.deliveries.map((d) => [d.messageId, d.lockKey, d.deliveryCount])).toEqual([
        ["a", undefined, 0],
        ["b", undefined, 0],
      ]);
      expect([...queue.storedMessages()]).toHaveLength(0);
      expect(queue.counts()).toEqual({ active: 0, scheduled: 0, deferred: 0, locked: 0 });
    });
  });

  describe("duplicate detection", () => {
    it("when a message id is sent again within the window, then the duplicate is accepted but dropped", () => {
      const { clock, queue } = createQueue({ requiresDuplicateDetection: true, duplicateDetectionWindowMs: 60_000 });
      sendOne(queue, "order-1", { body: "first" });
      clock.advance(59_999);

      const sequenceNumbers = queue.send([encodedMessage({ message_id: "order-1", body: "second" })]);

      expect(sequenceNumbers).toEqual([]);
      expect(messageIds(queue.storedMessages())).toEqual(["order-1"]);
    });

    it("when the first copy was already completed, then a duplicate within the window is still dropped", () => {
      const { queue } = createQueue({ requiresDuplicateDetection: true, duplicateDetectionWindowMs: 60_000 });
      sendOne(queue, "order-1");
      const consumer = new FakeConsumer();
      queue.addConsumer(consumer);
      queue.settle(consumer.lastLockKey(), { kind: "complete" });

      queue.send([encodedMessage({ message_id: "order-1" })]);

      expect(consumer.deliveries).toHaveLength(1);
      expect([...queue.storedMessages()]).toHaveLength(0);
    });

    it("when a message id is sent again after the window, then it is accepted", () => {
      const { clock, queue } = createQueue({ requiresDuplicateDetection: true, duplicateDetectionWindowMs: 60_000 });
      sendOne(queue, "order-1");
      clock.advance(60_000);
      queue.tick();

      const sequenceNumbers = queue.send([encodedMessage({ message_id: "order-1" })]);

      expect(sequenceNumbers).toEqual([2]);
      expect(messageIds(queue.storedMessages())).toEqual(["order-1", "order-1"]);
    });

    it("when duplicates arrive in one batch, then only the first is kept", () => {
      const { queue } = createQueue({ requiresDuplicateDetection: true });

      const sequenceNumbers = queue.send([
        encodedMessage({ message_id: "x" }),
        encodedMessage({ message_id: "y" }),
        encodedMessage({ message_id: "x" }),
      ]);

      expect(sequenceNumbers).toEqual([1, 2]);
      expect(messageIds(queue.storedMessages())).toEqual(["x", "y"]);
    });

    it("when binary message ids are equal, then the second is a duplicate", () => {
      const { queue } = createQueue({ requiresDuplicateDetection: true });
      const id = Buffer.from("0102030405060708090a0b0c0d0e0f10", "hex");

      queue.send([encodedMessage({ message_id: id })]);
      const second = queue.send([encodedMessage({ message_id: Buffer.from(id) })]);

      expect(second).toEqual([]);
    });

    it("when duplicate detection is off, then the same message id is accepted twice", () => {
      const { queue } = createQueue({ requiresDuplicateDetection: false });

      queue.send([encodedMessage({ message_id: "x" })]);
      const second = queue.send([encodedMessage({ message_id: "x" })]);

      expect(second).toEqual([2]);
    });
  });

  describe("scheduled messages", () => {
    it("when a message is sent with a future scheduled enqueue time, then it becomes active only at that time", () => {
      const { clock, queue } = createQueue();
      const consumer = new FakeConsumer();
      queue.addConsumer(consumer);
      const at = clock.now + 10_000;

      const [sequenceNumber] = queue.send([scheduledFor(at, { message_id: "later" })]);
      clock.advance(9_999);
      queue.tick();
      const deliveredBeforeTime = consumer.deliveries.length;
      const countsBeforeTime = queue.counts();
      clock.advance(1);
      queue.tick();

      expect(deliveredBeforeTime).toBe(0);
      expect(countsBeforeTime).toEqual({ active: 0, scheduled: 1, deferred: 0, locked: 0 });
      expect(consumer.deliveries.map((d) => [d.sequenceNumber, d.messageId, d.state, d.deliveryCount])).toEqual([
        [sequenceNumber, "later", "active", 0],
      ]);
      expect(consumer.last().stored.enqueuedTimeMs).toBe(at);
      expect(consumer.last().stored.scheduledEnqueueTimeMs).toBe(at);
    });

    it("when a message's scheduled enqueue time is already past, then it is active at once", () => {
      const { clock, queue } = createQueue();
      const consumer = new FakeConsumer();
      queue.addConsumer(consumer);

      queue.send([scheduledFor(clock.now - 1, { message_id: "past" })]);

      expect(consumer.deliveries.map((d) => d.messageId)).toEqual(["past"]);
      expect(consumer.last().stored.enqueuedTimeMs).toBe(clock.now);
    });

    it("when messages are scheduled out of order, then each becomes active at its own time", () => {
      const { clock, queue } = createQueue();
      const consumer = new FakeConsumer();
      queue.addConsumer(consumer);
      queue.schedule([
        scheduledFor(clock.now + 2_000, { message_id: "second" }),
        scheduledFor(clock.now + 1_000, { message_id: "first" }),
      ]);

      clock.advance(1_000);
      queue.tick();
      const afterFirst = consumer.deliveries.map((d) => d.messageId);
      clock.advance(1_000);
      queue.tick();

      expect(afterFirst).toEqual(["first"]);
      expect(consumer.deliveries.map((d) => d.messageId)).toEqual(["first", "second"]);
    });

    it("when a scheduled message is cancelled, then it never becomes active", () => {
      const { clock, queue } = createQueue();
      const consumer = new FakeConsumer();
      queue.addConsumer(consumer);
      const sequenceNumbers = queue.schedule([
        scheduledFor(clock.now + 1_000, { message_id: "cancel-me" }),
        scheduledFor(clock.now + 1_000, { message_id: "keep-me" }),
      ]);

      queue.cancelScheduled([sequenceNumbers[0] ?? -1]);
      clock.advance(1_000);
      queue.tick();

      expect(sequenceNumbers).toEqual([1, 2]);
      expect(consumer.deliveries.map((d) => d.messageId)).toEqual(["keep-me"]);
      expect(messageIds(queue.storedMessages())).toEqual(["keep-me"]);
    });

    it("when cancel names an active or unknown sequence number, then nothing changes", () => {
      const { queue } = createQueue();
      const sequenceNumber = sendOne(queue, "active");

      queue.cancelScheduled([sequenceNumber, 42]);

      expect(messageIds(queue.storedMessages())).toEqual(["active"]);
    });

    it("when schedule-message is called without a scheduled time, then the message is enqueued at once", () => {
      const { queue } = createQueue();

      queue.schedule([encodedMessage({ message_id: "now" })]);

      expect(queue.counts()).toEqual({ active: 1, scheduled: 0, deferred: 0, locked: 0 });
    });
  });

  describe("time to live", () => {
    it("when a message's header ttl passes, then a tick removes it without dead-lettering by default", () => {
      const { clock, queue } = createQueue({ deadLetteringOnMessageExpiration: false });
      sendOne(queue, "short-lived", { ttl: 5_000 });

      clock.advance(4_999);
      queue.tick();
      const before = queue.counts().active;
      clock.advance(1);
      queue.tick();

      expect(before).toBe(1);
      expect([...queue.storedMessages()]).toHaveLength(0);
      expect([...deadLetterQueueOf(queue).storedMessages()]).toHaveLength(0);
    });

    it("when a message expires and DeadLetteringOnMessageExpiration is on, then it moves to the dead-letter queue with TTLExpiredException", () => {
      const { clock, queue } = createQueue({ deadLetteringOnMessageExpiration: true });
      sendOne(queue, "short-lived", { ttl: 5_000 });

      clock.advance(5_000);
      queue.tick();

      expect([...queue.storedMessages()]).toHaveLength(0);
      const deadLettered = only(deadLetterQueueOf(queue));
      expect(deadLettered.message.messageId).toBe("short-lived");
      expect(deadLettered.expiresAtMs).toBe(FOREVER_MS);
      expect(readApplicationProperties(deadLettered.message)).toMatchObject({
        DeadLetterReason: "TTLExpiredException",
      });
    });

    it("when the queue default TTL is shorter than the header ttl, then the default applies", () => {
      const { clock, queue } = createQueue({ defaultTimeToLiveMs: 1_000 });
      sendOne(queue, "a", { ttl: 60_000 });
      sendOne(queue, "b");

      expect([...queue.storedMessages()].map((s) => s.expiresAtMs)).toEqual([clock.now + 1_000, clock.now + 1_000]);
      clock.advance(1_000);
      queue.tick();
      expect([...queue.storedMessages()]).toHaveLength(0);
    });

    it("when an expired message is next in line, then it is not delivered even before a tick runs", () => {
      const { clock, queue } = createQueue({ deadLetteringOnMessageExpiration: true });
      sendOne(queue, "stale", { ttl: 1_000 });
      sendOne(queue, "fresh");
      const consumer = new FakeConsumer();

      clock.advance(1_000);
      queue.addConsumer(consumer);

      expect(consumer.deliveries.map((d) => d.messageId)).toEqual(["fresh"]);
      expect(messageIds(deadLetterQueueOf(queue).storedMessages())).toEqual(["stale"]);
    });

    it("when a message's TTL passes while it is locked, then the lock holder can still complete it", () => {
      const { clock, queue } = createQueue({ lockDurationMs: 30_000 });
      sendOne(queue, "a", { ttl: 1_000 });
      const consumer = new FakeConsumer();
      queue.addConsumer(consumer);

      clock.advance(2_000);
      queue.tick();

      expect(queue.settle(consumer.lastLockKey(), { kind: "complete" })).toEqual({ ok: true });
    });

    it("when thousands of expiring messages were already taken, then messages still waiting expire on time", () => {
      const { clock, queue } = createQueue();
      const flood = 2_000;
      for (let i = 0; i < flood; i++) queue.send([encodedMessage({ message_id: `flood-${i}`, ttl: 60_000 })]);
      sendOne(queue, "early", { ttl: 60_000 });
      const consumer = new FakeConsumer({ receiveMode: "receiveAndDelete", credit: flood });
      queue.addConsumer(consumer);
      sendOne(queue, "late", { ttl: 120_000 });

      clock.advance(60_000);
      queue.tick();
      const afterFirstExpiry = messageIds(queue.storedMessages());
      clock.advance(60_000);
      queue.tick();

      expect(consumer.deliveries).toHaveLength(flood);
      expect(afterFirstExpiry).toEqual(["late"]);
      expect([...queue.storedMessages()]).toHaveLength(0);
    });

    it("when a scheduled message has a ttl, then it expires ttl after its scheduled time", () => {
      const { clock, queue } = createQueue();
      const at = clock.now + 10_000;
      queue.send([scheduledFor(at, { message_id: "a", ttl: 1_000 })]);

      clock.advance(10_999);
      queue.tick();
      const stillThere = queue.counts().active;
      clock.advance(1);
      queue.tick();

      expect(stillThere).toBe(1);
      expect([...queue.storedMessages()]).toHaveLength(0);
    });
  });

  describe("message ids", () => {
    it("when a message arrives without a message-id, then the queue assigns a unique one", () => {
      const { queue } = createQueue();

      queue.send([messageWithoutId(), messageWithoutId()]);

      const ids = messageIds(queue.storedMessages());
      expect(ids).toHaveLength(2);
      for (const id of ids) expect(id).toMatch(/^[0-9a-f]{32}$/);
      expect(ids[0]).not.toBe(ids[1]);
    });

    it("when a message arrives with a message-id, then it is kept", () => {
      const { queue } = createQueue();

      queue.send([encodedMessage({ message_id: "mine" })]);

      expect(messageIds(queue.storedMessages())).toEqual(["mine"]);
    });

    it("when a scheduled message arrives without a message-id, then it is given one too", () => {
      const { clock, queue } = createQueue();

      queue.schedule([
        messageWithoutId({ message_annotations: { "x-opt-scheduled-enqueue-time": new Date(clock.now + 1_000) } }),
      ]);

      expect(only(queue).message.messageId).toMatch(/^[0-9a-f]{32}$/);
    });
  });

  describe("releaseLocksOf", () => {
    it("when a consumer's locks are released, then its messages return with one more delivery and other locks stay", () => {
      const { queue } = createQueue();
      const gone = new FakeConsumer({ credit: 1 });
      const staying = new FakeConsumer({ credit: 1 });
      queue.addConsumer(gone);
      queue.addConsumer(staying);
      sendOne(queue, "a");
      sendOne(queue, "b");
      const goneLock = gone.lastLockKey();
      const stayingLock = staying.lastLockKey();

      queue.releaseLocksOf(new Set([gone]));
      queue.removeConsumer(gone);
      staying.creditLeft = 1;
      queue.creditAvailable();

      expect(gone.deliveries.map((d) => d.messageId)).toEqual(["a"]);
      expect(staying.deliveries.map((d) => [d.messageId, d.deliveryCount])).toEqual([
        ["b", 0],
        ["a", 1],
      ]);
      expect(queue.settle(goneLock, { kind: "complete" })).toEqual({ ok: false, error: "lockLost" });
      expect(queue.settle(stayingLock, { kind: "complete" })).toEqual({ ok: true });
    });

    it("when released locks reach MaxDeliveryCount, then the message is dead-lettered", () => {
      const { queue } = createQueue({ maxDeliveryCount: 1 });
      const consumer = new FakeConsumer();
      queue.addConsumer(consumer);
      sendOne(queue, "a");

      queue.removeConsumer(consumer);
      queue.releaseLocksOf(new Set([consumer]));

      expect(only(deadLetterQueueOf(queue)).deliveryCount).toBe(1);
    });
  });

  describe("peek", () => {
    function queueWithEveryState(): { queue: Queue; consumer: FakeConsumer } {
      const { clock, queue } = createQueue();
      sendOne(queue, "deferred");
      sendOne(queue, "locked");
      const consumer = new FakeConsumer();
      queue.addConsumer(consumer);
      queue.settle(consumer.deliveries[0]?.lockKey ?? "", { kind: "defer" });
      queue.removeConsumer(consumer);
      queue.send([scheduledFor(clock.now + 60_000, { message_id: "scheduled" })]);
      sendOne(queue, "active");
      return { queue, consumer };
    }

    it("when peeking from the start, then every message is returned in sequence order whatever its state", () => {
      const { queue } = queueWithEveryState();

      const peeked = queue.peek(1, 10);

      expect(
        peeked.map((s) => [
          s.sequenceNumber,
          s.message.messageId,
          s.state,
          s.lock === undefined ? "unlocked" : "locked",
        ]),
      ).toEqual([
        [1, "deferred", "deferred", "unlocked"],
        [2, "locked", "active", "locked"],
        [3, "scheduled", "scheduled", "unlocked"],
        [4, "active", "active", "unlocked"],
      ]);
    });

    it("when peeking from a sequence number with a count, then that window is returned", () => {
      const { queue } = queueWithEveryState();

      expect(queue.peek(2, 2).map((s) => s.sequenceNumber)).toEqual([2, 3]);
      expect(queue.peek(4, 10).map((s) => s.sequenceNumber)).toEqual([4]);
      expect(queue.peek(5, 10)).toEqual([]);
      expect(queue.peek(1, 0)).toEqual([]);
    });

    it("when messages are peeked, then they are not locked and their delivery count is unchanged", () => {
      const { queue } = createQueue();
      sendOne(queue, "a");

      queue.peek(1, 1);
      const consumer = new FakeConsumer();
      queue.addConsumer(consumer);

      expect(consumer.deliveries.map((d) => d.deliveryCount)).toEqual([0]);
    });

    it("when messages were removed, then peek skips them", () => {
      const { queue } = createQueue();
      for (const id of ["a", "b", "c"]) sendOne(queue, id);
      const consumer = new FakeConsumer({ credit: 2 });
      queue.addConsumer(consumer);
      queue.settle(consumer.deliveries[1]?.lockKey ?? "", { kind: "complete" });

      expect(queue.peek(1, 10).map((s) => s.message.messageId)).toEqual(["a", "c"]);
    });
  });
});
