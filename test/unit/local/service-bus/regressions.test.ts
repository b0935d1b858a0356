// Regression tests for emulator bugs found while writing the unit tests; each failed before
// its fix.
import { describe, it, expect } from "vitest";
import { MessageDecodeError, decodeMessage } from "../../../../local/service-bus/message-codec.js";
import { Queue } from "../../../../local/service-bus/queue.js";
import { FakeClock, FakeConsumer, configErrorOf, encodedMessage, queueSettings } from "./builders.js";

function configWithQueues(queues: Record<string, unknown>[]): unknown {
  return { UserConfig: { Namespaces: [{ Name: "sbemulatorns", Queues: queues }] } };
}

describe("config: a duration must be the whole text", () => {
  // iso8601-duration's parse() is not anchored: alone, it finds a duration anywhere in the text
  // and drops the rest, a leading minus sign included.
  it.each([
    ["-PT1M", "a negative duration (parsed today as +60000 ms)"],
    ["PT1M30", "a trailing number without a unit (parsed today as 60000 ms)"],
    ["ten minutes PT10M", "leading prose (parsed today as 600000 ms)"],
    ["PT1M garbage", "trailing prose (parsed today as 60000 ms)"],
    ["PT1H1H", "a repeated unit (parsed today as 3600000 ms)"],
  ])("when LockDuration is %j, then a ConfigError names it", (duration) => {
    const error = configErrorOf(configWithQueues([{ Name: "q", Properties: { LockDuration: duration } }]));

    expect(error.message).toContain("Queues.0.Properties.LockDuration");
    expect(error.message).toContain(`"${duration}" is not an ISO-8601 duration`);
  });
});

describe("config: duplicate queue names are listed with every other problem", () => {
  // Duplicate names used to be checked only after the schema passed, one at a time.
  it("when a config has a duplicate name and an invalid property, then one ConfigError lists both", () => {
    const error = configErrorOf(
      configWithQueues([
        { Name: "orders" },
        { Name: "orders" },
        { Name: "invoices", Properties: { MaxDeliveryCount: 0 } },
      ]),
    );

    expect(error.message).toContain('queue "orders" is defined twice');
    expect(error.message).toContain("Queues.2.Properties.MaxDeliveryCount");
  });

  it("when two different names are each defined twice, then one ConfigError names both", () => {
    const error = configErrorOf(configWithQueues([{ Name: "a" }, { Name: "A" }, { Name: "b" }, { Name: "b" }]));

    expect(error.message).toContain('queue "A" is defined twice');
    expect(error.message).toContain('queue "b" is defined twice');
  });
});

describe("message codec: only AMQP section descriptors are accepted", () => {
  // An unknown numeric descriptor used to be taken as the start of the body.
  it.each([
    ["0x99 (not an AMQP descriptor)", "00539945"],
    ["0x10 (the open performative)", "00531045"],
    ["0x00", "005300a10178"],
  ])("when a section's descriptor is %s, then decoding fails with MessageDecodeError", (_name, hex) => {
    expect(() => decodeMessage(Buffer.from(hex, "hex"))).toThrow(MessageDecodeError);
  });
});

describe("queue: a dead-letter queue refuses to dead-letter again", () => {
  // Service Bus does not allow dead-lettering a message that is already in the dead-letter queue;
  // the emulator used to delete it silently.
  it("when a message in the dead-letter queue is dead-lettered, then it is not lost", () => {
    const clock = new FakeClock();
    const queue = new Queue({ settings: queueSettings(), now: () => clock.now });
    queue.send([encodedMessage({ message_id: "poison" })]);
    const consumer = new FakeConsumer();
    queue.addConsumer(consumer);
    queue.settle(consumer.lastLockKey(), { kind: "deadLetter", reason: "first" });
    const deadLetterQueue = queue.deadLetterQueue;
    if (deadLetterQueue === undefined) throw new Error("no dead-letter queue");
    const deadLetterConsumer = new FakeConsumer();
    deadLetterQueue.addConsumer(deadLetterConsumer);

    deadLetterQueue.settle(deadLetterConsumer.lastLockKey(), { kind: "deadLetter", reason: "second" });

    expect([...deadLetterQueue.storedMessages()].map((stored) => stored.message.messageId)).toEqual(["poison"]);
  });
});
