// GET /api/metrics?window=24h and GET /api/metrics.csv: the latest stored report of a window, or
// with `fresh=true` one computed now. Metrics cover every customer, so only a caller for all
// tenants may read them.
import type { HttpRequest, HttpResponseInit, InvocationContext } from "@azure/functions";
import type { CallerConfig } from "../escalations/callers.js";
import { toInvalidParams } from "../escalations/submit-escalation.js";
import { toProblemResponse } from "../http/problem.js";
import type { MetricsReport } from "../metrics/report.js";
import { reportToCsv } from "../metrics/report-csv.js";
import { MetricsQuery } from "../metrics/report-schema.js";
import { metricsView } from "../metrics/report-payloads.js";
import type { ReportWindow } from "../metrics/windows.js";
import { callerOfRequest, unknownCallerResponse } from "./request-caller.js";

export interface MetricsHandlerDependencies {
  callers: readonly CallerConfig[];
  latest(window: ReportWindow): Promise<{ generatedAt: string; report: MetricsReport } | undefined>;
  computeNow(window: ReportWindow): Promise<{ generatedAt: string; report: MetricsReport }>;
}

export function makeMetricsHandler(deps: MetricsHandlerDependencies, format: "json" | "csv") {
  return async (request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> => {
    const caller = callerOfRequest(request, deps.callers);
    if (caller === undefined) return unknownCallerResponse();
    if (caller.tenants !== "all") {
      return toProblemResponse({ status: 403, type: "metrics-need-all-tenants", title: "Metrics cover every customer", detail: "This key is limited to some customers; metrics are for keys that may see all of them." });
    }
    const query = Object.fromEntries([...request.query.entries()].filter(([name]) => name !== "code"));
    const parsed = MetricsQuery.safeParse(query);
    if (!parsed.success) return toProblemResponse({ status: 400, type: "invalid-query", title: "The query is not valid", invalidParams: toInvalidParams(parsed.error.issues) });
    const { window, fresh } = parsed.data;
    const stored = fresh === "true" ? undefined : await deps.latest(window);
    const result = stored ?? (await deps.computeNow(window));
    context.log("metrics served", { window, computed: stored === undefined, callerId: caller.id });
    const headers = { "cache-control": "no-store", "x-report-generated-at": result.generatedAt };
    if (format === "csv") {
      return { status: 200, headers: { ...headers, "content-type": "text/csv; charset=utf-8", "content-disposition": `attachment; filename="escalation-metrics-${window}.csv"` }, body: reportToCsv(result.report) };
    }
    return { status: 200, headers, jsonBody: metricsView({ window, ...result }) };
  };
}
