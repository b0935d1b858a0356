// The dashboard page, rendered on the server from one metrics report and the hourly reports: the
// figures and lists as HTML, the chart data as JSON in a data block the page's script reads. No
// inline script or style, so the page works under a strict Content-Security-Policy.
import { formatDuration } from "../../domain/metrics/format-duration.js";
import type { DashboardChartData, DurationsChart, ReasonGroupKey, VolumesChart } from "./browser/dashboard-data.js";
import type { HourlyFigures } from "../../domain/metrics/headline-figures.js";
import {
  SEVERITIES,
  type Breach,
  type DurationsBySeverity,
  type MetricsReport,
  type SeverityTargets,
  type VianetBreach,
} from "../../domain/metrics/report.js";
import { REPORT_WINDOW_NAMES, type ReportWindow } from "../../domain/metrics/windows.js";
import { bucketFigures, bucketPlan } from "./volume-series.js";

export interface DashboardAssetUrls {
  css: string;
  chart: string;
  script: string;
}

export interface DashboardPageInput {
  window: ReportWindow;
  generatedAt: string;
  report: MetricsReport;
  /** The stored hourly reports' figures for the volumes chart (see `seriesRangeFor`). */
  hourly: readonly HourlyFigures[];
  /** The key the page was opened with in `?code=`, kept in the window links. */
  code?: string;
  assets: DashboardAssetUrls;
  /** How many breaches the list names before counting the rest. */
  breachLimit?: number;
}

const WINDOW_LABELS: Record<ReportWindow, string> = {
  "1h": "1 hour",
  "24h": "24 hours",
  "7d": "7 days",
  "30d": "30 days",
};
const SEVERITY_LABELS: Record<(typeof SEVERITIES)[number], string> = {
  critical: "Critical",
  moderate: "Moderate",
  minimal: "Minimal",
};
const CRITERION_LABELS: Record<string, string> = {
  "service-health-checked": "Service health not checked",
  "admin-center-attempted": "Admin center not tried",
  "first-line-steps-documented": "No first-line steps documented",
  "not-first-line-only": "A first-line matter",
};
const MINUTE = 60_000;

/** Text for HTML element content and quoted attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => `&#${String(character.charCodeAt(0))};`);
}

/**
 * JSON for a `<script type="application/json">` block: `<`, `>` and `&` as \u escapes, so no
 * value can close the element or open a comment, and U+2028/2029 escaped for old parsers.
 * JSON.parse of the element's text gives the value back unchanged.
 */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value).replace(
    /[<>&\u2028\u2029]/g,
    (character) => `\\u${character.charCodeAt(0).toString(16).padStart(4, "0")}`,
  );
}

const count = new Intl.NumberFormat("en-US");
const percent = new Intl.NumberFormat("en-US", { style: "percent", maximumFractionDigits: 1 });
const utcDateTime = new Intl.DateTimeFormat("en-GB", {
  timeZone: "UTC",
  day: "numeric",
  month: "short",
  hour: "2-digit",
  minute: "2-digit",
  hourCycle: "h23",
});
const utcHour = new Intl.DateTimeFormat("en-GB", {
  timeZone: "UTC",
  hour: "2-digit",
  minute: "2-digit",
  hourCycle: "h23",
});
const utcDay = new Intl.DateTimeFormat("en-GB", { timeZone: "UTC", weekday: "short", day: "numeric", month: "short" });
const sumOf = (counts: Record<string, number>) => Object.values(counts).reduce((total, value) => total + value, 0);

export function volumesChart(window: ReportWindow, to: Date, hourly: readonly HourlyFigures[]): VolumesChart {
  const { plan, hoursCovered, totals } = bucketFigures(bucketPlan(window, to), hourly);
  return {
    bucket: plan.bucket,
    starts: plan.starts.map((start) => start.toISOString()),
    labels: plan.drawnAt.map((at) => (plan.bucket === "hour" ? utcHour : utcDay).format(at)),
    spans: plan.starts.map((start) =>
      plan.bucket === "hour"
        ? `${utcHour.format(start)}-${utcHour.format(new Date(start.getTime() + plan.size))} UTC`
        : `${utcDay.format(start)} (UTC)`,
    ),
    hoursCovered,
    series: [
      { key: "submitted", label: "Submitted", values: totals.submitted },
      { key: "forwarded", label: "Forwarded", values: totals.forwarded },
      { key: "gateRejected", label: "Refused at the gate", values: totals.gateRejected },
      { key: "vianetRejected", label: "Refused by 21Vianet", values: totals.vianetRejected },
      { key: "failed", label: "Failed", values: totals.failed },
    ],
  };
}

/** Durations worth a grid line on the time axis: 0.1 s, 1 s, 10 s, 1 min, 15 min, 1 h, 4 h, 24 h, 7 d. */
const DURATION_TICKS_MS = [
  100,
  1_000,
  10_000,
  MINUTE,
  15 * MINUTE,
  60 * MINUTE,
  240 * MINUTE,
  1_440 * MINUTE,
  10_080 * MINUTE,
];

/** Per severity, in minutes (to the millisecond's neighbourhood: 0.001 min), with the targets. */
function durationsChart(
  measured: DurationsBySeverity,
  targets: SeverityTargets,
  axis: Pick<DurationsChart, "axisTitle" | "countLabel">,
): DurationsChart {
  const figures = SEVERITIES.map((severity) => measured.bySeverity[severity]);
  const minutes = (ms: number | null) => (ms === null ? null : Math.round((ms / MINUTE) * 1000) / 1000);
  const label = (ms: number | null) => (ms === null ? null : formatDuration(ms));
  const targetsMs = SEVERITIES.map((severity) => targets[severity]);
  return {
    unit: "minutes",
    ...axis,
    severities: SEVERITIES.map((severity) => SEVERITY_LABELS[severity]),
    counts: figures.map((durations) => durations.count),
    p50: figures.map((durations) => minutes(durations.p50Ms)),
    p95: figures.map((durations) => minutes(durations.p95Ms)),
    max: figures.map((durations) => minutes(durations.maxMs)),
    target: targetsMs.map((ms) => minutes(ms) ?? 0),
    labels: {
      p50: figures.map((durations) => label(durations.p50Ms)),
      p95: figures.map((durations) => label(durations.p95Ms)),
      max: figures.map((durations) => label(durations.maxMs)),
      target: targetsMs.map((ms) => formatDuration(ms)),
    },
    ticks: DURATION_TICKS_MS.map((ms) => ({ value: ms / MINUTE, label: formatDuration(ms) })),
  };
}

const targetsOf = (bySeverity: Record<(typeof SEVERITIES)[number], { targetMs: number }>): SeverityTargets => ({
  critical: bySeverity.critical.targetMs,
  moderate: bySeverity.moderate.targetMs,
  minimal: bySeverity.minimal.targetMs,
});

export function timeToForwardChart(report: MetricsReport): DurationsChart {
  return durationsChart(report.timeToForward, targetsOf(report.targets.forward.bySeverity), {
    axisTitle: "Time to forward",
    countLabel: "forwarded",
  });
}

export function vianetResponseChart(report: MetricsReport): DurationsChart {
  return durationsChart(report.timeToVianetResponse, targetsOf(report.targets.vianetResponse.bySeverity), {
    axisTitle: "First response",
    countLabel: "answered",
  });
}

interface Reason {
  group: ReasonGroupKey;
  label: string;
  count: number;
}

function reasonsOf(report: MetricsReport): Reason[] {
  const group = (key: ReasonGroupKey, counts: Record<string, number>, label: (name: string) => string): Reason[] =>
    Object.entries(counts)
      .filter(([, value]) => value > 0)
      .sort(([a, x], [b, y]) => y - x || a.localeCompare(b))
      .map(([name, value]) => ({ group: key, label: label(name), count: value }));
  return [
    ...group("gate", report.quality.gate.unmetCriteria, (name) => CRITERION_LABELS[name] ?? name),
    ...group("vianet", report.quality.vianetRejections, (code) => `21Vianet code ${code}`),
    ...group("deadLetter", report.quality.deadLetters, (reason) => reason),
  ];
}

const REASON_GROUPS: { key: ReasonGroupKey; label: string }[] = [
  { key: "gate", label: "Unmet criteria (gate)" },
  { key: "vianet", label: "Refused by 21Vianet" },
  { key: "deadLetter", label: "Dead letters" },
];

export function chartData(input: Pick<DashboardPageInput, "window" | "report" | "hourly">): DashboardChartData {
  const reasons = reasonsOf(input.report);
  return {
    volumes: volumesChart(input.window, new Date(input.report.window.to), input.hourly),
    timeToForward: timeToForwardChart(input.report),
    vianetResponse: vianetResponseChart(input.report),
    reasons: {
      labels: reasons.map((reason) => reason.label),
      groups: REASON_GROUPS.map((group) => ({
        ...group,
        values: reasons.map((reason) => (reason.group === group.key ? reason.count : null)),
      })),
    },
  };
}

interface Tile {
  key: string;
  label: string;
  /** The figure as the metrics API reports it, for machines (data-value). */
  value: number | null;
  text: string;
  sub: string;
  tone?: "good" | "warn" | "bad";
}

function tilesOf(report: MetricsReport): Tile[] {
  const all = report.timeToForward.all;
  const breaches = report.targets.forward.breaches.length;
  const gate = report.quality.gate;
  const deadLetters = sumOf(report.quality.deadLetters);
  const bySeverity = SEVERITIES.map(
    (severity) =>
      `${SEVERITY_LABELS[severity].toLowerCase()} ${count.format(report.targets.forward.bySeverity[severity].breached)}`,
  ).join(" · ");
  return [
    {
      key: "submitted",
      label: "Submitted",
      value: report.volumes.submitted,
      text: count.format(report.volumes.submitted),
      sub: `${count.format(report.volumes.byStatus.forwarded)} of them forwarded so far`,
    },
    {
      key: "forwarded",
      label: "Forwarded",
      value: all.count,
      text: count.format(all.count),
      sub: "reached 21Vianet in this window",
    },
    {
      key: "p95",
      label: "p95 forward time",
      value: all.p95Ms,
      text: formatDuration(all.p95Ms),
      sub:
        all.count === 0
          ? "nothing forwarded"
          : `median ${formatDuration(all.p50Ms)} · max ${formatDuration(all.maxMs)}`,
    },
    {
      key: "breaches",
      label: "Target breaches",
      value: breaches,
      text: count.format(breaches),
      sub: bySeverity,
      tone: breaches > 0 ? "bad" : "good",
    },
    {
      key: "backlog",
      label: "Open backlog",
      value: report.backlog.open,
      text: count.format(report.backlog.open),
      sub:
        report.backlog.oldestAgeMs === null
          ? "nothing waiting"
          : `oldest waiting ${formatDuration(report.backlog.oldestAgeMs)}`,
      ...(report.backlog.open > 0 ? { tone: "warn" as const } : {}),
    },
    {
      key: "gateRejectionRate",
      label: "Gate rejection rate",
      value: gate.rejectionRate,
      text: percent.format(gate.rejectionRate),
      sub: `${count.format(gate.rejected)} of ${count.format(gate.decisions)} submissions refused`,
    },
    {
      key: "failed",
      label: "Failed",
      value: report.volumes.byStatus.failed,
      text: count.format(report.volumes.byStatus.failed),
      sub: `${count.format(deadLetters)} dead ${deadLetters === 1 ? "letter" : "letters"}`,
      ...(report.volumes.byStatus.failed > 0 ? { tone: "bad" as const } : {}),
    },
  ];
}

function renderTile(tile: Tile): string {
  const tone = tile.tone === undefined ? "" : ` tile-${tile.tone}`;
  return `<div class="tile${tone}" data-tile="${tile.key}" data-value="${tile.value === null ? "" : String(tile.value)}"><span class="tile-label">${escapeHtml(tile.label)}</span><span class="tile-value">${escapeHtml(tile.text)}</span><span class="tile-sub">${escapeHtml(tile.sub)}</span></div>`;
}

function windowLinks(current: ReportWindow, code: string | undefined): string {
  const links = REPORT_WINDOW_NAMES.map((window) => {
    const href = `?window=${window}${code === undefined ? "" : `&code=${encodeURIComponent(code)}`}`;
    return window === current
      ? `<a class="window-link" aria-current="page" href="${escapeHtml(href)}">${WINDOW_LABELS[window]}</a>`
      : `<a class="window-link" href="${escapeHtml(href)}">${WINDOW_LABELS[window]}</a>`;
  });
  return `<nav class="windows" aria-label="Report window">${links.join("")}</nav>`;
}

function breachesSection(breaches: readonly Breach[], limit: number): string {
  if (breaches.length === 0)
    return `<p class="empty" data-empty="breaches">No breaches: everything was forwarded within its target.</p>`;
  const shown = breaches.slice(0, limit);
  const rows = shown
    .map(
      (breach) =>
        `<tr><td class="id"><code>${escapeHtml(breach.id)}</code><span class="state state-${breach.state}">${breach.state === "still-waiting" ? "still waiting" : "forwarded late"}</span></td><td><span class="sev sev-${escapeHtml(breach.severity)}">${escapeHtml(SEVERITY_LABELS[breach.severity])}</span></td><td class="num"><strong>${escapeHtml(formatDuration(breach.waitedMs))}</strong> <span class="of">of ${escapeHtml(formatDuration(breach.targetMs))}</span></td></tr>`,
    )
    .join("");
  const rest = breaches.length - shown.length;
  const more = rest > 0 ? `<p class="more" data-more="${String(rest)}">and ${count.format(rest)} more</p>` : "";
  return `<div class="table-wrap"><table class="breaches"><thead><tr><th scope="col">Escalation</th><th scope="col">Severity</th><th scope="col" class="num">Waited of target</th></tr></thead><tbody>${rows}</tbody></table></div>${more}`;
}

function timeToForwardSection(report: MetricsReport, chart: DurationsChart): string {
  if (report.timeToForward.all.count === 0)
    return `<p class="empty" data-empty="time-to-forward">No escalations forwarded in this window.</p>`;
  const rows = SEVERITIES.map((severity) => {
    const durations = report.timeToForward.bySeverity[severity];
    const target = report.targets.forward.bySeverity[severity];
    return `<tr><th scope="row"><span class="sev sev-${severity}">${SEVERITY_LABELS[severity]}</span></th><td class="num wide-only">${count.format(durations.count)}</td><td class="num">${formatDuration(durations.p50Ms)}</td><td class="num">${formatDuration(durations.p95Ms)}</td><td class="num">${formatDuration(durations.maxMs)}</td><td class="num">${formatDuration(target.targetMs)}</td><td class="num wide-only">${count.format(target.breached)}</td></tr>`;
  }).join("");
  return `<div class="chart chart-medium"><canvas id="chart-time-to-forward" role="img" aria-label="Time to forward by severity, in ${chart.unit}: median, 95th percentile and maximum against the target"></canvas></div><div class="table-wrap"><table class="figures"><thead><tr><th scope="col">Severity</th><th scope="col" class="num wide-only">Forwarded</th><th scope="col" class="num">p50</th><th scope="col" class="num">p95</th><th scope="col" class="num">Max</th><th scope="col" class="num">Target</th><th scope="col" class="num wide-only">Breached</th></tr></thead><tbody>${rows}</tbody></table></div>`;
}

const VIANET_STATES: Record<VianetBreach["state"], string> = {
  "responded-late": "answered late",
  "still-waiting": "still waiting",
};

/**
 * 21Vianet's side: first responses in the window against their targets (chart and table), the
 * time to close, and the escalations answered late or still waiting past their target.
 */
function vianetResponseSection(report: MetricsReport, chart: DurationsChart, limit: number): string {
  const { timeToVianetResponse: response, timeToClose: close } = report;
  const { bySeverity, breaches } = report.targets.vianetResponse;
  if (response.all.count === 0 && close.all.count === 0 && breaches.length === 0)
    return `<p class="empty" data-empty="vianet-response">No first response or closing from 21Vianet in this window, and nothing waiting past its target.</p>`;
  const drawn =
    response.all.count === 0
      ? `<p class="empty" data-empty="vianet-first-response">No first response from 21Vianet in this window.</p>`
      : `<div class="chart chart-medium"><canvas id="chart-vianet-response" role="img" aria-label="Time to 21Vianet's first response by severity, in ${chart.unit}: median, 95th percentile and maximum against the target"></canvas></div>`;
  const responseRows = SEVERITIES.map((severity) => {
    const durations = response.bySeverity[severity];
    const target = bySeverity[severity];
    return `<tr data-severity="${severity}" data-responded="${String(durations.count)}" data-still-waiting="${String(target.stillWaiting)}"><th scope="row"><span class="sev sev-${severity}">${SEVERITY_LABELS[severity]}</span></th><td class="num wide-only">${count.format(durations.count)}</td><td class="num">${formatDuration(durations.p50Ms)}</td><td class="num">${formatDuration(durations.p95Ms)}</td><td class="num">${formatDuration(durations.maxMs)}</td><td class="num">${formatDuration(target.targetMs)}</td><td class="num">${count.format(target.stillWaiting)}</td></tr>`;
  }).join("");
  const closeRows = SEVERITIES.map((severity) => {
    const durations = close.bySeverity[severity];
    return `<tr data-severity="${severity}" data-closed="${String(durations.count)}"><th scope="row"><span class="sev sev-${severity}">${SEVERITY_LABELS[severity]}</span></th><td class="num">${count.format(durations.count)}</td><td class="num">${formatDuration(durations.p50Ms)}</td><td class="num">${formatDuration(durations.p95Ms)}</td><td class="num">${formatDuration(durations.maxMs)}</td></tr>`;
  }).join("");
  const shown = breaches.slice(0, limit);
  const rest = breaches.length - shown.length;
  const breachList =
    breaches.length === 0
      ? `<p class="empty" data-empty="vianet-breaches">Every first response came within its target, and nothing waits past it.</p>`
      : `<div class="table-wrap"><table class="breaches vianet-breaches"><thead><tr><th scope="col">Escalation</th><th scope="col">Severity</th><th scope="col" class="num">Waited of target</th></tr></thead><tbody>${shown
          .map(
            (breach) =>
              `<tr data-state="${breach.state}"><td class="id"><code>${escapeHtml(breach.id)}</code><span class="state state-${breach.state}">${VIANET_STATES[breach.state]}</span></td><td><span class="sev sev-${escapeHtml(breach.severity)}">${escapeHtml(SEVERITY_LABELS[breach.severity])}</span></td><td class="num"><strong>${escapeHtml(formatDuration(breach.waitedMs))}</strong> <span class="of">of ${escapeHtml(formatDuration(breach.targetMs))}</span></td></tr>`,
          )
          .join(
            "",
          )}</tbody></table></div>${rest > 0 ? `<p class="more" data-more="${String(rest)}">and ${count.format(rest)} more</p>` : ""}`;
  return `${drawn}<div class="table-wrap"><table class="figures vianet-first-response"><thead><tr><th scope="col">Severity</th><th scope="col" class="num wide-only">Answered</th><th scope="col" class="num">p50</th><th scope="col" class="num">p95</th><th scope="col" class="num">Max</th><th scope="col" class="num">Target</th><th scope="col" class="num">Waiting past it</th></tr></thead><tbody>${responseRows}</tbody></table></div><h3>Time to close</h3><div class="table-wrap"><table class="figures vianet-close"><thead><tr><th scope="col">Severity</th><th scope="col" class="num">Closed</th><th scope="col" class="num">p50</th><th scope="col" class="num">p95</th><th scope="col" class="num">Max</th></tr></thead><tbody>${closeRows}</tbody></table></div><h3>Late or still waiting <span class="count">${count.format(breaches.length)}</span></h3>${breachList}`;
}

function reasonsSection(report: MetricsReport): string {
  const reasons = reasonsOf(report);
  if (reasons.length === 0)
    return `<p class="empty" data-empty="reasons">No rejections, refusals or dead letters in this window.</p>`;
  const lists = REASON_GROUPS.map((group) => {
    const items = reasons.filter((reason) => reason.group === group.key);
    if (items.length === 0) return "";
    return `<h3>${escapeHtml(group.label)}</h3><ul class="counts">${items.map((item) => `<li><span>${escapeHtml(item.label)}</span><span class="num">${count.format(item.count)}</span></li>`).join("")}</ul>`;
  }).join("");
  return `<div class="chart chart-reasons" data-rows="${String(reasons.length)}"><canvas id="chart-reasons" role="img" aria-label="Rejection reasons and how often each occurred"></canvas></div><details><summary>As a list</summary>${lists}</details>`;
}

function customersSection(report: MetricsReport): string {
  const customers = report.volumes.topCustomers;
  if (customers.length === 0) return `<p class="empty">No customer escalated in this window.</p>`;
  return `<ul class="counts customers">${customers.map((customer) => `<li><span title="${escapeHtml(customer.tenantId)}">${escapeHtml(customer.name)}</span><span class="num">${count.format(customer.count)}</span></li>`).join("")}</ul>`;
}

function volumesNote(chart: VolumesChart): string {
  const covered = chart.hoursCovered.reduce((total, hours) => total + hours, 0);
  const span =
    chart.bucket === "hour"
      ? "Hourly, the last 24 hours, each hour shown where it ends"
      : `Daily, the last ${String(chart.starts.length)} days`;
  const source =
    covered === 0
      ? "No hourly reports are stored for this range yet: the metrics timer stores one every hour."
      : `From ${count.format(covered)} hourly ${covered === 1 ? "report" : "reports"}; hours without a report are gaps.`;
  return `<p class="note">${span} (UTC). ${source}</p>`;
}

/** The whole page. Every value from the report or the request is escaped. */
export function renderDashboardPage(input: DashboardPageInput): string {
  const { report, window } = input;
  const charts = chartData(input);
  const from = new Date(report.window.from);
  const to = new Date(report.window.to);
  const quiet =
    report.volumes.submitted === 0 &&
    report.quality.gate.decisions === 0 &&
    report.timeToForward.all.count === 0 &&
    report.backlog.open === 0 &&
    report.timeToVianetResponse.all.count === 0 &&
    report.timeToClose.all.count === 0 &&
    report.targets.vianetResponse.breaches.length === 0;
  const empty = quiet ? `<p class="empty-banner" data-empty="window">No escalations in this window.</p>` : "";
  const breachCount = report.targets.forward.breaches.length;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>Escalations · last ${WINDOW_LABELS[window]}</title>
<link rel="stylesheet" href="${escapeHtml(input.assets.css)}">
<script defer src="${escapeHtml(input.assets.chart)}"></script>
<script type="module" src="${escapeHtml(input.assets.script)}"></script>
</head>
<body>
<header class="top">
<div class="title"><h1>Escalations to 21Vianet</h1><p class="meta">Last ${WINDOW_LABELS[window]}: ${escapeHtml(utcDateTime.format(from))} to ${escapeHtml(utcDateTime.format(to))} UTC · report of ${escapeHtml(utcDateTime.format(new Date(input.generatedAt)))} UTC</p></div>
${windowLinks(window, input.code)}
</header>
<main>
${empty}<section class="tiles" aria-label="Headline figures">${tilesOf(report).map(renderTile).join("")}</section>
<section class="panel panel-wide" id="volumes"><h2>Volumes over time</h2>${volumesNote(charts.volumes)}<div class="chart chart-tall"><canvas id="chart-volumes" role="img" aria-label="Escalations submitted, forwarded, refused and failed over time"></canvas></div></section>
<section class="panel" id="time-to-forward"><h2>Time to forward by severity</h2><p class="note">Submission to forwarding, on a log scale so seconds and hours both show; the red marks are the targets.</p>${timeToForwardSection(report, charts.timeToForward)}</section>
<section class="panel" id="vianet-response"><h2>21Vianet's response by severity</h2><p class="note">Forwarding to 21Vianet's first note or status change, for first responses in this window, and to closing; the red marks are the first-response targets. Still waiting: forwarded, no answer yet at the window's end, past the target.</p>${vianetResponseSection(report, charts.vianetResponse, input.breachLimit ?? 20)}</section>
<section class="panel" id="reasons"><h2>Rejection reasons</h2><p class="note">Why escalations were refused at the gate or by 21Vianet, or dead-lettered.</p>${reasonsSection(report)}</section>
<section class="panel" id="breaches"><h2>Target breaches <span class="count">${count.format(breachCount)}</span></h2><p class="note">Forwarded later than their target, or still waiting past it; longest wait first.</p>${breachesSection(report.targets.forward.breaches, input.breachLimit ?? 20)}</section>
<section class="panel" id="customers"><h2>Top customers</h2><p class="note">Escalations submitted in this window.</p>${customersSection(report)}</section>
</main>
<script type="application/json" id="dashboard-data">${jsonForScript(charts)}</script>
</body>
</html>
`;
}
