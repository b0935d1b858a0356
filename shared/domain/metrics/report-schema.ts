// The metrics report as a zod schema, for the OpenAPI document and the webhook payload's
// contract. report.ts keeps the TypeScript types the computation uses; the compile-time checks
// at the bottom fail the build if the two drift apart.
import { z } from "zod";
import { EscalationStatus } from "../escalations/escalation.js";
import { Severity } from "../escalations/escalation-request.js";
import type { MetricsReport } from "./report.js";
import { REPORT_WINDOW_NAMES, type ReportWindow } from "./windows.js";

const milliseconds = z.number().int().min(0);
const count = z.number().int().min(0);
const counts = z.record(z.string(), count);

/** One value per severity, each named, so a flow author sees critical/moderate/minimal as fields. */
const perSeverity = <T extends z.ZodType>(value: T) => z.object({ critical: value, moderate: value, minimal: value });
const perStatus = z.object(
  Object.fromEntries(EscalationStatus.options.map((status) => [status, count])) as Record<
    EscalationStatus,
    typeof count
  >,
);

export const Durations = z.object({
  count,
  p50Ms: milliseconds.nullable(),
  p95Ms: milliseconds.nullable(),
  maxMs: milliseconds.nullable(),
});

export const Breach = z.object({
  id: z.string(),
  severity: Severity,
  waitedMs: milliseconds,
  targetMs: milliseconds,
  state: z.enum(["forwarded-late", "still-waiting"]),
});

export const VianetBreach = z.object({
  id: z.string(),
  severity: Severity,
  waitedMs: milliseconds,
  targetMs: milliseconds,
  state: z.enum(["responded-late", "still-waiting"]),
});

const DurationsBySeverity = z.object({ all: Durations, bySeverity: perSeverity(Durations) });

export const MetricsReportSchema = z.object({
  window: z.object({ from: z.iso.datetime(), to: z.iso.datetime() }),
  volumes: z.object({
    submitted: count,
    byStatus: perStatus,
    byService: counts,
    bySeverity: perSeverity(count),
    byChannel: counts,
    topCustomers: z.array(z.object({ tenantId: z.string(), name: z.string(), count })),
    gateRejected: count,
  }),
  timeToForward: DurationsBySeverity,
  timeToVianetResponse: DurationsBySeverity,
  timeToClose: DurationsBySeverity,
  backlog: z.object({
    open: count,
    byStatus: counts,
    oldestAgeMs: milliseconds.nullable(),
    oldestId: z.string().nullable(),
  }),
  targets: z.object({
    forward: z.object({
      bySeverity: perSeverity(z.object({ targetMs: milliseconds, forwarded: count, met: count, breached: count })),
      breaches: z.array(Breach),
    }),
    vianetResponse: z.object({
      bySeverity: perSeverity(
        z.object({ targetMs: milliseconds, responded: count, met: count, breached: count, stillWaiting: count }),
      ),
      breaches: z.array(VianetBreach),
    }),
  }),
  quality: z.object({
    gate: z.object({
      decisions: count,
      rejected: count,
      rejectionRate: z.number().min(0).max(1),
      unmetCriteria: counts,
    }),
    vianetRejections: counts,
    deadLetters: counts,
  }),
});

/** What GET /api/metrics answers: the report, when it was made, and the window's name. */
export const MetricsView = MetricsReportSchema.extend({
  generatedAt: z.iso.datetime(),
  window: z.object({
    name: z.enum(REPORT_WINDOW_NAMES as [ReportWindow, ...ReportWindow[]]),
    from: z.iso.datetime(),
    to: z.iso.datetime(),
  }),
});
export type MetricsView = z.infer<typeof MetricsView>;

export const MetricsQuery = z.strictObject({
  window: z.enum(REPORT_WINDOW_NAMES as [ReportWindow, ...ReportWindow[]]).default("24h"),
  fresh: z.enum(["true", "false"]).default("false"),
});

/** Both directions, so neither side can gain or lose a field unnoticed. */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type Holds<T extends true> = T;
export type SchemaMatchesReport = Holds<Same<z.infer<typeof MetricsReportSchema>, MetricsReport>>;
