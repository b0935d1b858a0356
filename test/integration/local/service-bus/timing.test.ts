// Duplicate detection, scheduled messages and time-to-live.
import { afterAll, describe, expect, it } from "vitest";
import { createClient, purge, receiveAtLeast, uniqueId } from "./helpers.js";

describe("Service Bus emulator: duplicates, schedules and expiry", () => {
  const client = createClient();
  afterAll(async () => {
    await client.close();
  });

  it("when the same MessageId is sent twice within the window, then the second send succeeds and is dropped", async () => {
    await purge(client, "dedupe");
    const messageId = uniqueId("escalation");
    const sender = client.createSender("dedupe");
    await sender.sendMessages({ body: "first", messageId });
    await sender.sendMessages({ body: "second", messageId });
    await sender.sendMessages([
      { body: "third", messageId },
      { body: "other", messageId: uniqueId("other") },
    ]);
    const received = await receiveAtLeast(
      client.createReceiver("dedupe", { receiveMode: "receiveAndDelete" }),
      3,
      1_500,
    );
    expect(received.map((message) => message.body as unknown)).toEqual(["first", "other"]);
  });

  it("when the same MessageId is sent after the window has passed, then it is accepted again", async () => {
    await purge(client, "dedupe");
    const messageId = uniqueId("escalation");
    const sender = client.createSender("dedupe");
    await sender.sendMessages({ body: "before", messageId });
    await new Promise((resolve) => setTimeout(resolve, 2_300));
    await sender.sendMessages({ body: "after", messageId });
    const received = await receiveAtLeast(client.createReceiver("dedupe", { receiveMode: "receiveAndDelete" }), 2);
    expect(received.map((message) => message.body as unknown)).toEqual(["before", "after"]);
  });

  it("when a message is scheduled, then it is invisible until its time and then delivered with that enqueue time", async () => {
    await purge(client, "scheduled");
    const sender = client.createSender("scheduled");
    const at = new Date(Date.now() + 1_500);
    const [sequenceNumber] = await sender.scheduleMessages({ body: "later" }, at);
    expect(sequenceNumber).toBeDefined();
    const receiver = client.createReceiver("scheduled", { receiveMode: "receiveAndDelete" });
    const peeked = await receiver.peekMessages(5);
    expect(peeked.map((message) => message.state)).toEqual(["scheduled"]);
    expect(await receiver.receiveMessages(1, { maxWaitTimeInMs: 500 })).toHaveLength(0);
    const [message] = await receiveAtLeast(receiver, 1, 5_000);
    expect(message?.body).toBe("later");
    expect(message?.scheduledEnqueueTimeUtc?.getTime()).toBe(at.getTime());
    expect(Date.now()).toBeGreaterThanOrEqual(at.getTime());
  });

  it("when a scheduled message is cancelled, then it is never delivered", async () => {
    await purge(client, "scheduled");
    const sender = client.createSender("scheduled");
    const [cancelled] = await sender.scheduleMessages({ body: "cancelled" }, new Date(Date.now() + 800));
    await sender.scheduleMessages({ body: "kept" }, new Date(Date.now() + 800));
    if (cancelled === undefined) throw new Error("no sequence number");
    await sender.cancelScheduledMessages(cancelled);
    const received = await receiveAtLeast(
      client.createReceiver("scheduled", { receiveMode: "receiveAndDelete" }),
      2,
      2_500,
    );
    expect(received.map((message) => message.body as unknown)).toEqual(["kept"]);
  });

  it("when a message is sent with scheduledEnqueueTimeUtc, then it waits like a scheduled one", async () => {
    await purge(client, "scheduled");
    const at = new Date(Date.now() + 1_000);
    await client.createSender("scheduled").sendMessages({ body: "timed", scheduledEnqueueTimeUtc: at });
    const receiver = client.createReceiver("scheduled", { receiveMode: "receiveAndDelete" });
    expect(await receiver.receiveMessages(1, { maxWaitTimeInMs: 300 })).toHaveLength(0);
    const [message] = await receiveAtLeast(receiver, 1, 5_000);
    expect(message?.body).toBe("timed");
    expect(Date.now()).toBeGreaterThanOrEqual(at.getTime());
  });

  it("when a message outlives the queue's time-to-live, then it is dead-lettered as TTLExpiredException", async () => {
    await purge(client, "expiring");
    await purge(client, "expiring", "deadLetter");
    await client.createSender("expiring").sendMessages({ body: "stale" });
    await new Promise((resolve) => setTimeout(resolve, 1_400));
    const receiver = client.createReceiver("expiring", { receiveMode: "receiveAndDelete" });
    expect(await receiver.receiveMessages(1, { maxWaitTimeInMs: 300 })).toHaveLength(0);
    const [dead] = await receiveAtLeast(
      client.createReceiver("expiring", { subQueueType: "deadLetter", receiveMode: "receiveAndDelete" }),
      1,
    );
    expect(dead?.body).toBe("stale");
    expect(dead?.deadLetterReason).toBe("TTLExpiredException");
  });

  it("when a message's own time-to-live is shorter, then it expires first, and without dead-lettering it is dropped", async () => {
    await purge(client, "expiring-dropped");
    await purge(client, "expiring-dropped", "deadLetter");
    await client.createSender("expiring-dropped").sendMessages([{ body: "short", timeToLive: 300 }]);
    await new Promise((resolve) => setTimeout(resolve, 500));
    const receiver = client.createReceiver("expiring-dropped", { receiveMode: "receiveAndDelete" });
    expect(await receiver.receiveMessages(1, { maxWaitTimeInMs: 300 })).toHaveLength(0);
    const deadLetters = client.createReceiver("expiring-dropped", {
      subQueueType: "deadLetter",
      receiveMode: "receiveAndDelete",
    });
    expect(await deadLetters.receiveMessages(1, { maxWaitTimeInMs: 300 })).toHaveLength(0);
  });
});
