// The measured workloads: each sends or receives `messages` messages on its own fresh queue with
// the real @azure/service-bus SDK, and checks that every message arrived exactly once, intact.
import {
  ServiceBusClient,
  type ServiceBusMessage,
  type ServiceBusReceivedMessage,
  type ServiceBusReceiver,
  type ServiceBusSender,
} from "@azure/service-bus";
import { performance } from "node:perf_hooks";
import type { WorkloadKind } from "./reference.js";

/** receiveMessages() batch size and wait, as the issue describes the receive workload. */
const RECEIVE_BATCH = 500;
const RECEIVE_MAX_WAIT_MS = 200;
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

function makeMessages(prefix: string, count: number, body: Buffer): ServiceBusMessage[] {
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
async function closeQuietly(what: string, close: () => Promise<void>): Promise<void> {
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

function newClient(connectionString: string): ServiceBusClient {
  // No retries: an error from the broker must fail the benchmark, not be hidden by a retry.
  return new ServiceBusClient(connectionString, { retryOptions: { maxRetries: 0, timeoutInMs: 30_000 } });
}

/** Opens the sender link outside the timed section (createMessageBatch needs the link's max size). */
async function openSender(sender: ServiceBusSender): Promise<void> {
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

interface Progress {
  done: number;
  lastChangeMs: number;
}

/**
 * Runs `work`, failing it when `progress.done` stops moving for `stallTimeoutMs` or when the
 * broker process dies.
 */
async function watched<T>(label: string, options: WorkloadOptions, progress: Progress, work: Promise<T>): Promise<T> {
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

function newProgress(): Progress {
  return { done: 0, lastChangeMs: performance.now() };
}

/** Reads the queue back (receive-and-delete) and checks it holds exactly what was sent. Untimed. */
async function drainAndCheck(
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
class QueueInspector {
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

async function fillQueue(
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

async function sendWorkload(
  kind: "send-sequential" | "send-concurrent-50" | "send-batch",
  label: string,
  options: WorkloadOptions,
): Promise<WorkloadResult> {
  const body = makeBody(options.bodyBytes);
  const messages = makeMessages(`${options.queue}-${kind}`, options.messages, body);
  const client = newClient(options.connectionString);
  try {
    const sender = client.createSender(options.queue);
    await openSender(sender);
    const progress = newProgress();
    const details: Record<string, number> = {};
    let work: Promise<void>;
    const started = performance.now();
    switch (kind) {
      case "send-sequential":
        work = (async () => {
          for (const message of messages) {
            await sender.sendMessages(message);
            progress.done++;
          }
        })();
        break;
      case "send-concurrent-50": {
        let next = 0;
        const worker = async () => {
          for (let message = messages[next++]; message !== undefined; message = messages[next++]) {
            await sender.sendMessages(message);
            progress.done++;
          }
        };
        work = Promise.all(Array.from({ length: 50 }, worker)).then(() => undefined);
        details.inFlight = 50;
        break;
      }
      case "send-batch":
        work = sendInBatches(sender, messages, (sent) => {
          progress.done = sent;
        }).then((batches) => {
          details.batches = batches;
        });
        break;
    }
    await watched(label, options, progress, work);
    const elapsedMs = performance.now() - started;
    await sender.close();
    await drainAndCheck(label, client, options, new DeliveryCheck(messages, body));
    return { elapsedMs, messages: messages.length, details };
  } finally {
    await closeQuietly("the client", () => client.close());
  }
}

/** Fills the queue with the workload's messages (untimed), and the check their deliveries must pass. */
async function fillForReceiving(
  client: ServiceBusClient,
  idPrefix: string,
  label: string,
  options: WorkloadOptions,
): Promise<{ check: DeliveryCheck; messages: ServiceBusMessage[] }> {
  const body = makeBody(options.bodyBytes);
  const messages = makeMessages(`${options.queue}-${idPrefix}`, options.messages, body);
  const filling = newProgress();
  await watched(`${label} (filling)`, options, filling, fillQueue(client, options.queue, messages, filling));
  return { check: new DeliveryCheck(messages, body), messages };
}

async function receiveCompleteWorkload(label: string, options: WorkloadOptions): Promise<WorkloadResult> {
  const client = newClient(options.connectionString);
  try {
    const { check, messages } = await fillForReceiving(client, "receive", label, options);
    const receiver = client.createReceiver(options.queue);
    const progress = newProgress();
    let calls = 0;
    let emptyCalls = 0;
    const started = performance.now();
    await watched(
      label,
      options,
      progress,
      (async () => {
        while (check.count + check.problemCount < check.expected) {
          const wanted = Math.min(RECEIVE_BATCH, check.expected - check.count - check.problemCount);
          const received = await receiver.receiveMessages(wanted, { maxWaitTimeInMs: RECEIVE_MAX_WAIT_MS });
          calls++;
          if (received.length === 0) emptyCalls++;
          for (const message of received) check.record(message);
          await Promise.all(received.map((message) => receiver.completeMessage(message)));
          progress.done = check.count;
        }
      })(),
    );
    const elapsedMs = performance.now() - started;
    check.assertComplete(label);
    const inspector = new QueueInspector(client, options.queue);
    await inspector.assertEmpty(label);
    await inspector.close();
    await receiver.close();
    return { elapsedMs, messages: messages.length, details: { receiveCalls: calls, emptyReceiveCalls: emptyCalls } };
  } finally {
    await closeQuietly("the client", () => client.close());
  }
}

async function subscribeWorkload(
  maxConcurrentCalls: number,
  label: string,
  options: WorkloadOptions,
): Promise<WorkloadResult> {
  const client = newClient(options.connectionString);
  try {
    const { check, messages } = await fillForReceiving(client, "subscribe", label, options);
    const receiver = client.createReceiver(options.queue);
    const inspector = new QueueInspector(client, options.queue);
    const progress = newProgress();
    const errors: string[] = [];
    let resolveHandled: () => void = () => undefined;
    let rejectHandled: (error: Error) => void = () => undefined;
    const handled = new Promise<void>((resolve, reject) => {
      resolveHandled = resolve;
      rejectHandled = reject;
    });
    let handledAt = 0;
    const started = performance.now();
    const subscription = receiver.subscribe(
      {
        processMessage: (message) => {
          check.record(message);
          progress.done++;
          if (check.problemCount > 0) rejectHandled(new Error("a delivery problem"));
          else if (check.count === check.expected) {
            handledAt = performance.now();
            resolveHandled();
          }
          return Promise.resolve();
        },
        processError: (args) => {
          const text = `processError (${args.errorSource}): ${args.error.name}: ${args.error.message}`;
          errors.push(text);
          rejectHandled(new Error(`${label}: ${text}`));
          return Promise.resolve();
        },
      },
      { maxConcurrentCalls, autoCompleteMessages: true },
    );
    try {
      await watched(label, options, progress, handled).catch((error: unknown) => {
        // A delivery problem is best told by the check's own details.
        if (check.problemCount > 0) check.assertComplete(label);
        throw error;
      });
      // The timed section ends once every auto-complete has reached the broker, so this
      // counts the same work as receive + complete.
      const settledAt = await watched(label, options, progress, inspector.waitUntilEmpty(label));
      if (errors.length > 0) throw new Error(`${label}: ${errors.join("; ")}`);
      check.assertComplete(label);
      return {
        elapsedMs: settledAt - started,
        messages: messages.length,
        details: { maxConcurrentCalls, handledMs: handledAt - started, settledMs: settledAt - started },
      };
    } finally {
      await closeQuietly("the subscription", () => subscription.close());
      await closeQuietly("the receiver", () => receiver.close());
      await closeQuietly("the peeking receiver", () => inspector.close());
    }
  } finally {
    await closeQuietly("the client", () => client.close());
  }
}

export async function runWorkload(
  kind: WorkloadKind,
  label: string,
  options: WorkloadOptions,
): Promise<WorkloadResult> {
  switch (kind) {
    case "send-sequential":
    case "send-concurrent-50":
    case "send-batch":
      return sendWorkload(kind, label, options);
    case "receive-complete":
      return receiveCompleteWorkload(label, options);
    case "subscribe-16":
      return subscribeWorkload(16, label, options);
    case "subscribe-100":
      return subscribeWorkload(100, label, options);
  }
}
