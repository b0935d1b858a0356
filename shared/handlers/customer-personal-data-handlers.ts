// DELETE and GET /api/customers/{tenantId}/personal-data: erasure and access on request for one
// customer's contacts. A caller for that customer or for all may ask; for any other customer the
// answer is the list route's, 404 "No such customer", whether or not it has escalations.
import type { HttpRequest, HttpResponseInit, InvocationContext } from "@azure/functions";
import type { CallerConfig } from "../domain/escalations/callers.js";
import {
  customerPersonalData,
  eraseCustomerPersonalData,
  type CustomerPersonalDataDependencies,
} from "../domain/escalations/customer-personal-data.js";
import { toFieldIssues } from "../domain/escalations/field-issues.js";
import { callerMayActFor, type Caller } from "../domain/escalations/submit-escalation.js";
import { CustomerPath, type PersonalDataErased, type PersonalDataView } from "../http/api-schemas.js";
import { BridgeError } from "../lib/errors.js";
import { problemResponse } from "../http/problem.js";
import { callerOfRequest, unknownCallerResponse } from "./request-caller.js";

export interface CustomerPersonalDataHandlerDependencies extends CustomerPersonalDataDependencies {
  callers: readonly CallerConfig[];
}

/** Who asks about which customer, or the answer when either is unusable or not the caller's. */
function callerAndCustomer(
  request: HttpRequest,
  callers: readonly CallerConfig[],
): { ok: true; caller: Caller; tenantId: string } | { ok: false; response: HttpResponseInit } {
  const caller = callerOfRequest(request, callers);
  if (caller === undefined) return { ok: false, response: unknownCallerResponse() };
  const path = CustomerPath.safeParse({ tenantId: request.params.tenantId });
  if (!path.success)
    return {
      ok: false,
      response: problemResponse("invalid-query", { invalidParams: toFieldIssues(path.error.issues) }),
    };
  const { tenantId } = path.data;
  if (!callerMayActFor(caller, tenantId))
    return { ok: false, response: problemResponse("not-found", { title: "No such customer" }) };
  return { ok: true, caller, tenantId: tenantId.toLowerCase() };
}

export function makeErasePersonalDataHandler(deps: CustomerPersonalDataHandlerDependencies) {
  return async (request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> => {
    const target = callerAndCustomer(request, deps.callers);
    if (!target.ok) return target.response;
    const { caller, tenantId } = target;
    const outcome = await eraseCustomerPersonalData(tenantId, caller.id, deps);
    // Counts and ids only: what was erased never reaches a log.
    context.info("customer personal data erased on request", { callerId: caller.id, tenantId, ...outcome.counts });
    // Rare (an escalation being forwarded at that very moment, three times over): the rest is
    // erased and audited, and the error answers 500 asking for a retry, which finishes the job.
    if (!outcome.ok)
      throw new BridgeError(
        "escalation-kept-changing",
        `escalations ${outcome.pending.join(", ")} of customer ${tenantId} kept changing while their personal data was erased; the request must be sent again`,
      );
    const body: PersonalDataErased = { tenantId, erasedAt: outcome.at, ...outcome.counts };
    return { status: 200, headers: { "cache-control": "no-store" }, jsonBody: body };
  };
}

export function makeGetPersonalDataHandler(deps: CustomerPersonalDataHandlerDependencies) {
  return async (request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> => {
    const target = callerAndCustomer(request, deps.callers);
    if (!target.ok) return target.response;
    const { caller, tenantId } = target;
    const data = await customerPersonalData(tenantId, deps);
    context.info("customer personal data read for an access request", {
      callerId: caller.id,
      tenantId,
      escalations: data.escalations.length,
    });
    const body: PersonalDataView = data;
    return { status: 200, headers: { "cache-control": "no-store" }, jsonBody: body };
  };
}
