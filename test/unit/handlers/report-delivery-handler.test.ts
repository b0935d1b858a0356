// The report-deliveries queue handler with the real InvocationContext: what it logs, schedules
// and throws for each outcome.
import functions from "@azure/functions";
import { describe, expect, it } from "vitest";
import type { PostOutcome, ReportDeliveryMessage } from "../../../shared/metrics/deliver-report.js";
import { makeReportDeliveryHandler } from "../../../shared/handlers/report-delivery-handler.js";
import { DEFAULT_TARGETS, buildReport } from "../../../shared/metrics/report.js";
import type { StoredReport } from "../../../shared/metrics/scheduled-reports.js";
import { parseWebhookSecret } from "../../../shared/webhooks/standard-webhooks.js";

const { InvocationContext } = functions;
const TO = "2026-11-26T10:00:00.000Z";
const secret = parseWebhookSecret("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
if (!secret.ok) throw new Error(secret.message);
const stored: StoredReport = {
  window: "1h",
  generatedAt: TO,
  report: buildReport({ from: new Date("2026-11-26T09:00:00.000Z"), to: new Date(TO), escalations: [], gateDecisions: [], deadLetters: [], targets: DEFAULT_TARGETS, topCustomers: 3 }),
};
const message: ReportDeliveryMessage = { window: "1h", to: TO, webhook: "flow", attempt: 1 };

function setUp(outcome: PostOutcome | Error, readReport: () => Promise<StoredReport | undefined> = () => Promise.resolve(stored)) {
  const logs: { level: string; args: unknown[] }[] = [];
  const scheduled: { message: ReportDeliveryMessage; at: Date }[] = [];
  const pauses: number[] = [];
  const handler = makeReportDeliveryHandler({
    delivery: {
      config: { webhooks: [{ id: "flow", url: new URL("https://flows.example.cn/hook"), format: "json", secret: secret.ok ? secret.secret : { key: new Uint8Array() }, windows: ["1h"] }], backoff: { baseDelayMs: 1_000, maxDelayMs: 10_000, budgetMs: 3_600_000 } },
      report: readReport,
      post: () => (outcome instanceof Error ? Promise.reject(outcome) : Promise.resolve(outcome)),
      clock: { now: () => new Date("2026-11-26T10:00:01.000Z") },
      random: () => 0.5,
    },
    retries: { schedule: (next, at) => Promise.resolve(void scheduled.push({ message: next, at })) },
    pause: (ms) => Promise.resolve(void pauses.push(ms)),
  });
  const context = new InvocationContext({ functionName: "metrics-delivery", invocationId: "inv-1", triggerMetadata: { messageId: "m-1", deliveryCount: 2 }, logHandler: (level, ...args) => logs.push({ level, args }) });
  return { handler, context, logs, scheduled, pauses };
}

describe("makeReportDeliveryHandler", () => {
  it("when the post is delivered, then it logs so and schedules nothing", async () => {
    const { handler, context, logs, scheduled } = setUp({ kind: "delivered", status: 200 });
    await handler(message, context);
    expect(scheduled).toEqual([]);
    expect(logs).toEqual([{ level: "information", args: ["report delivered", { window: "1h", to: TO, webhook: "flow", attempt: 1, status: 200 }] }]);
  });

  it("when the post fails transiently, then the next attempt is scheduled and a warning names the reason", async () => {
    const { handler, context, logs, scheduled } = setUp({ kind: "transient", reason: "HTTP 502" });
    await handler(message, context);
    expect(scheduled).toEqual([{ message: { ...message, attempt: 2 }, at: new Date("2026-11-26T10:00:02.000Z") }]);
    expect(logs[0]).toMatchObject({ level: "warning", args: ["report delivery will be retried", { reason: "HTTP 502", at: "2026-11-26T10:00:02.000Z" }] });
  });

  it("when the receiver refuses, then an error is logged and the message completes", async () => {
    const { handler, context, logs, scheduled } = setUp({ kind: "refused", reason: "HTTP 404" });
    await handler(message, context);
    expect(scheduled).toEqual([]);
    expect(logs[0]).toMatchObject({ level: "error", args: ["report not delivered (refused)", { reason: "HTTP 404" }] });
  });

  it("when the message is not a delivery, then it is dropped with the problems named, nothing posted", async () => {
    const { handler, context, logs } = setUp(new Error("must not post"));
    await handler({ window: "2h", to: TO, webhook: "flow" }, context);
    expect(logs[0]?.level).toBe("error");
    expect(JSON.stringify(logs[0]?.args)).toContain("window");
    expect(JSON.stringify(logs[0]?.args)).toContain("attempt");
  });

  it("when reading the stored report fails, then it pauses and throws so Service Bus redelivers", async () => {
    const { handler, context, pauses, scheduled } = setUp({ kind: "delivered", status: 200 }, () => Promise.reject(new Error("table unreachable")));
    await expect(handler(message, context)).rejects.toThrow("table unreachable");
    expect(pauses).toEqual([2_000]);
    expect(scheduled).toEqual([]);
  });
});
