// The measured workloads: each sends or receives `messages` messages on its own fresh queue with
// the real @azure/service-bus SDK, and checks that every message arrived exactly once, intact.
import type { ServiceBusClient, ServiceBusMessage } from "@azure/service-bus";
import { performance } from "node:perf_hooks";
import {
  closeQuietly,
  DeliveryCheck,
  drainAndCheck,
  fillQueue,
  makeBody,
  makeMessages,
  newClient,
  newProgress,
  openSender,
  QueueInspector,
  RECEIVE_BATCH,
  RECEIVE_MAX_WAIT_MS,
  sendInBatches,
  watched,
  type WorkloadOptions,
  type WorkloadResult,
} from "./queue-io.js";
import type { WorkloadKind } from "./reference.js";

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
