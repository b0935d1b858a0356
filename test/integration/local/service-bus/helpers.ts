// Shared helpers for tests that drive the emulator through the real @azure/service-bus SDK.
import { randomUUID } from "node:crypto";
import { ServiceBusClient, type ServiceBusReceivedMessage, type ServiceBusReceiver } from "@azure/service-bus";
import { inject } from "vitest";

export function emulatorConnectionString(): string {
  return inject("serviceBusConnectionString");
}

/** A client with short timeouts, so a broken emulator fails a test quickly instead of hanging it. */
export function createClient(connectionString = emulatorConnectionString()): ServiceBusClient {
  return new ServiceBusClient(connectionString, {
    retryOptions: { timeoutInMs: 10_000, maxRetries: 2, retryDelayInMs: 200 },
  });
}

export function uniqueId(prefix = "test"): string {
  return `${prefix}-${randomUUID()}`;
}

/** Receives until `count` messages arrived or the deadline passed; returns what arrived. */
export async function receiveAtLeast(
  receiver: ServiceBusReceiver,
  count: number,
  deadlineMs = 10_000,
): Promise<ServiceBusReceivedMessage[]> {
  const received: ServiceBusReceivedMessage[] = [];
  const deadline = Date.now() + deadlineMs;
  while (received.length < count && Date.now() < deadline) {
    const batch = await receiver.receiveMessages(count - received.length, {
      maxWaitTimeInMs: Math.min(1_000, Math.max(50, deadline - Date.now())),
    });
    received.push(...batch);
  }
  return received;
}

/** Removes whatever a queue (or sub-queue) still holds, so each test starts from empty. */
export async function purge(client: ServiceBusClient, queue: string, subQueueType?: "deadLetter"): Promise<number> {
  const receiver = client.createReceiver(queue, {
    receiveMode: "receiveAndDelete",
    ...(subQueueType ? { subQueueType } : {}),
  });
  let removed = 0;
  for (;;) {
    const batch = await receiver.receiveMessages(500, { maxWaitTimeInMs: 200 });
    if (batch.length === 0) break;
    removed += batch.length;
  }
  await receiver.close();
  return removed;
}

/** Every message in a queue, peeked from the start (a client's peek cursor carries on where it stopped). */
export async function peekAll(queue: string, max = 1_000): Promise<ServiceBusReceivedMessage[]> {
  const client = createClient();
  try {
    return await client.createReceiver(queue).peekMessages(max);
  } finally {
    await client.close();
  }
}
