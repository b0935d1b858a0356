// One Service Bus queue (or its dead-letter sub-queue): ordering, locks, delivery counts,
// deferral, scheduling, expiry and duplicate detection. No AMQP here: the server adapts links
// and management requests onto these operations.
import type { QueueSettings } from "./config.js";
import { MinHeap } from "./min-heap.js";
import { lockTokenKey, newLockToken } from "./lock-token.js";
import {
  ensureMessageId,
  mergeApplicationProperties,
  type DeliveryState,
  type EncodedMessage,
  type MessageId,
} from "./message-codec.js";
import type { QueueJournal } from "./journal.js";

export type ReceiveMode = "peekLock" | "receiveAndDelete";
export type MessageState = "active" | "deferred" | "scheduled";

export interface StoredMessage {
  readonly sequenceNumber: number;
  message: EncodedMessage;
  enqueuedTimeMs: number;
  expiresAtMs: number;
  deliveryCount: number;
  state: MessageState;
  scheduledEnqueueTimeMs: number | undefined;
  lock: Lock | undefined;
  /** True while the message sits in the ready heap; guards against stale heap entries. */
  ready: boolean;
}

export interface Lock {
  readonly token: Buffer;
  readonly key: string;
  lockedUntilMs: number;
  readonly stored: StoredMessage;
  /** The consumer the message went out through, if it went out on a link. */
  readonly consumer: Consumer | undefined;
}

/** A receive link (or anything else) that takes messages while it has credit. */
export interface Consumer {
  readonly receiveMode: ReceiveMode;
  credit(): number;
  deliver(stored: StoredMessage, lock: Lock | undefined): void;
}

/** What a delivery of a stored message says about it (annotations and header). */
export function deliveryStateOf(stored: StoredMessage, lock: Lock | undefined): DeliveryState {
  return {
    sequenceNumber: stored.sequenceNumber,
    enqueuedTimeMs: stored.enqueuedTimeMs,
    deliveryCount: stored.deliveryCount,
    lockedUntilMs: lock?.lockedUntilMs,
    state: stored.state,
    deadLetterSource: undefined,
  };
}

export type Settlement =
  | { kind: "complete" }
  | { kind: "abandon"; properties?: Record<string, unknown> }
  | { kind: "defer"; properties?: Record<string, unknown> }
  | { kind: "deadLetter"; reason?: string; description?: string; properties?: Record<string, unknown> };

export type SettleResult = { ok: true } | { ok: false; error: "lockLost" | "notAllowed" };

const FOREVER_MS = Number.MAX_SAFE_INTEGER;

export class Queue {
  readonly name: string;
  readonly settings: QueueSettings;
  readonly isDeadLetterQueue: boolean;
  /** The dead-letter sub-queue; undefined for a dead-letter queue itself. */
  readonly deadLetterQueue: Queue | undefined;

  #nextSequenceNumber = 1;
  /** Whether #messages (a Map, in insertion order) is also in sequence order, so peek can walk it. */
  #admittedInSequenceOrder = true;
  #highestAdmitted = 0;
  readonly #messages = new Map<number, StoredMessage>();
  readonly #locks = new Map<string, Lock>();
  readonly #ready = new MinHeap<StoredMessage>((a, b) => a.sequenceNumber < b.sequenceNumber);
  readonly #lockExpiries = new MinHeap<{ at: number; lock: Lock }>((a, b) => a.at < b.at);
  readonly #scheduled = new MinHeap<StoredMessage>(
    (a, b) => (a.scheduledEnqueueTimeMs ?? 0) < (b.scheduledEnqueueTimeMs ?? 0),
  );
  readonly #expiries = new MinHeap<StoredMessage>((a, b) => a.expiresAtMs < b.expiresAtMs);
  readonly #recentMessageIds = new Map<string, number>();
  readonly #consumers: Consumer[] = [];
  #consumerCursor = 0;
  #pumping = false;
  readonly #journal: QueueJournal | undefined;
  readonly #now: () => number;

  constructor(options: { settings: QueueSettings; journal?: QueueJournal; now: () => number; deadLetterOf?: Queue }) {
    this.settings = options.settings;
    this.#journal = options.journal;
    this.#now = options.now;
    this.isDeadLetterQueue = options.deadLetterOf !== undefined;
    this.name = options.deadLetterOf ? `${options.deadLetterOf.name}/$DeadLetterQueue` : options.settings.name;
    this.deadLetterQueue = options.deadLetterOf
      ? undefined
      : new Queue({
          settings: { ...options.settings, defaultTimeToLiveMs: FOREVER_MS, requiresDuplicateDetection: false },
          ...(options.journal ? { journal: options.journal.forDeadLetterQueue() } : {}),
          now: options.now,
          deadLetterOf: this,
        });
  }

  // ---- sending -------------------------------------------------------------------------

  /** Accepts sent messages; duplicates within the detection window are accepted and dropped. */
  send(messages: EncodedMessage[]): number[] {
    const now = this.#now();
    const sequenceNumbers: number[] = [];
    for (const message of messages) {
      ensureMessageId(message);
      if (this.#isDuplicate(message.messageId, now)) continue;
      const scheduledAt = message.scheduledEnqueueTimeMs;
      const stored = this.#store(
        message,
        now,
        scheduledAt !== undefined && scheduledAt > now ? scheduledAt : undefined,
      );
      sequenceNumbers.push(stored.sequenceNumber);
    }
    this.#journal?.flush();
    this.#pump();
    return sequenceNumbers;
  }

  /** `schedule-message`: always returns a sequence number the caller can cancel with. */
  schedule(messages: EncodedMessage[]): number[] {
    const now = this.#now();
    const sequenceNumbers = messages.map((message) => {
      ensureMessageId(message);
      const at = message.scheduledEnqueueTimeMs ?? now;
      return this.#store(message, now, at > now ? at : undefined).sequenceNumber;
    });
    this.#journal?.flush();
    this.#pump();
    return sequenceNumbers;
  }

  /** Cancels scheduled messages; unknown or already enqueued numbers are ignored, as Service Bus does. */
  cancelScheduled(sequenceNumbers: number[]): void {
    for (const sequenceNumber of sequenceNumbers) {
      const stored = this.#messages.get(sequenceNumber);
      if (stored?.state === "scheduled") this.#remove(stored);
    }
    this.#journal?.flush();
  }

  #isDuplicate(messageId: MessageId | undefined, now: number): boolean {
    if (!this.settings.requiresDuplicateDetection || messageId === undefined) return false;
    const key =
      typeof messageId === "string"
        ? `s:${messageId}`
        : Buffer.isBuffer(messageId)
          ? `b:${messageId.toString("hex")}`
          : `n:${messageId}`;
    const seenAt = this.#recentMessageIds.get(key);
    if (seenAt !== undefined && now - seenAt < this.settings.duplicateDetectionWindowMs) return true;
    this.#recentMessageIds.delete(key);
    this.#recentMessageIds.set(key, now);
    this.#journal?.recordMessageId(key, now);
    return false;
  }

  #store(message: EncodedMessage, now: number, scheduledAt: number | undefined): StoredMessage {
    const ttl = Math.min(message.header.ttlMs ?? FOREVER_MS, this.settings.defaultTimeToLiveMs);
    const stored: StoredMessage = {
      sequenceNumber: this.#nextSequenceNumber++,
      message,
      enqueuedTimeMs: scheduledAt ?? now,
      expiresAtMs: ttl >= FOREVER_MS ? FOREVER_MS : (scheduledAt ?? now) + ttl,
      deliveryCount: 0,
      state: scheduledAt === undefined ? "active" : "scheduled",
      scheduledEnqueueTimeMs: scheduledAt ?? message.scheduledEnqueueTimeMs,
      lock: undefined,
      ready: false,
    };
    this.#journal?.recordPut(stored);
    this.#admit(stored);
    return stored;
  }

  /** Puts a stored message into the indexes that match its state. */
  #admit(stored: StoredMessage): void {
    if (stored.sequenceNumber < this.#highestAdmitted) this.#admittedInSequenceOrder = false;
    this.#highestAdmitted = Math.max(this.#highestAdmitted, stored.sequenceNumber);
    this.#messages.set(stored.sequenceNumber, stored);
    if (stored.state === "scheduled") {
      this.#scheduled.push(stored);
      return;
    }
    if (stored.expiresAtMs < FOREVER_MS) this.#trackExpiry(stored);
    if (stored.state === "active") this.#makeReady(stored);
  }

  /** Settled messages leave stale expiry entries behind; rebuild before they outnumber live ones. */
  #trackExpiry(stored: StoredMessage): void {
    this.#expiries.push(stored);
    if (this.#expiries.size > 2 * this.#messages.size + 1024) {
      this.#expiries.clear();
      for (const live of this.#messages.values()) {
        if (live.expiresAtMs < FOREVER_MS && live.state !== "scheduled") this.#expiries.push(live);
      }
    }
  }

  #makeReady(stored: StoredMessage): void {
    if (stored.ready) return;
    stored.ready = true;
    this.#ready.push(stored);
  }

  // ---- receiving -----------------------------------------------------------------------

  addConsumer(consumer: Consumer): void {
    this.#consumers.push(consumer);
    this.#pump();
  }

  removeConsumer(consumer: Consumer): void {
    const index = this.#consumers.indexOf(consumer);
    if (index >= 0) this.#consumers.splice(index, 1);
  }

  /** Tells the queue a consumer has new credit. */
  creditAvailable(): void {
    this.#pump();
  }

  #nextConsumerWithCredit(): Consumer | undefined {
    const count = this.#consumers.length;
    for (let i = 0; i < count; i++) {
      const consumer = this.#consumers[(this.#consumerCursor + i) % count];
      if (consumer !== undefined && consumer.credit() > 0) {
        this.#consumerCursor = (this.#consumerCursor + i + 1) % count;
        return consumer;
      }
    }
    return undefined;
  }

  #pump(): void {
    if (this.#pumping) return;
    this.#pumping = true;
    try {
      const now = this.#now();
      while (this.#ready.size > 0) {
        const consumer = this.#nextConsumerWithCredit();
        if (consumer === undefined) break;
        const stored = this.#ready.pop();
        if (stored === undefined) break;
        if (!stored.ready) continue;
        stored.ready = false;
        if (stored.state !== "active" || stored.lock !== undefined || !this.#messages.has(stored.sequenceNumber))
          continue;
        if (stored.expiresAtMs <= now) {
          this.#expire(stored);
          continue;
        }
        this.#handOut(stored, consumer, consumer.receiveMode, now);
      }
    } finally {
      this.#pumping = false;
      this.#journal?.flush();
    }
  }

  #handOut(stored: StoredMessage, consumer: Consumer | undefined, mode: ReceiveMode, now: number): Lock | undefined {
    if (mode === "receiveAndDelete") {
      this.#remove(stored);
      consumer?.deliver(stored, undefined);
      return undefined;
    }
    const lock = this.#lock(stored, consumer, now);
    consumer?.deliver(stored, lock);
    return lock;
  }

  #lock(stored: StoredMessage, consumer: Consumer | undefined, now: number): Lock {
    const token = newLockToken();
    const lock: Lock = {
      token,
      key: lockTokenKey(token),
      lockedUntilMs: now + this.settings.lockDurationMs,
      stored,
      consumer,
    };
    stored.lock = lock;
    this.#locks.set(lock.key, lock);
    this.#trackLockExpiry(lock);
    this.#journal?.recordLock(stored.sequenceNumber);
    return lock;
  }

  /**
   * Settled and renewed locks leave entries behind until their time comes; at high throughput
   * that would keep every settled message alive for a whole lock duration, so rebuild the index
   * from live locks once stale entries outnumber them.
   */
  #trackLockExpiry(lock: Lock): void {
    this.#lockExpiries.push({ at: lock.lockedUntilMs, lock });
    if (this.#lockExpiries.size > 2 * this.#locks.size + 1024) {
      this.#lockExpiries.clear();
      for (const live of this.#locks.values()) this.#lockExpiries.push({ at: live.lockedUntilMs, lock: live });
    }
  }

  #currentLock(key: string): Lock | undefined {
    const lock = this.#locks.get(key);
    if (lock === undefined || lock.stored.lock !== lock) return undefined;
    return lock;
  }

  // ---- settling ------------------------------------------------------------------------

  settle(lockKey: string, settlement: Settlement): SettleResult {
    const lock = this.#currentLock(lockKey);
    if (lock === undefined || lock.lockedUntilMs <= this.#now()) return { ok: false, error: "lockLost" };
    // Service Bus refuses to dead-letter what is already dead-lettered; the lock stays.
    if (settlement.kind === "deadLetter" && this.isDeadLetterQueue) return { ok: false, error: "notAllowed" };
    this.#release(lock);
    const stored = lock.stored;
    switch (settlement.kind) {
      case "complete":
        this.#remove(stored);
        break;
      case "abandon":
        if (settlement.properties) this.#modify(stored, settlement.properties);
        this.#returnAfterFailedDelivery(stored);
        break;
      case "defer":
        if (settlement.properties) this.#modify(stored, settlement.properties);
        stored.deliveryCount++;
        stored.state = "deferred";
        this.#journal?.recordUpdate(stored);
        break;
      case "deadLetter":
        this.#deadLetter(stored, settlement.reason, settlement.description, settlement.properties);
        break;
    }
    this.#journal?.flush();
    this.#pump();
    return { ok: true };
  }

  renewLock(lockKey: string): { ok: true; lockedUntilMs: number } | { ok: false; error: "lockLost" } {
    const now = this.#now();
    const lock = this.#currentLock(lockKey);
    if (lock === undefined || lock.lockedUntilMs <= now) return { ok: false, error: "lockLost" };
    lock.lockedUntilMs = now + this.settings.lockDurationMs;
    this.#trackLockExpiry(lock);
    return { ok: true, lockedUntilMs: lock.lockedUntilMs };
  }

  /** Whether a lock is current; a settle through a link checks this before replying. */
  hasLock(lockKey: string): boolean {
    const lock = this.#currentLock(lockKey);
    return lock !== undefined && lock.lockedUntilMs > this.#now();
  }

  /** Locks given up with their connection: messages return with one more delivery counted. */
  releaseLocksOf(consumers: ReadonlySet<Consumer>): void {
    for (const lock of [...this.#locks.values()]) {
      if (lock.consumer === undefined || !consumers.has(lock.consumer) || lock.stored.lock !== lock) continue;
      this.#release(lock);
      this.#returnAfterFailedDelivery(lock.stored);
    }
    this.#journal?.flush();
    this.#pump();
  }

  #release(lock: Lock): void {
    this.#locks.delete(lock.key);
    if (lock.stored.lock === lock) lock.stored.lock = undefined;
  }

  /** After an abandon, a lost lock or an expired lock: count the delivery, then retry or dead-letter. */
  #returnAfterFailedDelivery(stored: StoredMessage): void {
    stored.deliveryCount++;
    if (!this.isDeadLetterQueue && stored.deliveryCount >= this.settings.maxDeliveryCount) {
      this.#deadLetter(
        stored,
        "MaxDeliveryCountExceeded",
        `Message could not be consumed after ${this.settings.maxDeliveryCount} delivery attempts.`,
      );
      return;
    }
    this.#journal?.recordUpdate(stored);
    if (stored.state === "active") this.#makeReady(stored);
  }

  #modify(stored: StoredMessage, properties: Record<string, unknown>): void {
    mergeApplicationProperties(stored.message, properties);
    this.#journal?.recordPut(stored);
  }

  #deadLetter(
    stored: StoredMessage,
    reason: string | undefined,
    description: string | undefined,
    properties?: Record<string, unknown>,
  ): void {
    const target = this.deadLetterQueue;
    this.#remove(stored);
    if (target === undefined) return;
    const changes: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(properties ?? {}))
      if (value !== undefined && value !== null) changes[key] = value;
    if (reason !== undefined) changes.DeadLetterReason = reason;
    if (description !== undefined) changes.DeadLetterErrorDescription = description;
    mergeApplicationProperties(stored.message, changes);
    target.#adoptDeadLetter(stored);
  }

  /**
   * As in Service Bus, a dead letter keeps the sequence number it had on its queue: a receiver of
   * the dead-letter queue can match it to what it saw or logged before. Numbers stay unique here,
   * since only the parent queue, which never reuses one, puts messages on its dead-letter queue.
   */
  #adoptDeadLetter(source: StoredMessage): void {
    const stored: StoredMessage = {
      sequenceNumber: source.sequenceNumber,
      message: source.message,
      enqueuedTimeMs: source.enqueuedTimeMs,
      expiresAtMs: FOREVER_MS,
      deliveryCount: source.deliveryCount,
      state: "active",
      scheduledEnqueueTimeMs: undefined,
      lock: undefined,
      ready: false,
    };
    this.#journal?.recordPut(stored);
    this.#admit(stored);
    this.#journal?.flush();
    this.#pump();
  }

  #remove(stored: StoredMessage): void {
    if (!this.#messages.delete(stored.sequenceNumber)) return;
    stored.ready = false;
    if (stored.lock) this.#release(stored.lock);
    this.#journal?.recordDelete(stored.sequenceNumber);
  }

  #expire(stored: StoredMessage): void {
    if (this.settings.deadLetteringOnMessageExpiration && !this.isDeadLetterQueue) {
      this.#deadLetter(stored, "TTLExpiredException", "The message expired and was dead lettered.");
    } else {
      this.#remove(stored);
    }
  }

  // ---- management reads ----------------------------------------------------------------

  /** Messages in sequence order from a sequence number, whatever their state. */
  peek(fromSequenceNumber: number, count: number): StoredMessage[] {
    const result: StoredMessage[] = [];
    if (count <= 0) return result;
    if (!this.#admittedInSequenceOrder) {
      // Dead letters arrive in the order they died, not in the order of the numbers they keep.
      return [...this.#messages.values()]
        .filter((stored) => stored.sequenceNumber >= fromSequenceNumber)
        .sort((a, b) => a.sequenceNumber - b.sequenceNumber)
        .slice(0, count);
    }
    for (const stored of this.#messages.values()) {
      if (stored.sequenceNumber < fromSequenceNumber) continue;
      result.push(stored);
      if (result.length >= count) break;
    }
    return result;
  }

  /** `receive-by-sequence-number`: only deferred messages qualify. */
  receiveDeferred(
    sequenceNumbers: number[],
    mode: ReceiveMode,
  ): { ok: true; messages: { stored: StoredMessage; lock: Lock | undefined }[] } | { ok: false; missing: number } {
    const found: StoredMessage[] = [];
    for (const sequenceNumber of sequenceNumbers) {
      const stored = this.#messages.get(sequenceNumber);
      if (stored?.state !== "deferred" || stored.lock !== undefined) return { ok: false, missing: sequenceNumber };
      found.push(stored);
    }
    const now = this.#now();
    const messages = found.map((stored) => ({ stored, lock: this.#handOut(stored, undefined, mode, now) }));
    this.#journal?.flush();
    return { ok: true, messages };
  }

  // ---- time ----------------------------------------------------------------------------

  /** Runs due work: lock expiry, scheduled enqueue, message expiry. */
  tick(): void {
    const now = this.#now();
    let changed = false;
    for (let top = this.#lockExpiries.peek(); top !== undefined && top.at <= now; top = this.#lockExpiries.peek()) {
      this.#lockExpiries.pop();
      const { lock } = top;
      if (lock.stored.lock !== lock || lock.lockedUntilMs > now) continue;
      this.#release(lock);
      this.#returnAfterFailedDelivery(lock.stored);
      changed = true;
    }
    for (
      let top = this.#scheduled.peek();
      top !== undefined && (top.scheduledEnqueueTimeMs ?? 0) <= now;
      top = this.#scheduled.peek()
    ) {
      this.#scheduled.pop();
      if (top.state !== "scheduled" || !this.#messages.has(top.sequenceNumber)) continue;
      top.state = "active";
      this.#journal?.recordUpdate(top);
      if (top.expiresAtMs < FOREVER_MS) this.#trackExpiry(top);
      this.#makeReady(top);
      changed = true;
    }
    for (let top = this.#expiries.peek(); top !== undefined && top.expiresAtMs <= now; top = this.#expiries.peek()) {
      this.#expiries.pop();
      if (!this.#messages.has(top.sequenceNumber) || top.lock !== undefined || top.state === "scheduled") continue;
      this.#expire(top);
      changed = true;
    }
    if (this.#recentMessageIds.size > 0) this.#forgetOldMessageIds(now);
    if (changed) {
      this.#journal?.flush();
      this.#pump();
    }
  }

  #forgetOldMessageIds(now: number): void {
    for (const [key, seenAt] of this.#recentMessageIds) {
      if (now - seenAt < this.settings.duplicateDetectionWindowMs) break;
      this.#recentMessageIds.delete(key);
    }
  }

  // ---- durability ----------------------------------------------------------------------

  /** Restores a message from the journal, as it was at its last recorded state. */
  restore(stored: StoredMessage): void {
    this.#nextSequenceNumber = Math.max(this.#nextSequenceNumber, stored.sequenceNumber + 1);
    this.#admit(stored);
  }

  restoreSequenceNumber(next: number): void {
    this.#nextSequenceNumber = Math.max(this.#nextSequenceNumber, next);
  }

  restoreMessageId(key: string, seenAt: number): void {
    this.#recentMessageIds.set(key, seenAt);
  }

  /** A message that was locked when the broker stopped lost that lock: count the delivery. */
  restoreLostLock(sequenceNumber: number): void {
    const stored = this.#messages.get(sequenceNumber);
    if (stored === undefined) return;
    stored.ready = false;
    stored.deliveryCount++;
    if (
      !this.isDeadLetterQueue &&
      stored.deliveryCount >= this.settings.maxDeliveryCount &&
      stored.state === "active"
    ) {
      this.#deadLetter(
        stored,
        "MaxDeliveryCountExceeded",
        `Message could not be consumed after ${this.settings.maxDeliveryCount} delivery attempts.`,
      );
    } else {
      this.#journal?.recordUpdate(stored);
      if (stored.state === "active") this.#makeReady(stored);
    }
  }

  get nextSequenceNumber(): number {
    return this.#nextSequenceNumber;
  }

  storedMessages(): IterableIterator<StoredMessage> {
    return this.#messages.values();
  }

  recentMessageIds(): IterableIterator<[string, number]> {
    return this.#recentMessageIds.entries();
  }

  counts(): { active: number; scheduled: number; deferred: number; locked: number } {
    let active = 0;
    let scheduled = 0;
    let deferred = 0;
    for (const stored of this.#messages.values()) {
      if (stored.state === "active") active++;
      else if (stored.state === "scheduled") scheduled++;
      else deferred++;
    }
    return { active, scheduled, deferred, locked: this.#locks.size };
  }
}
