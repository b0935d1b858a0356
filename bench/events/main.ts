// Benchmark of event delivery through the app: escalations submitted to the local Functions host
// (Azurite, the Service Bus emulator, portal routing so each one becomes `queued` then
// `awaiting_portal`), 10 subscriptions for every event, each to its own receiver on 127.0.0.1 that
// answers after `--receiver-ms` (20 ms). Measured: events delivered per second from the first
// submission to the last delivery, against the same number of signed posts made directly to the
// same receivers, 16 at a time as the queue trigger runs them (the ratio: what the queue, the
// fan-out and the per-attempt reads cost), and the added latency from each change (the history
// entry's time, the event's `timestamp`) to its delivery, p50 and p95.
//
//   npm run bench:events -- [--escalations 20] [--subscriptions 10] [--receiver-ms 20] [--json <file>]
import { createHash } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { z } from "zod";
import { parseJsonOrUndefined } from "../../shared/lib/parse-json.js";
import { signWebhook, parseWebhookSecret } from "../../shared/lib/standard-webhooks.js";
import { buildEscalationRequest } from "../../test/builders/escalation-request.js";
import {
  appHostEnvironment,
  formatMs,
  formatRatio,
  formatTable,
  inPool,
  parseBenchArgs,
  positiveInteger,
  printAppOutputs,
  runBenchmark,
  startAppHost,
  startAppStack,
  stopNewestFirst,
  VerificationError,
  withBenchProcesses,
  writeJsonReport,
  type AppStack,
  type Stoppable,
} from "../kit/index.js";

const USAGE = "npm run bench:events -- [--escalations 20] [--subscriptions 10] [--receiver-ms 20] [--json <file>]";
const KEY = "events-bench-key";
const TRIGGER_CONCURRENCY = 16;

interface Options {
  escalations: number;
  subscriptions: number;
  receiverMs: number;
  json: string | undefined;
}

function parseOptions(): Options | undefined {
  const parsed = parseBenchArgs(
    {
      escalations: { type: "string", default: "20" },
      subscriptions: { type: "string", default: "10" },
      "receiver-ms": { type: "string", default: "20" },
    },
    USAGE,
  );
  if (parsed === undefined) return undefined;
  const { values, jsonPath } = parsed;
  return {
    escalations: positiveInteger("--escalations", values.escalations),
    subscriptions: positiveInteger("--subscriptions", values.subscriptions),
    receiverMs: positiveInteger("--receiver-ms", values["receiver-ms"]),
    json: jsonPath,
  };
}

const EventBody = z.object({ timestamp: z.string() });

interface Arrival {
  webhookId: string;
  at: number;
  timestamp: string | undefined;
}

/** A receiver that answers 200 after `delayMs`, recording each arrival once per webhook-id. */
async function startReceiver(delayMs: number, arrivals: Arrival[]): Promise<{ url: string; server: Server }> {
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      const at = Date.now();
      const webhookId = String(request.headers["webhook-id"] ?? "");
      const event = EventBody.safeParse(parseJsonOrUndefined(Buffer.concat(chunks).toString("utf8")));
      const timestamp = event.success ? event.data.timestamp : undefined;
      if (!arrivals.some((arrival) => arrival.webhookId === webhookId)) arrivals.push({ webhookId, at, timestamp });
      setTimeout(() => response.writeHead(200).end(), delayMs);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${String((server.address() as AddressInfo).port)}`, server };
}

function percentile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? Number.NaN;
}

async function waitFor(condition: () => boolean, timeoutMs: number, what: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new VerificationError(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** The same number of signed posts made straight to the receivers, TRIGGER_CONCURRENCY at a time. */
async function directPosts(urls: readonly string[], count: number, body: string): Promise<number> {
  const secret = parseWebhookSecret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
  if (!secret.ok) throw new Error(secret.message);
  const began = performance.now();
  await inPool(count, TRIGGER_CONCURRENCY, async (n) => {
    const id = `direct_${String(n)}`;
    const timestamp = Math.floor(Date.now() / 1000);
    const response = await fetch(urls[n % urls.length] ?? "", {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "webhook-id": id,
        "webhook-timestamp": String(timestamp),
        "webhook-signature": signWebhook({ id, timestamp, body: Buffer.from(body), secret: secret.secret }),
      },
      body,
    });
    await response.arrayBuffer();
  });
  return performance.now() - began;
}

async function main(options: Options): Promise<void> {
  const started: Stoppable[] = [];
  let stack: AppStack | undefined;
  await withBenchProcesses(
    { tempPrefix: "events-bench-", stopAll: () => stopNewestFirst(started), onFailure: () => printAppOutputs(stack) },
    async ({ tempDir }) => {
      stack = await startAppStack(tempDir, started, "escalations");
      const arrivals: Arrival[] = [];
      const receivers = await Promise.all(
        Array.from({ length: options.subscriptions }, () => startReceiver(options.receiverMs, arrivals)),
      );
      started.push({
        stop: async () => {
          await Promise.all(receivers.map(({ server }) => new Promise((resolve) => server.close(resolve))));
        },
      });
      const host = await startAppHost(
        stack,
        appHostEnvironment(stack, "eventsbench", {
          LOCAL_FUNCTIONS_KEY: KEY,
          ESCALATION_ROUTING: JSON.stringify([{ channel: "portal" }]),
          WEBHOOK_ALLOWED_PRIVATE_HOSTS: "127.0.0.1",
          ESCALATION_CALLERS: JSON.stringify([
            { id: "bench", keySha256: createHash("sha256").update(KEY).digest("hex"), tenants: "all" },
          ]),
        }),
        1,
      );
      const call = (path: string, body: unknown) =>
        fetch(`${host.url}/api/${path}`, {
          method: "POST",
          headers: { "x-functions-key": KEY, "content-type": "application/json" },
          body: JSON.stringify(body),
        });
      for (const receiver of receivers) {
        const response = await call("subscriptions", { url: `${receiver.url}/events`, events: ["*"] });
        if (response.status !== 201) throw new VerificationError(`subscribe answered ${String(response.status)}`);
      }

      const expected = options.escalations * 2 * options.subscriptions;
      const began = Date.now();
      await inPool(options.escalations, 4, async () => {
        const response = await call("escalations", buildEscalationRequest());
        if (response.status !== 202) throw new VerificationError(`submit answered ${String(response.status)}`);
        await response.arrayBuffer();
      });
      await waitFor(() => arrivals.length >= expected, 300_000, `${String(expected)} deliveries`);
      const last = Math.max(...arrivals.map((arrival) => arrival.at));
      const viaEventsMs = last - began;
      const latencies = arrivals.flatMap((arrival) =>
        arrival.timestamp === undefined ? [] : [arrival.at - Date.parse(arrival.timestamp)],
      );

      const directMs = await directPosts(
        receivers.map((receiver) => `${receiver.url}/direct`),
        expected,
        JSON.stringify({
          type: "escalation.queued",
          timestamp: new Date().toISOString(),
          data: buildEscalationRequest(),
        }),
      );
      const viaRate = (expected / viaEventsMs) * 1000;
      const directRate = (expected / directMs) * 1000;
      const result = {
        deliveries: expected,
        subscriptions: options.subscriptions,
        receiverMs: options.receiverMs,
        viaEvents: { elapsedMs: viaEventsMs, perSecond: viaRate },
        direct: { elapsedMs: directMs, perSecond: directRate },
        ratio: viaRate / directRate,
        addedLatencyMs: { p50: percentile(latencies, 0.5), p95: percentile(latencies, 0.95) },
      };
      console.log(
        formatTable(
          ["", "deliveries", "elapsed ms", "per second"],
          [
            ["through event-deliveries", String(expected), formatMs(viaEventsMs, 0), viaRate.toFixed(1)],
            ["direct posts", String(expected), formatMs(directMs, 0), directRate.toFixed(1)],
          ],
        ),
      );
      console.log(`ratio (events / direct): ${formatRatio(result.ratio)}`);
      console.log(
        `change to delivery: p50 ${formatMs(result.addedLatencyMs.p50, 0)}, p95 ${formatMs(result.addedLatencyMs.p95, 0)}`,
      );
      if (options.json !== undefined) await writeJsonReport(options.json, result);
    },
  );
}

runBenchmark(parseOptions, main, USAGE);
