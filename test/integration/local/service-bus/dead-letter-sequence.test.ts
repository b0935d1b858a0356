// A dead-lettered message keeps its sequence number, as in Service Bus, however it got there:
// dead-lettered by its receiver, past MaxDeliveryCount, or expired. Checked with @azure/service-bus.
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import { createClient, purge, receiveAtLeast } from "./helpers.js";

const QUEUE = "dead-letter-sequence";
const EXPIRING = "dead-letter-sequence-expiring";

describe("Service Bus emulator: dead letters keep their sequence numbers", () => {
  const client = createClient();
  beforeEach(async () => {
    for (const queue of [QUEUE, EXPIRING]) {
      await purge(client, queue);
      await purge(client, queue, "deadLetter");
    }
  });
  afterAll(async () => {
    await client.close();
  });

  it("when a receiver dead-letters some messages out of order, then each keeps the sequence number it had on the queue and peeks in that order", async () => {
    await client.createSender(QUEUE).sendMessages(["a", "b", "c", "d"].map((body) => ({ body })));
    const receiver = client.createReceiver(QUEUE);
    const received = await receiveAtLeast(receiver, 4);
    const byBody = new Map(received.map((message) => [message.body as string, message]));
    const [c, a, b, d] = ["c", "a", "b", "d"].map((body) => byBody.get(body));
    if (c === undefined || a === undefined || b === undefined || d === undefined) throw new Error("missing messages");
    await receiver.deadLetterMessage(c, { deadLetterReason: "Poison", deadLetterErrorDescription: "third" });
    await receiver.deadLetterMessage(a, { deadLetterReason: "Poison", deadLetterErrorDescription: "first" });
    await receiver.completeMessage(b);
    await receiver.completeMessage(d);
    await receiver.close();

    const deadLetters = client.createReceiver(QUEUE, { subQueueType: "deadLetter" });
    const peeked = await deadLetters.peekMessages(10);
    expect(
      peeked.map((message): [unknown, number | undefined] => [message.body, message.sequenceNumber?.toNumber()]),
    ).toEqual([
      ["a", a.sequenceNumber?.toNumber()],
      ["c", c.sequenceNumber?.toNumber()],
    ]);
    const dead = await receiveAtLeast(deadLetters, 2);
    expect(new Map(dead.map((message) => [message.body as string, message.sequenceNumber?.toNumber()]))).toEqual(
      new Map([
        ["a", a.sequenceNumber?.toNumber()],
        ["c", c.sequenceNumber?.toNumber()],
      ]),
    );
    for (const message of dead) await deadLetters.completeMessage(message);
    await deadLetters.close();
  });

  it("when a message exceeds MaxDeliveryCount, then its dead letter has the same sequence number and can be deferred and fetched by it", async () => {
    // Messages first, so the queue's numbers are well past where a fresh dead-letter queue would start.
    await client.createSender(QUEUE).sendMessages(["filler-1", "filler-2", "filler-3"].map((body) => ({ body })));
    await purge(client, QUEUE);
    await client.createSender(QUEUE).sendMessages({ body: "failing" });
    const receiver = client.createReceiver(QUEUE);
    let sequenceNumber: number | undefined;
    for (let delivery = 0; delivery < 2; delivery++) {
      const [message] = await receiveAtLeast(receiver, 1);
      if (message === undefined) throw new Error("no message");
      sequenceNumber = message.sequenceNumber?.toNumber();
      await receiver.abandonMessage(message);
    }
    await receiver.close();
    if (sequenceNumber === undefined) throw new Error("no sequence number");
    expect(sequenceNumber).toBeGreaterThan(3);

    const deadLetters = client.createReceiver(QUEUE, { subQueueType: "deadLetter" });
    const [dead] = await receiveAtLeast(deadLetters, 1);
    expect(dead?.deadLetterReason).toBe("MaxDeliveryCountExceeded");
    expect(dead?.sequenceNumber?.toNumber()).toBe(sequenceNumber);
    if (dead === undefined) throw new Error("no dead letter");
    await deadLetters.deferMessage(dead);
    if (dead.sequenceNumber === undefined) throw new Error("no sequence number");
    const [again] = await deadLetters.receiveDeferredMessages([dead.sequenceNumber]);
    expect(again?.body).toBe("failing");
    if (again) await deadLetters.completeMessage(again);
    await deadLetters.close();
  });

  it("when a message expires, then its dead letter has the sequence number the sender was told", async () => {
    const sender = client.createSender(EXPIRING);
    await sender.sendMessages({ body: "warm-up" });
    const [scheduled] = await sender.scheduleMessages({ body: "expires" }, new Date());
    await sender.close();
    if (scheduled === undefined) throw new Error("no sequence number");

    const deadLetters = client.createReceiver(EXPIRING, {
      subQueueType: "deadLetter",
      receiveMode: "receiveAndDelete",
    });
    const dead = await receiveAtLeast(deadLetters, 2);
    expect(dead.map((message) => message.deadLetterReason)).toEqual(["TTLExpiredException", "TTLExpiredException"]);
    expect(dead.find((message) => message.body === "expires")?.sequenceNumber?.toNumber()).toBe(scheduled.toNumber());
    await deadLetters.close();
  });
});
