// The metrics report over escalations built in known states at known times: exact figures,
// window edges, and zeros for an empty window.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  DEFAULT_TARGETS,
  buildReport,
  durations,
  type EscalationFact,
  type ReportInput,
} from "../../../../shared/domain/metrics/report.js";
import { gateFact } from "../../../../shared/domain/metrics/facts.js";
import { MetricsReportSchema } from "../../../../shared/domain/metrics/report-schema.js";

const FROM = new Date("2026-11-26T00:00:00.000Z");
const TO = new Date("2026-11-27T00:00:00.000Z");
const MIN = 60_000;
const at = (minutesAfterFrom: number) => new Date(FROM.getTime() + minutesAfterFrom * MIN).toISOString();

let next = 0;
function fact(overrides: Partial<EscalationFact>): EscalationFact {
  next += 1;
  return {
    id: `esc-${String(next).padStart(3, "0")}`,
    tenantId: "t-a",
    customerName: "Contoso",
    service: "office365",
    severity: "moderate",
    status: "queued",
    submittedAt: at(0),
    ...overrides,
  };
}

function input(overrides: Partial<ReportInput>): ReportInput {
  return {
    from: FROM,
    to: TO,
    escalations: [],
    gateDecisions: [],
    deadLetters: [],
    targets: DEFAULT_TARGETS,
    topCustomers: 3,
    ...overrides,
  };
}

describe("durations", () => {
  it("when values are given, then p50 and p95 are nearest-rank values that occurred, and max the largest", () => {
    expect(durations([5, 1, 4, 2, 3])).toEqual({ count: 5, p50Ms: 3, p95Ms: 5, maxMs: 5 });
    const hundred = Array.from({ length: 100 }, (_, i) => (i + 1) * 10);
    expect(durations(hundred)).toEqual({ count: 100, p50Ms: 500, p95Ms: 950, maxMs: 1000 });
    expect(durations([7])).toEqual({ count: 1, p50Ms: 7, p95Ms: 7, maxMs: 7 });
  });

  it("when there are none, then the count is zero and the percentiles are null", () => {
    expect(durations([])).toEqual({ count: 0, p50Ms: null, p95Ms: null, maxMs: null });
  });
});

describe("buildReport", () => {
  it("when the window is empty, then every count is zero, rates are zero and percentiles null", () => {
    const report = buildReport(input({}));
    expect(report.volumes).toEqual({
      submitted: 0,
      byStatus: { queued: 0, forwarded: 0, awaiting_portal: 0, rejected: 0, failed: 0, attention_needed: 0, closed: 0 },
      byService: {},
      bySeverity: { critical: 0, moderate: 0, minimal: 0 },
      byChannel: {},
      topCustomers: [],
      gateRejected: 0,
    });
    expect(report.timeToForward.all).toEqual({ count: 0, p50Ms: null, p95Ms: null, maxMs: null });
    expect(report.backlog).toEqual({ open: 0, byStatus: {}, oldestAgeMs: null, oldestId: null });
    expect(report.quality.gate).toEqual({ decisions: 0, rejected: 0, rejectionRate: 0, unmetCriteria: {} });
    expect(report.targets.forward.breaches).toEqual([]);
    expect(report.targets.vianetResponse.bySeverity.critical).toEqual({ targetMs: 2 * 60 * MIN, measured: null });
  });

  it("when escalations sit on the window's edges, then from is included and to excluded, for submissions and forwardings alike", () => {
    const report = buildReport(
      input({
        escalations: [
          fact({
            id: "at-from",
            submittedAt: at(0),
            status: "forwarded",
            forwardedAt: at(5),
            channel: "partner-center",
          }),
          fact({
            id: "before-from",
            submittedAt: at(-1),
            status: "forwarded",
            forwardedAt: at(0),
            channel: "partner-center",
          }),
          fact({ id: "at-to", submittedAt: TO.toISOString(), status: "queued" }),
          fact({
            id: "forwarded-at-to",
            submittedAt: at(24 * 60 - 10),
            status: "forwarded",
            forwardedAt: TO.toISOString(),
            channel: "partner-center",
          }),
        ],
      }),
    );
    expect(report.volumes.submitted).toBe(2); // at-from and forwarded-at-to
    expect(report.timeToForward.all).toEqual({ count: 2, p50Ms: 1 * MIN, p95Ms: 5 * MIN, maxMs: 5 * MIN }); // at-from (5 min), before-from (1 min)
    expect(report.backlog.open).toBe(0); // at-to was submitted at `to`: not yet there
  });

  it("when escalations are in every state, then volumes, channels and top customers are exact", () => {
    const escalations = [
      fact({
        tenantId: "t-a",
        customerName: "Contoso",
        service: "office365",
        severity: "critical",
        status: "forwarded",
        channel: "partner-center",
        forwardedAt: at(10),
      }),
      fact({
        tenantId: "t-a",
        customerName: "Contoso",
        service: "azure",
        severity: "moderate",
        status: "rejected",
        channel: "partner-center",
        rejectedAt: at(3),
        vianetCode: "900127",
      }),
      fact({
        tenantId: "t-b",
        customerName: "Fabrikam",
        service: "office365",
        severity: "minimal",
        status: "awaiting_portal",
        channel: "portal",
        submittedAt: at(60),
      }),
      fact({
        tenantId: "t-b",
        customerName: "Fabrikam",
        service: "teams",
        severity: "moderate",
        status: "failed",
        channel: "partner-center",
        submittedAt: at(61),
      }),
      fact({
        tenantId: "t-c",
        customerName: "Woodgrove",
        service: "office365",
        severity: "moderate",
        status: "queued",
        submittedAt: at(100),
      }),
      fact({
        tenantId: "t-a",
        customerName: "Contoso",
        service: "office365",
        severity: "critical",
        status: "closed",
        channel: "portal",
        forwardedAt: at(30),
        submittedAt: at(20),
      }),
    ];
    const report = buildReport(input({ escalations, topCustomers: 2 }));
    expect(report.volumes.submitted).toBe(6);
    expect(report.volumes.byStatus).toEqual({
      queued: 1,
      forwarded: 1,
      awaiting_portal: 1,
      rejected: 1,
      failed: 1,
      attention_needed: 0,
      closed: 1,
    });
    expect(report.volumes.byService).toEqual({ office365: 4, azure: 1, teams: 1 });
    expect(report.volumes.bySeverity).toEqual({ critical: 2, moderate: 3, minimal: 1 });
    expect(report.volumes.byChannel).toEqual({ "partner-center": 3, portal: 2 });
    expect(report.volumes.topCustomers).toEqual([
      { tenantId: "t-a", name: "Contoso", count: 3 },
      { tenantId: "t-b", name: "Fabrikam", count: 2 },
    ]);
    expect(report.quality.vianetRejections).toEqual({ "900127": 1 });
    expect(report.timeToForward.bySeverity.critical).toEqual({
      count: 2,
      p50Ms: 10 * MIN,
      p95Ms: 10 * MIN,
      maxMs: 10 * MIN,
    });
    expect(report.timeToForward.bySeverity.moderate.count).toBe(0);
  });

  it("when escalations are forwarded late or still wait past their target, then each breach is listed, longest first", () => {
    const report = buildReport(
      input({
        to: new Date(FROM.getTime() + 6 * 60 * MIN),
        escalations: [
          fact({ id: "critical-on-time", severity: "critical", status: "forwarded", forwardedAt: at(15) }),
          fact({ id: "critical-late", severity: "critical", status: "forwarded", forwardedAt: at(16) }),
          fact({ id: "moderate-waiting", severity: "moderate", status: "queued", submittedAt: at(60) }),
          fact({ id: "minimal-waiting", severity: "minimal", status: "awaiting_portal", submittedAt: at(60) }),
        ],
      }),
    );
    expect(report.targets.forward.bySeverity.critical).toEqual({
      targetMs: 15 * MIN,
      forwarded: 2,
      met: 1,
      breached: 1,
    });
    expect(report.targets.forward.bySeverity.moderate).toEqual({
      targetMs: 60 * MIN,
      forwarded: 0,
      met: 0,
      breached: 1,
    });
    expect(report.targets.forward.bySeverity.minimal).toEqual({
      targetMs: 240 * MIN,
      forwarded: 0,
      met: 0,
      breached: 1,
    });
    expect(report.targets.forward.breaches).toEqual([
      { id: "minimal-waiting", severity: "minimal", waitedMs: 300 * MIN, targetMs: 240 * MIN, state: "still-waiting" },
      { id: "moderate-waiting", severity: "moderate", waitedMs: 300 * MIN, targetMs: 60 * MIN, state: "still-waiting" },
      { id: "critical-late", severity: "critical", waitedMs: 16 * MIN, targetMs: 15 * MIN, state: "forwarded-late" },
    ]);
    expect(report.backlog).toEqual({
      open: 2,
      byStatus: { queued: 1, awaiting_portal: 1 },
      oldestAgeMs: 300 * MIN,
      oldestId: "minimal-waiting",
    });
  });

  it("when the gate refused some and messages were dead-lettered, then rates and reasons count only the window's", () => {
    const report = buildReport(
      input({
        gateDecisions: [
          { at: at(1), met: true, unmet: [] },
          { at: at(2), met: false, unmet: ["service-health-checked", "admin-center-attempted"] },
          { at: at(3), met: false, unmet: ["service-health-checked"] },
          { at: at(-5), met: false, unmet: ["not-first-line-only"] },
        ],
        deadLetters: [
          { at: at(4), reason: "MaxDeliveryCountExceeded" },
          { at: at(5), reason: "InvalidMessage" },
          { at: at(6), reason: "InvalidMessage" },
          { at: TO.toISOString(), reason: "TTLExpiredException" },
        ],
      }),
    );
    expect(report.volumes.gateRejected).toBe(2);
    expect(report.quality.gate).toEqual({
      decisions: 3,
      rejected: 2,
      rejectionRate: 2 / 3,
      unmetCriteria: { "service-health-checked": 2, "admin-center-attempted": 1 },
    });
    expect(report.quality.deadLetters).toEqual({ MaxDeliveryCountExceeded: 1, InvalidMessage: 2 });
  });

  it("when the window is not from < to, then it is refused", () => {
    expect(() => buildReport(input({ from: TO, to: TO }))).toThrow(RangeError);
  });
});

describe("facts from stored records", () => {
  it("when the gate decided, then the fact lists the unmet criteria", () => {
    expect(
      gateFact({
        at: at(1),
        met: false,
        decisions: [
          { criterion: "service-health-checked", met: false, detail: "not checked" },
          { criterion: "admin-center-attempted", met: true, detail: "tried" },
        ],
      }),
    ).toEqual({ at: at(1), met: false, unmet: ["service-health-checked"] });
  });
});

describe("buildReport properties", () => {
  const statuses = [
    "queued",
    "forwarded",
    "awaiting_portal",
    "rejected",
    "failed",
    "attention_needed",
    "closed",
  ] as const;
  const arbitraryFact = fc
    .record({
      submitted: fc.integer({ min: -600, max: 2_000 }),
      forwardAfter: fc.option(fc.integer({ min: 0, max: 600 }), { nil: undefined }),
      severity: fc.constantFrom("critical", "moderate", "minimal" as const),
      status: fc.constantFrom(...statuses),
      tenant: fc.constantFrom("t-a", "t-b", "t-c"),
      id: fc.uuid(),
    })
    .map(({ submitted, forwardAfter, severity, status, tenant, id }): EscalationFact => ({
      id,
      tenantId: tenant,
      customerName: tenant,
      service: "office365",
      severity,
      status,
      submittedAt: at(submitted),
      ...(forwardAfter === undefined ? {} : { forwardedAt: at(submitted + forwardAfter) }),
    }));

  it("when facts are any mix, then the report fits its published schema, the counts add up, percentiles stay within the data, and the order of facts does not matter", () => {
    fc.assert(
      fc.property(fc.array(arbitraryFact, { maxLength: 60 }), (facts) => {
        const report = buildReport(input({ escalations: facts }));
        const reversed = buildReport(input({ escalations: [...facts].reverse() }));
        expect(reversed).toEqual(report);
        // The published schema (OpenAPI, webhooks) describes exactly what is built: parsing strips nothing and refuses nothing.
        expect(MetricsReportSchema.parse(report)).toEqual(report);
        const byStatus = Object.values(report.volumes.byStatus).reduce((sum, count) => sum + count, 0);
        expect(byStatus).toBe(report.volumes.submitted);
        const severities = Object.values(report.volumes.bySeverity).reduce((sum, count) => sum + count, 0);
        expect(severities).toBe(report.volumes.submitted);
        for (const target of Object.values(report.targets.forward.bySeverity))
          expect(target.met).toBeLessThanOrEqual(target.forwarded);
        const late = report.targets.forward.breaches.filter((breach) => breach.state === "forwarded-late").length;
        const met = Object.values(report.targets.forward.bySeverity).reduce((sum, target) => sum + target.met, 0);
        expect(met + late).toBe(report.timeToForward.all.count);
        const { p50Ms, p95Ms, maxMs } = report.timeToForward.all;
        if (report.timeToForward.all.count > 0) {
          expect(p50Ms).not.toBeNull();
          expect(p50Ms ?? 0).toBeLessThanOrEqual(p95Ms ?? 0);
          expect(p95Ms ?? 0).toBeLessThanOrEqual(maxMs ?? 0);
        }
      }),
      { numRuns: 300 },
    );
  });
});
