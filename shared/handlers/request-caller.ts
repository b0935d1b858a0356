// Who sent an HTTP request, by the function key it carried, and which escalation it names; the
// one answer for a key that is not a registered caller, and for an escalation it may not see.
import type { HttpRequest, HttpResponseInit } from "@azure/functions";
import type { z } from "zod";
import { identifyCaller, type CallerConfig } from "../domain/escalations/callers.js";
import { toFieldIssues } from "../domain/escalations/field-issues.js";
import type { Caller } from "../domain/escalations/submit-escalation.js";
import { problemResponse } from "../http/problem.js";

/** The function key a request carried, where the Functions host reads it. */
function presentedKey(request: HttpRequest): string | undefined {
  return request.headers.get("x-functions-key") ?? request.query.get("code") ?? undefined;
}

export function callerOfRequest(request: HttpRequest, callers: readonly CallerConfig[]): Caller | undefined {
  return identifyCaller(presentedKey(request), callers);
}

export function unknownCallerResponse(): HttpResponseInit {
  return problemResponse("unknown-caller");
}

const ESCALATION_ID = /^[A-Za-z0-9_-]{1,128}$/;

/** The one answer for an escalation a caller may not see, exactly as for one that does not exist. */
export function escalationNotFoundResponse(): HttpResponseInit {
  return problemResponse("not-found");
}

/** Who asks about which escalation (`{id}` in the route), or the answer when either is unusable. */
export function callerAndEscalationId(
  request: HttpRequest,
  callers: readonly CallerConfig[],
): { ok: true; caller: Caller; id: string } | { ok: false; response: HttpResponseInit } {
  const caller = callerOfRequest(request, callers);
  if (caller === undefined) return { ok: false, response: unknownCallerResponse() };
  const id = request.params.id ?? "";
  if (!ESCALATION_ID.test(id)) return { ok: false, response: escalationNotFoundResponse() };
  return { ok: true, caller, id };
}

/**
 * A request for metrics (the API, the CSV, the dashboard): metrics cover every customer, so only
 * a caller for all tenants may ask; its query, but the `code` key, is parsed by `schema`.
 */
export function metricsRequest<T extends z.ZodType>(
  request: HttpRequest,
  callers: readonly CallerConfig[],
  schema: T,
): { ok: true; caller: Caller; query: z.output<T> } | { ok: false; response: HttpResponseInit } {
  const caller = callerOfRequest(request, callers);
  if (caller === undefined) return { ok: false, response: unknownCallerResponse() };
  if (caller.tenants !== "all") {
    return {
      ok: false,
      response: problemResponse("metrics-need-all-tenants", {
        detail: "This key is limited to some customers; metrics are for keys that may see all of them.",
      }),
    };
  }
  const parsed = schema.safeParse(Object.fromEntries([...request.query.entries()].filter(([name]) => name !== "code")));
  if (!parsed.success)
    return {
      ok: false,
      response: problemResponse("invalid-query", { invalidParams: toFieldIssues(parsed.error.issues) }),
    };
  return { ok: true, caller, query: parsed.data };
}
