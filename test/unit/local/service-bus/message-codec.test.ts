import { describe, it, expect } from "vitest";
import rhea from "rhea";
import {
  BATCH_MESSAGE_FORMAT,
  MessageDecodeError,
  decodeBatch,
  decodeMessage,
  encodeForDelivery,
  encodeForStorage,
  ensureMessageId,
  mergeApplicationProperties,
  readApplicationProperties,
  type DeliveryState,
} from "../../../../local/service-bus/message-codec.js";
import { T0, amqpBytes, encodedMessage } from "./builders.js";
import type { Typed } from "rhea";

const t = rhea.types;

/** rhea types a few wrappers and section builders as `any`. */
function ulong(value: number): Typed {
  return t.wrap_ulong(value) as Typed;
}

function dataSections(buffers: Buffer[]): unknown {
  return rhea.message.data_sections(buffers) as unknown;
}

function dataSection(buffer: Buffer): unknown {
  return rhea.message.data_section(buffer) as unknown;
}

function sequenceSections(lists: unknown[][]): unknown {
  return rhea.message.sequence_sections(lists) as unknown;
}

/** rhea always writes a header section; with no header fields it is an empty list. */
const EMPTY_HEADER = Buffer.from("00537045", "hex");
const UUID_BYTES = Buffer.from("00112233445566778899aabbccddeeff", "hex");

function hex(text: string): Buffer {
  return Buffer.from(text.replace(/\s+/g, ""), "hex");
}

function ascii(text: string): string {
  return Buffer.from(text, "ascii").toString("hex");
}

/** The sender's sections after rhea's empty header: properties, application properties, body. */
function senderSections(wire: Buffer): Buffer {
  expect(wire.subarray(0, EMPTY_HEADER.length)).toEqual(EMPTY_HEADER);
  return wire.subarray(EMPTY_HEADER.length);
}

function deliveryState(overrides: Partial<DeliveryState> = {}): DeliveryState {
  return {
    sequenceNumber: 7,
    enqueuedTimeMs: T0,
    deliveryCount: 0,
    lockedUntilMs: T0 + 30_000,
    state: "active",
    deadLetterSource: undefined,
    ...overrides,
  };
}

type DecodedMessage = ReturnType<typeof rhea.message.decode>;

function deliveredAs(wire: Buffer, overrides: Partial<DeliveryState> = {}): DecodedMessage {
  return rhea.message.decode(encodeForDelivery(decodeMessage(wire), deliveryState(overrides)));
}

function expectDecodeError(action: () => unknown): MessageDecodeError {
  try {
    action();
  } catch (error) {
    expect(error).toBeInstanceOf(MessageDecodeError);
    expect((error as Error).name).toBe("MessageDecodeError");
    return error as MessageDecodeError;
  }
  throw new Error("expected a MessageDecodeError, nothing was thrown");
}

const TYPED_APPLICATION_PROPERTIES = {
  int: t.wrap_int(100_000),
  short: t.wrap_short(-3),
  float: t.wrap_float(1.5),
  ulong: ulong(2 ** 40),
  long: t.wrap_long(-5_000_000_000),
  uuid: t.wrap_uuid(UUID_BYTES),
  binary: t.wrap_binary(Buffer.from([0, 1, 2, 255])),
  timestamp: t.wrap_timestamp(T0),
  symbol: t.wrap_symbol("a-symbol"),
  string: "text",
  boolean: true,
};

const TYPED_PROPERTIES = {
  message_id: t.wrap_uuid(UUID_BYTES),
  user_id: Buffer.from("user"),
  to: "orders",
  subject: "created",
  reply_to: "replies",
  correlation_id: ulong(12_345_678_901),
  content_type: "application/json",
  content_encoding: "utf-8",
  absolute_expiry_time: new Date(T0 + 60_000),
  creation_time: new Date(T0),
  group_id: "session-1",
  group_sequence: 3,
  reply_to_group_id: "reply-session",
};

const BODIES: [string, unknown][] = [
  ["an amqp-value string", "hello"],
  ["an amqp-value typed list", t.wrap_list([t.wrap_int(100_000), t.wrap_short(2), t.wrap_float(0.25)])],
  ["an amqp-value map", t.wrap_map({ k: ulong(9) })],
  ["one sequence section", rhea.message.sequence_section([1, "two", t.wrap_short(3)])],
  ["several sequence sections", sequenceSections([[t.wrap_int(1)], [t.wrap_long(2)]])],
  ["one data section", dataSection(Buffer.from([1, 2, 3]))],
  ["several data sections", dataSections([Buffer.from("one"), Buffer.alloc(300, 7), Buffer.alloc(0)])],
];

describe("decodeMessage and encodeForDelivery", () => {
  it.each(BODIES)(
    "when the body is %s, then properties, application properties and body are forwarded byte for byte",
    (_name, body) => {
      const wire = rhea.message.encode({
        ...TYPED_PROPERTIES,
        application_properties: TYPED_APPLICATION_PROPERTIES,
        body,
      });

      const delivered = encodeForDelivery(decodeMessage(wire), deliveryState());

      const sections = senderSections(wire);
      expect(delivered.subarray(delivered.length - sections.length)).toEqual(sections);
    },
  );

  it("when typed application properties are forwarded, then each keeps its AMQP type code", () => {
    const wire = rhea.message.encode({
      message_id: "m",
      application_properties: TYPED_APPLICATION_PROPERTIES,
      body: "x",
    });

    const delivered = encodeForDelivery(decodeMessage(wire), deliveryState()).toString("hex");

    expect(delivered).toContain(`a103${ascii("int")}71000186a0`);
    expect(delivered).toContain(`a105${ascii("short")}61fffd`);
    expect(delivered).toContain(`a105${ascii("float")}723fc00000`);
    expect(delivered).toContain(`a105${ascii("ulong")}800000010000000000`);
    expect(delivered).toContain(`a104${ascii("uuid")}98${UUID_BYTES.toString("hex")}`);
    expect(delivered).toContain(`a106${ascii("symbol")}a308${ascii("a-symbol")}`);
  });

  it("when typed values are forwarded, then rhea decodes the same values the sender encoded", () => {
    const wire = rhea.message.encode({
      ...TYPED_PROPERTIES,
      application_properties: TYPED_APPLICATION_PROPERTIES,
      body: dataSections([Buffer.from("a"), Buffer.from("b")]),
    });
    const sent = rhea.message.decode(wire);

    const received = deliveredAs(wire);

    for (const field of Object.keys(TYPED_PROPERTIES)) expect(received[field], field).toEqual(sent[field]);
    expect(received.application_properties).toEqual(sent.application_properties);
    expect(received.body).toEqual(sent.body);
  });

  it("when a footer follows the body, then it is forwarded after the body unchanged", () => {
    const footer = hex("005378 c1 07 02 a3 01 66 a1 01 76");
    const wire = Buffer.concat([amqpBytes({ message_id: "m", body: "x" }), footer]);

    const delivered = encodeForDelivery(decodeMessage(wire), deliveryState());

    expect(delivered.subarray(delivered.length - footer.length)).toEqual(footer);
    expect(decodeMessage(wire).body).toEqual(Buffer.concat([hex("005377 a1 01 78"), footer]));
  });

  it("when a message is decoded, then the header, message-id, session id and size are read", () => {
    const wire = amqpBytes({ message_id: "m-1", group_id: "s-1", durable: true, priority: 7, ttl: 5_000 });

    const message = decodeMessage(wire);

    expect(message.header).toEqual({ durable: true, priority: 7, ttlMs: 5_000 });
    expect(message.messageId).toBe("m-1");
    expect(message.sessionId).toBe("s-1");
    expect(message.size).toBe(wire.length);
  });

  it("when the header is empty, then the AMQP defaults apply", () => {
    const message = decodeMessage(amqpBytes());

    expect(message.header).toEqual({ durable: false, priority: 4, ttlMs: undefined });
    expect(message.sessionId).toBeUndefined();
  });

  it.each([
    ["a string", "id-1", "id-1"],
    ["a uuid", t.wrap_uuid(UUID_BYTES), UUID_BYTES],
    ["a ulong", ulong(12_345_678_901), 12_345_678_901],
    ["a binary", t.wrap_binary(Buffer.from("raw")), Buffer.from("raw")],
  ])("when the message-id is %s, then it is read as that value", (_name, messageId, expected) => {
    expect(decodeMessage(amqpBytes({ message_id: messageId })).messageId).toEqual(expected);
  });

  it("when the sender sets broker-owned annotations, then they are dropped and its own annotations are kept", () => {
    const wire = amqpBytes({
      message_annotations: {
        "x-opt-partition-key": "pk",
        "x-opt-sequence-number": 99,
        "x-opt-locked-until": new Date(1),
        "x-opt-message-state": 2,
        "x-opt-enqueued-time": new Date(2),
        "x-opt-deadletter-source": "elsewhere",
        "x-opt-enqueue-sequence-number": 5,
      },
    });

    const received = deliveredAs(wire, {
      sequenceNumber: 3,
      enqueuedTimeMs: T0,
      lockedUntilMs: undefined,
      state: "active",
    });

    expect(received.message_annotations).toEqual({
      "x-opt-partition-key": "pk",
      "x-opt-sequence-number": 3,
      "x-opt-enqueued-time": new Date(T0),
      "x-opt-message-state": 0,
    });
  });

  it("when the sender sets x-opt-scheduled-enqueue-time, then its time is read and the annotation is kept", () => {
    const wire = amqpBytes({ message_annotations: { "x-opt-scheduled-enqueue-time": new Date(T0 + 5_000) } });

    const message = decodeMessage(wire);

    expect(message.scheduledEnqueueTimeMs).toBe(T0 + 5_000);
    expect(rhea.message.decode(encodeForDelivery(message, deliveryState())).message_annotations).toMatchObject({
      "x-opt-scheduled-enqueue-time": new Date(T0 + 5_000),
    });
  });

  it("when the input buffer is changed after decoding, then the decoded sections are unaffected", () => {
    const wire = amqpBytes({ application_properties: { k: "v" }, body: "payload" });
    const message = decodeMessage(wire);
    const snapshot = Buffer.concat([
      message.properties ?? Buffer.alloc(0),
      message.applicationProperties ?? Buffer.alloc(0),
      message.body,
    ]);

    wire.fill(0);

    expect(
      Buffer.concat([
        message.properties ?? Buffer.alloc(0),
        message.applicationProperties ?? Buffer.alloc(0),
        message.body,
      ]),
    ).toEqual(snapshot);
  });
});

describe("encodeForDelivery", () => {
  it("when delivered for the first time, then the header has delivery-count 0 and first-acquirer true", () => {
    const received = deliveredAs(amqpBytes(), { deliveryCount: 0 });

    expect(received.delivery_count).toBe(0);
    expect(received.first_acquirer).toBe(true);
  });

  it("when redelivered, then the header carries the delivery count and first-acquirer false", () => {
    const received = deliveredAs(amqpBytes(), { deliveryCount: 3 });

    expect(received.delivery_count).toBe(3);
    expect(received.first_acquirer).toBe(false);
  });

  it("when the sender set durable, priority and ttl, then the delivered header keeps them", () => {
    const received = deliveredAs(amqpBytes({ durable: true, priority: 9, ttl: 60_000 }));

    expect(received.durable).toBe(true);
    expect(received.priority).toBe(9);
    expect(received.ttl).toBe(60_000);
  });

  it("when delivered under a lock, then the annotations carry sequence number, enqueued time, locked-until and state", () => {
    const received = deliveredAs(amqpBytes(), {
      sequenceNumber: 42,
      enqueuedTimeMs: T0,
      lockedUntilMs: T0 + 60_000,
      state: "active",
    });

    expect(received.message_annotations).toEqual({
      "x-opt-sequence-number": 42,
      "x-opt-enqueued-time": new Date(T0),
      "x-opt-locked-until": new Date(T0 + 60_000),
      "x-opt-message-state": 0,
    });
  });

  it("when delivered without a lock, then there is no x-opt-locked-until", () => {
    const received = deliveredAs(amqpBytes(), { lockedUntilMs: undefined });

    expect(received.message_annotations).not.toHaveProperty("x-opt-locked-until");
  });

  it.each([
    ["active", 0],
    ["deferred", 1],
    ["scheduled", 2],
  ] as const)("when the message is %s, then x-opt-message-state is %i", (state, code) => {
    expect(deliveredAs(amqpBytes(), { state }).message_annotations).toMatchObject({ "x-opt-message-state": code });
  });

  it("when the sequence number is large, then x-opt-sequence-number is encoded as an AMQP long", () => {
    const delivered = encodeForDelivery(encodedMessage(), deliveryState({ sequenceNumber: 2 ** 40 }));

    expect(delivered.toString("hex")).toContain(`a315${ascii("x-opt-sequence-number")}810000010000000000`);
    expect(rhea.message.decode(delivered).message_annotations).toMatchObject({ "x-opt-sequence-number": 2 ** 40 });
  });

  it("when the sequence number is small, then x-opt-sequence-number is still a long (smalllong)", () => {
    const delivered = encodeForDelivery(encodedMessage(), deliveryState({ sequenceNumber: 5 }));

    expect(delivered.toString("hex")).toContain(`a315${ascii("x-opt-sequence-number")}5505`);
  });

  it("when a dead-letter source is given, then x-opt-deadletter-source names it", () => {
    const received = deliveredAs(amqpBytes(), { deadLetterSource: "orders" });

    expect(received.message_annotations).toMatchObject({ "x-opt-deadletter-source": "orders" });
  });
});

describe("encodeForStorage", () => {
  it("when a stored message is decoded again, then header, annotations and the sender's sections are unchanged", () => {
    const original = encodedMessage({
      durable: true,
      priority: 6,
      ttl: 9_000,
      group_id: "s",
      message_annotations: { "x-opt-partition-key": "pk", "x-opt-scheduled-enqueue-time": new Date(T0) },
      application_properties: TYPED_APPLICATION_PROPERTIES,
      body: dataSections([Buffer.from("a"), Buffer.from("b")]),
    });

    const restored = decodeMessage(encodeForStorage(original));

    expect(restored.header).toEqual(original.header);
    expect(restored.messageId).toBe(original.messageId);
    expect(restored.sessionId).toBe("s");
    expect(restored.scheduledEnqueueTimeMs).toBe(T0);
    expect(restored.properties).toEqual(original.properties);
    expect(restored.applicationProperties).toEqual(original.applicationProperties);
    expect(restored.body).toEqual(original.body);
    expect(rhea.message.decode(encodeForStorage(original)).message_annotations).toEqual({
      "x-opt-partition-key": "pk",
      "x-opt-scheduled-enqueue-time": new Date(T0),
    });
  });
});

describe("decodeBatch", () => {
  function batchOf(messages: Buffer[], envelope: Record<string, unknown> = {}): Buffer {
    return rhea.message.encode({ ...envelope, body: dataSections(messages) });
  }

  it("when a batch holds several encoded messages, then each is decoded in order with its own bytes", () => {
    const inner = [
      amqpBytes({ message_id: "a", application_properties: { n: t.wrap_int(1) }, body: "first" }),
      amqpBytes({ message_id: "b", body: dataSection(Buffer.from("second")) }),
      amqpBytes({ message_id: "c", message_annotations: { "x-opt-partition-key": "pk" }, body: "third" }),
    ];

    const messages = decodeBatch(
      batchOf(inner, { message_id: "envelope", message_annotations: { "x-opt-partition-key": "envelope-pk" } }),
    );

    expect(messages.map((m) => m.messageId)).toEqual(["a", "b", "c"]);
    inner.forEach((wire, index) => {
      const message = messages[index];
      const sections = Buffer.concat([
        message?.properties ?? Buffer.alloc(0),
        message?.applicationProperties ?? Buffer.alloc(0),
        message?.body ?? Buffer.alloc(0),
      ]);
      expect(sections.length).toBeGreaterThan(0);
      expect(wire.subarray(wire.length - sections.length)).toEqual(sections);
      expect(message?.size).toBe(wire.length);
    });
    expect(
      rhea.message.decode(encodeForDelivery(messages[2] ?? encodedMessage(), deliveryState())).message_annotations,
    ).toMatchObject({ "x-opt-partition-key": "pk" });
  });

  it("when a batch holds one message, then one message is decoded", () => {
    const messages = decodeBatch(batchOf([amqpBytes({ message_id: "only" })]));

    expect(messages.map((m) => m.messageId)).toEqual(["only"]);
  });

  it("when the batch format constant is used, then it is 0x80013700", () => {
    expect(BATCH_MESSAGE_FORMAT).toBe(2_147_563_264);
  });

  it("when a batch data section does not hold a message, then decoding fails with MessageDecodeError", () => {
    expectDecodeError(() => decodeBatch(batchOf([amqpBytes({ message_id: "ok" }), Buffer.from([0xff, 0xfe])])));
  });

  it("when a batch is not AMQP at all, then decoding fails with MessageDecodeError", () => {
    expectDecodeError(() => decodeBatch(Buffer.from("definitely not amqp")));
  });
});

describe("decodeMessage with malformed input", () => {
  it.each([
    ["an unknown type code", hex("ff 01 02")],
    ["ASCII text", Buffer.from("hello world")],
    ["a value that is not a described section", hex("a1 03 61 62 63")],
    ["a section with an unknown symbolic descriptor", hex(`00 a3 11 ${ascii("com.example:thing")} 45`)],
    ["a properties section after the body", hex("005377 a1 01 78 005373 45")],
    ["an application-properties section after the body", hex("005375 a0 01 00 005374 c1 01 00")],
    ["a section longer than the buffer", hex("005375 a0 10 01")],
  ])("when the bytes are %s, then decoding fails with MessageDecodeError", (_name, bytes) => {
    expectDecodeError(() => decodeMessage(bytes));
  });

  it("when rhea itself fails to parse, then the MessageDecodeError keeps the original error as its cause", () => {
    const error = expectDecodeError(() => decodeMessage(hex("ff")));

    expect(error.cause).toBeInstanceOf(Error);
    expect(error.message).toContain("malformed message");
  });

  it("when a valid message is cut anywhere inside a section, then decoding fails with MessageDecodeError", () => {
    const wire = amqpBytes({
      message_id: "m",
      subject: "s",
      application_properties: { k: t.wrap_int(100_000), s: "v" },
      body: dataSection(Buffer.alloc(20, 1)),
    });
    const message = decodeMessage(wire);
    const propertiesEnd = EMPTY_HEADER.length + (message.properties?.length ?? 0);
    const boundaries = new Set([
      EMPTY_HEADER.length,
      propertiesEnd,
      propertiesEnd + (message.applicationProperties?.length ?? 0),
    ]);

    const accepted: number[] = [];
    for (let cut = 1; cut < wire.length; cut++) {
      if (boundaries.has(cut)) continue;
      try {
        decodeMessage(wire.subarray(0, cut));
        accepted.push(cut);
      } catch (error) {
        expect(error).toBeInstanceOf(MessageDecodeError);
      }
    }

    expect(accepted).toEqual([]);
  });
});

describe("mergeApplicationProperties", () => {
  it("when properties are merged, then every other entry keeps its exact bytes", () => {
    const message = encodedMessage({
      application_properties: {
        n: t.wrap_int(100_000),
        s: t.wrap_short(-3),
        u: t.wrap_uuid(UUID_BYTES),
        when: t.wrap_timestamp(T0),
        replaced: "old",
      },
    });

    mergeApplicationProperties(message, { replaced: "new", added: "yes" });

    const merged = message.applicationProperties?.toString("hex") ?? "";
    const timestamp = Buffer.alloc(8);
    timestamp.writeBigInt64BE(BigInt(T0));
    expect(merged).toContain(`a101${ascii("n")}71000186a0`);
    expect(merged).toContain(`a101${ascii("s")}61fffd`);
    expect(merged).toContain(`a101${ascii("u")}98${UUID_BYTES.toString("hex")}`);
    expect(merged).toContain(`a104${ascii("when")}83${timestamp.toString("hex")}`);
    expect(merged).not.toContain(ascii("old"));
    expect(readApplicationProperties(message)).toEqual({
      n: 100_000,
      s: -3,
      u: UUID_BYTES,
      when: new Date(T0),
      replaced: "new",
      added: "yes",
    });
  });

  it("when a replaced key is merged, then it appears only once", () => {
    const message = encodedMessage({ application_properties: { key: "old" } });

    mergeApplicationProperties(message, { key: "new" });

    const bytes = message.applicationProperties?.toString("hex") ?? "";
    expect(bytes.split(`a103${ascii("key")}`)).toHaveLength(2);
  });

  it("when the message had no application properties, then a section is created that rhea can read", () => {
    const message = encodedMessage({ message_id: "m", body: "x" });
    expect(message.applicationProperties).toBeUndefined();

    mergeApplicationProperties(message, { reason: "because" });

    expect(rhea.message.decode(encodeForDelivery(message, deliveryState())).application_properties).toEqual({
      reason: "because",
    });
  });

  it("when there are no changes, then the section is left as it was", () => {
    const message = encodedMessage({ application_properties: { k: t.wrap_short(1) } });
    const before = message.applicationProperties;

    mergeApplicationProperties(message, {});

    expect(message.applicationProperties).toBe(before);
  });

  it("when properties are merged, then the properties and body sections are untouched", () => {
    const message = encodedMessage({
      message_id: "m",
      subject: "s",
      application_properties: { k: "v" },
      body: dataSection(Buffer.from("b")),
    });
    const properties = message.properties;
    const body = message.body;

    mergeApplicationProperties(message, { k: "w" });

    expect(message.properties).toBe(properties);
    expect(message.body).toBe(body);
  });
});

describe("ensureMessageId", () => {
  it("when a message has no message-id, then one is assigned and every other properties field is kept", () => {
    const fields = { ...TYPED_PROPERTIES, message_id: undefined };
    const wire = rhea.message.encode({ ...fields, body: "x" });
    const message = decodeMessage(wire);
    expect(message.messageId).toBeUndefined();

    ensureMessageId(message);

    expect(message.messageId).toMatch(/^[0-9a-f]{32}$/);
    const received = rhea.message.decode(encodeForDelivery(message, deliveryState()));
    const sent = rhea.message.decode(wire);
    expect(received.message_id).toBe(message.messageId);
    for (const field of Object.keys(TYPED_PROPERTIES).filter((name) => name !== "message_id"))
      expect(received[field], field).toEqual(sent[field]);
    const properties = message.properties?.toString("hex") ?? "";
    expect(properties).toContain(`a310${ascii("application/json")}`);
    expect(properties).toContain("8000000002dfdc1c35");
    expect(message.sessionId).toBe("session-1");
  });

  it("when a message has no properties section at all, then one is created holding the id", () => {
    const message = decodeMessage(Buffer.concat([EMPTY_HEADER, hex("005377 a1 01 78")]));
    expect(message.properties).toBeUndefined();

    ensureMessageId(message);

    const received = rhea.message.decode(encodeForDelivery(message, deliveryState()));
    expect(received.message_id).toBe(message.messageId);
    expect(received.body).toBe("x");
  });

  it("when a message already has a message-id, then nothing changes", () => {
    const message = encodedMessage({ message_id: "keep", subject: "s" });
    const properties = message.properties;

    ensureMessageId(message);

    expect(message.messageId).toBe("keep");
    expect(message.properties).toBe(properties);
  });

  it("when ids are assigned to two messages, then they differ", () => {
    const first = decodeMessage(rhea.message.encode({ body: "a" }));
    const second = decodeMessage(rhea.message.encode({ body: "b" }));

    ensureMessageId(first);
    ensureMessageId(second);

    expect(first.messageId).not.toBe(second.messageId);
  });
});

describe("readApplicationProperties", () => {
  it("when a message has no application properties, then it reads as an empty object", () => {
    expect(readApplicationProperties(encodedMessage())).toEqual({});
  });
});
