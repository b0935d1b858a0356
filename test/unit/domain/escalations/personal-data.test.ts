// Personal data of an escalation: what counts, when it is due for erasure, what erasing keeps and
// removes, and that erasing on request withdraws what 21Vianet has not received.
import { describe, expect, it } from "vitest";
import type { Escalation } from "../../../../shared/domain/escalations/escalation.js";
import {
  erasePersonalData,
  finalSince,
  holdsPersonalData,
  isDueForErasure,
  personalDataOf,
  type PersonalDataErasure,
} from "../../../../shared/domain/escalations/personal-data.js";
import { erasePersonalDataOf } from "../../../../shared/domain/escalations/personal-data-ports.js";
import { queuedEscalation } from "../forwarding/fakes.js";
import { InMemoryEscalationStore } from "./fakes.js";

const DAY = 24 * 60 * 60_000;
const CLOSED_AT = "2026-06-01T12:00:00.000Z";
const RETENTION = 180 * DAY;

async function closed(): Promise<Escalation> {
  const { escalation } = await queuedEscalation();
  return {
    ...escalation,
    status: "closed",
    vianet: { channel: "partner-center", serviceRequestId: "SR-9", status: "closed" },
    notes: [
      { id: "n-1", at: "2026-05-30T08:00:00.000Z", author: "21vianet", actor: "21vianet", text: "Call Li Wei back" },
    ],
    history: [
      ...escalation.history,
      { at: "2026-05-20T08:00:00.000Z", from: "queued", to: "forwarded", actor: "system", detail: "forwarded" },
      { at: CLOSED_AT, from: "forwarded", to: "closed", actor: "21vianet", detail: "closed" },
    ],
    updatedAt: "2026-06-02T00:00:00.000Z",
  };
}

const byRetention = (at: string): PersonalDataErasure => ({ at, reason: "retention", by: "data-retention" });
const byRequest = (at: string): PersonalDataErasure => ({ at, reason: "request", by: "operator" });

describe("retention", () => {
  it("counts from the entry into the final state, to the millisecond", async () => {
    const escalation = await closed();
    expect(finalSince(escalation)).toBe(CLOSED_AT);
    const due = new Date(Date.parse(CLOSED_AT) + RETENTION);
    expect(isDueForErasure(escalation, new Date(due.getTime() - 1), RETENTION)).toBe(false);
    expect(isDueForErasure(escalation, due, RETENTION)).toBe(true);
  });

  it("never makes an open escalation due, however old", async () => {
    const { escalation } = await queuedEscalation();
    expect(finalSince(escalation)).toBeUndefined();
    expect(isDueForErasure(escalation, new Date("2099-01-01T00:00:00.000Z"), RETENTION)).toBe(false);
  });

  it("counts a replayed escalation that failed again from its second failure", async () => {
    const { escalation } = await queuedEscalation();
    const failedTwice: Escalation = {
      ...escalation,
      status: "failed",
      history: [
        ...escalation.history,
        { at: "2026-01-01T00:00:00.000Z", from: "queued", to: "failed", actor: "system", detail: "failed" },
        { at: "2026-02-01T00:00:00.000Z", from: "failed", to: "queued", actor: "ops", detail: "replayed" },
        { at: "2026-03-01T00:00:00.000Z", from: "queued", to: "failed", actor: "system", detail: "failed" },
      ],
    };
    expect(finalSince(failedTwice)).toBe("2026-03-01T00:00:00.000Z");
  });
});

describe("erasePersonalData", () => {
  it("removes the contact and every free text, and keeps what metrics and an audit need", async () => {
    const escalation = await closed();
    const { escalation: erased, changed, withdrawn } = erasePersonalData(escalation, byRetention(CLOSED_AT));
    expect([changed, withdrawn]).toEqual([true, false]);
    expect(erased.request.contact).toBeUndefined();
    expect(erased.request).toMatchObject({ title: "", description: "" });
    expect(erased.request.firstLineSupport.stepsTaken).toEqual([]);
    expect(erased.notes?.map((note) => note.text)).toEqual([""]);
    for (const value of ["Li Wei", "li.wei@example.com", "+86 10 5555 0100", "deferrals", "message trace"])
      expect(JSON.stringify(erased)).not.toContain(value);
    expect(erased).toMatchObject({
      id: escalation.id,
      status: "closed",
      history: escalation.history,
      criteria: escalation.criteria,
      vianet: escalation.vianet,
      erasure: { reason: "retention", by: "data-retention", at: CLOSED_AT },
    });
    expect(erased.request.customer).toEqual(escalation.request.customer);
    expect(erased.request.partnerTicketId).toBe(escalation.request.partnerTicketId);
    expect(holdsPersonalData(erased)).toBe(false);
  });

  it("changes nothing the second time", async () => {
    const once = erasePersonalData(await closed(), byRetention(CLOSED_AT)).escalation;
    const twice = erasePersonalData(once, byRetention("2026-12-01T00:00:00.000Z"));
    expect(twice).toEqual({ escalation: once, changed: false, withdrawn: false });
  });

  it("erases a note added after an earlier erasure", async () => {
    const once = erasePersonalData(await closed(), byRetention(CLOSED_AT)).escalation;
    const noted: Escalation = {
      ...once,
      notes: [...(once.notes ?? []), { id: "n-2", at: CLOSED_AT, author: "partner", actor: "p", text: "Zhang San" }],
    };
    expect(holdsPersonalData(noted)).toBe(true);
    expect(erasePersonalData(noted, byRequest(CLOSED_AT)).escalation.notes?.map((note) => note.text)).toEqual(["", ""]);
  });

  it("on request, withdraws an escalation 21Vianet has not received: failed, with the reason in its history", async () => {
    const { escalation } = await queuedEscalation();
    const result = erasePersonalData(escalation, byRequest("2026-12-06T10:00:00.000Z"));
    expect(result.withdrawn).toBe(true);
    expect(result.escalation.status).toBe("failed");
    expect(result.escalation.history.at(-1)).toMatchObject({ from: "queued", to: "failed", actor: "operator" });
  });

  it("on request, leaves an escalation whose forwarding attempt is in flight in its status", async () => {
    const { escalation } = await queuedEscalation();
    const inFlight: Escalation = {
      ...escalation,
      forwarding: {
        channel: "partner-center",
        attempts: 1,
        firstAttemptAt: escalation.createdAt,
        openAttempt: { requestId: "r-1", startedAt: escalation.createdAt },
      },
    };
    const result = erasePersonalData(inFlight, byRequest("2026-12-06T10:00:00.000Z"));
    expect([result.withdrawn, result.escalation.status, holdsPersonalData(result.escalation)]).toEqual([
      false,
      "queued",
      false,
    ]);
  });
});

describe("personalDataOf", () => {
  it("lists every piece of personal data the escalation holds, and nothing once erased", async () => {
    const escalation = await closed();
    const data = personalDataOf(escalation);
    expect(data.contact).toEqual(escalation.request.contact);
    expect(data.notes).toEqual([
      { id: "n-1", at: "2026-05-30T08:00:00.000Z", author: "21vianet", text: "Call Li Wei back" },
    ]);
    const erased = personalDataOf(erasePersonalData(escalation, byRequest(CLOSED_AT)).escalation);
    expect(erased).toMatchObject({ title: "", description: "", firstLineSteps: [], notes: [] });
    expect(erased.contact).toBeUndefined();
    expect(erased.erasure?.reason).toBe("request");
  });
});

describe("erasePersonalDataOf", () => {
  it("writes the erased escalation once and answers unchanged the second time", async () => {
    const store = new InMemoryEscalationStore();
    const escalation = await closed();
    await store.create(escalation);
    const first = await erasePersonalDataOf(store, escalation.id, byRequest(CLOSED_AT));
    expect(first).toMatchObject({ ok: true, changed: true, withdrawn: false });
    const stored = await store.get(escalation.id);
    expect(stored?.value.request.contact).toBeUndefined();
    const second = await erasePersonalDataOf(store, escalation.id, byRequest(CLOSED_AT));
    expect(second).toMatchObject({ ok: true, changed: false });
    expect((await store.get(escalation.id))?.etag).toBe(stored?.etag);
  });

  it("erases a version the caller read already without reading it again, and reads afresh when it is stale", async () => {
    const store = new InMemoryEscalationStore();
    const escalation = await closed();
    await store.create(escalation);
    let reads = 0;
    const counting = {
      get: (id: string) => {
        reads++;
        return store.get(id);
      },
      replace: store.replace.bind(store),
    };
    const held = await store.get(escalation.id);
    if (held === undefined) throw new Error("just created");
    expect(await erasePersonalDataOf(counting, escalation.id, byRequest(CLOSED_AT), undefined, held)).toMatchObject({
      ok: true,
      changed: true,
    });
    expect(reads).toBe(0);

    const other = await closed();
    const fresh = { ...other, id: "esc-other" };
    await store.create(fresh);
    const stale = await store.get(fresh.id);
    if (stale === undefined) throw new Error("just created");
    await store.replace({ ...fresh, updatedAt: "2026-06-03T00:00:00.000Z" }, stale.etag);
    expect(await erasePersonalDataOf(counting, fresh.id, byRequest(CLOSED_AT), undefined, stale)).toMatchObject({
      ok: true,
      changed: true,
    });
    expect(reads).toBe(1);
  });

  it("leaves an escalation `mayErase` refuses untouched", async () => {
    const store = new InMemoryEscalationStore();
    const escalation = await closed();
    await store.create(escalation);
    const outcome = await erasePersonalDataOf(store, escalation.id, byRequest(CLOSED_AT), () => false);
    expect(outcome).toMatchObject({ ok: true, changed: false });
    expect((await store.get(escalation.id))?.value.request.contact).toEqual(escalation.request.contact);
  });

  it("answers not-found for an id never stored", async () => {
    expect(await erasePersonalDataOf(new InMemoryEscalationStore(), "nope", byRequest(CLOSED_AT))).toEqual({
      ok: false,
      error: "not-found",
    });
  });
});
