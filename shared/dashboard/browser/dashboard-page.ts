// The dashboard page's script: reads the chart data the server embedded in the page and draws it
// with Chart.js (loaded before this script by its own <script> element, as the global `Chart`).
// It makes no request and needs no key.
import type { Chart as ChartClass, ChartDataset, TooltipItem } from "chart.js";
import type { DashboardChartData, ReasonGroupKey, TimeToForwardChart, VolumeSeriesKey, VolumesChart, ReasonsChart } from "./dashboard-data.js";

declare const Chart: typeof ChartClass;

const COLORS: Record<VolumeSeriesKey, string> = {
  submitted: "#2f6fb2",
  forwarded: "#1f9d6b",
  gateRejected: "#c77700",
  vianetRejected: "#8e44ad",
  failed: "#b3261e",
};
const REASON_COLORS: Record<ReasonGroupKey, string> = { gate: "#c77700", vianet: "#8e44ad", deadLetter: "#5b6675" };
const INK = "#17202c";
const MUTED = "#5b6675";
const GRID = "#e6eaef";

function readData(): DashboardChartData {
  const element = document.getElementById("dashboard-data");
  if (element?.textContent == null) throw new Error("the page has no dashboard data");
  return JSON.parse(element.textContent) as DashboardChartData;
}

function canvas(id: string): HTMLCanvasElement | undefined {
  const element = document.getElementById(id);
  return element instanceof HTMLCanvasElement ? element : undefined;
}

const whole = (value: number | string) => (typeof value === "number" && Number.isInteger(value) ? String(value) : "");

function drawVolumes(target: HTMLCanvasElement, volumes: VolumesChart): void {
  const line = new Set<VolumeSeriesKey>(["gateRejected", "vianetRejected", "failed"]);
  const datasets = volumes.series.map((series): ChartDataset<"bar" | "line", (number | null)[]> => {
    const color = COLORS[series.key];
    return line.has(series.key)
      ? { type: "line", label: series.label, data: series.values, borderColor: color, backgroundColor: color, borderWidth: 2, pointRadius: 2.5, tension: 0.25, spanGaps: false, order: 0 }
      : { type: "bar", label: series.label, data: series.values, backgroundColor: color, borderRadius: 3, maxBarThickness: 28, order: 1 };
  });
  new Chart<"bar" | "line", (number | null)[], string>(target, {
    type: "bar",
    data: { labels: volumes.labels, datasets },
    options: {
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      interaction: { mode: "index", intersect: false },
      scales: {
        x: { grid: { display: false }, ticks: { color: MUTED, autoSkip: true, maxRotation: 0 }, title: { display: true, text: volumes.bucket === "hour" ? "Hour (UTC)" : "Day (UTC)", color: MUTED } },
        y: { beginAtZero: true, grid: { color: GRID }, ticks: { color: MUTED, precision: 0, callback: whole }, title: { display: true, text: "Escalations", color: MUTED } },
      },
      plugins: {
        legend: { position: "bottom", labels: { color: INK, boxWidth: 12, boxHeight: 12, usePointStyle: true } },
        tooltip: {
          callbacks: {
            footer: (items: TooltipItem<"bar" | "line">[]) => {
              const index = items[0]?.dataIndex ?? 0;
              const hours = volumes.hoursCovered[index] ?? 0;
              return hours === 0 ? "No hourly report" : volumes.bucket === "day" ? `From ${String(hours)} of 24 hourly reports` : "";
            },
          },
        },
      },
    },
  });
}

function drawTimeToForward(target: HTMLCanvasElement, chart: TimeToForwardChart): void {
  const unit = chart.unit === "hours" ? "h" : "min";
  const bar = (label: string, data: (number | null)[], color: string): ChartDataset<"bar" | "line", (number | null)[]> => ({ type: "bar", label, data, backgroundColor: color, borderRadius: 3, maxBarThickness: 36, order: 1 });
  new Chart<"bar" | "line", (number | null)[], string>(target, {
    type: "bar",
    data: {
      labels: chart.severities,
      datasets: [
        bar("Median (p50)", chart.p50, "#9ec5ea"),
        bar("p95", chart.p95, "#2f6fb2"),
        bar("Max", chart.max, "#123a63"),
        { type: "line", label: "Target", data: chart.target, showLine: false, pointStyle: "line", pointRadius: 22, pointHoverRadius: 24, borderWidth: 3, borderColor: "#b3261e", backgroundColor: "#b3261e", order: 0 },
      ],
    },
    options: {
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      scales: {
        x: { grid: { display: false }, ticks: { color: INK } },
        y: { beginAtZero: true, grid: { color: GRID }, ticks: { color: MUTED }, title: { display: true, text: chart.unit === "hours" ? "Hours" : "Minutes", color: MUTED } },
      },
      plugins: {
        legend: { position: "bottom", labels: { color: INK, boxWidth: 12, boxHeight: 12, usePointStyle: true } },
        tooltip: {
          callbacks: {
            label: (item: TooltipItem<"bar" | "line">) => (item.raw === null ? `${item.dataset.label ?? ""}: none` : `${item.dataset.label ?? ""}: ${item.formattedValue} ${unit}`),
            footer: (items: TooltipItem<"bar" | "line">[]) => `${String(chart.counts[items[0]?.dataIndex ?? 0] ?? 0)} forwarded`,
          },
        },
      },
    },
  });
}

function drawReasons(target: HTMLCanvasElement, reasons: ReasonsChart): void {
  const box = target.parentElement;
  if (box !== null) box.style.height = `${String(90 + reasons.labels.length * 34)}px`;
  new Chart<"bar", (number | null)[], string>(target, {
    type: "bar",
    data: {
      labels: reasons.labels,
      datasets: reasons.groups.map((group) => ({ label: group.label, data: group.values, backgroundColor: REASON_COLORS[group.key], borderRadius: 3, maxBarThickness: 22 })),
    },
    options: {
      indexAxis: "y",
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      scales: {
        x: { stacked: true, beginAtZero: true, grid: { color: GRID }, ticks: { color: MUTED, precision: 0, callback: whole }, title: { display: true, text: "Occurrences", color: MUTED } },
        y: { stacked: true, grid: { display: false }, ticks: { color: INK } },
      },
      plugins: { legend: { position: "bottom", labels: { color: INK, boxWidth: 12, boxHeight: 12, usePointStyle: true } } },
    },
  });
}

function main(): void {
  Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
  Chart.defaults.font.size = 12;
  const data = readData();
  const volumes = canvas("chart-volumes");
  if (volumes !== undefined) drawVolumes(volumes, data.volumes);
  const timeToForward = canvas("chart-time-to-forward");
  if (timeToForward !== undefined) drawTimeToForward(timeToForward, data.timeToForward);
  const reasons = canvas("chart-reasons");
  if (reasons !== undefined) drawReasons(reasons, data.reasons);
  document.documentElement.dataset.charts = "ready";
}

main();
