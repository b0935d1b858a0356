// Splits an encoded AMQP message into sections and rebuilds it for delivery. Properties,
// application properties, body and footer are kept as the sender's raw bytes, so every AMQP
// type round-trips exactly; only the header and the message annotations are rebuilt.
import { randomUUID } from "node:crypto";
import {
  amqp,
  createReader,
  createWriter,
  describedSection,
  descriptorCode,
  unwrap,
  wrapMap32,
  type Typed,
} from "./amqp-types.js";

const SECTION = {
  header: 0x70,
  deliveryAnnotations: 0x71,
  messageAnnotations: 0x72,
  properties: 0x73,
  applicationProperties: 0x74,
  data: 0x75,
  sequence: 0x76,
  value: 0x77,
  footer: 0x78,
} as const;

const SYMBOLIC_SECTIONS: Record<string, number> = {
  "amqp:header:list": SECTION.header,
  "amqp:delivery-annotations:map": SECTION.deliveryAnnotations,
  "amqp:message-annotations:map": SECTION.messageAnnotations,
  "amqp:properties:list": SECTION.properties,
  "amqp:application-properties:map": SECTION.applicationProperties,
  "amqp:data:binary": SECTION.data,
  "amqp:amqp-sequence:list": SECTION.sequence,
  "amqp:value:*": SECTION.value,
  "amqp:footer:map": SECTION.footer,
};

/** Annotations the broker owns: a sender's values for these are replaced on delivery. */
const BROKER_ANNOTATIONS = new Set([
  "x-opt-sequence-number",
  "x-opt-enqueued-time",
  "x-opt-locked-until",
  "x-opt-message-state",
  "x-opt-deadletter-source",
  "x-opt-enqueue-sequence-number",
]);

export const BATCH_MESSAGE_FORMAT = 0x80013700;

export class MessageDecodeError extends Error {
  override readonly name = "MessageDecodeError";
}

export type MessageId = string | number | Buffer;

export interface MessageHeader {
  durable: boolean;
  priority: number;
  ttlMs: number | undefined;
}

/** A message as the broker keeps it: what it reads, plus the sender's bytes to forward. */
export interface EncodedMessage {
  header: MessageHeader;
  /** The sender's message annotations, typed key/value pairs in order, broker keys removed. */
  annotations: Typed[];
  scheduledEnqueueTimeMs: number | undefined;
  messageId: MessageId | undefined;
  sessionId: string | undefined;
  /** Raw properties section (descriptor included), if any. */
  properties: Buffer | undefined;
  /** Raw application-properties section, if any. */
  applicationProperties: Buffer | undefined;
  /** Raw body sections and footer. */
  body: Buffer;
  /** Encoded size as received, for size limits and accounting. */
  size: number;
}

function sectionCode(section: Typed): number {
  const code = descriptorCode(section);
  if (typeof code === "number" && code >= SECTION.header && code <= SECTION.footer) return code;
  if (typeof code === "string") {
    const numeric = SYMBOLIC_SECTIONS[code];
    if (numeric !== undefined) return numeric;
  }
  throw new MessageDecodeError("message section without a known descriptor");
}

function listItems(section: Typed): Typed[] {
  const items: unknown = section.value;
  return Array.isArray(items) ? (items as Typed[]) : [];
}

function readHeader(section: Typed): MessageHeader {
  const fields = listItems(section).map((item) => unwrap(item));
  const ttl = fields[2];
  const priority = fields[1];
  return {
    durable: fields[0] === true,
    priority: typeof priority === "number" ? priority : 4,
    ttlMs: typeof ttl === "number" ? ttl : undefined,
  };
}

function readMessageId(value: unknown): MessageId | undefined {
  if (typeof value === "string" || typeof value === "number" || Buffer.isBuffer(value)) return value;
  return undefined;
}

function symbolName(key: Typed): string | undefined {
  const value: unknown = key.value;
  return typeof value === "string" ? value : undefined;
}

/** Decodes the sections of one encoded message (format 0). */
export function decodeMessage(buffer: Buffer): EncodedMessage {
  const reader = createReader(buffer);
  const message: EncodedMessage = {
    header: { durable: false, priority: 4, ttlMs: undefined },
    annotations: [],
    scheduledEnqueueTimeMs: undefined,
    messageId: undefined,
    sessionId: undefined,
    properties: undefined,
    applicationProperties: undefined,
    body: Buffer.alloc(0),
    size: buffer.length,
  };
  let bodyStart: number | undefined;
  try {
    while (reader.remaining() > 0) {
      const start = reader.position;
      const section = reader.read();
      const end = reader.position;
      if (end > buffer.length) throw new MessageDecodeError("section runs past the end of the message");
      const code = sectionCode(section);
      if (bodyStart !== undefined && code < SECTION.data) {
        throw new MessageDecodeError(`section 0x${code.toString(16)} after the body`);
      }
      switch (code) {
        case SECTION.header:
          message.header = readHeader(section);
          break;
        case SECTION.deliveryAnnotations:
          break;
        case SECTION.messageAnnotations:
          readAnnotations(section, message);
          break;
        case SECTION.properties: {
          message.properties = buffer.subarray(start, end);
          const fields = listItems(section);
          message.messageId = readMessageId(fields[0] === undefined ? undefined : unwrap(fields[0]));
          const groupId = fields[10] === undefined ? undefined : unwrap(fields[10]);
          message.sessionId = typeof groupId === "string" ? groupId : undefined;
          break;
        }
        case SECTION.applicationProperties:
          message.applicationProperties = buffer.subarray(start, end);
          break;
        default:
          bodyStart ??= start;
      }
    }
  } catch (error) {
    if (error instanceof MessageDecodeError) throw error;
    throw new MessageDecodeError(`malformed message: ${(error as Error).message}`, { cause: error });
  }
  if (bodyStart !== undefined) message.body = buffer.subarray(bodyStart);
  // Keep copies, not views into a transfer buffer that may hold other messages.
  message.properties &&= Buffer.from(message.properties);
  message.applicationProperties &&= Buffer.from(message.applicationProperties);
  message.body = Buffer.from(message.body);
  return message;
}

function readAnnotations(section: Typed, message: EncodedMessage): void {
  const items: unknown = section.value;
  if (!Array.isArray(items)) return;
  const entries = items as Typed[];
  for (let i = 0; i + 1 < entries.length; i += 2) {
    const key = entries[i] as Typed;
    const value = entries[i + 1] as Typed;
    const name = symbolName(key);
    if (name !== undefined && BROKER_ANNOTATIONS.has(name)) continue;
    if (name === "x-opt-scheduled-enqueue-time") {
      const when = unwrap(value);
      if (when instanceof Date) message.scheduledEnqueueTimeMs = when.getTime();
      else if (typeof when === "number") message.scheduledEnqueueTimeMs = when;
    }
    message.annotations.push(key, value);
  }
}

/** Splits a batch transfer (format 0x80013700): one data section per encoded message. */
export function decodeBatch(buffer: Buffer): EncodedMessage[] {
  const reader = createReader(buffer);
  const messages: EncodedMessage[] = [];
  try {
    while (reader.remaining() > 0) {
      const section = reader.read();
      if (sectionCode(section) !== SECTION.data) continue;
      const inner: unknown = section.value;
      if (!Buffer.isBuffer(inner)) throw new MessageDecodeError("batch data section is not binary");
      messages.push(decodeMessage(inner));
    }
  } catch (error) {
    if (error instanceof MessageDecodeError) throw error;
    throw new MessageDecodeError(`malformed batch: ${(error as Error).message}`, { cause: error });
  }
  return messages;
}

/** Gives a message without a message-id one, as Service Bus does (the SDK's lock renewer needs it). */
export function ensureMessageId(message: EncodedMessage): void {
  if (message.messageId !== undefined) return;
  const id = randomUUID().replaceAll("-", "");
  const fields: Typed[] = message.properties === undefined ? [] : listItems(createReader(message.properties).read());
  const rebuilt = [...fields];
  rebuilt[0] = amqp.wrap_string(id);
  for (let i = 1; i < rebuilt.length; i++) rebuilt[i] ??= amqp.wrap(null);
  const writer = createWriter();
  writer.write(describedSection(SECTION.properties, amqp.wrap_list(rebuilt)));
  message.properties = writer.toBuffer();
  message.messageId = id;
}

/** Merges properties into the application properties, keeping every other entry's bytes. */
export function mergeApplicationProperties(message: EncodedMessage, changes: Record<string, unknown>): void {
  const keys = Object.keys(changes);
  if (keys.length === 0) return;
  const entries: Typed[] = [];
  if (message.applicationProperties !== undefined) {
    const items: unknown = createReader(message.applicationProperties).read().value;
    if (Array.isArray(items)) {
      const existing = items as Typed[];
      for (let i = 0; i + 1 < existing.length; i += 2) {
        const key = existing[i] as Typed;
        const name: unknown = key.value;
        if (typeof name === "string" && Object.hasOwn(changes, name)) continue;
        entries.push(key, existing[i + 1] as Typed);
      }
    }
  }
  for (const key of keys) entries.push(amqp.wrap_string(key), amqp.wrap(changes[key]));
  const writer = createWriter();
  writer.write(describedSection(SECTION.applicationProperties, wrapMap32(entries)));
  message.applicationProperties = writer.toBuffer();
}

/** Reads the application properties as plain values (for tests and dead-letter metadata). */
export function readApplicationProperties(message: EncodedMessage): Record<string, unknown> {
  if (message.applicationProperties === undefined) return {};
  const decoded = amqp.unwrap(createReader(message.applicationProperties).read()) as unknown;
  return typeof decoded === "object" && decoded !== null ? (decoded as Record<string, unknown>) : {};
}

export interface DeliveryState {
  sequenceNumber: number;
  enqueuedTimeMs: number;
  deliveryCount: number;
  lockedUntilMs: number | undefined;
  state: "active" | "deferred" | "scheduled";
  deadLetterSource: string | undefined;
}

const MESSAGE_STATE = { active: 0, deferred: 1, scheduled: 2 } as const;

/** Encodes a stored message for the wire, with broker header and annotations. */
export function encodeForDelivery(message: EncodedMessage, delivery: DeliveryState): Buffer {
  const header: Typed[] = [
    amqp.wrap_boolean(message.header.durable),
    amqp.wrap_ubyte(message.header.priority),
    message.header.ttlMs === undefined ? amqp.wrap(null) : amqp.wrap_uint(message.header.ttlMs),
    amqp.wrap_boolean(delivery.deliveryCount === 0),
    amqp.wrap_uint(delivery.deliveryCount),
  ];
  const annotations: Typed[] = [
    ...message.annotations,
    amqp.wrap_symbol("x-opt-sequence-number"),
    amqp.wrap_long(delivery.sequenceNumber),
    amqp.wrap_symbol("x-opt-enqueued-time"),
    amqp.wrap_timestamp(delivery.enqueuedTimeMs),
    amqp.wrap_symbol("x-opt-message-state"),
    amqp.wrap_int(MESSAGE_STATE[delivery.state]),
  ];
  if (delivery.lockedUntilMs !== undefined) {
    annotations.push(amqp.wrap_symbol("x-opt-locked-until"), amqp.wrap_timestamp(delivery.lockedUntilMs));
  }
  if (delivery.deadLetterSource !== undefined) {
    annotations.push(amqp.wrap_symbol("x-opt-deadletter-source"), amqp.wrap_string(delivery.deadLetterSource));
  }
  const writer = createWriter();
  writer.write(describedSection(SECTION.header, amqp.wrap_list(header)));
  writer.write(describedSection(SECTION.messageAnnotations, wrapMap32(annotations)));
  if (message.properties !== undefined) writer.write_bytes(message.properties);
  if (message.applicationProperties !== undefined) writer.write_bytes(message.applicationProperties);
  writer.write_bytes(message.body);
  return writer.toBuffer();
}

/** Encodes a message for the journal: the sender's sections, no broker state. */
export function encodeForStorage(message: EncodedMessage): Buffer {
  const header: Typed[] = [
    amqp.wrap_boolean(message.header.durable),
    amqp.wrap_ubyte(message.header.priority),
    message.header.ttlMs === undefined ? amqp.wrap(null) : amqp.wrap_uint(message.header.ttlMs),
  ];
  const writer = createWriter();
  writer.write(describedSection(SECTION.header, amqp.wrap_list(header)));
  if (message.annotations.length > 0)
    writer.write(describedSection(SECTION.messageAnnotations, wrapMap32(message.annotations)));
  if (message.properties !== undefined) writer.write_bytes(message.properties);
  if (message.applicationProperties !== undefined) writer.write_bytes(message.applicationProperties);
  writer.write_bytes(message.body);
  return writer.toBuffer();
}
