// Connection loss: every client connection dropped at once; the SDK reconnects and nothing is lost.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ServiceBusReceivedMessage } from "@azure/service-bus";
import { start, type RunningEmulator } from "../../../../local/service-bus/index.js";
import { createClient, receiveAtLeast } from "./helpers.js";

const config = {
  UserConfig: {
    Namespaces: [
      { Name: "faults", Queues: [{ Name: "work", Properties: { LockDuration: "PT30S", MaxDeliveryCount: 10 } }] },
    ],
  },
};

describe("Service Bus emulator: dropped connections", () => {
  let emulator: RunningEmulator;
  beforeAll(async () => {
    emulator = await start({ port: 0, config });
  });
  afterAll(async () => {
    await emulator.close();
  });

  it("when every connection drops, then locked messages return with one more delivery and the SDK carries on", async () => {
    const client = createClient(emulator.connectionString);
    const sender = client.createSender("work");
    await sender.sendMessages(Array.from({ length: 10 }, (_, i) => ({ body: i, messageId: `m-${i}` })));
    const receiver = client.createReceiver("work");
    const locked = await receiveAtLeast(receiver, 4);
    expect(locked.map((message) => message.deliveryCount)).toEqual([0, 0, 0, 0]);
    expect(emulator.connectionCount()).toBeGreaterThan(0);

    emulator.dropConnections();

    // The lock went with the connection: settling it now (through $management, from a client
    // that never had the link) is refused, and the message is back in the queue.
    const other = createClient(emulator.connectionString);
    await expect(
      other.createReceiver("work").completeMessage(locked[0] as ServiceBusReceivedMessage),
    ).rejects.toMatchObject({ code: "MessageLockLost" });
    await other.close();
    await sender.sendMessages(Array.from({ length: 5 }, (_, i) => ({ body: 10 + i, messageId: `m-${10 + i}` })));

    const seen = new Map<number, number>();
    const deadline = Date.now() + 20_000;
    while (seen.size < 15 && Date.now() < deadline) {
      for (const message of await receiver.receiveMessages(15, { maxWaitTimeInMs: 1_000 })) {
        seen.set(message.body as number, message.deliveryCount ?? -1);
        await receiver.completeMessage(message);
      }
    }
    expect([...seen.keys()].sort((a, b) => a - b)).toEqual(Array.from({ length: 15 }, (_, i) => i));
    for (const message of locked) expect(seen.get(message.body as number)).toBe(1);
    expect(seen.get(9)).toBe(0);
    expect(emulator.counts("work")).toMatchObject({ active: 0, locked: 0, deadLettered: 0 });
    await client.close();
  });

  it("when connections drop while a subscriber is running, then every message is still handled", async () => {
    const client = createClient(emulator.connectionString);
    const total = 300;
    await client.createSender("work").sendMessages(Array.from({ length: total }, (_, i) => ({ body: i })));
    const receiver = client.createReceiver("work");
    const handled = new Set<number>();
    let dropped = false;
    const finished = new Promise<void>((resolve) => {
      receiver.subscribe(
        {
          processMessage: async (message) => {
            await new Promise((wait) => setTimeout(wait, 2));
            handled.add(message.body as number);
            if (!dropped && handled.size === 50) {
              dropped = true;
              emulator.dropConnections();
            }
            if (handled.size === total) resolve();
          },
          // Lock-lost settlements after the drop are expected; the messages come back.
          processError: async () => Promise.resolve(),
        },
        { maxConcurrentCalls: 10, autoCompleteMessages: true },
      );
    });
    await finished;
    expect(dropped).toBe(true);
    await expect
      .poll(() => emulator.counts("work").active + emulator.counts("work").locked, { timeout: 15_000 })
      .toBe(0);
    expect(emulator.counts("work").deadLettered).toBe(0);
    await receiver.close();
    await client.close();
  }, 60_000);
});
