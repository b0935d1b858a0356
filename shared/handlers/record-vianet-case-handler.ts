// POST /api/escalations/{id}/vianet-case: a person submitted an `awaiting_portal` escalation in
// Partner Center operated by 21Vianet and records the case number it got, which moves the
// escalation to `forwarded`. Same answers as GET for ids the caller may not see (404).
import { changeEscalation, type Decision } from "../domain/escalations/change-escalation.js";
import type { Escalation } from "../domain/escalations/escalation.js";
import type { HttpRequest, HttpResponseInit, InvocationContext } from "@azure/functions";
import type { CallerConfig } from "../domain/escalations/callers.js";
import type { Clock, EscalationStore } from "../domain/escalations/ports.js";
import { toFieldIssues } from "../domain/escalations/field-issues.js";
import { callerMayActFor } from "../domain/escalations/submit-escalation.js";
import { RecordVianetCase, recordPortalCase } from "../domain/forwarding/portal-channel.js";
import { problemResponse, toProblemResponse } from "../http/problem.js";
import { readJsonBody } from "../http/read-json-body.js";
import { toEscalationView } from "./get-escalation-handler.js";
import { callerAndEscalationId, escalationNotFoundResponse } from "./request-caller.js";

export interface RecordVianetCaseDependencies {
  store: Pick<EscalationStore, "get" | "replace">;
  callers: readonly CallerConfig[];
  clock: Clock;
}

export function makeRecordVianetCaseHandler(deps: RecordVianetCaseDependencies) {
  return async (request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> => {
    const target = callerAndEscalationId(request, deps.callers);
    if (!target.ok) return target.response;
    const { caller, id } = target;
    const body = await readJsonBody(request, { maxBytes: 4_096 });
    if (!body.ok) return toProblemResponse(body.problem);
    const parsed = RecordVianetCase.safeParse(body.value);
    if (!parsed.success)
      return problemResponse("invalid-vianet-case", { invalidParams: toFieldIssues(parsed.error.issues) });

    type Answer =
      { kind: "recorded"; escalation: Escalation } | { kind: "not-awaiting-portal"; status: Escalation["status"] };
    const change = await changeEscalation(deps.store, id, ({ value }): Decision<Answer> | undefined => {
      if (!callerMayActFor(caller, value.request.customer.tenantId)) return undefined;
      const result = recordPortalCase(value, parsed.data.caseNumber, caller.id, deps.clock.now());
      if (!result.ok) return { stop: { kind: "not-awaiting-portal", status: value.status } };
      // The same number again: the escalation unchanged.
      if (!result.changed) return { stop: { kind: "recorded", escalation: value } };
      return { write: result.escalation, answer: { kind: "recorded", escalation: result.escalation } };
    });
    if (!change.ok) {
      return change.error === "not-found"
        ? escalationNotFoundResponse()
        : problemResponse("concurrent-change", { title: "The escalation kept changing; try again" });
    }
    const { answer } = change;
    if (answer.kind === "not-awaiting-portal") {
      return problemResponse("not-awaiting-portal", {
        detail: `Its status is ${answer.status}; only an awaiting_portal escalation takes a case number.`,
        extensions: { escalationStatus: answer.status },
      });
    }
    if (change.wrote) context.log("21Vianet case recorded from the portal", { escalationId: id, callerId: caller.id });
    return {
      status: 200,
      headers: { "cache-control": "no-store", etag: change.etag },
      jsonBody: toEscalationView(answer.escalation),
    };
  };
}
