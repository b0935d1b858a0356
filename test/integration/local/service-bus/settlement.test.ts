// Peek-lock settlement: complete, abandon, defer, dead-letter, and receive-and-delete.
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { createClient, purge, receiveAtLeast } from "./helpers.js";

const QUEUE = "settlement";

describe("Service Bus emulator: settling messages", () => {
  const client = createClient();
  beforeEach(async () => {
    await purge(client, QUEUE);
    await purge(client, QUEUE, "deadLetter");
  });
  afterAll(async () => {
    await client.close();
  });

  it("when a peek-locked message is completed, then it is gone from the queue", async () => {
    await client.createSender(QUEUE).sendMessages({ body: "done" });
    const receiver = client.createReceiver(QUEUE);
    const [message] = await receiveAtLeast(receiver, 1);
    if (message === undefined) throw new Error("no message");
    expect(message.lockToken).toMatch(/^[0-9a-f-]{36}$/);
    expect(message.lockedUntilUtc?.getTime()).toBeGreaterThan(Date.now() + 50_000);
    await receiver.completeMessage(message);
    expect(await receiver.receiveMessages(1, { maxWaitTimeInMs: 300 })).toHaveLength(0);
    expect(await receiver.peekMessages(10)).toHaveLength(0);
    await receiver.close();
  });

  it("when a message is abandoned with properties, then it returns at once with them and one more delivery", async () => {
    await client.createSender(QUEUE).sendMessages({ body: "retry me", applicationProperties: { original: "kept" } });
    const receiver = client.createReceiver(QUEUE);
    const [first] = await receiveAtLeast(receiver, 1);
    if (first === undefined) throw new Error("no message");
    await receiver.abandonMessage(first, { attempt: 1, reason: "upstream busy" });
    const [second] = await receiveAtLeast(receiver, 1);
    expect(second?.body).toBe("retry me");
    expect(second?.deliveryCount).toBe(1);
    expect(second?.sequenceNumber?.toString()).toBe(first.sequenceNumber?.toString());
    expect(second?.applicationProperties).toEqual({ original: "kept", attempt: 1, reason: "upstream busy" });
    if (second) await receiver.completeMessage(second);
    await receiver.close();
  });

  it("when a message is deferred, then only receiveDeferredMessages returns it, and it can be completed", async () => {
    await client.createSender(QUEUE).sendMessages([{ body: "later" }, { body: "now" }]);
    const receiver = client.createReceiver(QUEUE);
    const [later] = await receiveAtLeast(receiver, 1);
    if (later?.sequenceNumber === undefined) throw new Error("no message");
    await receiver.deferMessage(later);
    const [now] = await receiveAtLeast(receiver, 1);
    expect(now?.body).toBe("now");
    if (now) await receiver.completeMessage(now);
    expect(await receiver.receiveMessages(1, { maxWaitTimeInMs: 300 })).toHaveLength(0);

    const deferred = await receiver.receiveDeferredMessages([later.sequenceNumber]);
    expect(deferred.map((message) => message.body as unknown)).toEqual(["later"]);
    expect(deferred[0]?.deliveryCount).toBe(1);
    const [again] = deferred;
    if (again) await receiver.completeMessage(again);
    await expect(receiver.receiveDeferredMessages([later.sequenceNumber])).rejects.toMatchObject({
      code: "MessageNotFound",
    });
    await receiver.close();
  });

  it("when a message is dead-lettered with a reason, then the dead-letter queue holds it with reason and description", async () => {
    await client.createSender(QUEUE).sendMessages({ body: "poison", applicationProperties: { tenant: "t1" } });
    const receiver = client.createReceiver(QUEUE);
    const [message] = await receiveAtLeast(receiver, 1);
    if (message === undefined) throw new Error("no message");
    await receiver.deadLetterMessage(message, {
      deadLetterReason: "InvalidEscalation",
      deadLetterErrorDescription: "customer.tenantId missing",
    });
    expect(await receiver.receiveMessages(1, { maxWaitTimeInMs: 300 })).toHaveLength(0);

    const deadLetters = client.createReceiver(QUEUE, { subQueueType: "deadLetter" });
    const [dead] = await receiveAtLeast(deadLetters, 1);
    expect(dead?.body).toBe("poison");
    expect(dead?.deadLetterReason).toBe("InvalidEscalation");
    expect(dead?.deadLetterErrorDescription).toBe("customer.tenantId missing");
    expect(dead?.applicationProperties?.tenant).toBe("t1");
    expect(dead?.deliveryCount).toBe(0);
    if (dead) await deadLetters.completeMessage(dead);
    await deadLetters.close();
    await receiver.close();
  });

  it("when a deferred message is dead-lettered through management, then it reaches the dead-letter queue", async () => {
    await client.createSender(QUEUE).sendMessages({ body: "deferred poison" });
    const receiver = client.createReceiver(QUEUE);
    const [message] = await receiveAtLeast(receiver, 1);
    if (message?.sequenceNumber === undefined) throw new Error("no message");
    await receiver.deferMessage(message);
    const [deferred] = await receiver.receiveDeferredMessages([message.sequenceNumber]);
    if (deferred === undefined) throw new Error("no deferred message");
    await receiver.deadLetterMessage(deferred, { deadLetterReason: "Expired", deadLetterErrorDescription: "too old" });
    const [dead] = await receiveAtLeast(
      client.createReceiver(QUEUE, { subQueueType: "deadLetter", receiveMode: "receiveAndDelete" }),
      1,
    );
    expect(dead?.body).toBe("deferred poison");
    expect(dead?.deadLetterReason).toBe("Expired");
    await receiver.close();
  });

  it("when receiving in receive-and-delete mode, then messages are removed on delivery and carry no lock", async () => {
    await client.createSender("receive-and-delete").sendMessages([{ body: 1 }, { body: 2 }, { body: 3 }]);
    const receiver = client.createReceiver("receive-and-delete", { receiveMode: "receiveAndDelete" });
    const received = await receiveAtLeast(receiver, 3);
    expect(received.map((message) => message.body as unknown)).toEqual([1, 2, 3]);
    expect(received.every((message) => message.lockToken === undefined)).toBe(true);
    expect(await receiver.peekMessages(10)).toHaveLength(0);
    await receiver.close();
  });

  it("when a receiver closes with messages locked, then another receiver can still settle through management", async () => {
    await client.createSender(QUEUE).sendMessages({ body: "settle after detach" });
    const first = client.createReceiver(QUEUE);
    const [message] = await receiveAtLeast(first, 1);
    if (message === undefined) throw new Error("no message");
    await first.close();
    const second = client.createReceiver(QUEUE);
    await second.completeMessage(message);
    expect(await second.receiveMessages(1, { maxWaitTimeInMs: 300 })).toHaveLength(0);
    await second.close();
  });

  it("when messages are peeked, then they stay in the queue in sequence order, deferred ones included", async () => {
    await purge(client, "peek");
    await client.createSender("peek").sendMessages([{ body: "a" }, { body: "b" }, { body: "c" }]);
    const receiver = client.createReceiver("peek");
    const [a] = await receiveAtLeast(receiver, 1);
    if (a) await receiver.deferMessage(a);
    const peeked = await receiver.peekMessages(10, { fromSequenceNumber: a?.sequenceNumber });
    expect(peeked.map((message) => message.body as unknown)).toEqual(["a", "b", "c"]);
    expect(peeked[0]?.state).toBe("deferred");
    expect(peeked[1]?.state).toBe("active");
    const next = await receiver.peekMessages(10);
    expect(next).toHaveLength(0);
    const remaining = await receiveAtLeast(receiver, 2);
    expect(remaining.map((message) => message.body as unknown)).toEqual(["b", "c"]);
    for (const message of remaining) await receiver.completeMessage(message);
    await receiver.close();
  });
});
