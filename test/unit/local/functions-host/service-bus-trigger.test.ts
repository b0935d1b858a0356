import { describe, it, expect } from "vitest";
import type { ServiceBusReceivedMessage } from "@azure/service-bus";
import type { RpcBindingInfo, RpcTypedData } from "../../../../local/functions-host/core-types.js";
import type { RegisteredFunction } from "../../../../local/functions-host/registry.js";
import {
  resolveServiceBusTrigger,
  toTriggerInput,
  toTriggerMetadata,
} from "../../../../local/functions-host/service-bus-trigger.js";
import { appConfigErrorOf, jsonOf, registeredFunction, serviceBusTriggerBinding } from "./builders.js";

const ENQUEUED = new Date("2025-01-01T12:00:00.000Z");
const EXPIRES = new Date("2025-01-15T12:00:00.000Z");
const LOCKED_UNTIL = new Date("2025-01-01T12:01:00.000Z");

type MessageFields = Omit<Partial<ServiceBusReceivedMessage>, "sequenceNumber"> & { sequenceNumber?: number };

/**
 * A received message as the SDK hands it over. The sequence number is a Long in the SDK; only
 * its toNumber() is read, so a stand-in with that method is used.
 */
function receivedMessage(fields: MessageFields = {}): ServiceBusReceivedMessage {
  const { sequenceNumber = 7, ...rest } = fields;
  return {
    body: "hello",
    messageId: "msg-1",
    deliveryCount: 0,
    enqueuedTimeUtc: ENQUEUED,
    expiresAtUtc: EXPIRES,
    lockedUntilUtc: LOCKED_UNTIL,
    lockToken: "lock-1",
    applicationProperties: { tenant: "contoso" },
    state: "active",
    ...rest,
    sequenceNumber: { toNumber: () => sequenceNumber },
  } as unknown as ServiceBusReceivedMessage;
}

/** Trigger metadata with every value's JSON parsed. */
function metadataOf(message: ServiceBusReceivedMessage): Record<string, unknown> {
  const metadata: Record<string, RpcTypedData> = toTriggerMetadata(message);
  return Object.fromEntries(Object.entries(metadata).map(([key, data]) => [key, jsonOf(data)]));
}

function serviceBusFunction(trigger: RpcBindingInfo = {}): RegisteredFunction {
  return registeredFunction({ name: "onWork", triggerName: "message", trigger: serviceBusTriggerBinding(trigger) });
}

describe("toTriggerInput", () => {
  it("when the body is a Buffer, then it is passed as UTF-8 text", () => {
    expect(toTriggerInput(Buffer.from("héllo wörld", "utf8"))).toEqual({ string: "héllo wörld" });
  });

  it("when the body is a string, then it is passed as is", () => {
    expect(toTriggerInput('{"not":"parsed here"}')).toEqual({ string: '{"not":"parsed here"}' });
  });

  it("when the body is an object, then it is passed as JSON", () => {
    expect(toTriggerInput({ orderId: 7, lines: ["a"] })).toEqual({ json: '{"orderId":7,"lines":["a"]}' });
  });

  it.each([
    [42, "42"],
    [true, "true"],
    [[1, 2], "[1,2]"],
  ])("when the body is %j, then it is passed as JSON %j", (body, json) => {
    expect(toTriggerInput(body)).toEqual({ json });
  });

  it.each([null, undefined])("when the body is %s, then an empty string is passed", (body) => {
    expect(toTriggerInput(body)).toEqual({ string: "" });
  });
});

describe("toTriggerMetadata", () => {
  it("when a message is received, then its properties are given under the host's PascalCase names", () => {
    expect(metadataOf(receivedMessage())).toEqual({
      MessageId: "msg-1",
      DeliveryCount: 1,
      SequenceNumber: 7,
      EnqueuedTimeUtc: "2025-01-01T12:00:00.000Z",
      ExpiresAtUtc: "2025-01-15T12:00:00.000Z",
      LockedUntilUtc: "2025-01-01T12:01:00.000Z",
      LockToken: "lock-1",
      ApplicationProperties: { tenant: "contoso" },
      UserProperties: { tenant: "contoso" },
    });
  });

  it("when every value is produced, then each is JSON typed data", () => {
    for (const data of Object.values(toTriggerMetadata(receivedMessage({ correlationId: "c" })))) {
      expect(Object.keys(data)).toEqual(["json"]);
      expect(typeof data.json).toBe("string");
    }
  });

  it.each([
    [0, 1],
    [1, 2],
    [9, 10],
  ])(
    "when the AMQP delivery count is %d, then DeliveryCount is %d (counted from 1 as in .NET)",
    (deliveryCount, expected) => {
      expect(metadataOf(receivedMessage({ deliveryCount })).DeliveryCount).toBe(expected);
    },
  );

  it("when the message has no delivery count, then DeliveryCount is 1", () => {
    expect(metadataOf(receivedMessage({ deliveryCount: undefined })).DeliveryCount).toBe(1);
  });

  it("when the optional properties are set, then each is given, subject also as Label", () => {
    const metadata = metadataOf(
      receivedMessage({
        correlationId: "corr-1",
        contentType: "application/json",
        subject: "order.created",
        to: "orders",
        replyTo: "replies",
        sessionId: "session-1",
        deadLetterSource: "orders",
        deadLetterReason: "MaxDeliveryCountExceeded",
        deadLetterErrorDescription: "too many tries",
      }),
    );

    expect(metadata).toMatchObject({
      CorrelationId: "corr-1",
      ContentType: "application/json",
      Subject: "order.created",
      Label: "order.created",
      To: "orders",
      ReplyTo: "replies",
      SessionId: "session-1",
      DeadLetterSource: "orders",
      DeadLetterReason: "MaxDeliveryCountExceeded",
      DeadLetterErrorDescription: "too many tries",
    });
  });

  it("when the optional properties are absent, then their names are absent too", () => {
    const keys = Object.keys(toTriggerMetadata(receivedMessage()));

    for (const optional of [
      "CorrelationId",
      "ContentType",
      "Subject",
      "Label",
      "To",
      "ReplyTo",
      "SessionId",
      "DeadLetterSource",
      "DeadLetterReason",
      "DeadLetterErrorDescription",
    ]) {
      expect(keys).not.toContain(optional);
    }
  });

  it("when the message has no application properties, then both property maps are empty objects", () => {
    const metadata = metadataOf(receivedMessage({ applicationProperties: undefined }));

    expect(metadata.ApplicationProperties).toEqual({});
    expect(metadata.UserProperties).toEqual({});
  });

  it("when the message lacks ids and times, then those values are null", () => {
    const message = { body: "x", state: "active" } as unknown as ServiceBusReceivedMessage;

    expect(metadataOf(message)).toMatchObject({
      MessageId: null,
      SequenceNumber: null,
      EnqueuedTimeUtc: null,
      ExpiresAtUtc: null,
      LockedUntilUtc: null,
      LockToken: null,
    });
  });
});

describe("resolveServiceBusTrigger", () => {
  const connectionString =
    "Endpoint=sb://localhost;SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey=SAS_KEY_VALUE;UseDevelopmentEmulator=true;";

  it("when the queue name is a literal, then it is the queue to receive from", () => {
    const fn = serviceBusFunction({ queueName: "work" });

    const target = resolveServiceBusTrigger(fn, { ServiceBusConnection: connectionString });

    expect(target).toEqual({ fn, queueName: "work", connectionString });
  });

  it("when the queue name is a %SETTING% expression, then the app setting is the queue", () => {
    const target = resolveServiceBusTrigger(serviceBusFunction({ queueName: "%WorkQueueName%" }), {
      WorkQueueName: "work-dev",
      ServiceBusConnection: connectionString,
    });

    expect(target.queueName).toBe("work-dev");
  });

  it("when the trigger names no connection, then the AzureWebJobsServiceBus setting is used", () => {
    const target = resolveServiceBusTrigger(serviceBusFunction({ connection: undefined }), {
      AzureWebJobsServiceBus: connectionString,
    });

    expect(target.connectionString).toBe(connectionString);
  });

  it("when the trigger's connection is empty, then the AzureWebJobsServiceBus setting is used", () => {
    const target = resolveServiceBusTrigger(serviceBusFunction({ connection: "" }), {
      AzureWebJobsServiceBus: connectionString,
    });

    expect(target.connectionString).toBe(connectionString);
  });

  it("when the queue name's setting is missing, then an AppConfigError names the function and the setting", () => {
    const error = appConfigErrorOf(() =>
      resolveServiceBusTrigger(serviceBusFunction({ queueName: "%WorkQueueName%" }), {
        ServiceBusConnection: connectionString,
      }),
    );

    expect(error.message).toBe("onWork: app setting 'WorkQueueName' is not set");
  });

  it("when the connection setting is missing, then an AppConfigError names it", () => {
    const error = appConfigErrorOf(() => resolveServiceBusTrigger(serviceBusFunction(), {}));

    expect(error.message).toBe("onWork: app setting 'ServiceBusConnection' (the trigger's connection) is not set");
  });

  it("when the default connection setting is missing, then an AppConfigError names AzureWebJobsServiceBus", () => {
    const error = appConfigErrorOf(() => resolveServiceBusTrigger(serviceBusFunction({ connection: undefined }), {}));

    expect(error.message).toContain("'AzureWebJobsServiceBus'");
  });

  it("when only an identity-based connection is set, then an AppConfigError explains it works only in Azure", () => {
    const error = appConfigErrorOf(() =>
      resolveServiceBusTrigger(serviceBusFunction(), {
        ServiceBusConnection__fullyQualifiedNamespace: "contoso.servicebus.windows.net",
      }),
    );

    expect(error.message).toContain(
      "'ServiceBusConnection__fullyQualifiedNamespace' (managed identity) works in Azure",
    );
    expect(error.message).toContain("set 'ServiceBusConnection' to a connection string");
  });

  it("when the trigger is on a topic, then an AppConfigError says topics are not supported", () => {
    const error = appConfigErrorOf(() =>
      resolveServiceBusTrigger(
        serviceBusFunction({ queueName: undefined, topicName: "events", subscriptionName: "all" }),
        { ServiceBusConnection: connectionString },
      ),
    );

    expect(error.message).toBe("onWork: topic triggers are not supported by the local host");
  });

  it.each([undefined, ""])(
    "when the queue name is %j, then an AppConfigError says a queueName is needed",
    (queueName) => {
      const error = appConfigErrorOf(() =>
        resolveServiceBusTrigger(serviceBusFunction({ queueName }), { ServiceBusConnection: connectionString }),
      );

      expect(error.message).toBe("onWork: serviceBusTrigger needs a queueName");
    },
  );
});
