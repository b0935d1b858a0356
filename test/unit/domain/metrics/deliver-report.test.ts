// Report delivery over fake ports: what is posted (signed, in the webhook's format), and what each
// outcome leads to: done, a retry with its own attempt number and backoff, or no retry.
import { describe, expect, it } from "vitest";
import {
  deliverReport,
  deliveriesOf,
  deliveryMessageId,
  type PostOutcome,
  type ReportDeliveryMessage,
  type ReportDeliveryPorts,
  type ReportWebhook,
  type SignedPost,
} from "../../../../shared/domain/metrics/deliver-report.js";
import { MetricsView } from "../../../../shared/domain/metrics/report-schema.js";
import { DEFAULT_TARGETS, buildReport } from "../../../../shared/domain/metrics/report.js";
import type { StoredReport } from "../../../../shared/domain/metrics/scheduled-reports.js";
import { parseWebhookSecret, verifyWebhook, type WebhookSecret } from "../../../../shared/lib/standard-webhooks.js";

const TO = "2026-11-26T10:00:00.000Z";
const secretOf = (text: string): WebhookSecret => {
  const parsed = parseWebhookSecret(text);
  if (!parsed.ok) throw new Error(parsed.message);
  return parsed.secret;
};
const SECRET = secretOf("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw");
const OTHER_SECRET = secretOf("whsec_c2VjcmV0LWZvci10ZXN0cy1vbmx5");

const webhook = (overrides: Partial<ReportWebhook> = {}): ReportWebhook => ({
  id: "ops-flow",
  url: new URL("https://flows.example.cn/hook"),
  format: "json",
  secret: SECRET,
  windows: ["1h", "24h", "7d", "30d"],
  ...overrides,
});

function storedReport(window: StoredReport["window"] = "24h"): StoredReport {
  const to = new Date(TO);
  const from = new Date(to.getTime() - 24 * 3_600_000);
  const report = buildReport({
    from,
    to,
    escalations: [
      {
        id: "esc-1",
        tenantId: "t-a",
        customerName: "Contoso",
        service: "intune",
        severity: "critical",
        status: "forwarded",
        submittedAt: "2026-11-26T08:00:00.000Z",
        forwardedAt: "2026-11-26T08:40:00.000Z",
        channel: "partner-center",
      },
      {
        id: "esc-2",
        tenantId: "t-b",
        customerName: "Fabrikam",
        service: "azure",
        severity: "minimal",
        status: "queued",
        submittedAt: "2026-11-26T09:00:00.000Z",
      },
    ],
    gateDecisions: [],
    deadLetters: [],
    targets: DEFAULT_TARGETS,
    topCustomers: 5,
  });
  return { window, generatedAt: TO, report };
}

interface Harness {
  ports: ReportDeliveryPorts;
  posts: SignedPost[];
}

function harness(
  outcomes: PostOutcome[],
  options: { webhooks?: ReportWebhook[]; stored?: StoredReport | undefined; now?: string } = {},
): Harness {
  const posts: SignedPost[] = [];
  const stored = "stored" in options ? options.stored : storedReport();
  return {
    posts,
    ports: {
      config: {
        webhooks: options.webhooks ?? [webhook()],
        backoff: { baseDelayMs: 30_000, maxDelayMs: 30 * 60_000, budgetMs: 6 * 3_600_000 },
      },
      report: (window, to) =>
        Promise.resolve(
          stored !== undefined && stored.window === window && stored.report.window.to === to.toISOString()
            ? stored
            : undefined,
        ),
      post: (request) => {
        posts.push(request);
        return Promise.resolve(outcomes.shift() ?? { kind: "delivered", status: 200 });
      },
      clock: { now: () => new Date(options.now ?? "2026-11-26T10:00:05.000Z") },
      random: () => 1,
    },
  };
}

const message = (overrides: Partial<ReportDeliveryMessage> = {}): ReportDeliveryMessage => ({
  window: "24h",
  to: TO,
  webhook: "ops-flow",
  attempt: 1,
  ...overrides,
});
const headerLookup = (headers: Record<string, string>) => ({ get: (name: string) => headers[name] ?? null });

describe("deliverReport", () => {
  it("when the webhook answers 2xx, then the report was posted once, JSON in the Standard Webhooks envelope, signed with the webhook's secret", async () => {
    const { ports, posts } = harness([{ kind: "delivered", status: 202 }]);
    await expect(deliverReport(message(), ports)).resolves.toEqual({ kind: "delivered", status: 202 });
    expect(posts).toHaveLength(1);
    const [post] = posts;
    if (post === undefined) throw new Error("nothing posted");
    expect(post.url.href).toBe("https://flows.example.cn/hook");
    expect(post.headers["content-type"]).toBe("application/json");
    const verified = verifyWebhook({
      headers: headerLookup(post.headers),
      body: Buffer.from(post.body),
      secrets: [SECRET],
      now: new Date("2026-11-26T10:00:05.000Z"),
    });
    expect(verified).toEqual({
      ok: true,
      webhookId: "report_24h_2026-11-26T10:00:00.000Z_ops-flow",
      timestamp: Date.parse("2026-11-26T10:00:05.000Z") / 1000,
    });
    expect(
      verifyWebhook({
        headers: headerLookup(post.headers),
        body: Buffer.from(post.body),
        secrets: [OTHER_SECRET],
        now: new Date("2026-11-26T10:00:05.000Z"),
      }).ok,
    ).toBe(false);
    const payload = JSON.parse(post.body) as { type: string; timestamp: string; data: unknown };
    expect(payload.type).toBe("escalation.metrics.report");
    expect(payload.timestamp).toBe(TO);
    const data = MetricsView.parse(payload.data);
    expect(data.window).toEqual({ name: "24h", from: "2026-11-25T10:00:00.000Z", to: TO });
    expect(data.volumes.submitted).toBe(2);
    expect(data.timeToForward.bySeverity.critical.p50Ms).toBe(40 * 60_000);
  });

  it("when the webhook is a Teams one, then the body is a message with one Adaptive Card holding the figures", async () => {
    const { ports, posts } = harness([], { webhooks: [webhook({ format: "teams" })] });
    await deliverReport(message(), ports);
    const card = JSON.parse(posts[0]?.body ?? "{}") as {
      type: string;
      attachments: {
        contentType: string;
        content: {
          type: string;
          version: string;
          body: { type: string; text?: string; facts?: { title: string; value: string }[] }[];
        };
      }[];
    };
    expect(card.type).toBe("message");
    expect(card.attachments).toHaveLength(1);
    const content = card.attachments[0]?.content;
    expect(card.attachments[0]?.contentType).toBe("application/vnd.microsoft.card.adaptive");
    expect(content?.type).toBe("AdaptiveCard");
    expect(content?.body[0]?.text).toBe("Escalations to 21Vianet, last 24 hours");
    const facts = Object.fromEntries(
      (content?.body.find((block) => block.type === "FactSet")?.facts ?? []).map((fact) => [fact.title, fact.value]),
    );
    expect(facts).toMatchObject({
      Submitted: "2",
      Forwarded: "1",
      "Forward-time breaches": "1",
      "Open backlog": "1, oldest 1 h",
    });
    expect(facts["Time to forward"]).toBe("p50 40 min · p95 40 min · max 40 min");
    const breaches = content?.body.filter((block) => block.type === "FactSet")[1]?.facts;
    expect(breaches).toEqual([{ title: "esc-1", value: "critical, waited 40 min (target 15 min), forwarded late" }]);
    // Forwarded 80 min before the report's end, not answered yet: within 21Vianet's 2 h.
    expect(facts).toMatchObject({
      "21Vianet first response": "none in this window",
      "Time to close": "none closed",
      "21Vianet response breaches": "0 (0 still waiting)",
    });
  });

  it("when 21Vianet answered, closed, and left some waiting past target, then the card shows its response and close times, breaches and the longest waits", async () => {
    const to = new Date(TO);
    const hoursBefore = (hours: number) => new Date(to.getTime() - hours * 3_600_000).toISOString();
    const base = { tenantId: "t-a", customerName: "Contoso", service: "office365", channel: "partner-center" as const };
    const report = buildReport({
      from: new Date(to.getTime() - 86_400_000),
      to,
      escalations: [
        {
          ...base,
          id: "esc-closed",
          severity: "critical",
          status: "closed",
          submittedAt: hoursBefore(10),
          forwardedAt: hoursBefore(9),
          vianetRespondedAt: hoursBefore(8),
          closedAt: hoursBefore(4),
        },
        {
          ...base,
          id: "esc-late",
          severity: "moderate",
          status: "attention_needed",
          submittedAt: hoursBefore(10),
          forwardedAt: hoursBefore(9),
          vianetRespondedAt: hoursBefore(4),
        },
        {
          ...base,
          id: "esc-waiting",
          severity: "minimal",
          status: "forwarded",
          submittedAt: hoursBefore(50),
          forwardedAt: hoursBefore(49),
        },
      ],
      gateDecisions: [],
      deadLetters: [],
      targets: DEFAULT_TARGETS,
      topCustomers: 5,
    });
    const { ports, posts } = harness([], {
      webhooks: [webhook({ format: "teams" })],
      stored: { window: "24h", generatedAt: TO, report },
    });
    await deliverReport(message(), ports);
    const card = JSON.parse(posts[0]?.body ?? "{}") as {
      attachments: {
        content: { body: { type: string; text?: string; facts?: { title: string; value: string }[] }[] };
      }[];
    };
    const body = card.attachments[0]?.content.body ?? [];
    const headline = body.find((block) => block.type === "FactSet")?.facts ?? [];
    const after = (title: string) => headline.slice(headline.findIndex((fact) => fact.title === title));
    expect(after("21Vianet first response").slice(0, 6)).toEqual([
      { title: "21Vianet first response", value: "p50 1 h · p95 5 h · max 5 h" },
      { title: "  critical", value: "p50 1 h · p95 1 h · max 1 h" },
      { title: "  moderate", value: "p50 5 h · p95 5 h · max 5 h" },
      { title: "Time to close", value: "p50 5 h · p95 5 h · max 5 h" },
      { title: "  critical", value: "p50 5 h · p95 5 h · max 5 h" },
      { title: "21Vianet response breaches", value: "2 (1 still waiting)" },
    ]);
    expect(body.map((block) => block.text).filter((text) => text !== undefined)).toContain(
      "Waiting for 21Vianet's first response past target (1 of 1)",
    );
    expect(body.at(-1)?.facts).toEqual([
      { title: "esc-waiting", value: "minimal, waiting 2 d 1 h since forwarding (target 8 h)" },
    ]);
  });

  it("when the webhook fails transiently, then the next attempt is a retry message numbered one higher, no sooner than Retry-After, with the same webhook-id", async () => {
    const { ports, posts } = harness([
      { kind: "transient", reason: "HTTP 503", retryAfterMs: 120_000 },
      { kind: "transient", reason: "HTTP 502" },
    ]);
    const first = await deliverReport(message(), ports);
    expect(first).toEqual({
      kind: "retry",
      message: message({ attempt: 2 }),
      at: new Date("2026-11-26T10:02:05.000Z"),
      reason: "HTTP 503",
    });
    const second = await deliverReport(message({ attempt: 2 }), ports);
    // Full jitter with random() = 1: the ceiling, base * 2^(attempt - 1) = 60 s.
    expect(second).toMatchObject({ kind: "retry", message: { attempt: 3 }, at: new Date("2026-11-26T10:01:05.000Z") });
    expect(posts.map((post) => post.headers["webhook-id"])).toEqual([
      "report_24h_2026-11-26T10:00:00.000Z_ops-flow",
      "report_24h_2026-11-26T10:00:00.000Z_ops-flow",
    ]);
    expect(deliveryMessageId(message({ attempt: 2 }))).not.toBe(deliveryMessageId(message({ attempt: 3 })));
  });

  it("when the next attempt would fall past the budget counted from the report's time, then delivery gives up", async () => {
    const { ports } = harness([{ kind: "transient", reason: "HTTP 500" }], { now: "2026-11-26T15:59:50.000Z" });
    await expect(deliverReport(message({ attempt: 9 }), ports)).resolves.toEqual({
      kind: "gave-up",
      reason: "HTTP 500; attempt 9, the retry budget is spent",
    });
  });

  it("when the webhook refuses, then there is no retry", async () => {
    const { ports } = harness([{ kind: "refused", reason: "HTTP 404" }]);
    await expect(deliverReport(message(), ports)).resolves.toEqual({ kind: "refused", reason: "HTTP 404" });
  });

  it("when the webhook is no longer configured or the report is gone, then nothing is posted", async () => {
    const gone = harness([], { webhooks: [] });
    await expect(deliverReport(message(), gone.ports)).resolves.toMatchObject({
      kind: "dropped",
      reason: 'no webhook "ops-flow" is configured now',
    });
    const missing = harness([], { stored: undefined });
    await expect(deliverReport(message(), missing.ports)).resolves.toMatchObject({
      kind: "dropped",
      reason: `no stored 24h report ending ${TO}`,
    });
    expect([...gone.posts, ...missing.posts]).toEqual([]);
  });
});

describe("deliveriesOf", () => {
  it("when a report is stored, then each webhook that takes its window gets a first attempt", () => {
    const hooks = [
      webhook({ id: "daily", windows: ["24h"] }),
      webhook({ id: "hourly", windows: ["1h"] }),
      webhook({ id: "all" }),
    ];
    expect(deliveriesOf(storedReport("24h"), hooks)).toEqual([
      message({ webhook: "daily" }),
      message({ webhook: "all" }),
    ]);
  });
});

describe("Teams card size", () => {
  it("when a window has many breaches, then the card names the five longest, says how many there are, and stays under Teams' 28 KB", () => {
    const to = new Date(TO);
    const late = Array.from({ length: 400 }, (_, i) => ({
      id: `esc-late-${String(i).padStart(3, "0")}-${"x".repeat(40)}`,
      tenantId: `t-${String(i)}`,
      customerName: `Customer ${String(i)}`,
      service: "azure",
      severity: "critical" as const,
      status: "forwarded" as const,
      submittedAt: new Date(to.getTime() - 8 * 3_600_000).toISOString(),
      forwardedAt: new Date(to.getTime() - 8 * 3_600_000 + (20 + i) * 60_000).toISOString(),
    }));
    const report = buildReport({
      from: new Date(to.getTime() - 86_400_000),
      to,
      escalations: late,
      gateDecisions: [],
      deadLetters: [],
      targets: DEFAULT_TARGETS,
      topCustomers: 10,
    });
    const { ports, posts } = harness([], {
      webhooks: [webhook({ format: "teams" })],
      stored: { window: "24h", generatedAt: TO, report },
    });
    return deliverReport(message(), ports).then(() => {
      const body = posts[0]?.body ?? "";
      expect(Buffer.byteLength(body)).toBeLessThan(28 * 1024);
      expect(body).toContain("Longest breaches (5 of 400)");
      expect(body).toContain("esc-late-399");
      expect(body).not.toContain("esc-late-394");
      // The 340 forwarded more than 2 h before the end also wait past 21Vianet's target: the five forwarded earliest are named.
      expect(body).toContain("Waiting for 21Vianet's first response past target (5 of 340)");
      expect(body).toContain("esc-late-000");
      expect(body).not.toContain("esc-late-005");
    });
  });
});
