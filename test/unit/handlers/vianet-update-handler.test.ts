// POST /api/escalations/{id}/vianet-updates and POST /api/vianet-cases/{caseNumber}/updates: what
// 21Vianet said, recorded by a person or a flow, once per Idempotency-Key.
import functions from "@azure/functions";
import { describe, expect, it } from "vitest";
import { makeGetEscalationHandler } from "../../../shared/handlers/get-escalation-handler.js";
import {
  makeRecordVianetCaseUpdateHandler,
  makeRecordVianetUpdateHandler,
} from "../../../shared/handlers/vianet-update-handler.js";
import { EscalationView } from "../../../shared/http/api-schemas.js";
import { buildEscalationRequest } from "../../builders/escalation-request.js";
import { queuedEscalation } from "../domain/forwarding/fakes.js";
import { callers } from "./callers.js";
import { context, forwardedThroughPartnerCenter, forwardedThroughPortal, post, problemOf } from "./vianet-fixtures.js";

const { HttpRequest } = functions;
const byId = (id: string, body: unknown, options?: Parameters<typeof post>[3]) =>
  post(`escalations/${id}/vianet-updates`, { id }, body, options);
const byCase = (caseNumber: string, body: unknown, options?: Parameters<typeof post>[3]) =>
  post(`vianet-cases/${caseNumber}/updates`, { caseNumber }, body, options);
const ctx = () => context("escalations-vianet-updates-post");

async function partnerCenterCase() {
  const forwarded = await forwardedThroughPartnerCenter();
  const deps = { store: forwarded.store, idempotency: forwarded.idempotency, callers, clock: forwarded.clock };
  return {
    ...forwarded,
    byIdHandler: makeRecordVianetUpdateHandler(deps),
    byCaseHandler: makeRecordVianetCaseUpdateHandler(deps),
  };
}

describe("POST /api/escalations/{id}/vianet-updates", () => {
  it("when 21Vianet asks for information by e-mail, then 200 with the escalation attention_needed, the note, who reported it, and GET shows the same", async () => {
    const { byIdHandler, store, escalation } = await partnerCenterCase();
    const response = await byIdHandler(
      byId(escalation.id, {
        status: "attention_needed",
        note: "Please send the message trace.",
        at: "2026-11-26T07:30:00+08:00",
        source: "email",
      }),
      ctx(),
    );
    expect(response.status).toBe(200);
    const stored = await store.get(escalation.id);
    expect(response.headers).toMatchObject({
      etag: stored?.etag,
      "content-location": `/api/escalations/${escalation.id}`,
    });
    const view = EscalationView.parse(response.jsonBody);
    expect(view.status).toBe("attention_needed");
    expect(view.vianet).toMatchObject({ status: "attention_needed", lastUpdatedAt: "2026-11-25T23:30:00.000Z" });
    expect(view.notes).toEqual([
      {
        id: expect.stringMatching(/^v-/) as unknown,
        at: "2026-11-25T23:30:00.000Z",
        author: "21vianet",
        source: "email",
        text: "Please send the message trace.",
      },
    ]);
    expect(view.history.slice(-2)).toMatchObject([
      {
        from: "forwarded",
        to: "attention_needed",
        actor: "21vianet",
        detail: expect.stringContaining("contoso-desk (email)") as unknown,
      },
      { from: "attention_needed", to: "attention_needed", noteId: view.notes?.[0]?.id },
    ]);

    const got = await makeGetEscalationHandler({ store, callers })(
      new HttpRequest({
        url: `http://127.0.0.1/api/escalations/${escalation.id}`,
        method: "GET",
        headers: { "x-functions-key": "contoso-key" },
        params: { id: escalation.id },
      }),
      ctx(),
    );
    expect(got.jsonBody).toEqual(response.jsonBody);
  });

  it("when 21Vianet closes it by phone without a time, then it is closed at the request's time, and a later note is refused with 409 naming the status", async () => {
    const { byIdHandler, store, clock, escalation } = await partnerCenterCase();
    const closed = await byIdHandler(byId(escalation.id, { status: "closed", source: "phone" }), ctx());
    expect(EscalationView.parse(closed.jsonBody)).toMatchObject({
      status: "closed",
      vianet: { lastUpdatedAt: clock.now().toISOString() },
    });
    const before = await store.get(escalation.id);
    const late = await byIdHandler(byId(escalation.id, { note: "One more thing" }), ctx());
    expect(late.status).toBe(409);
    expect(problemOf(late)).toMatchObject({
      type: expect.stringContaining("escalation-closed") as unknown,
      escalationStatus: "closed",
    });
    expect(await store.get(escalation.id)).toEqual(before);
  });

  it("when the escalation is still queued, then 409 not-with-21vianet naming its status, and nothing changes", async () => {
    const { store, clock, escalation } = await queuedEscalation();
    const handler = makeRecordVianetUpdateHandler({
      store,
      idempotency: (await partnerCenterCase()).idempotency,
      callers,
      clock,
    });
    const response = await handler(byId(escalation.id, { status: "closed" }), ctx());
    expect(response.status).toBe(409);
    expect(problemOf(response)).toMatchObject({
      type: expect.stringContaining("not-with-21vianet") as unknown,
      escalationStatus: "queued",
    });
    expect((await store.get(escalation.id))?.value.status).toBe("queued");
  });

  it("when the same update is sent again with its Idempotency-Key, even later, then the same answer comes and the note is recorded once", async () => {
    const { byIdHandler, store, clock, escalation } = await partnerCenterCase();
    const body = { note: "We are looking into it", source: "email" };
    const first = await byIdHandler(byId(escalation.id, body, { idempotencyKey: "mail-1" }), ctx());
    clock.advance(60_000);
    const again = await byIdHandler(byId(escalation.id, body, { idempotencyKey: "mail-1" }), ctx());
    expect(again.status).toBe(200);
    expect(again.jsonBody).toEqual(first.jsonBody);
    expect(again.headers).toMatchObject({
      "idempotent-replayed": "true",
      etag: (await store.get(escalation.id))?.etag,
    });
    expect((await store.get(escalation.id))?.value.notes).toHaveLength(1);
  });

  it("when the first attempt's answer was lost and its claim ran out, then the retry with the key records the note once, dated as the first attempt", async () => {
    const { byIdHandler, store, clock, idempotency, escalation } = await partnerCenterCase();
    const body = { note: "Engineer assigned" };
    idempotency.failCompletions = 1;
    const sentAt = clock.now().toISOString();
    expect((await byIdHandler(byId(escalation.id, body, { idempotencyKey: "mail-2" }), ctx())).status).toBe(200);
    clock.advance(120_000);
    idempotency.abandon("contoso-desk", "mail-2");
    const retried = await byIdHandler(byId(escalation.id, body, { idempotencyKey: "mail-2" }), ctx());
    expect(retried.status).toBe(200);
    const notes = (await store.get(escalation.id))?.value.notes;
    expect(notes).toHaveLength(1);
    expect(notes?.[0]?.at).toBe(sentAt);
  });

  it("when an Idempotency-Key is reused with another body or for another escalation, then 422 naming the header and nothing changes", async () => {
    const { byIdHandler, store, escalation } = await partnerCenterCase();
    await byIdHandler(byId(escalation.id, { note: "first" }, { idempotencyKey: "k" }), ctx());
    const before = await store.get(escalation.id);
    const other = await byIdHandler(byId(escalation.id, { note: "second" }, { idempotencyKey: "k" }), ctx());
    expect(other.status).toBe(422);
    expect(problemOf(other)["invalid-params"]).toEqual([expect.objectContaining({ name: "Idempotency-Key" })]);
    expect((await byIdHandler(byId("esc-9999", { note: "first" }, { idempotencyKey: "k" }), ctx())).status).toBe(422);
    expect(await store.get(escalation.id)).toEqual(before);
    const badKey = await byIdHandler(byId(escalation.id, { note: "x" }, { idempotencyKey: "has spaces" }), ctx());
    expect(badKey.status).toBe(400);
    expect(problemOf(badKey)["invalid-params"]).toEqual([expect.objectContaining({ name: "Idempotency-Key" })]);
  });

  it.each([
    [{}, ["status"]],
    [{ source: "email" }, ["status"]],
    [{ status: "open" }, ["status"]],
    [{ status: "queued" }, ["status"]],
    [{ note: "" }, ["note"]],
    [{ note: "x".repeat(4_001) }, ["note"]],
    [{ note: "hello\u0000" }, ["note"]],
    [{ note: "ok", source: "partner-center" }, ["source"]],
    [{ note: "ok", at: "yesterday" }, ["at"]],
    [{ note: "ok", at: "2026-11-26T09:00:00Z" }, ["at"]],
    [{ note: "ok", by: "someone" }, ["by"]],
    [{ status: "later", source: "fax" }, ["status", "source"]],
  ])("when the body is %j, then 400 naming %j and nothing changes", async (body, fields) => {
    const { byIdHandler, store, escalation } = await partnerCenterCase();
    const before = await store.get(escalation.id);
    const response = await byIdHandler(byId(escalation.id, body), ctx());
    expect(response.status).toBe(400);
    const named = (problemOf(response)["invalid-params"] as { name: string }[]).map((param) => param.name);
    expect(named).toEqual(expect.arrayContaining(fields));
    expect(await store.get(escalation.id)).toEqual(before);
  });

  it("when another customer's caller, an unknown id or an unknown key asks, then 404, 404 and 401, and nothing changes", async () => {
    const { byIdHandler, store, escalation } = await partnerCenterCase();
    const before = await store.get(escalation.id);
    const body = { status: "closed" };
    expect((await byIdHandler(byId(escalation.id, body, { key: "fabrikam-key" }), ctx())).status).toBe(404);
    expect((await byIdHandler(byId("esc-none", body), ctx())).status).toBe(404);
    expect((await byIdHandler(byId(escalation.id, body, { key: "stranger" }), ctx())).status).toBe(401);
    expect(await store.get(escalation.id)).toEqual(before);
  });
});

describe("POST /api/vianet-cases/{caseNumber}/updates", () => {
  it("when the number is a Partner Center service request id, then the update is recorded on its escalation", async () => {
    const { byCaseHandler, store, escalation } = await partnerCenterCase();
    const response = await byCaseHandler(
      byCase("611260010000123", { status: "attention_needed", source: "email" }),
      ctx(),
    );
    expect(response.status).toBe(200);
    expect(EscalationView.parse(response.jsonBody)).toMatchObject({ id: escalation.id, status: "attention_needed" });
    expect((await store.get(escalation.id))?.value.status).toBe("attention_needed");
  });

  it("when the number is a case recorded from the portal, then the note is recorded on that escalation, once per Idempotency-Key", async () => {
    const { store, clock, idempotency, escalation } = await forwardedThroughPortal("2611260010000777");
    const handler = makeRecordVianetCaseUpdateHandler({ store, idempotency, callers, clock });
    const body = { note: "Please confirm the affected mailboxes", source: "email" };
    const first = await handler(byCase("2611260010000777", body, { idempotencyKey: "msg-1" }), ctx());
    const again = await handler(byCase("2611260010000777", body, { idempotencyKey: "msg-1" }), ctx());
    expect(first.status).toBe(200);
    expect(again.jsonBody).toEqual(first.jsonBody);
    expect((await store.get(escalation.id))?.value.notes).toMatchObject([
      { author: "21vianet", source: "email", text: "Please confirm the affected mailboxes" },
    ]);
  });

  it("when the number is unknown, or belongs to another customer's escalation, then 404 as for any unknown number", async () => {
    const { byCaseHandler, store, escalation } = await partnerCenterCase();
    const before = await store.get(escalation.id);
    expect((await byCaseHandler(byCase("999", { status: "closed" }), ctx())).status).toBe(404);
    const other = await byCaseHandler(byCase("611260010000123", { status: "closed" }, { key: "fabrikam-key" }), ctx());
    expect(other.status).toBe(404);
    expect(problemOf(other)).toEqual(problemOf(await byCaseHandler(byCase("999", { status: "closed" }), ctx())));
    expect((await byCaseHandler(byCase("has space", { status: "closed" }), ctx())).status).toBe(404);
    expect(await store.get(escalation.id)).toEqual(before);
  });

  it("when two of the caller's escalations carry the number, then 409 naming both, and neither changes", async () => {
    const first = await forwardedThroughPartnerCenter("SR-SHARED");
    const second = await forwardedThroughPartnerCenter("SR-SHARED", {
      store: first.store,
      clock: first.clock,
      request: buildEscalationRequest({ title: "Second one" }),
      ids: { escalationId: () => "esc-second", correlationId: () => "corr-second" },
    });
    const handler = makeRecordVianetCaseUpdateHandler({
      store: first.store,
      idempotency: first.idempotency,
      callers,
      clock: first.clock,
    });
    const response = await handler(byCase("SR-SHARED", { status: "closed" }), ctx());
    expect(response.status).toBe(409);
    expect(problemOf(response)).toMatchObject({
      type: expect.stringContaining("vianet-case-ambiguous") as unknown,
      detail: expect.stringContaining(second.escalation.id) as unknown,
    });
    expect((await first.store.get(first.escalation.id))?.value.status).toBe("forwarded");
    expect((await first.store.get(second.escalation.id))?.value.status).toBe("forwarded");
  });

  it("when the body is invalid, then 400 naming the field before any lookup", async () => {
    const { byCaseHandler } = await partnerCenterCase();
    const response = await byCaseHandler(byCase("999", { status: "open" }), ctx());
    expect(response.status).toBe(400);
    expect(problemOf(response)["invalid-params"]).toEqual([expect.objectContaining({ name: "status" })]);
  });
});
