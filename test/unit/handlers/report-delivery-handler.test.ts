// The report-deliveries queue handler with the real InvocationContext: what it logs, schedules
// and throws for each outcome.
import functions from "@azure/functions";
import { describe, expect, it } from "vitest";
import type { PostOutcome, ReportDeliveryMessage } from "../../../shared/domain/metrics/deliver-report.js";
import {
  makeDeliveryDeadLetterHandler,
  makeReportDeliveryHandler,
} from "../../../shared/handlers/report-delivery-handler.js";
import { InMemoryEscalationStore } from "../domain/escalations/fakes.js";
import { InMemoryDeadLetterLog } from "../domain/forwarding/fakes.js";
import { DEFAULT_TARGETS, buildReport } from "../../../shared/domain/metrics/report.js";
import type { StoredReport } from "../../../shared/domain/metrics/scheduled-reports.js";
import { parseWebhookSecret } from "../../../shared/lib/standard-webhooks.js";

const { InvocationContext } = functions;
const TO = "2026-11-26T10:00:00.000Z";
const secret = parseWebhookSecret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
if (!secret.ok) throw new Error(secret.message);
const stored: StoredReport = {
  window: "1h",
  generatedAt: TO,
  report: buildReport({
    from: new Date("2026-11-26T09:00:00.000Z"),
    to: new Date(TO),
    escalations: [],
    gateDecisions: [],
    deadLetters: [],
    targets: DEFAULT_TARGETS,
    topCustomers: 3,
  }),
};
const message: ReportDeliveryMessage = { window: "1h", to: TO, webhook: "flow", attempt: 1 };

function setUp(
  outcome: PostOutcome | Error,
  readReport: () => Promise<StoredReport | undefined> = () => Promise.resolve(stored),
) {
  const logs: { level: string; args: unknown[] }[] = [];
  const scheduled: { message: ReportDeliveryMessage; at: Date }[] = [];
  const pauses: number[] = [];
  const handler = makeReportDeliveryHandler({
    delivery: {
      config: {
        webhooks: [
          {
            id: "flow",
            url: new URL("https://flows.example.cn/hook"),
            format: "json",
            secret: secret.ok ? secret.secret : { key: new Uint8Array() },
            windows: ["1h"],
          },
        ],
        backoff: { baseDelayMs: 1_000, maxDelayMs: 10_000, budgetMs: 3_600_000 },
      },
      report: readReport,
      post: () => (outcome instanceof Error ? Promise.reject(outcome) : Promise.resolve(outcome)),
      clock: { now: () => new Date("2026-11-26T10:00:01.000Z") },
      random: () => 0.5,
    },
    retries: { schedule: (next, at) => Promise.resolve(void scheduled.push({ message: next, at })) },
    pause: (ms) => Promise.resolve(void pauses.push(ms)),
  });
  const context = new InvocationContext({
    functionName: "metrics-delivery",
    invocationId: "inv-1",
    triggerMetadata: { messageId: "m-1", deliveryCount: 2 },
    logHandler: (level, ...args) => logs.push({ level, args }),
  });
  return { handler, context, logs, scheduled, pauses };
}

describe("makeReportDeliveryHandler", () => {
  it("when the post is delivered, then it logs so and schedules nothing", async () => {
    const { handler, context, logs, scheduled } = setUp({ kind: "delivered", status: 200 });
    await handler(message, context);
    expect(scheduled).toEqual([]);
    expect(logs).toEqual([
      {
        level: "information",
        args: ["report delivered", { window: "1h", to: TO, webhook: "flow", attempt: 1, status: 200 }],
      },
    ]);
  });

  it("when the post fails transiently, then the next attempt is scheduled and a warning names the reason", async () => {
    const { handler, context, logs, scheduled } = setUp({ kind: "transient", reason: "HTTP 502" });
    await handler(message, context);
    expect(scheduled).toEqual([{ message: { ...message, attempt: 2 }, at: new Date("2026-11-26T10:00:02.000Z") }]);
    expect(logs[0]).toMatchObject({
      level: "warning",
      args: ["report delivery will be retried", { reason: "HTTP 502", at: "2026-11-26T10:00:02.000Z" }],
    });
  });

  it("when the receiver refuses, then an error is logged and the message completes", async () => {
    const { handler, context, logs, scheduled } = setUp({ kind: "refused", reason: "HTTP 404" });
    await handler(message, context);
    expect(scheduled).toEqual([]);
    expect(logs[0]).toMatchObject({
      level: "error",
      args: ["report not delivered", { outcome: "refused", reason: "HTTP 404" }],
    });
  });

  it("when the message is not a delivery, then it is dropped with the problems named, nothing posted", async () => {
    const { handler, context, logs } = setUp(new Error("must not post"));
    await handler({ window: "2h", to: TO, webhook: "flow" }, context);
    expect(logs[0]?.level).toBe("error");
    expect(JSON.stringify(logs[0]?.args)).toContain("window");
    expect(JSON.stringify(logs[0]?.args)).toContain("attempt");
  });

  it("when reading the stored report fails, then it pauses and throws so Service Bus redelivers", async () => {
    const { handler, context, pauses, scheduled } = setUp({ kind: "delivered", status: 200 }, () =>
      Promise.reject(new Error("table unreachable")),
    );
    await expect(handler(message, context)).rejects.toThrow("table unreachable");
    expect(pauses).toEqual([2_000]);
    expect(scheduled).toEqual([]);
  });
});

describe("makeDeliveryDeadLetterHandler (report-deliveries-dead-letter)", () => {
  function deadLetterSetUp(
    triggerMetadata: Record<string, unknown>,
    log: InMemoryDeadLetterLog | { record: () => Promise<void> } = new InMemoryDeadLetterLog(),
  ) {
    const logs: { level: string; args: unknown[] }[] = [];
    const pauses: number[] = [];
    const store = new InMemoryEscalationStore();
    const handler = makeDeliveryDeadLetterHandler({
      store,
      log,
      clock: { now: () => new Date("2026-11-26T10:30:00.000Z") },
      queue: "report-deliveries",
      pause: (ms) => Promise.resolve(void pauses.push(ms)),
    });
    const context = new InvocationContext({
      functionName: "report-deliveries-dead-letter",
      invocationId: "inv-2",
      triggerMetadata,
      logHandler: (level, ...args) => logs.push({ level, args }),
    });
    return { handler, context, logs, pauses, store };
  }

  it("when Service Bus dead-lettered a delivery, then the dead-letter log records it with its queue, reason and body, and the log line names the report and webhook", async () => {
    const log = new InMemoryDeadLetterLog();
    const { handler, context, logs } = deadLetterSetUp(
      {
        messageId: "flow-1h-2026-11-26T10:00:00.000Z-1",
        sequenceNumber: 17,
        deliveryCount: 1,
        enqueuedTimeUtc: "2026-11-26T10:00:02Z",
        deadLetterReason: "MaxDeliveryCountExceeded",
        deadLetterErrorDescription: "Message could not be consumed after 10 delivery attempts.",
      },
      log,
    );

    await handler(message, context);

    expect([...log.entries.values()]).toEqual([
      {
        source: "delivery-dead-letter-queue",
        queue: "report-deliveries",
        at: "2026-11-26T10:30:00.000Z",
        messageId: "flow-1h-2026-11-26T10:00:00.000Z-1",
        sequenceNumber: 17,
        enqueuedAt: "2026-11-26T10:00:02.000Z",
        deliveryCount: 1,
        reason: "MaxDeliveryCountExceeded",
        description: "Message could not be consumed after 10 delivery attempts.",
        body: JSON.stringify(message),
        outcome: "no-escalation",
      },
    ]);
    expect(logs).toEqual([
      {
        level: "error",
        args: [
          "dead-lettered report delivery recorded",
          {
            messageId: "flow-1h-2026-11-26T10:00:00.000Z-1",
            queue: "report-deliveries",
            reason: "MaxDeliveryCountExceeded",
            window: "1h",
            to: TO,
            webhook: "flow",
            attempt: 1,
          },
        ],
      },
    ]);
  });

  it("when the dead-lettered message is not a delivery, then it is still recorded, with unknown reason when Service Bus gave none", async () => {
    const log = new InMemoryDeadLetterLog();
    const { handler, context, logs } = deadLetterSetUp({ messageId: "odd" }, log);

    await handler("not json", context);

    expect([...log.entries.values()]).toMatchObject([
      {
        source: "delivery-dead-letter-queue",
        queue: "report-deliveries",
        messageId: "odd",
        reason: "unknown",
        body: "not json",
        outcome: "no-escalation",
      },
    ]);
    expect(logs[0]?.args[1]).toMatchObject({ delivery: "not a report delivery" });
  });

  it("when the log cannot be written, then it pauses before throwing, since a dead-letter queue redelivers at once", async () => {
    const { handler, context, pauses } = deadLetterSetUp(
      { messageId: "m", deliveryCount: 12 },
      { record: () => Promise.reject(new Error("table unreachable")) },
    );

    await expect(handler(message, context)).rejects.toThrow("table unreachable");
    expect(pauses).toEqual([30_000]);
  });
});
