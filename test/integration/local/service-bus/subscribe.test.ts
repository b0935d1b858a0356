// subscribe() with concurrency, and a long run through one receiver that must never stall.
import { afterAll, describe, expect, it } from "vitest";
import { createClient, purge } from "./helpers.js";

describe("Service Bus emulator: subscribers", () => {
  const client = createClient();
  afterAll(async () => {
    await client.close();
  });

  it("when a subscriber allows 8 concurrent calls, then 8 handlers run at once and every message is completed once", async () => {
    await purge(client, "subscribe");
    const total = 40;
    const sender = client.createSender("subscribe");
    await sender.sendMessages(Array.from({ length: total }, (_, i) => ({ body: i })));
    const receiver = client.createReceiver("subscribe");
    let running = 0;
    let peak = 0;
    const seen: number[] = [];
    const finished = new Promise<void>((resolve, reject) => {
      receiver.subscribe(
        {
          processMessage: async (message) => {
            running++;
            peak = Math.max(peak, running);
            await new Promise((wait) => setTimeout(wait, 100));
            seen.push(message.body as number);
            running--;
            if (seen.length === total) resolve();
          },
          processError: async (args) => {
            reject(args.error);
            return Promise.resolve();
          },
        },
        { maxConcurrentCalls: 8, autoCompleteMessages: true },
      );
    });
    await finished;
    expect(peak).toBe(8);
    expect([...seen].sort((a, b) => a - b)).toEqual(Array.from({ length: total }, (_, i) => i));
    await expect.poll(async () => (await receiver.peekMessages(1)).length, { timeout: 5_000 }).toBe(0);
    await receiver.close();
  });

  it("when 50,000 messages go through one receiver, then it never stalls and each arrives exactly once", async () => {
    await purge(client, "stall");
    const total = 50_000;
    const sender = client.createSender("stall");
    let batch = await sender.createMessageBatch();
    for (let i = 0; i < total; i++) {
      if (!batch.tryAddMessage({ body: i })) {
        await sender.sendMessages(batch);
        batch = await sender.createMessageBatch();
        batch.tryAddMessage({ body: i });
      }
    }
    await sender.sendMessages(batch);

    const receiver = client.createReceiver("stall");
    const seen = new Uint8Array(total);
    let received = 0;
    let duplicates = 0;
    const finished = new Promise<void>((resolve, reject) => {
      receiver.subscribe(
        {
          processMessage: async (message) => {
            const index = message.body as number;
            if (seen[index] === 1) duplicates++;
            seen[index] = 1;
            received++;
            if (received === total) resolve();
            return Promise.resolve();
          },
          processError: async (args) => {
            reject(args.error);
            return Promise.resolve();
          },
        },
        { maxConcurrentCalls: 100, autoCompleteMessages: true },
      );
    });
    await finished;
    expect(duplicates).toBe(0);
    expect(seen.every((flag) => flag === 1)).toBe(true);
    await receiver.close();
    const leftover = client.createReceiver("stall", { receiveMode: "receiveAndDelete" });
    expect(await leftover.receiveMessages(10, { maxWaitTimeInMs: 500 })).toHaveLength(0);
  }, 120_000);
});
