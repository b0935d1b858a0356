// GET /api/escalations: by customer (optionally by status) or by status, newest first, in pages
// with a continuation token. A caller sees only the customers its key may act for.
import type { HttpRequest, HttpResponseInit, InvocationContext } from "@azure/functions";
import type { EscalationLister, EscalationListResult } from "../domain/escalations/ports.js";
import type { CallerConfig } from "../domain/escalations/callers.js";
import { callerOfRequest, unknownCallerResponse } from "./request-caller.js";
import { toFieldIssues } from "../domain/escalations/field-issues.js";
import { callerMayActFor } from "../domain/escalations/submit-escalation.js";
import { EscalationListQuery, type EscalationList } from "../http/api-schemas.js";
import { problemResponse } from "../http/problem.js";

export interface ListEscalationsDependencies {
  lister: EscalationLister;
  callers: readonly CallerConfig[];
}

const DEFAULT_PAGE_SIZE = 50;

export function makeListEscalationsHandler(deps: ListEscalationsDependencies) {
  return async (request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> => {
    const caller = callerOfRequest(request, deps.callers);
    if (caller === undefined) return unknownCallerResponse();
    const parsed = EscalationListQuery.strict().safeParse(
      Object.fromEntries([...request.query.entries()].filter(([name]) => name !== "code")),
    );
    if (!parsed.success) return problemResponse("invalid-query", { invalidParams: toFieldIssues(parsed.error.issues) });
    const query = parsed.data;
    const range = {
      pageSize: query.pageSize ?? DEFAULT_PAGE_SIZE,
      ...(query.from === undefined ? {} : { from: new Date(query.from) }),
      ...(query.to === undefined ? {} : { to: new Date(query.to) }),
      ...(query.continuationToken === undefined ? {} : { continuationToken: query.continuationToken }),
    };
    let result: EscalationListResult;
    if (query.tenantId !== undefined) {
      if (!callerMayActFor(caller, query.tenantId)) return problemResponse("not-found", { title: "No such customer" });
      result = await deps.lister.listByCustomer(query.tenantId, {
        ...range,
        ...(query.status === undefined ? {} : { status: query.status }),
      });
    } else if (query.status !== undefined) {
      // A caller limited to some customers never pages through the status list of all of them.
      result =
        caller.tenants === "all"
          ? await deps.lister.listByStatus(query.status, range)
          : await deps.lister.listForTenants(caller.tenants, { ...range, status: query.status });
    } else {
      return problemResponse("invalid-query", {
        title: "Name a customer or a status to list",
        invalidParams: [{ name: "tenantId", reason: "give tenantId, status, or both" }],
      });
    }
    if (!result.ok) {
      return problemResponse("invalid-query", {
        title: "The continuation token is not valid",
        invalidParams: [{ name: "continuationToken", reason: "not a token this list gave out" }],
      });
    }
    const { items } = result;
    context.info("escalations listed", { callerId: caller.id, count: items.length });
    const page: EscalationList = {
      items,
      ...(result.continuationToken === undefined ? {} : { continuationToken: result.continuationToken }),
    };
    return { status: 200, headers: { "cache-control": "no-store" }, jsonBody: page };
  };
}
