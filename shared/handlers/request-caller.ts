// Who sent an HTTP request, by the function key it carried, and which escalation it names; the
// one answer for a key that is not a registered caller, and for an escalation it may not see.
import type { HttpRequest, HttpResponseInit } from "@azure/functions";
import { identifyCaller, presentedKey, type CallerConfig } from "../escalations/callers.js";
import type { Caller } from "../escalations/submit-escalation.js";
import { toProblemResponse } from "../http/problem.js";

export function callerOfRequest(request: HttpRequest, callers: readonly CallerConfig[]): Caller | undefined {
  return identifyCaller(presentedKey(request.headers, request.query), callers);
}

export function unknownCallerResponse(): HttpResponseInit {
  return toProblemResponse({ status: 401, type: "unknown-caller", title: "This key is not registered as a caller" });
}

const ESCALATION_ID = /^[A-Za-z0-9_-]{1,128}$/;

/** The one answer for an escalation a caller may not see, exactly as for one that does not exist. */
export function escalationNotFoundResponse(): HttpResponseInit {
  return toProblemResponse({ status: 404, type: "not-found", title: "No such escalation" });
}

/** Who asks about which escalation (`{id}` in the route), or the answer when either is unusable. */
export function callerAndEscalationId(request: HttpRequest, callers: readonly CallerConfig[]): { ok: true; caller: Caller; id: string } | { ok: false; response: HttpResponseInit } {
  const caller = callerOfRequest(request, callers);
  if (caller === undefined) return { ok: false, response: unknownCallerResponse() };
  const id = request.params.id ?? "";
  if (!ESCALATION_ID.test(id)) return { ok: false, response: escalationNotFoundResponse() };
  return { ok: true, caller, id };
}
