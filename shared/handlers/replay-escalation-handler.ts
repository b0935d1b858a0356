// POST /api/escalations/{id}/retry: an operator (a caller for all tenants) replays a failed
// escalation. 202 with the escalation back in queued; 409 naming the status when it is not
// failed, or when its personal data was erased (nothing is left to forward); 403 for a key
// limited to some customers; 404 as GET answers it.
import type { HttpRequest, HttpResponseInit, InvocationContext } from "@azure/functions";
import type { CallerConfig } from "../domain/escalations/callers.js";
import { callerMayActFor } from "../domain/escalations/submit-escalation.js";
import { replayFailed, type ReplayDependencies } from "../domain/forwarding/replay.js";
import { problemResponse } from "../http/problem.js";
import { toEscalationView } from "./get-escalation-handler.js";
import { callerAndEscalationId, escalationNotFoundResponse } from "./request-caller.js";

export interface ReplayHandlerDependencies extends ReplayDependencies {
  callers: readonly CallerConfig[];
}

export function makeReplayEscalationHandler(deps: ReplayHandlerDependencies) {
  return async (request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> => {
    const target = callerAndEscalationId(request, deps.callers);
    if (!target.ok) return target.response;
    const { caller, id } = target;
    if (caller.tenants !== "all") {
      return problemResponse("replay-needs-all-tenants", {
        detail: "This key is limited to some customers; replays are for keys that may act for all of them.",
      });
    }
    const outcome = await replayFailed(id, caller.id, deps, (escalation) =>
      callerMayActFor(caller, escalation.request.customer.tenantId),
    );
    if (outcome.ok) {
      context.warn("failed escalation replayed by an operator", { escalationId: id, callerId: caller.id });
      return {
        status: 202,
        headers: {
          "cache-control": "no-store",
          location: `/api/escalations/${encodeURIComponent(id)}`,
          etag: outcome.etag,
        },
        jsonBody: toEscalationView(outcome.escalation),
      };
    }
    if (outcome.error === "not-found") return escalationNotFoundResponse();
    if (outcome.error === "conflict") return problemResponse("concurrent-change");
    if (outcome.error === "personal-data-erased")
      return problemResponse("personal-data-erased", {
        detail:
          "The customer's personal data was erased from this escalation: there is nothing left to forward. Submit a new escalation instead.",
      });
    return problemResponse("not-failed", {
      detail: `Its status is ${outcome.status}.`,
      extensions: { escalationStatus: outcome.status },
    });
  };
}
