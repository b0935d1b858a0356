// The bodies a stored report is delivered in. `json`: Standard Webhooks' {type, timestamp, data}
// envelope around the same view GET /api/metrics answers, for Power Automate's "When an HTTP
// request is received" (its schema is MetricsView in the OpenAPI document). `teams`: a message
// with one Adaptive Card, the shape Teams incoming webhooks and Workflows accept; Teams refuses
// messages over ~28 KB, so the card carries headline figures and the five longest breaches only.
import { formatDuration } from "./format-duration.js";
import type { MetricsView } from "./report-schema.js";
import type { Durations } from "./report.js";
import type { StoredReport } from "./scheduled-reports.js";
import { SEVERITIES } from "./report.js";

export const REPORT_EVENT_TYPE = "escalation.metrics.report";

export function metricsView(stored: StoredReport): MetricsView {
  return {
    generatedAt: stored.generatedAt,
    ...stored.report,
    window: { name: stored.window, ...stored.report.window },
  };
}

export function jsonPayload(stored: StoredReport): { type: string; timestamp: string; data: MetricsView } {
  return { type: REPORT_EVENT_TYPE, timestamp: stored.generatedAt, data: metricsView(stored) };
}

const WINDOW_TITLES: Record<StoredReport["window"], string> = {
  "1h": "last hour",
  "24h": "last 24 hours",
  "7d": "last 7 days",
  "30d": "last 30 days",
};
const BREACHES_ON_CARD = 5;

const percent = (rate: number) => `${(rate * 100).toFixed(1)}%`;
const speed = (durations: Durations) =>
  `p50 ${formatDuration(durations.p50Ms)} · p95 ${formatDuration(durations.p95Ms)} · max ${formatDuration(durations.maxMs)}`;

export function teamsPayload(stored: StoredReport): Record<string, unknown> {
  const { report } = stored;
  const { volumes, timeToForward, backlog, targets, quality } = report;
  const breached = SEVERITIES.reduce((sum, severity) => sum + targets.forward.bySeverity[severity].breached, 0);
  const facts = [
    { title: "Submitted", value: String(volumes.submitted) },
    { title: "Forwarded", value: String(volumes.byStatus.forwarded) },
    { title: "Awaiting portal", value: String(volumes.byStatus.awaiting_portal) },
    { title: "Rejected by 21Vianet", value: String(volumes.byStatus.rejected) },
    { title: "Failed", value: String(volumes.byStatus.failed) },
    {
      title: "Refused by the criteria gate",
      value: `${String(quality.gate.rejected)} of ${String(quality.gate.decisions)} (${percent(quality.gate.rejectionRate)})`,
    },
    { title: "Time to forward", value: timeToForward.all.count === 0 ? "nothing forwarded" : speed(timeToForward.all) },
    ...SEVERITIES.filter((severity) => timeToForward.bySeverity[severity].count > 0).map((severity) => ({
      title: `  ${severity}`,
      value: speed(timeToForward.bySeverity[severity]),
    })),
    { title: "Forward-time breaches", value: String(breached) },
    {
      title: "Open backlog",
      value: backlog.open === 0 ? "0" : `${String(backlog.open)}, oldest ${formatDuration(backlog.oldestAgeMs)}`,
    },
  ];
  const longest = targets.forward.breaches.slice(0, BREACHES_ON_CARD);
  const body: Record<string, unknown>[] = [
    {
      type: "TextBlock",
      size: "Large",
      weight: "Bolder",
      text: `Escalations to 21Vianet, ${WINDOW_TITLES[stored.window]}`,
      wrap: true,
    },
    {
      type: "TextBlock",
      isSubtle: true,
      spacing: "None",
      text: `${report.window.from} – ${report.window.to} (UTC)`,
      wrap: true,
    },
    { type: "FactSet", facts },
  ];
  if (longest.length > 0) {
    body.push({
      type: "TextBlock",
      weight: "Bolder",
      text: `Longest breaches (${String(longest.length)} of ${String(targets.forward.breaches.length)})`,
      wrap: true,
    });
    body.push({
      type: "FactSet",
      facts: longest.map((breach) => ({
        title: breach.id,
        value: `${breach.severity}, waited ${formatDuration(breach.waitedMs)} (target ${formatDuration(breach.targetMs)}), ${breach.state === "still-waiting" ? "still waiting" : "forwarded late"}`,
      })),
    });
  }
  const card = {
    $schema: "http://adaptivecards.io/schemas/adaptive-card.json",
    type: "AdaptiveCard",
    version: "1.4",
    msteams: { width: "Full" },
    body,
  };
  return {
    type: "message",
    attachments: [{ contentType: "application/vnd.microsoft.card.adaptive", contentUrl: null, content: card }],
  };
}
