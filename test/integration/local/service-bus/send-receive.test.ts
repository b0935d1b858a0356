// Sending (single and batch) and what a receiver reads back, through the real SDK.
import { afterAll, beforeEach, describe, expect, it } from "vitest";
import type { ServiceBusMessage } from "@azure/service-bus";
import { createClient, purge, receiveAtLeast, uniqueId } from "./helpers.js";

const QUEUE = "round-trip";
const MAX_MESSAGE_SIZE = 256 * 1024;

describe("Service Bus emulator: sending and receiving", () => {
  const client = createClient();
  beforeEach(async () => {
    await purge(client, QUEUE);
  });
  afterAll(async () => {
    await client.close();
  });

  it("when a message carries every settable property, then the receiver reads each back unchanged", async () => {
    const sent: ServiceBusMessage = {
      body: { escalation: "esc-1", nested: { list: [1, "two", true, null] } },
      messageId: uniqueId("msg"),
      correlationId: "corr-123",
      subject: "escalation.created",
      to: "vianet",
      replyTo: "replies",
      replyToSessionId: "reply-session",
      contentType: "application/json",
      timeToLive: 3_600_000,
      applicationProperties: {
        text: "value",
        positive: 42,
        negative: -7,
        fraction: 3.25,
        flag: false,
        when: new Date("2026-11-26T10:00:00.000Z"),
      },
    };
    const before = Date.now();
    await client.createSender(QUEUE).sendMessages(sent);
    const [received] = await receiveAtLeast(client.createReceiver(QUEUE, { receiveMode: "receiveAndDelete" }), 1);

    expect(received).toBeDefined();
    expect(received?.body).toEqual(sent.body);
    expect(received?.messageId).toBe(sent.messageId);
    expect(received?.correlationId).toBe("corr-123");
    expect(received?.subject).toBe("escalation.created");
    expect(received?.to).toBe("vianet");
    expect(received?.replyTo).toBe("replies");
    expect(received?.replyToSessionId).toBe("reply-session");
    expect(received?.contentType).toBe("application/json");
    expect(received?.timeToLive).toBe(3_600_000);
    // The SDK encodes a Date as an AMQP timestamp and rhea decodes application-property
    // timestamps as epoch milliseconds; the wire bytes themselves are checked in raw-amqp.test.ts.
    expect(received?.applicationProperties).toEqual({
      ...sent.applicationProperties,
      when: Date.parse("2026-11-26T10:00:00.000Z"),
    });
    expect(received?.deliveryCount).toBe(0);
    expect(received?.enqueuedTimeUtc?.getTime()).toBeGreaterThanOrEqual(before - 1_000);
    expect(received?.expiresAtUtc?.getTime()).toBe((received?.enqueuedTimeUtc?.getTime() ?? 0) + 3_600_000);
    expect(Number(received?.sequenceNumber)).toBeGreaterThan(0);
  });

  it("when bodies are strings, numbers, binary, arrays or absent, then each comes back as sent", async () => {
    const bodies: unknown[] = ["plain text", 12345, Buffer.from([0, 1, 2, 255]), ["a", 1, false], null];
    const sender = client.createSender(QUEUE);
    for (const body of bodies) await sender.sendMessages({ body });
    const received = await receiveAtLeast(
      client.createReceiver(QUEUE, { receiveMode: "receiveAndDelete" }),
      bodies.length,
    );
    expect(received.map((message) => message.body as unknown)).toEqual(bodies);
  });

  it("when the body is sent as an AMQP sequence or as several data sections, then the body type survives", async () => {
    const sender = client.createSender(QUEUE);
    await sender.sendMessages({ body: [["row", 1]], bodyType: "sequence" } as ServiceBusMessage);
    await sender.sendMessages({ body: Buffer.from("raw bytes"), bodyType: "data" } as ServiceBusMessage);
    const received = await receiveAtLeast(client.createReceiver(QUEUE, { receiveMode: "receiveAndDelete" }), 2);
    expect(received.map((message) => message.body as unknown)).toEqual([[["row", 1]], Buffer.from("raw bytes")]);
  });

  it("when a message has no message id, then the emulator assigns a unique one", async () => {
    const sender = client.createSender(QUEUE);
    await sender.sendMessages([{ body: "first" }, { body: "second" }]);
    const received = await receiveAtLeast(client.createReceiver(QUEUE, { receiveMode: "receiveAndDelete" }), 2);
    const ids = received.map((message) => message.messageId);
    expect(ids.every((id) => typeof id === "string" && id.length >= 16)).toBe(true);
    expect(new Set(ids).size).toBe(2);
  });

  it("when messages are sent as a batch, then all arrive in order with increasing sequence numbers", async () => {
    const sender = client.createSender(QUEUE);
    const batch = await sender.createMessageBatch();
    for (let i = 0; i < 200; i++) expect(batch.tryAddMessage({ body: `item-${i}` })).toBe(true);
    await sender.sendMessages(batch);
    const received = await receiveAtLeast(client.createReceiver(QUEUE, { receiveMode: "receiveAndDelete" }), 200);
    expect(received.map((message) => message.body as unknown)).toEqual(
      Array.from({ length: 200 }, (_, i) => `item-${i}`),
    );
    const sequence = received.map((message) => Number(message.sequenceNumber));
    expect(sequence).toEqual([...sequence].sort((a, b) => a - b));
  });

  it("when a batch is created, then it is limited by the link's max-message-size of 256 KiB", async () => {
    const sender = client.createSender(QUEUE);
    const batch = await sender.createMessageBatch();
    expect(batch.maxSizeInBytes).toBe(MAX_MESSAGE_SIZE);
    const chunk = Buffer.alloc(10 * 1024, 7);
    let added = 0;
    while (batch.tryAddMessage({ body: chunk })) added++;
    expect(added).toBeGreaterThan(20);
    expect(added).toBeLessThan(26);
    await sender.sendMessages(batch);
    const received = await receiveAtLeast(client.createReceiver(QUEUE, { receiveMode: "receiveAndDelete" }), added);
    expect(received).toHaveLength(added);
    expect(received.every((message) => Buffer.isBuffer(message.body) && chunk.equals(message.body))).toBe(true);
  });

  it("when a single message is larger than 256 KiB, then the SDK refuses it before sending", async () => {
    const sender = client.createSender(QUEUE);
    await expect(sender.sendMessages({ body: Buffer.alloc(MAX_MESSAGE_SIZE + 1) })).rejects.toThrow();
    const receiver = client.createReceiver(QUEUE, { receiveMode: "receiveAndDelete" });
    expect(await receiver.receiveMessages(1, { maxWaitTimeInMs: 300 })).toHaveLength(0);
  });

  it("when a message close to the limit is sent, then it arrives intact across several frames", async () => {
    const body = Buffer.alloc(200 * 1024);
    for (let i = 0; i < body.length; i++) body[i] = i % 251;
    await client.createSender(QUEUE).sendMessages({ body });
    const [received] = await receiveAtLeast(client.createReceiver(QUEUE, { receiveMode: "receiveAndDelete" }), 1);
    expect(Buffer.isBuffer(received?.body) && body.equals(received.body)).toBe(true);
  });
});
