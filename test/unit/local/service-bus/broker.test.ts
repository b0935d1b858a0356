import { describe, it, expect, afterEach } from "vitest";
import { Broker } from "../../../../local/service-bus/broker.js";
import { FakeClock, FakeConsumer, brokerSettings, encodedMessage, queueSettings } from "./builders.js";

const brokers: Broker[] = [];

afterEach(() => {
  for (const broker of brokers.splice(0)) broker.close();
});

function memoryBroker(names: string[] = ["Orders"]): { broker: Broker; clock: FakeClock } {
  const clock = new FakeClock();
  const broker = new Broker(brokerSettings(names.map((name) => queueSettings({ name }))), { now: () => clock.now });
  brokers.push(broker);
  return { broker, clock };
}

describe("Broker.resolve", () => {
  it.each([
    ["orders", "queue", "Orders"],
    ["ORDERS", "queue", "Orders"],
    ["sb://127.0.0.1:5673/orders", "queue", "Orders"],
    ["amqp://localhost/orders", "queue", "Orders"],
    ["orders/$DeadLetterQueue", "deadLetterQueue", "Orders/$DeadLetterQueue"],
    ["orders/$deadletterqueue", "deadLetterQueue", "Orders/$DeadLetterQueue"],
    ["orders/$management", "management", "Orders"],
    ["orders/$DeadLetterQueue/$management", "management", "Orders/$DeadLetterQueue"],
  ])("when the address is %s, then it resolves to a %s on %s", (address, kind, queuePath) => {
    const { broker } = memoryBroker();

    const resolution = broker.resolve(address);

    expect(resolution).toEqual(expect.objectContaining({ ok: true, kind, queuePath }));
  });

  it("when a queue and its dead-letter queue are resolved, then they are the broker's queue objects", () => {
    const { broker } = memoryBroker();
    const queue = broker.queue("orders");

    const main = broker.resolve("orders");
    const deadLetters = broker.resolve("orders/$DeadLetterQueue");

    expect(main.ok && main.queue).toBe(queue);
    expect(deadLetters.ok && deadLetters.queue).toBe(queue?.deadLetterQueue);
  });

  it.each(["invoices", "invoices/$DeadLetterQueue", "orders/extra"])(
    "when %s is not configured, then it is not found with a description SDKs map to MessagingEntityNotFound",
    (address) => {
      const { broker } = memoryBroker();

      expect(broker.resolve(address)).toEqual({
        ok: false,
        reason: "notFound",
        description: `The messaging entity '${address}' could not be found.`,
      });
    },
  );

  it.each(["topic/Subscriptions/sub", "topic/Subscriptions/sub/$DeadLetterQueue", "orders/$Transfer/$DeadLetterQueue"])(
    "when %s names a topic subscription or transfer queue, then it is unsupported",
    (address) => {
      const { broker } = memoryBroker();

      expect(broker.resolve(address)).toEqual(expect.objectContaining({ ok: false, reason: "unsupported" }));
    },
  );
});

describe("Broker.tick", () => {
  it("when the broker ticks, then every queue and dead-letter queue runs its due work", () => {
    const { broker, clock } = memoryBroker(["a", "b"]);
    const a = broker.queue("a");
    const b = broker.queue("b");
    const consumerOfA = new FakeConsumer();
    a?.addConsumer(consumerOfA);
    a?.send([encodedMessage({ message_id: "locked" })]);
    b?.send([encodedMessage({ message_id: "expiring", ttl: 1_000 })]);

    clock.advance(queueSettings().lockDurationMs);
    broker.tick();

    expect(consumerOfA.deliveries.map((d) => d.deliveryCount)).toEqual([0, 1]);
    expect([...(b?.storedMessages() ?? [])]).toHaveLength(0);
  });
});
