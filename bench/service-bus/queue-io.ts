// What the Service Bus workloads do around their timed part: the messages and their bodies, SDK
// clients closed quietly, progress watched for stalls, and every queue read back afterwards to
// check each message arrived exactly once, intact.
import {
  ServiceBusClient,
  type ServiceBusMessage,
  type ServiceBusReceivedMessage,
  type ServiceBusReceiver,
  type ServiceBusSender,
} from "@azure/service-bus";
import { performance } from "node:perf_hooks";

/** receiveMessages() batch size and wait, as the issue describes the receive workload. */
export const RECEIVE_BATCH = 500;
export const RECEIVE_MAX_WAIT_MS = 200;
/** Untimed checks (draining a send workload's queue, waiting for it to be empty). */
const VERIFY_BATCH = 1_000;
const VERIFY_MAX_WAIT_MS = 1_000;
const SETTLE_TIMEOUT_MS = 10_000;
const CLOSE_TIMEOUT_MS = 5_000;

export interface WorkloadOptions {
  connectionString: string;
  queue: string;
  messages: number;
  bodyBytes: number;
  /** Fails the workload when it makes no progress for this long (a stalled broker). */
  stallTimeoutMs: number;
  /** Rejects when the broker process dies. */
  died: Promise<never>;
}

export interface WorkloadResult {
  /** The timed part only: filling and verifying the queue are not in it. */
  elapsedMs: number;
  messages: number;
  /** Workload-specific counts, for the JSON report. */
  details: Record<string, number>;
}

/** A recognisable, size-exact body: the bytes 0..255 repeated. */
export function makeBody(bytes: number): Buffer {
  const body = Buffer.alloc(bytes);
  for (let i = 0; i < bytes; i++) body[i] = i % 256;
  return body;
}

export function makeMessages(prefix: string, count: number, body: Buffer): ServiceBusMessage[] {
  return Array.from({ length: count }, (_unused, i) => ({
    messageId: `${prefix}-${i}`,
    body,
    contentType: "application/octet-stream",
  }));
}

/**
 * Closes in cleanup: bounded (a stalled broker may never answer the close) and never masking the
 * error that led here.
 */
export async function closeQuietly(what: string, close: () => Promise<void>): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      close(),
      new Promise<void>((resolve) => {
        timer = setTimeout(() => {
          console.error(`warning: closing ${what} took over ${CLOSE_TIMEOUT_MS} ms; giving up on it`);
          resolve();
        }, CLOSE_TIMEOUT_MS);
      }),
    ]);
  } catch (error) {
    console.error(`warning: closing ${what} failed: ${String(error)}`);
  } finally {
    clearTimeout(timer);
  }
}

export function newClient(connectionString: string): ServiceBusClient {
  // No retries: an error from the broker must fail the benchmark, not be hidden by a retry.
  return new ServiceBusClient(connectionString, { retryOptions: { maxRetries: 0, timeoutInMs: 30_000 } });
}

/** Opens the sender link outside the timed section (createMessageBatch needs the link's max size). */
export async function openSender(sender: ServiceBusSender): Promise<void> {
  await sender.createMessageBatch();
}

/** Sends with as few batches as fit; returns the number of batches. */
export async function sendInBatches(
  sender: ServiceBusSender,
  messages: readonly ServiceBusMessage[],
  onSent?: (sent: number) => void,
): Promise<number> {
  let batches = 0;
  let sent = 0;
  let batch = await sender.createMessageBatch();
  for (const message of messages) {
    if (batch.tryAddMessage(message)) continue;
    if (batch.count === 0)
      throw new Error(
        `message ${String(message.messageId)} does not fit an empty batch of ${batch.maxSizeInBytes} bytes`,
      );
    await sender.sendMessages(batch);
    batches++;
    sent += batch.count;
    onSent?.(sent);
    batch = await sender.createMessageBatch();
    if (!batch.tryAddMessage(message))
      throw new Error(
        `message ${String(message.messageId)} does not fit an empty batch of ${batch.maxSizeInBytes} bytes`,
      );
  }
  if (batch.count > 0) {
    await sender.sendMessages(batch);
    batches++;
    sent += batch.count;
    onSent?.(sent);
  }
  return batches;
}

/** Checks that every expected message arrives exactly once with the expected body. */
export class DeliveryCheck {
  readonly #expected: ReadonlySet<string>;
  readonly #seen = new Set<string>();
  readonly #body: Buffer;
  readonly #problems: string[] = [];
  #problemCount = 0;

  constructor(messages: readonly ServiceBusMessage[], body: Buffer) {
    this.#expected = new Set(messages.map((m) => String(m.messageId)));
    this.#body = body;
  }

  get count(): number {
    return this.#seen.size;
  }

  get expected(): number {
    return this.#expected.size;
  }

  get problemCount(): number {
    return this.#problemCount;
  }

  #problem(text: string): void {
    this.#problemCount++;
    if (this.#problems.length < 10) this.#problems.push(text);
  }

  record(message: ServiceBusReceivedMessage): void {
    const id = message.messageId;
    if (typeof id !== "string") {
      this.#problem(`a message without a string messageId (sequence number ${String(message.sequenceNumber)})`);
      return;
    }
    if (!this.#expected.has(id)) this.#problem(`unexpected message ${id}`);
    else if (this.#seen.has(id))
      this.#problem(`message ${id} delivered twice (deliveryCount ${String(message.deliveryCount)})`);
    else this.#seen.add(id);
    const body: unknown = message.body;
    if (!Buffer.isBuffer(body)) this.#problem(`message ${id}: body is ${typeof body}, not the Buffer that was sent`);
    else if (!body.equals(this.#body))
      this.#problem(`message ${id}: body of ${body.length} bytes differs from the ${this.#body.length} bytes sent`);
  }

  /** Throws with the details unless exactly the expected messages arrived, each once and intact. */
  assertComplete(label: string): void {
    const missing = [...this.#expected].filter((id) => !this.#seen.has(id));
    if (this.#problemCount === 0 && missing.length === 0) return;
    const lines = [
      `${label}: received ${this.#seen.size} distinct of ${this.#expected.size} sent, ${missing.length} missing, ${this.#problemCount} problems`,
    ];
    if (missing.length > 0) lines.push(`missing (first 10): ${missing.slice(0, 10).join(", ")}`);
    lines.push(...this.#problems);
    throw new Error(lines.join("\n  "));
  }
}

export interface Progress {
  done: number;
  lastChangeMs: number;
}

/**
 * Runs `work`, failing it when `progress.done` stops moving for `stallTimeoutMs` or when the
 * broker process dies.
 */
export async function watched<T>(
  label: string,
  options: WorkloadOptions,
  progress: Progress,
  work: Promise<T>,
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  let lastDone = progress.done;
  const stalled = new Promise<never>((_resolve, reject) => {
    timer = setInterval(() => {
      const now = performance.now();
      if (progress.done !== lastDone) {
        lastDone = progress.done;
        progress.lastChangeMs = now;
        return;
      }
      if (now - progress.lastChangeMs >= options.stallTimeoutMs) {
        reject(
          new Error(
            `${label}: stalled at ${progress.done} of ${options.messages} messages on queue ${options.queue}; no progress for ${Math.round(now - progress.lastChangeMs)} ms`,
          ),
        );
      }
    }, 100);
  });
  try {
    return await Promise.race([work, stalled, options.died]);
  } finally {
    clearInterval(timer);
  }
}

export function newProgress(): Progress {
  return { done: 0, lastChangeMs: performance.now() };
}

/** Reads the queue back (receive-and-delete) and checks it holds exactly what was sent. Untimed. */
export async function drainAndCheck(
  label: string,
  client: ServiceBusClient,
  options: WorkloadOptions,
  check: DeliveryCheck,
): Promise<void> {
  const receiver = client.createReceiver(options.queue, { receiveMode: "receiveAndDelete" });
  const inspector = new QueueInspector(client, options.queue);
  const progress = newProgress();
  try {
    await watched(
      `${label} (verifying)`,
      options,
      progress,
      (async () => {
        while (check.count + check.problemCount < check.expected) {
          const wanted = Math.min(VERIFY_BATCH, check.expected - check.count - check.problemCount);
          const received = await receiver.receiveMessages(wanted, { maxWaitTimeInMs: VERIFY_MAX_WAIT_MS });
          for (const message of received) check.record(message);
          progress.done = check.count;
        }
      })(),
    );
    check.assertComplete(label);
    await inspector.assertEmpty(label);
  } finally {
    await closeQuietly("the verifying receiver", () => receiver.close());
    await closeQuietly("the peeking receiver", () => inspector.close());
  }
}

/** Counts what is left in a queue by peeking; peek sees locked messages too. */
export class QueueInspector {
  readonly #receiver: ServiceBusReceiver;
  /** Peek continues after the last peeked message by default; restart from the first ever seen instead. */
  #from: ServiceBusReceivedMessage["sequenceNumber"];

  constructor(client: ServiceBusClient, queue: string) {
    this.#receiver = client.createReceiver(queue);
  }

  /** Messages left, active or locked, up to 100. */
  async remaining(): Promise<number> {
    const peeked = await this.#receiver.peekMessages(
      100,
      this.#from === undefined ? {} : { fromSequenceNumber: this.#from },
    );
    this.#from ??= peeked[0]?.sequenceNumber;
    return peeked.length;
  }

  async assertEmpty(label: string): Promise<void> {
    const left = await this.remaining();
    if (left > 0)
      throw new Error(
        `${label}: queue still holds ${describeLeft(left)} messages (active or locked) after every sent message was received`,
      );
  }

  /** Polls until every message is settled; returns the time the queue was first seen empty. */
  async waitUntilEmpty(label: string): Promise<number> {
    const deadline = performance.now() + SETTLE_TIMEOUT_MS;
    for (;;) {
      const left = await this.remaining();
      const now = performance.now();
      if (left === 0) return now;
      if (now > deadline)
        throw new Error(
          `${label}: ${describeLeft(left)} messages still in the queue (active or locked) ${SETTLE_TIMEOUT_MS} ms after all were handled`,
        );
      await new Promise((resolve) => setTimeout(resolve, 2));
    }
  }

  async close(): Promise<void> {
    await this.#receiver.close();
  }
}

function describeLeft(left: number): string {
  return left >= 100 ? "100 or more" : String(left);
}

export async function fillQueue(
  client: ServiceBusClient,
  queue: string,
  messages: readonly ServiceBusMessage[],
  progress: Progress,
): Promise<void> {
  const sender = client.createSender(queue);
  try {
    await sendInBatches(sender, messages, (sent) => {
      progress.done = sent;
    });
  } finally {
    await closeQuietly("the filling sender", () => sender.close());
  }
}
