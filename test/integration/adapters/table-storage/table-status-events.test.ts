// Status events in Azurite: written by the escalation store as escalations change, read back for
// a window only, and turned into an exact report.
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { freshTable } from "./fresh-table.js";
import {
  daysOf,
  readStatusEvents,
  readWaitingForVianet,
} from "../../../../shared/adapters/table-storage/table-status-events.js";
import { TableDeadLetterLog } from "../../../../shared/adapters/table-storage/table-dead-letter-log.js";
import { TableMetricsSource } from "../../../../shared/adapters/table-storage/table-metrics-source.js";
import { computeReport } from "../../../../shared/domain/metrics/compute-report.js";
import { TableEscalationStore } from "../../../../shared/adapters/table-storage/table-escalation-store.js";
import type { Escalation, EscalationStatus } from "../../../../shared/domain/escalations/escalation.js";
import type { Severity } from "../../../../shared/domain/escalations/escalation-request.js";
import { factsFromEvents } from "../../../../shared/domain/metrics/facts.js";
import { DEFAULT_TARGETS, buildReport } from "../../../../shared/domain/metrics/report.js";
import { buildEscalationRequest } from "../../../builders/escalation-request.js";
import { addPartnerNote, recordVianetUpdate } from "../../../../shared/domain/escalations/vianet-updates.js";

const MIN = 60_000;
const DAY0 = Date.parse("2026-11-25T00:00:00.000Z");
const iso = (ms: number) => new Date(ms).toISOString();

function escalationAt(createdAt: number, severity: Severity, tenantId: string): Escalation {
  const at = iso(createdAt);
  return {
    id: `esc_${randomUUID().replaceAll("-", "")}`,
    status: "queued",
    request: buildEscalationRequest({
      severity,
      customer: { tenantId, name: `Customer ${tenantId.slice(-2)}`, domain: "c.partner.onmschina.cn" },
    }),
    callerId: "desk",
    correlationId: randomUUID(),
    createdAt: at,
    updatedAt: at,
    dispatch: "sent",
    criteria: [],
    history: [{ at, from: null, to: "queued", actor: "desk", detail: "accepted" }],
  };
}

function movedTo(
  escalation: Escalation,
  to: EscalationStatus,
  at: number,
  extra: Partial<Escalation> = {},
): Escalation {
  return {
    ...escalation,
    ...extra,
    status: to,
    updatedAt: iso(at),
    history: [...escalation.history, { at: iso(at), from: escalation.status, to, actor: "forwarder", detail: to }],
  };
}

describe("status events for metrics", () => {
  const table = freshTable("events");
  const store = new TableEscalationStore(table);
  const tenantA = "6f1e2d3c-4b5a-4978-8a6b-00000000000a";
  const tenantB = "6f1e2d3c-4b5a-4978-8a6b-00000000000b";

  async function lifecycle(
    createdAt: number,
    severity: Severity,
    tenantId: string,
    changes: [EscalationStatus, number, Partial<Escalation>?][],
  ): Promise<Escalation> {
    let escalation = escalationAt(createdAt, severity, tenantId);
    let { etag } = await store.create(escalation);
    for (const [to, at, extra] of changes) {
      escalation = movedTo(escalation, to, at, extra);
      const saved = await store.replace(escalation, etag);
      if (!saved.ok) throw new Error(saved.error);
      etag = saved.etag;
    }
    return escalation;
  }

  it("when escalations are submitted, forwarded and refused across midnight, then a window's events and report hold exactly what happened in it", async () => {
    const day1 = DAY0 + 24 * 60 * MIN;
    // Submitted the day before, forwarded 20 minutes into day 1: counts for time to forward in day 1.
    const lateEvening = await lifecycle(day1 - 10 * MIN, "critical", tenantA, [
      ["forwarded", day1 + 20 * MIN, { vianet: { channel: "partner-center", serviceRequestId: "1", status: "open" } }],
    ]);
    // Day 1: one forwarded in 5 minutes, one refused by 21Vianet, one still queued.
    const quick = await lifecycle(day1 + 60 * MIN, "moderate", tenantA, [
      ["forwarded", day1 + 65 * MIN, { vianet: { channel: "partner-center", serviceRequestId: "2", status: "open" } }],
    ]);
    await lifecycle(day1 + 120 * MIN, "minimal", tenantB, [
      ["rejected", day1 + 121 * MIN, { vianet: { channel: "partner-center", status: "rejected", code: "900127" } }],
    ]);
    await lifecycle(day1 + 23 * 60 * MIN, "moderate", tenantB, []);
    // Day 2: outside the window.
    await lifecycle(day1 + 24 * 60 * MIN, "critical", tenantA, [["forwarded", day1 + 24 * 60 * MIN + MIN]]);

    const from = new Date(day1);
    const to = new Date(day1 + 24 * 60 * MIN);
    const events = await readStatusEvents(table, from, to);
    expect(events.every((event) => Date.parse(event.at) >= day1 && Date.parse(event.at) < to.getTime())).toBe(true);
    expect(events).toHaveLength(6); // lateEvening's forwarding, quick x2, refused x2, queued x1

    const report = buildReport({
      from,
      to,
      escalations: factsFromEvents(events),
      gateDecisions: [],
      deadLetters: [],
      targets: DEFAULT_TARGETS,
      topCustomers: 5,
    });
    expect(report.volumes.submitted).toBe(3);
    expect(report.volumes.byStatus).toMatchObject({ queued: 1, forwarded: 1, rejected: 1 });
    expect(report.volumes.topCustomers).toEqual(
      [
        { tenantId: tenantA, name: "Customer 0a", count: 1 },
        { tenantId: tenantB, name: "Customer 0b", count: 2 },
      ].sort((a, b) => b.count - a.count),
    );
    expect(report.timeToForward.all).toEqual({ count: 2, p50Ms: 5 * MIN, p95Ms: 30 * MIN, maxMs: 30 * MIN });
    expect(report.timeToForward.bySeverity.critical).toEqual({
      count: 1,
      p50Ms: 30 * MIN,
      p95Ms: 30 * MIN,
      maxMs: 30 * MIN,
    });
    // The critical one waited 30 minutes for a 15-minute target.
    expect(report.targets.forward.breaches).toEqual([
      { id: lateEvening.id, severity: "critical", waitedMs: 30 * MIN, targetMs: 15 * MIN, state: "forwarded-late" },
    ]);
    expect(report.quality.vianetRejections).toEqual({ "900127": 1 });
    expect(report.volumes.byChannel).toEqual({ "partner-center": 2 });
    expect(quick.status).toBe("forwarded");
  });

  it("when the report is computed from the table, then gate decisions, dead letters and the open backlog join the window's events", async () => {
    const windowFrom = DAY0 + 10 * 24 * 60 * MIN;
    const windowTo = windowFrom + 60 * MIN;
    const waiting = await lifecycle(windowFrom - 120 * MIN, "moderate", tenantA, []); // submitted before, still queued: backlog, still waiting past 1 h
    await lifecycle(windowFrom + 5 * MIN, "critical", tenantB, [
      ["forwarded", windowFrom + 8 * MIN, { vianet: { channel: "portal", serviceRequestId: "CN-1", status: "open" } }],
    ]);
    const decision = (minutes: number, met: boolean) =>
      store.recordGateDecision({
        at: iso(windowFrom + minutes * MIN),
        callerId: "desk",
        tenantId: tenantA,
        service: "office365",
        severity: "moderate",
        met,
        escalationId: undefined,
        decisions: [{ criterion: "admin-center-attempted", met, detail: met ? "tried" : "not tried" }],
      });
    await Promise.all([decision(1, true), decision(2, false), decision(-1, false), decision(60, false)]);
    const deadLetters = new TableDeadLetterLog(table);
    const letter = (minutes: number, enqueuedDaysBefore: number, messageId: string) =>
      deadLetters.record({
        source: "dead-letter-queue",
        at: iso(windowFrom + minutes * MIN),
        messageId,
        enqueuedAt: iso(windowFrom - enqueuedDaysBefore * 24 * 60 * MIN),
        reason: "TTLExpiredException",
        description: "expired",
        body: "{}",
        outcome: "no-escalation",
      });
    await Promise.all([letter(10, 13, "old-message"), letter(20, 0, "new-message"), letter(61, 0, "after-window")]);

    const source = new TableMetricsSource({ table, store, deadLetters, messageTimeToLiveMs: 14 * 24 * 60 * MIN });
    const report = await computeReport(source, {
      from: new Date(windowFrom),
      to: new Date(windowTo),
      targets: DEFAULT_TARGETS,
      topCustomers: 5,
    });
    expect(report.volumes.submitted).toBe(1);
    expect(report.timeToForward.all).toEqual({ count: 1, p50Ms: 3 * MIN, p95Ms: 3 * MIN, maxMs: 3 * MIN });
    expect(report.volumes.byChannel).toEqual({ portal: 1 });
    expect(report.quality.gate).toEqual({
      decisions: 2,
      rejected: 1,
      rejectionRate: 0.5,
      unmetCriteria: { "admin-center-attempted": 1 },
    });
    expect(report.quality.deadLetters).toEqual({ TTLExpiredException: 2 });
    // The backlog is what is open in the whole table now, whatever else this file stored before.
    const stillQueued = (await readStatusEvents(table, new Date(DAY0), new Date(windowTo)))
      .filter((event) => event.to === "queued")
      .map((event) => event.escalationId);
    const open = [];
    for (const id of stillQueued) if ((await store.get(id))?.value.status === "queued") open.push(id);
    expect(report.backlog.open).toBe(open.length);
    expect(open).toContain(waiting.id);
    expect(report.targets.forward.breaches.map((breach) => [breach.id, breach.state])).toContainEqual([
      waiting.id,
      "still-waiting",
    ]);
  });

  it("when a window spans part of two days, then exactly those two day partitions are read", () => {
    expect(daysOf(new Date("2026-11-25T23:00:00Z"), new Date("2026-11-26T01:00:00Z"))).toEqual([
      "2026-11-25",
      "2026-11-26",
    ]);
    expect(daysOf(new Date("2026-11-25T00:00:00Z"), new Date("2026-11-26T00:00:00Z"))).toEqual(["2026-11-25"]);
    expect(daysOf(new Date("2026-11-01T12:00:00Z"), new Date("2026-12-01T00:00:00Z"))).toHaveLength(30);
  });
});

describe("21Vianet's responses for metrics", () => {
  const table = freshTable("vianet");
  const store = new TableEscalationStore(table);
  const tenant = "6f1e2d3c-4b5a-4978-8a6b-00000000000c";
  const W = DAY0 + 20 * 24 * 60 * MIN;
  const HOUR = 60 * MIN;

  /** Submitted and forwarded through the store; each later change is applied to what was saved. */
  async function forwardedAt(submittedAt: number, at: number, severity: Severity) {
    let escalation = escalationAt(submittedAt, severity, tenant);
    let { etag } = await store.create(escalation);
    const save = async (next: Escalation) => {
      const saved = await store.replace(next, etag);
      if (!saved.ok) throw new Error(saved.error);
      etag = saved.etag;
      escalation = next;
    };
    await save(
      movedTo(escalation, "forwarded", at, {
        vianet: { channel: "partner-center", serviceRequestId: "SR-1", status: "open" },
      }),
    );
    return {
      get id() {
        return escalation.id;
      },
      vianet: async (change: { status?: "attention_needed" | "forwarded" | "closed"; note?: string }, at: number) => {
        const result = recordVianetUpdate(
          escalation,
          {
            ...(change.status === undefined ? {} : { status: change.status }),
            ...(change.note === undefined ? {} : { note: { text: change.note } }),
            at: new Date(at),
            source: "partner-center",
          },
          new Date(at),
        );
        if (!result.ok) throw new Error(result.error);
        await save(result.escalation);
      },
      partnerNote: async (text: string, at: number) => {
        const result = addPartnerNote(escalation, { id: `p-${String(at)}`, text, by: "desk" }, new Date(at));
        if (!result.ok) throw new Error(result.error);
        await save(result.escalation);
      },
    };
  }

  it("when 21Vianet answers some escalations, then the table lists those still waiting and the report measures answers, breaches and closing", async () => {
    // Forwarded three days before the window, never answered: still waiting, found without reading those days.
    const forgotten = await forwardedAt(W - 3 * 24 * HOUR, W - 3 * 24 * HOUR + 5 * MIN, "critical");
    // Forwarded 9 h before the window, 21Vianet's first note 10 min into it: 9 h 10 min, past 4 h.
    const late = await forwardedAt(W - 10 * HOUR, W - 9 * HOUR, "moderate");
    await late.vianet({ note: "We are looking at it" }, W + 10 * MIN);
    // The partner's note is no answer; 21Vianet asking for information 50 min after forwarding is; then it closes.
    const answered = await forwardedAt(W - HOUR, W - 30 * MIN, "critical");
    await answered.partnerNote("Logs attached", W + 5 * MIN);
    await answered.vianet({ status: "attention_needed", note: "Which mailbox?" }, W + 20 * MIN);
    await answered.vianet({ status: "closed" }, W + 50 * MIN);
    // Forwarded in the window, not answered yet, within its 8 h target.
    const fresh = await forwardedAt(W, W + 10 * MIN, "minimal");

    expect((await readWaitingForVianet(table)).map((row) => row.escalationId)).toEqual([forgotten.id, fresh.id]);

    const source = new TableMetricsSource({
      table,
      store,
      deadLetters: new TableDeadLetterLog(table),
      messageTimeToLiveMs: 14 * 24 * 60 * MIN,
    });
    const report = await computeReport(source, {
      from: new Date(W),
      to: new Date(W + HOUR),
      targets: DEFAULT_TARGETS,
      topCustomers: 5,
    });
    expect(report.timeToVianetResponse.bySeverity.critical).toEqual({
      count: 1,
      p50Ms: 50 * MIN,
      p95Ms: 50 * MIN,
      maxMs: 50 * MIN,
    });
    expect(report.timeToVianetResponse.bySeverity.moderate).toMatchObject({ count: 1, maxMs: 9 * HOUR + 10 * MIN });
    expect(report.timeToClose.bySeverity.critical).toEqual({
      count: 1,
      p50Ms: 80 * MIN,
      p95Ms: 80 * MIN,
      maxMs: 80 * MIN,
    });
    expect(report.targets.vianetResponse.breaches).toEqual([
      {
        id: forgotten.id,
        severity: "critical",
        waitedMs: 3 * 24 * HOUR + 55 * MIN,
        targetMs: 2 * HOUR,
        state: "still-waiting",
      },
      { id: late.id, severity: "moderate", waitedMs: 9 * HOUR + 10 * MIN, targetMs: 4 * HOUR, state: "responded-late" },
    ]);
    expect(report.targets.vianetResponse.bySeverity.critical).toMatchObject({
      responded: 1,
      met: 1,
      breached: 1,
      stillWaiting: 1,
    });
  });

  it("when an escalation's rows are written again from the start, then its waiting row follows what it holds", async () => {
    const answeredLater = await forwardedAt(W + 2 * HOUR, W + 2 * HOUR + MIN, "moderate");
    expect((await readWaitingForVianet(table)).map((row) => row.escalationId)).toContain(answeredLater.id);
    await answeredLater.vianet({ status: "attention_needed" }, W + 3 * HOUR);
    const saved = await store.get(answeredLater.id);
    if (saved === undefined) throw new Error("gone");
    await store.restoreFollowingRows(saved);
    expect((await readWaitingForVianet(table)).map((row) => row.escalationId)).not.toContain(answeredLater.id);
  });
});
