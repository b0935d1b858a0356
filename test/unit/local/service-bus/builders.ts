// Test data builders shared by the Service Bus emulator unit tests: queue settings, real AMQP
// messages encoded by rhea, a controllable clock and a fake consumer that records deliveries.
import rhea from "rhea";
import { expect } from "vitest";
import {
  ConfigError,
  parseEmulatorConfig,
  type BrokerSettings,
  type QueueSettings,
} from "../../../../local/service-bus/config.js";
import { decodeMessage, type EncodedMessage } from "../../../../local/service-bus/message-codec.js";
import type { Consumer, Lock, MessageState, ReceiveMode, StoredMessage } from "../../../../local/service-bus/queue.js";

export const FOREVER_MS = Number.MAX_SAFE_INTEGER;
export const T0 = Date.UTC(2025, 0, 1, 12, 0, 0);

export function queueSettings(overrides: Partial<QueueSettings> = {}): QueueSettings {
  return {
    name: "orders",
    lockDurationMs: 30_000,
    maxDeliveryCount: 10,
    requiresDuplicateDetection: false,
    duplicateDetectionWindowMs: 600_000,
    defaultTimeToLiveMs: FOREVER_MS,
    deadLetteringOnMessageExpiration: false,
    ...overrides,
  };
}

export function brokerSettings(queues: QueueSettings[] = [queueSettings()]): BrokerSettings {
  return { namespace: "sbemulatorns", queues, warnings: [] };
}

/** Fields as rhea.message.encode takes them (snake_case AMQP names). */
export type AmqpFields = Record<string, unknown>;

/** A message as a sender puts it on the wire: encoded by rhea. */
export function amqpBytes(overrides: AmqpFields = {}): Buffer {
  return rhea.message.encode({ message_id: "msg-1", body: "hello", ...overrides });
}

/** A message as the broker receives it: rhea-encoded bytes, decoded by the codec under test. */
export function encodedMessage(overrides: AmqpFields = {}): EncodedMessage {
  return decodeMessage(amqpBytes(overrides));
}

/** A message whose sender set no message-id. */
export function messageWithoutId(overrides: AmqpFields = {}): EncodedMessage {
  return decodeMessage(rhea.message.encode({ body: "no id", ...overrides }));
}

export function scheduledFor(timeMs: number, overrides: AmqpFields = {}): EncodedMessage {
  return encodedMessage({ message_annotations: { "x-opt-scheduled-enqueue-time": new Date(timeMs) }, ...overrides });
}

export class FakeClock {
  now: number;
  constructor(start = T0) {
    this.now = start;
  }
  advance(ms: number): void {
    this.now += ms;
  }
}

/** What a consumer saw at the moment of delivery (the stored message mutates afterwards). */
export interface Delivery {
  sequenceNumber: number;
  messageId: unknown;
  deliveryCount: number;
  state: MessageState;
  lockKey: string | undefined;
  lockedUntilMs: number | undefined;
  stored: StoredMessage;
  lock: Lock | undefined;
}

export class FakeConsumer implements Consumer {
  readonly receiveMode: ReceiveMode;
  creditLeft: number;
  readonly deliveries: Delivery[] = [];

  constructor(options: { receiveMode?: ReceiveMode; credit?: number } = {}) {
    this.receiveMode = options.receiveMode ?? "peekLock";
    this.creditLeft = options.credit ?? 100;
  }

  credit(): number {
    return this.creditLeft;
  }

  deliver(stored: StoredMessage, lock: Lock | undefined): void {
    this.creditLeft--;
    this.deliveries.push({
      sequenceNumber: stored.sequenceNumber,
      messageId: stored.message.messageId,
      deliveryCount: stored.deliveryCount,
      state: stored.state,
      lockKey: lock?.key,
      lockedUntilMs: lock?.lockedUntilMs,
      stored,
      lock,
    });
  }

  /** The most recent delivery; fails the test when there is none. */
  last(): Delivery {
    const delivery = this.deliveries.at(-1);
    if (delivery === undefined) throw new Error("expected a delivery, got none");
    return delivery;
  }

  lastLockKey(): string {
    const key = this.last().lockKey;
    if (key === undefined) throw new Error("expected the last delivery to carry a lock");
    return key;
  }
}

/** The ConfigError parsing `input` throws; fails the test when it is accepted. */
export function configErrorOf(input: unknown): ConfigError {
  try {
    parseEmulatorConfig(input);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error("expected a ConfigError, the config was accepted");
}
