// POST /api/escalations/{id}/vianet-updates and POST /api/vianet-cases/{caseNumber}/updates: a
// person or a flow records what 21Vianet said (a status, a note, or both), by the escalation's id
// or by 21Vianet's own case number. Idempotent with an Idempotency-Key; an escalation the caller
// may not see answers exactly as one that does not exist (404).
import type { HttpRequest, HttpResponseInit, InvocationContext } from "@azure/functions";
import type { CallerConfig } from "../domain/escalations/callers.js";
import { changeEscalation, type Decision } from "../domain/escalations/change-escalation.js";
import type { Escalation } from "../domain/escalations/escalation.js";
import { toFieldIssues } from "../domain/escalations/field-issues.js";
import type { IdempotencyStore } from "../domain/escalations/idempotency.js";
import type { Clock, EscalationStore } from "../domain/escalations/ports.js";
import { callerMayActFor, type Caller } from "../domain/escalations/submit-escalation.js";
import {
  recordVianetUpdate,
  VianetUpdateBody,
  type UpdateRefusal,
  type VianetUpdate,
} from "../domain/escalations/vianet-updates.js";
import { problem, problemResponse, toProblemResponse, type Problem } from "../http/problem.js";
import { readJsonBody } from "../http/read-json-body.js";
import { answerIdempotently, idempotencyKeyOf, type ChangeAnswer } from "./idempotent-change.js";
import {
  callerAndEscalationId,
  callerOfRequest,
  escalationNotFoundResponse,
  unknownCallerResponse,
} from "./request-caller.js";

/** A note of 4,000 characters, each escaped in JSON at worst, with room for the other fields. */
const MAX_BODY_BYTES = 32 * 1024;
/** How far ahead of our clock `at` may be: a reporter's clock may run a little fast, never hours. */
const MAX_CLOCK_SKEW_MS = 5 * 60_000;
/** 21Vianet's numbers are short; anything else in the route is no number of theirs. */
const CASE_NUMBER = /^[\x21-\x7e]{1,128}$/;

export interface RecordVianetUpdateDependencies {
  store: Pick<EscalationStore, "get" | "replace">;
  idempotency: IdempotencyStore;
  callers: readonly CallerConfig[];
  clock: Clock;
}

export interface RecordVianetCaseUpdateDependencies extends RecordVianetUpdateDependencies {
  store: Pick<EscalationStore, "get" | "replace" | "findByVianetCase">;
}

/** The update's body, checked: the answer to send instead when it is not valid. */
async function readUpdate(
  request: HttpRequest,
  now: Date,
): Promise<{ ok: true; body: VianetUpdateBody; raw: unknown } | { ok: false; response: HttpResponseInit }> {
  const read = await readJsonBody(request, { maxBytes: MAX_BODY_BYTES });
  if (!read.ok) return { ok: false, response: toProblemResponse(read.problem) };
  const parsed = VianetUpdateBody.safeParse(read.value);
  if (!parsed.success)
    return {
      ok: false,
      response: problemResponse("invalid-vianet-update", { invalidParams: toFieldIssues(parsed.error.issues) }),
    };
  if (parsed.data.at !== undefined && Date.parse(parsed.data.at) > now.getTime() + MAX_CLOCK_SKEW_MS)
    return {
      ok: false,
      response: problemResponse("invalid-vianet-update", {
        invalidParams: [{ name: "at", reason: "is in the future" }],
      }),
    };
  return { ok: true, body: parsed.data, raw: read.value };
}

/** The 409 for an escalation that cannot take 21Vianet's answer (or the partner's note), naming its status. */
export function refusalProblem(error: UpdateRefusal, status: Escalation["status"], what: string): Problem {
  return error === "closed"
    ? problem("escalation-closed", {
        detail: `It is closed: it takes no ${what} any more.`,
        extensions: { escalationStatus: status },
      })
    : problem("not-with-21vianet", {
        detail: `Its status is ${status}: 21Vianet does not have it yet, so it takes no ${what}.`,
        extensions: { escalationStatus: status },
      });
}

export const NOT_FOUND_PROBLEM = problem("not-found");
export const CONCURRENT_CHANGE_PROBLEM = problem("concurrent-change", {
  title: "The escalation kept changing; try again",
});

/** Records the update on one escalation, if the caller may see it. */
async function recordOn(
  deps: RecordVianetUpdateDependencies,
  caller: Caller,
  id: string,
  update: VianetUpdate,
  check: (escalation: Escalation) => boolean,
  context: InvocationContext,
): Promise<ChangeAnswer> {
  type Outcome =
    { ok: true; escalation: Escalation } | { ok: false; error: UpdateRefusal; status: Escalation["status"] };
  const change = await changeEscalation(deps.store, id, ({ value }): Decision<Outcome> | undefined => {
    if (!callerMayActFor(caller, value.request.customer.tenantId) || !check(value)) return undefined;
    const result = recordVianetUpdate(value, update, deps.clock.now());
    if (!result.ok) return { stop: result };
    // The same answer again (a repeated report, a note already recorded): the escalation unchanged.
    if (!result.changed) return { stop: { ok: true, escalation: value } };
    return { write: result.escalation, answer: { ok: true, escalation: result.escalation } };
  });
  if (!change.ok)
    return { kind: "problem", problem: change.error === "not-found" ? NOT_FOUND_PROBLEM : CONCURRENT_CHANGE_PROBLEM };
  const { answer } = change;
  if (!answer.ok)
    return { kind: "problem", problem: refusalProblem(answer.error, answer.status, "update from 21Vianet") };
  if (change.wrote)
    context.info("21Vianet update recorded", {
      escalationId: id,
      callerId: caller.id,
      status: answer.escalation.status,
      source: update.source,
    });
  return { kind: "escalation", status: 200, escalation: answer.escalation, etag: change.etag };
}

/**
 * What the body says, as the domain's update. Without `at` the update is dated by the time the
 * first attempt reserved, so a retry after a crash records the very same note, never a second one.
 */
function toUpdate(body: VianetUpdateBody, reservedAt: string, caller: Caller): VianetUpdate {
  return {
    ...(body.status === undefined ? {} : { status: body.status }),
    ...(body.note === undefined ? {} : { note: { text: body.note } }),
    at: new Date(body.at ?? reservedAt),
    source: body.source,
    reportedBy: caller.id,
  };
}

export function makeRecordVianetUpdateHandler(deps: RecordVianetUpdateDependencies) {
  return async (request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> => {
    const target = callerAndEscalationId(request, deps.callers);
    if (!target.ok) return target.response;
    const { caller, id } = target;
    const key = idempotencyKeyOf(request.headers.get("idempotency-key"));
    if (!key.ok) return key.response;
    const now = deps.clock.now();
    const read = await readUpdate(request, now);
    if (!read.ok) return read.response;
    return answerIdempotently(
      deps,
      {
        caller,
        idempotencyKey: key.key,
        operation: "RecordVianetUpdate",
        target: id,
        body: read.raw,
        reservation: () => now.toISOString(),
        now: () => deps.clock.now(),
        context,
      },
      ({ reservation }) => recordOn(deps, caller, id, toUpdate(read.body, reservation, caller), () => true, context),
    );
  };
}

export function makeRecordVianetCaseUpdateHandler(deps: RecordVianetCaseUpdateDependencies) {
  return async (request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> => {
    const caller = callerOfRequest(request, deps.callers);
    if (caller === undefined) return unknownCallerResponse();
    const caseNumber = request.params.caseNumber ?? "";
    if (!CASE_NUMBER.test(caseNumber)) return escalationNotFoundResponse();
    const key = idempotencyKeyOf(request.headers.get("idempotency-key"));
    if (!key.ok) return key.response;
    const now = deps.clock.now();
    const read = await readUpdate(request, now);
    if (!read.ok) return read.response;
    return answerIdempotently(
      deps,
      {
        caller,
        idempotencyKey: key.key,
        operation: "RecordVianetCaseUpdate",
        target: caseNumber,
        body: read.raw,
        reservation: () => now.toISOString(),
        now: () => deps.clock.now(),
        context,
      },
      async ({ reservation }): Promise<ChangeAnswer> => {
        // Only the caller's own customers' escalations count: another's is as if it did not exist.
        const visible = (await deps.store.findByVianetCase(caseNumber)).filter((stored) =>
          callerMayActFor(caller, stored.value.request.customer.tenantId),
        );
        const [only, ...others] = visible;
        if (only === undefined) return { kind: "problem", problem: NOT_FOUND_PROBLEM };
        if (others.length > 0)
          return {
            kind: "problem",
            problem: problem("vianet-case-ambiguous", {
              detail: `Escalations ${visible.map((stored) => stored.value.id).join(", ")} have this number: record the update on one of them by its id.`,
            }),
          };
        return recordOn(
          deps,
          caller,
          only.value.id,
          toUpdate(read.body, reservation, caller),
          (escalation) => escalation.vianet?.serviceRequestId === caseNumber,
          context,
        );
      },
    );
  };
}
