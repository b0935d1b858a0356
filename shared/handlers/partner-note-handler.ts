// POST /api/escalations/{id}/notes: the partner's note to 21Vianet, recorded in the history at once
// (202). On the Partner Center channel it waits (`delivery: "queued"`) to be sent as a note of the
// service request; on the portal channel the view's portalCase lists it for a person to add there.
// Idempotent with an Idempotency-Key: the key reserves the note's id, so a retry never adds it twice.
import { randomUUID } from "node:crypto";
import type { HttpRequest, HttpResponseInit, InvocationContext } from "@azure/functions";
import type { CallerConfig } from "../domain/escalations/callers.js";
import { changeEscalation, type Decision } from "../domain/escalations/change-escalation.js";
import type { Escalation, Note } from "../domain/escalations/escalation.js";
import { toFieldIssues } from "../domain/escalations/field-issues.js";
import type { IdempotencyStore } from "../domain/escalations/idempotency.js";
import type { Clock, EscalationStore } from "../domain/escalations/ports.js";
import { callerMayActFor } from "../domain/escalations/submit-escalation.js";
import { addPartnerNote, PartnerNoteBody, type UpdateRefusal } from "../domain/escalations/vianet-updates.js";
import { problemResponse, toProblemResponse } from "../http/problem.js";
import { readJsonBody } from "../http/read-json-body.js";
import { answerIdempotently, idempotencyKeyOf, type ChangeAnswer } from "./idempotent-change.js";
import { callerAndEscalationId } from "./request-caller.js";
import { CONCURRENT_CHANGE_PROBLEM, NOT_FOUND_PROBLEM, refusalProblem } from "./vianet-update-handler.js";

const MAX_BODY_BYTES = 32 * 1024;

/** Where a queued note goes to be sent to 21Vianet (the Partner Center channel's sender). */
export interface PartnerNoteQueue {
  /**
   * Called whenever this request finds its note queued, a retry's included: the receiver must
   * take the same note twice as once (e.g. the note id as the message id).
   */
  queueNote(escalationId: string, noteId: string): Promise<void>;
}

export interface AddPartnerNoteDependencies {
  store: Pick<EscalationStore, "get" | "replace">;
  idempotency: IdempotencyStore;
  callers: readonly CallerConfig[];
  clock: Clock;
  /** A new note id; random by default. */
  newNoteId?: () => string;
  /** Where queued notes go to be sent; until it is given, they wait in the escalation. */
  noteQueue?: PartnerNoteQueue;
}

export function makeAddPartnerNoteHandler(deps: AddPartnerNoteDependencies) {
  const newNoteId = deps.newNoteId ?? (() => `p-${randomUUID()}`);
  return async (request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> => {
    const target = callerAndEscalationId(request, deps.callers);
    if (!target.ok) return target.response;
    const { caller, id } = target;
    const key = idempotencyKeyOf(request.headers.get("idempotency-key"));
    if (!key.ok) return key.response;
    const read = await readJsonBody(request, { maxBytes: MAX_BODY_BYTES });
    if (!read.ok) return toProblemResponse(read.problem);
    const parsed = PartnerNoteBody.safeParse(read.value);
    if (!parsed.success) return problemResponse("invalid-note", { invalidParams: toFieldIssues(parsed.error.issues) });
    const { text } = parsed.data;

    return answerIdempotently(
      deps,
      {
        caller,
        idempotencyKey: key.key,
        operation: "AddPartnerNote",
        target: id,
        body: read.value,
        reservation: newNoteId,
        now: () => deps.clock.now(),
        context,
      },
      async ({ reservation: noteId }): Promise<ChangeAnswer> => {
        type Outcome =
          | { ok: true; escalation: Escalation; note: Note }
          | { ok: false; error: UpdateRefusal; status: Escalation["status"] };
        const change = await changeEscalation(deps.store, id, ({ value }): Decision<Outcome> | undefined => {
          if (!callerMayActFor(caller, value.request.customer.tenantId)) return undefined;
          // A retry with the key after the note was stored: it is there already.
          const stored = value.notes?.find((note) => note.id === noteId);
          if (stored !== undefined) return { stop: { ok: true, escalation: value, note: stored } };
          const result = addPartnerNote(value, { id: noteId, text, by: caller.id }, deps.clock.now());
          if (!result.ok) return { stop: result };
          return { write: result.escalation, answer: result };
        });
        if (!change.ok)
          return {
            kind: "problem",
            problem: change.error === "not-found" ? NOT_FOUND_PROBLEM : CONCURRENT_CHANGE_PROBLEM,
          };
        const { answer } = change;
        if (!answer.ok) return { kind: "problem", problem: refusalProblem(answer.error, answer.status, "notes") };
        if (change.wrote)
          context.info("partner note added", {
            escalationId: id,
            callerId: caller.id,
            noteId,
            delivery: answer.note.delivery,
          });
        if (answer.note.delivery === "queued") await deps.noteQueue?.queueNote(id, noteId);
        return { kind: "escalation", status: 202, escalation: answer.escalation, etag: change.etag };
      },
    );
  };
}
