// `$management` request/response operations on a queue, with the status codes and error
// conditions the SDK maps to its own error codes.
import type { Message } from "rhea";
import { amqp } from "./amqp-types.js";
import { lockTokenKey } from "./lock-token.js";
import { MessageDecodeError, decodeMessage, encodeForDelivery } from "./message-codec.js";
import {
  deliveryStateOf,
  type Lock,
  type Queue,
  type ReceiveMode,
  type Settlement,
  type StoredMessage,
} from "./queue.js";

export interface ManagementResponse {
  properties: Record<string, unknown>;
  body?: unknown;
}

const OPERATION_PREFIX = "com.microsoft:";
const TIMESTAMP = 0x83;
const LONG = 0x81;

function ok(body: unknown, statusCode = 200): ManagementResponse {
  return { properties: { statusCode, statusDescription: statusCode === 204 ? "No Content" : "OK" }, body };
}

function fail(statusCode: number, condition: string, description: string): ManagementResponse {
  return { properties: { statusCode, statusDescription: description, errorCondition: amqp.wrap_symbol(condition) } };
}

class BadRequest extends Error {
  override readonly name = "BadRequest";
}

function asNumber(value: unknown, field: string): number {
  if (typeof value === "number" && Number.isFinite(value)) return value;
  if (Buffer.isBuffer(value) && value.length === 8) return Number(value.readBigInt64BE(0));
  throw new BadRequest(`'${field}' must be a number`);
}

function asArray(value: unknown, field: string): unknown[] {
  if (Array.isArray(value)) return value;
  throw new BadRequest(`'${field}' must be an array`);
}

function lockKeys(body: Record<string, unknown>): string[] {
  return asArray(body["lock-tokens"], "lock-tokens").map((token) => {
    if (!Buffer.isBuffer(token) || token.length !== 16) throw new BadRequest("'lock-tokens' must hold uuids");
    return lockTokenKey(token);
  });
}

function encodeStored(stored: StoredMessage, lock: Lock | undefined): Buffer {
  return encodeForDelivery(stored.message, deliveryStateOf(stored, lock));
}

const LOCK_LOST = (): ManagementResponse =>
  fail(
    410,
    "com.microsoft:message-lock-lost",
    "The lock supplied is invalid. Either the lock expired, or the message has already been removed from the queue.",
  );

const DEAD_LETTER_NOT_ALLOWED = (): ManagementResponse =>
  fail(400, "com.microsoft:argument-error", "A message in a dead-letter queue cannot be dead-lettered again.");

function renewLock(queue: Queue, body: Record<string, unknown>): ManagementResponse {
  const expirations: number[] = [];
  for (const key of lockKeys(body)) {
    const renewed = queue.renewLock(key);
    if (!renewed.ok) return LOCK_LOST();
    expirations.push(renewed.lockedUntilMs);
  }
  return ok({ expirations: amqp.wrap_array(expirations, TIMESTAMP, undefined) });
}

function peek(queue: Queue, body: Record<string, unknown>): ManagementResponse {
  const from = asNumber(body["from-sequence-number"], "from-sequence-number");
  const count = asNumber(body["message-count"], "message-count");
  const found = queue.peek(from, count);
  if (found.length === 0) return ok(undefined, 204);
  return ok({ messages: found.map((stored) => ({ message: encodeStored(stored, undefined) })) });
}

function schedule(queue: Queue, body: Record<string, unknown>): ManagementResponse {
  // Only its queue puts messages on a dead-letter queue, which keeps their sequence numbers unique there.
  if (queue.isDeadLetterQueue) throw new BadRequest("Cannot schedule messages on a dead-letter queue");
  const entries = asArray(body.messages, "messages");
  const messages = entries.map((entry) => {
    const encoded = (entry as Record<string, unknown> | null)?.message;
    if (!Buffer.isBuffer(encoded)) throw new BadRequest("'messages' entries must carry an encoded 'message'");
    return decodeMessage(encoded);
  });
  const sequenceNumbers = queue.schedule(messages);
  return ok({ "sequence-numbers": amqp.wrap_array(sequenceNumbers, LONG, undefined) });
}

function cancelScheduled(queue: Queue, body: Record<string, unknown>): ManagementResponse {
  const sequenceNumbers = asArray(body["sequence-numbers"], "sequence-numbers").map((value) =>
    asNumber(value, "sequence-numbers"),
  );
  queue.cancelScheduled(sequenceNumbers);
  return ok({});
}

function receiveBySequenceNumber(queue: Queue, body: Record<string, unknown>): ManagementResponse {
  const sequenceNumbers = asArray(body["sequence-numbers"], "sequence-numbers").map((value) =>
    asNumber(value, "sequence-numbers"),
  );
  const mode: ReceiveMode = body["receiver-settle-mode"] === 0 ? "receiveAndDelete" : "peekLock";
  const result = queue.receiveDeferred(sequenceNumbers, mode);
  if (!result.ok) {
    return fail(
      404,
      "com.microsoft:message-not-found",
      `Failed to retrieve the deferred message with sequence number ${result.missing}.`,
    );
  }
  return ok({
    messages: result.messages.map(({ stored, lock }) => ({
      ...(lock ? { "lock-token": amqp.wrap_uuid(lock.token) } : {}),
      message: encodeStored(stored, lock),
    })),
  });
}

function settlementFor(body: Record<string, unknown>): Settlement {
  const properties = body["properties-to-modify"];
  const changes =
    typeof properties === "object" && properties !== null && !Buffer.isBuffer(properties)
      ? (properties as Record<string, unknown>)
      : undefined;
  const withChanges = changes ? { properties: changes } : {};
  switch (body["disposition-status"]) {
    case "completed":
      return { kind: "complete" };
    case "abandoned":
      return { kind: "abandon", ...withChanges };
    case "defered":
    case "deferred":
      return { kind: "defer", ...withChanges };
    case "suspended": {
      const reason = body["deadletter-reason"];
      const description = body["deadletter-description"];
      return {
        kind: "deadLetter",
        ...(typeof reason === "string" ? { reason } : {}),
        ...(typeof description === "string" ? { description } : {}),
        ...withChanges,
      };
    }
    default:
      throw new BadRequest(`unknown 'disposition-status' ${String(body["disposition-status"])}`);
  }
}

function updateDisposition(queue: Queue, body: Record<string, unknown>): ManagementResponse {
  const settlement = settlementFor(body);
  const keys = lockKeys(body);
  if (keys.some((key) => !queue.hasLock(key))) return LOCK_LOST();
  for (const key of keys) {
    const result = queue.settle(key, settlement);
    if (!result.ok) return result.error === "notAllowed" ? DEAD_LETTER_NOT_ALLOWED() : LOCK_LOST();
  }
  return ok({});
}

const OPERATIONS: Record<string, (queue: Queue, body: Record<string, unknown>) => ManagementResponse> = {
  "renew-lock": renewLock,
  "peek-message": peek,
  "schedule-message": schedule,
  "cancel-scheduled-message": cancelScheduled,
  "receive-by-sequence-number": receiveBySequenceNumber,
  "update-disposition": updateDisposition,
};

export function handleManagementRequest(queue: Queue, request: Message): ManagementResponse {
  const properties = (request.application_properties ?? {}) as Record<string, unknown>;
  const operation = typeof properties.operation === "string" ? properties.operation : "";
  const handler = operation.startsWith(OPERATION_PREFIX)
    ? OPERATIONS[operation.slice(OPERATION_PREFIX.length)]
    : undefined;
  if (handler === undefined) {
    return fail(501, "amqp:not-implemented", `The operation '${operation}' is not supported by the emulator.`);
  }
  const body: unknown = request.body;
  if (typeof body !== "object" || body === null || Array.isArray(body) || Buffer.isBuffer(body)) {
    return fail(400, "com.microsoft:argument-error", "The request body must be a map.");
  }
  try {
    return handler(queue, body as Record<string, unknown>);
  } catch (error) {
    if (error instanceof BadRequest || error instanceof MessageDecodeError) {
      return fail(400, "com.microsoft:argument-error", error.message);
    }
    throw error;
  }
}
