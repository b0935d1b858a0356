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
import { factsFromEvents, gateFact, vianetMilestones } from "../../../../shared/domain/metrics/facts.js";
import type { StatusEvent } from "../../../../shared/domain/metrics/status-event.js";
import type { Escalation, HistoryEntry } from "../../../../shared/domain/escalations/escalation.js";
import { addPartnerNote, recordVianetUpdate } from "../../../../shared/domain/escalations/vianet-updates.js";
import { queuedEscalation } from "../forwarding/fakes.js";
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
    expect(report.timeToVianetResponse.all).toEqual({ count: 0, p50Ms: null, p95Ms: null, maxMs: null });
    expect(report.timeToClose.all).toEqual({ count: 0, p50Ms: null, p95Ms: null, maxMs: null });
    expect(report.targets.vianetResponse).toEqual({
      bySeverity: {
        critical: { targetMs: 2 * 60 * MIN, responded: 0, met: 0, breached: 0, stillWaiting: 0 },
        moderate: { targetMs: 4 * 60 * MIN, responded: 0, met: 0, breached: 0, stillWaiting: 0 },
        minimal: { targetMs: 8 * 60 * MIN, responded: 0, met: 0, breached: 0, stillWaiting: 0 },
      },
      breaches: [],
    });
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

describe("buildReport: 21Vianet's response", () => {
  const HOUR = 60 * MIN;
  const forwarded = (overrides: Partial<EscalationFact>) =>
    fact({ status: "forwarded", channel: "partner-center", forwardedAt: at(0), ...overrides });

  it("when 21Vianet first answered in the window, then forwarding to that answer gives p50, p95 and max per severity", () => {
    const critical = [10, 30, 50, 70, 90, 110, 130, 150, 170, 190].map((minutes) =>
      forwarded({ severity: "critical", status: "attention_needed", vianetRespondedAt: at(minutes) }),
    );
    const report = buildReport(
      input({
        escalations: [
          ...critical,
          // Forwarded the day before the window, first answered in it: counted, measured from the forwarding.
          forwarded({
            severity: "moderate",
            submittedAt: at(-25 * 60),
            forwardedAt: at(-20 * 60),
            vianetRespondedAt: at(60),
          }),
          // First answered before the window: not this window's response.
          forwarded({ severity: "moderate", forwardedAt: at(-120), vianetRespondedAt: at(-60) }),
          // First answered at `to`: the next window's.
          forwarded({ severity: "minimal", forwardedAt: at(20 * 60), vianetRespondedAt: TO.toISOString() }),
        ],
      }),
    );
    expect(report.timeToVianetResponse.bySeverity.critical).toEqual({
      count: 10,
      p50Ms: 90 * MIN,
      p95Ms: 190 * MIN,
      maxMs: 190 * MIN,
    });
    expect(report.timeToVianetResponse.bySeverity.moderate).toEqual({
      count: 1,
      p50Ms: 21 * HOUR,
      p95Ms: 21 * HOUR,
      maxMs: 21 * HOUR,
    });
    expect(report.timeToVianetResponse.bySeverity.minimal.count).toBe(0);
    expect(report.timeToVianetResponse.all).toMatchObject({ count: 11, maxMs: 21 * HOUR });
  });

  it("when first answers came late or not at all past the target, then each breach is listed longest first, still-waiting ones at the window's end", () => {
    const to = new Date(FROM.getTime() + 10 * HOUR);
    const report = buildReport(
      input({
        to,
        escalations: [
          forwarded({ id: "critical-on-time", severity: "critical", vianetRespondedAt: at(120) }),
          forwarded({ id: "critical-late", severity: "critical", vianetRespondedAt: at(121) }),
          // Still `forwarded` at `to`, nothing from 21Vianet: waited 10 h, past 4 h.
          forwarded({ id: "moderate-waiting", severity: "moderate" }),
          // Forwarded long before the window and never answered: still counted, from its forwarding.
          forwarded({
            id: "minimal-waiting-for-days",
            severity: "minimal",
            submittedAt: at(-3 * 24 * 60),
            forwardedAt: at(-2 * 24 * 60),
          }),
          // Waiting, but within its 8 h target at `to`: no breach.
          forwarded({ id: "minimal-within-target", severity: "minimal", forwardedAt: at(4 * 60) }),
          // Answered only after `to`: at `to` it was still waiting.
          forwarded({
            id: "critical-answered-after-to",
            severity: "critical",
            forwardedAt: at(6 * 60),
            vianetRespondedAt: at(11 * 60),
          }),
        ],
      }),
    );
    expect(report.targets.vianetResponse.bySeverity).toEqual({
      critical: { targetMs: 2 * HOUR, responded: 2, met: 1, breached: 2, stillWaiting: 1 },
      moderate: { targetMs: 4 * HOUR, responded: 0, met: 0, breached: 1, stillWaiting: 1 },
      minimal: { targetMs: 8 * HOUR, responded: 0, met: 0, breached: 1, stillWaiting: 1 },
    });
    expect(report.targets.vianetResponse.breaches).toEqual([
      {
        id: "minimal-waiting-for-days",
        severity: "minimal",
        waitedMs: 58 * HOUR,
        targetMs: 8 * HOUR,
        state: "still-waiting",
      },
      { id: "moderate-waiting", severity: "moderate", waitedMs: 10 * HOUR, targetMs: 4 * HOUR, state: "still-waiting" },
      {
        id: "critical-answered-after-to",
        severity: "critical",
        waitedMs: 4 * HOUR,
        targetMs: 2 * HOUR,
        state: "still-waiting",
      },
      { id: "critical-late", severity: "critical", waitedMs: 121 * MIN, targetMs: 2 * HOUR, state: "responded-late" },
    ]);
  });

  it("when escalations were never forwarded, then they count for no response, close or response breach", () => {
    const report = buildReport(
      input({
        escalations: [
          fact({ id: "queued-for-days", severity: "critical", status: "queued", submittedAt: at(-3 * 24 * 60) }),
          fact({ id: "awaiting-portal", severity: "critical", status: "awaiting_portal", submittedAt: at(-24 * 60) }),
          fact({ id: "refused", severity: "critical", status: "rejected", rejectedAt: at(1), vianetCode: "900127" }),
          // Forwarded after `to`: not with 21Vianet at the window's end.
          fact({
            id: "forwarded-after-to",
            severity: "critical",
            status: "forwarded",
            forwardedAt: new Date(TO.getTime() + MIN).toISOString(),
          }),
        ],
      }),
    );
    expect(report.timeToVianetResponse.all.count).toBe(0);
    expect(report.timeToClose.all.count).toBe(0);
    expect(report.targets.vianetResponse.breaches).toEqual([]);
    expect(report.targets.vianetResponse.bySeverity.critical).toMatchObject({
      responded: 0,
      breached: 0,
      stillWaiting: 0,
    });
  });

  it("when 21Vianet waits on the partner or closed it, then it is no longer waiting for a first response", () => {
    const report = buildReport(
      input({
        escalations: [
          // Older rows without the first-response mark: their status shows 21Vianet answered.
          forwarded({ id: "attention", severity: "critical", status: "attention_needed", forwardedAt: at(-24 * 60) }),
          forwarded({
            id: "closed",
            severity: "critical",
            status: "closed",
            forwardedAt: at(-24 * 60),
            closedAt: at(60),
          }),
        ],
      }),
    );
    expect(report.targets.vianetResponse.breaches).toEqual([]);
  });

  it("when escalations were closed in the window, then forwarding to closing gives the time to close per severity", () => {
    const report = buildReport(
      input({
        escalations: [
          forwarded({
            severity: "critical",
            status: "closed",
            forwardedAt: at(-60),
            vianetRespondedAt: at(-30),
            closedAt: at(5 * 60),
          }),
          forwarded({
            severity: "critical",
            status: "closed",
            forwardedAt: at(60),
            vianetRespondedAt: at(90),
            closedAt: at(3 * 60),
          }),
          forwarded({
            severity: "minimal",
            status: "closed",
            forwardedAt: at(0),
            vianetRespondedAt: at(10),
            closedAt: at(24 * 60 - 1),
          }),
          // Closed after the window: not this window's.
          forwarded({
            severity: "moderate",
            status: "closed",
            forwardedAt: at(0),
            vianetRespondedAt: at(10),
            closedAt: TO.toISOString(),
          }),
        ],
      }),
    );
    expect(report.timeToClose.bySeverity.critical).toEqual({
      count: 2,
      p50Ms: 2 * HOUR,
      p95Ms: 6 * HOUR,
      maxMs: 6 * HOUR,
    });
    expect(report.timeToClose.bySeverity.moderate.count).toBe(0);
    expect(report.timeToClose.bySeverity.minimal).toEqual({
      count: 1,
      p50Ms: 24 * HOUR - MIN,
      p95Ms: 24 * HOUR - MIN,
      maxMs: 24 * HOUR - MIN,
    });
    expect(report.timeToClose.all.count).toBe(3);
  });

  it("when 21Vianet's answer is reported with a time before the forwarding was recorded, then it counts as an answer at once", () => {
    const report = buildReport(
      input({ escalations: [forwarded({ severity: "moderate", forwardedAt: at(30), vianetRespondedAt: at(20) })] }),
    );
    expect(report.timeToVianetResponse.bySeverity.moderate).toEqual({ count: 1, p50Ms: 0, p95Ms: 0, maxMs: 0 });
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

  it("when the partner and 21Vianet add notes after the forwarding, then 21Vianet's first note is the first response, not the partner's", async () => {
    const { escalation: queued } = await queuedEscalation();
    const forwardedEntry: HistoryEntry = {
      at: at(5),
      from: "queued",
      to: "forwarded",
      actor: "forwarder",
      detail: "sent",
    };
    let escalation: Escalation = { ...queued, status: "forwarded", history: [...queued.history, forwardedEntry] };
    const withPartnerNote = addPartnerNote(
      escalation,
      { id: "p-1", text: "More logs attached", by: "desk" },
      new Date(at(10)),
    );
    if (!withPartnerNote.ok) throw new Error(withPartnerNote.error);
    expect(vianetMilestones(withPartnerNote.escalation.history)).toEqual({ forwarded: 1 });
    const answered = recordVianetUpdate(
      withPartnerNote.escalation,
      { note: { text: "We are looking at it" }, at: new Date(at(40)), source: "email", reportedBy: "desk" },
      new Date(at(41)),
    );
    if (!answered.ok) throw new Error(answered.error);
    escalation = answered.escalation;
    expect(vianetMilestones(escalation.history)).toEqual({ forwarded: 1, firstResponse: 3 });
    expect(escalation.history[3]).toMatchObject({ at: at(40), from: "forwarded", to: "forwarded", actor: "21vianet" });
  });

  it("when an escalation was never forwarded, then it has no milestones", async () => {
    const { escalation } = await queuedEscalation();
    expect(vianetMilestones(escalation.history)).toEqual({});
  });

  it("when a window's events carry the forwarding and first response times, then the fact has them even when both fell before the window", () => {
    const event = (overrides: Partial<StatusEvent>): StatusEvent => ({
      escalationId: "esc-1",
      at: at(30),
      from: "forwarded",
      to: "attention_needed",
      submittedAt: at(-300),
      tenantId: "t-a",
      customerName: "Contoso",
      service: "office365",
      severity: "critical",
      channel: "partner-center",
      ...overrides,
    });
    const [withMarks] = factsFromEvents([
      event({ forwardedAt: at(-200), vianetRespondedAt: at(-100) }),
      event({
        at: at(60),
        from: "attention_needed",
        to: "forwarded",
        forwardedAt: at(-200),
        vianetRespondedAt: at(-100),
      }),
      event({ at: at(90), from: "forwarded", to: "closed", forwardedAt: at(-200), vianetRespondedAt: at(-100) }),
    ]);
    expect(withMarks).toMatchObject({
      status: "closed",
      forwardedAt: at(-200),
      vianetRespondedAt: at(-100),
      closedAt: at(90),
    });
    // Rows written before the marks: 21Vianet moving it back to forwarded is not its forwarding.
    const [older] = factsFromEvents([event({ at: at(60), from: "attention_needed", to: "forwarded" })]);
    expect(older?.forwardedAt).toBeUndefined();
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
      respondAfter: fc.option(fc.integer({ min: 0, max: 900 }), { nil: undefined }),
      closeAfter: fc.option(fc.integer({ min: 0, max: 2_000 }), { nil: undefined }),
      severity: fc.constantFrom("critical", "moderate", "minimal" as const),
      status: fc.constantFrom(...statuses),
      tenant: fc.constantFrom("t-a", "t-b", "t-c"),
      id: fc.uuid(),
    })
    .map(({ submitted, forwardAfter, respondAfter, closeAfter, severity, status, tenant, id }): EscalationFact => {
      const forwarded = forwardAfter === undefined ? undefined : submitted + forwardAfter;
      const responded = forwarded === undefined || respondAfter === undefined ? undefined : forwarded + respondAfter;
      const closed = responded === undefined || closeAfter === undefined ? undefined : responded + closeAfter;
      return {
        id,
        tenantId: tenant,
        customerName: tenant,
        service: "office365",
        severity,
        status,
        submittedAt: at(submitted),
        ...(forwarded === undefined ? {} : { forwardedAt: at(forwarded) }),
        ...(responded === undefined ? {} : { vianetRespondedAt: at(responded) }),
        ...(closed === undefined ? {} : { closedAt: at(closed) }),
      };
    });

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
        const respondedLate = report.targets.vianetResponse.breaches.filter((b) => b.state === "responded-late");
        const response = Object.values(report.targets.vianetResponse.bySeverity);
        expect(response.reduce((sum, target) => sum + target.met, 0) + respondedLate.length).toBe(
          report.timeToVianetResponse.all.count,
        );
        expect(response.reduce((sum, target) => sum + target.breached, 0)).toBe(
          report.targets.vianetResponse.breaches.length,
        );
        for (const target of response) expect(target.stillWaiting).toBeLessThanOrEqual(target.breached);
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
