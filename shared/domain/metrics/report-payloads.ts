// The bodies a stored report is delivered in. `json`: Standard Webhooks' {type, timestamp, data}
// envelope around the same view GET /api/metrics answers, for Power Automate's "When an HTTP
// request is received" (its schema is MetricsView in the OpenAPI document). `teams`: a message
// with one Adaptive Card, the shape Teams incoming webhooks and Workflows accept; Teams refuses
// messages over ~28 KB, so the card carries headline figures, the five longest forward-time
// breaches and the five escalations waiting longest for 21Vianet's first response past target.
import { formatDuration } from "./format-duration.js";
import type { MetricsView } from "./report-schema.js";
import type { Durations, DurationsBySeverity } from "./report.js";
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

/** The figure over every severity, then a line for each severity that has any. */
const speedFacts = (title: string, measured: DurationsBySeverity, none: string) => [
  { title, value: measured.all.count === 0 ? none : speed(measured.all) },
  ...SEVERITIES.filter((severity) => measured.bySeverity[severity].count > 0).map((severity) => ({
    title: `  ${severity}`,
    value: speed(measured.bySeverity[severity]),
  })),
];

export function teamsPayload(stored: StoredReport): Record<string, unknown> {
  const { report } = stored;
  const { volumes, timeToForward, timeToVianetResponse, timeToClose, backlog, targets, quality } = report;
  const breached = SEVERITIES.reduce((sum, severity) => sum + targets.forward.bySeverity[severity].breached, 0);
  const responseTargets = SEVERITIES.map((severity) => targets.vianetResponse.bySeverity[severity]);
  const responseBreached = responseTargets.reduce((sum, target) => sum + target.breached, 0);
  const stillWaiting = targets.vianetResponse.breaches.filter((breach) => breach.state === "still-waiting");
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
    ...speedFacts("Time to forward", timeToForward, "nothing forwarded"),
    { title: "Forward-time breaches", value: String(breached) },
    {
      title: "Open backlog",
      value: backlog.open === 0 ? "0" : `${String(backlog.open)}, oldest ${formatDuration(backlog.oldestAgeMs)}`,
    },
    ...speedFacts("21Vianet first response", timeToVianetResponse, "none in this window"),
    ...speedFacts("Time to close", timeToClose, "none closed"),
    {
      title: "21Vianet response breaches",
      value: `${String(responseBreached)} (${String(stillWaiting.length)} still waiting)`,
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
  const waitingLongest = stillWaiting.slice(0, BREACHES_ON_CARD);
  if (waitingLongest.length > 0) {
    body.push({
      type: "TextBlock",
      weight: "Bolder",
      text: `Waiting for 21Vianet's first response past target (${String(waitingLongest.length)} of ${String(stillWaiting.length)})`,
      wrap: true,
    });
    body.push({
      type: "FactSet",
      facts: waitingLongest.map((breach) => ({
        title: breach.id,
        value: `${breach.severity}, waiting ${formatDuration(breach.waitedMs)} since forwarding (target ${formatDuration(breach.targetMs)})`,
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
