// GET /api/dashboard?window=24h: the metrics as a page people look at. Same report and same rule
// as GET /api/metrics (the latest stored report, or one computed now; callers for all tenants
// only). A browser cannot send x-functions-key, so the key comes in `?code=` and the window links
// keep it; the data is in the page, so its script never needs the key.
import type { HttpRequest, HttpResponseInit, InvocationContext } from "@azure/functions";
import { z } from "zod";
import type { CallerConfig } from "../domain/escalations/callers.js";
import type { HourlyFigures } from "../domain/metrics/headline-figures.js";
import type { MetricsReport } from "../domain/metrics/report.js";
import { REPORT_WINDOW_NAMES, type ReportWindow } from "../domain/metrics/windows.js";
import { bucketPlan, seriesRange } from "../http/dashboard/volume-series.js";
import { renderDashboardPage, type DashboardAssetUrls } from "../http/dashboard/render-dashboard.js";
import { metricsRequest } from "./request-caller.js";

export interface DashboardHandlerDependencies {
  callers: readonly CallerConfig[];
  latest(window: ReportWindow): Promise<{ generatedAt: string; report: MetricsReport } | undefined>;
  computeNow(window: ReportWindow): Promise<{ generatedAt: string; report: MetricsReport }>;
  /** The stored hourly reports' figures ending in (after, upTo]. */
  hourlyFigures(after: Date, upTo: Date): Promise<HourlyFigures[]>;
  assets(): DashboardAssetUrls;
}

const DashboardQuery = z.strictObject({
  window: z.enum(REPORT_WINDOW_NAMES as [ReportWindow, ...ReportWindow[]]).default("24h"),
});

/** Scripts, styles and images from this app only; nothing inline, no requests, no framing. */
export const DASHBOARD_CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'none'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'";

export function makeDashboardHandler(deps: DashboardHandlerDependencies) {
  return async (request: HttpRequest, context: InvocationContext): Promise<HttpResponseInit> => {
    const asked = metricsRequest(request, deps.callers, DashboardQuery);
    if (!asked.ok) return asked.response;
    const {
      caller,
      query: { window },
    } = asked;
    const result = (await deps.latest(window)) ?? (await deps.computeNow(window));
    const to = new Date(result.report.window.to);
    const range = seriesRange(bucketPlan(window, to), to);
    const hourly = await deps.hourlyFigures(range.after, range.upTo);
    context.log("dashboard served", {
      window,
      generatedAt: result.generatedAt,
      hourlyReports: hourly.length,
      callerId: caller.id,
    });
    const code = request.headers.get("x-functions-key") === null ? (request.query.get("code") ?? undefined) : undefined;
    const html = renderDashboardPage({
      window,
      generatedAt: result.generatedAt,
      report: result.report,
      hourly,
      assets: deps.assets(),
      ...(code === undefined ? {} : { code }),
    });
    return {
      status: 200,
      headers: {
        "content-type": "text/html; charset=utf-8",
        "cache-control": "no-store",
        "content-security-policy": DASHBOARD_CSP,
        "referrer-policy": "no-referrer",
        "x-content-type-options": "nosniff",
        "x-frame-options": "DENY",
        "x-report-generated-at": result.generatedAt,
      },
      body: html,
    };
  };
}
