// Lock duration, renewal, expiry and the delivery count that drives dead-lettering.
import { afterAll, describe, expect, it } from "vitest";
import type { ServiceBusReceivedMessage } from "@azure/service-bus";
import { createClient, purge, receiveAtLeast } from "./helpers.js";

const LOCK_DURATION_MS = 2_000;

describe("Service Bus emulator: locks and delivery counts", () => {
  const client = createClient();
  afterAll(async () => {
    await client.close();
  });

  it("when a lock is renewed, then it lasts another lock duration and the message can still be completed", async () => {
    await purge(client, "short-lock");
    await client.createSender("short-lock").sendMessages({ body: "renew me" });
    const receiver = client.createReceiver("short-lock", { maxAutoLockRenewalDurationInMs: 0 });
    const [message] = await receiveAtLeast(receiver, 1);
    if (message?.lockedUntilUtc === undefined) throw new Error("no locked message");
    const firstLockEnd = message.lockedUntilUtc.getTime();
    await new Promise((resolve) => setTimeout(resolve, 1_200));
    const renewedUntil = await receiver.renewMessageLock(message);
    expect(renewedUntil.getTime()).toBeGreaterThan(firstLockEnd + 1_000);
    await new Promise((resolve) => setTimeout(resolve, 1_200));
    await receiver.completeMessage(message);
    expect(await receiver.receiveMessages(1, { maxWaitTimeInMs: 300 })).toHaveLength(0);
    await receiver.close();
  });

  it("when a lock expires, then settling reports MessageLockLost and the message comes back with one more delivery", async () => {
    await purge(client, "short-lock");
    await client.createSender("short-lock").sendMessages({ body: "too slow" });
    const receiver = client.createReceiver("short-lock", { maxAutoLockRenewalDurationInMs: 0 });
    const [message] = await receiveAtLeast(receiver, 1);
    if (message === undefined) throw new Error("no message");
    await new Promise((resolve) => setTimeout(resolve, LOCK_DURATION_MS + 400));
    await expect(receiver.completeMessage(message)).rejects.toMatchObject({ code: "MessageLockLost" });
    await expect(receiver.renewMessageLock(message)).rejects.toMatchObject({ code: "MessageLockLost" });
    const [again] = await receiveAtLeast(receiver, 1);
    expect(again?.body).toBe("too slow");
    expect(again?.deliveryCount).toBe(1);
    expect(again?.lockToken).not.toBe(message.lockToken);
    if (again) await receiver.completeMessage(again);
    await receiver.close();
  });

  it("when a subscriber holds a message longer than the lock, then automatic renewal keeps the lock", async () => {
    await purge(client, "auto-renew");
    await client.createSender("auto-renew").sendMessages({ body: "long work" });
    const receiver = client.createReceiver("auto-renew", { maxAutoLockRenewalDurationInMs: 30_000 });
    const handled = new Promise<ServiceBusReceivedMessage>((resolve, reject) => {
      receiver.subscribe(
        {
          processMessage: async (message) => {
            await new Promise((wait) => setTimeout(wait, LOCK_DURATION_MS * 2));
            resolve(message);
          },
          processError: async (args) => {
            reject(args.error);
            return Promise.resolve();
          },
        },
        { autoCompleteMessages: true },
      );
    });
    const message = await handled;
    expect(message.deliveryCount).toBe(0);
    await expect.poll(async () => (await receiver.peekMessages(1)).length, { timeout: 5_000 }).toBe(0);
    await receiver.close();
  });

  it("when a message is abandoned MaxDeliveryCount times, then it is dead-lettered as MaxDeliveryCountExceeded", async () => {
    await purge(client, "max-delivery");
    await purge(client, "max-delivery", "deadLetter");
    await client.createSender("max-delivery").sendMessages({ body: "never works" });
    const receiver = client.createReceiver("max-delivery");
    const counts: number[] = [];
    for (let attempt = 0; attempt < 3; attempt++) {
      const [message] = await receiveAtLeast(receiver, 1);
      if (message === undefined) throw new Error(`no message on attempt ${attempt}`);
      counts.push(message.deliveryCount ?? -1);
      await receiver.abandonMessage(message);
    }
    expect(counts).toEqual([0, 1, 2]);
    expect(await receiver.receiveMessages(1, { maxWaitTimeInMs: 300 })).toHaveLength(0);
    const [dead] = await receiveAtLeast(
      client.createReceiver("max-delivery", { subQueueType: "deadLetter", receiveMode: "receiveAndDelete" }),
      1,
    );
    expect(dead?.body).toBe("never works");
    expect(dead?.deadLetterReason).toBe("MaxDeliveryCountExceeded");
    expect(dead?.deadLetterErrorDescription).toBe("Message could not be consumed after 3 delivery attempts.");
    expect(dead?.deliveryCount).toBe(3);
    await receiver.close();
  });

  it("when locks keep expiring, then expiry also counts towards MaxDeliveryCount", async () => {
    await purge(client, "short-lock");
    await purge(client, "short-lock", "deadLetter");
    await client.createSender("short-lock").sendMessages({ body: "abandoned by crashes" });
    const receiver = client.createReceiver("short-lock", { maxAutoLockRenewalDurationInMs: 0 });
    for (let attempt = 0; attempt < 3; attempt++) {
      const [message] = await receiveAtLeast(receiver, 1, 10_000);
      expect(message?.deliveryCount).toBe(attempt);
    }
    const [dead] = await receiveAtLeast(
      client.createReceiver("short-lock", { subQueueType: "deadLetter", receiveMode: "receiveAndDelete" }),
      1,
      10_000,
    );
    expect(dead?.deadLetterReason).toBe("MaxDeliveryCountExceeded");
    await receiver.close();
  });
});
