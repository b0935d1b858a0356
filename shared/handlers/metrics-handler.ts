// GET /api/metrics?window=24h and GET /api/metrics.csv: the latest stored report of a window, or
// with `fresh=true` one computed now. Metrics cover every customer, so only a caller for all
// tenants may read them.
import type { HttpRequest, HttpResponseInit, InvocationContext } from "@azure/functions";
import type { CallerConfig } from "../domain/escalations/callers.js";
import type { MetricsReport } from "../domain/metrics/report.js";
import { reportToCsv } from "../domain/metrics/report-csv.js";
import { MetricsQuery } from "../domain/metrics/report-schema.js";
import { metricsView } from "../domain/metrics/report-payloads.js";
import type { ReportWindow } from "../domain/metrics/windows.js";
import { metricsRequest } from "./request-caller.js";

export interface MetricsHandlerDependencies {
  callers: readonly CallerConfig[];
  latest(window: ReportWindow): Promise<{ generatedAt: string; report: MetricsReport } | undefined>;
  computeNow(window: ReportWindow): Promise<{ generatedAt: string; report: MetricsReport }>;
}

export function makeMetricsHandler(deps: MetricsHandlerDependencies, format: "json" | "csv") {
  return async (request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> => {
    const asked = metricsRequest(request, deps.callers, MetricsQuery);
    if (!asked.ok) return asked.response;
    const {
      caller,
      query: { window, fresh },
    } = asked;
    const stored = fresh === "true" ? undefined : await deps.latest(window);
    const result = stored ?? (await deps.computeNow(window));
    context.log("metrics served", { window, computed: stored === undefined, callerId: caller.id });
    const headers = { "cache-control": "no-store", "x-report-generated-at": result.generatedAt };
    if (format === "csv") {
      return {
        status: 200,
        headers: {
          ...headers,
          "content-type": "text/csv; charset=utf-8",
          "content-disposition": `attachment; filename="escalation-metrics-${window}.csv"`,
        },
        body: reportToCsv(result.report),
      };
    }
    return { status: 200, headers, jsonBody: metricsView({ window, ...result }) };
  };
}
