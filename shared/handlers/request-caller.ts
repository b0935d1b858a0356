// Who sent an HTTP request, by the function key it carried; the one answer for a key that
// is not a registered caller.
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
