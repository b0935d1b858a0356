// The dashboard page's script: reads the chart data the server embedded in the page and draws it
// with Chart.js (loaded before this script by its own <script> element, as the global `Chart`).
// It makes no request and needs no key.
import type { Chart as ChartClass, ChartDataset, LegendItem, Scale, TooltipItem } from "chart.js";
import type {
  DashboardChartData,
  DurationsChart,
  ReasonGroupKey,
  VolumeSeriesKey,
  VolumesChart,
  ReasonsChart,
} from "./dashboard-data.js";

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
/** Legend entries in the order the datasets are given, whatever their drawing order. */
const byDataset = (a: LegendItem, b: LegendItem) => (a.datasetIndex ?? 0) - (b.datasetIndex ?? 0);

/** Splits a label into lines of about `width` characters, at spaces. */
function wrap(label: string, width: number): string[] {
  const lines: string[] = [];
  for (const word of label.split(" ")) {
    const last = lines.at(-1);
    if (last !== undefined && last.length + 1 + word.length <= width) lines[lines.length - 1] = `${last} ${word}`;
    else lines.push(word);
  }
  return lines;
}

function drawVolumes(target: HTMLCanvasElement, volumes: VolumesChart): void {
  const line = new Set<VolumeSeriesKey>(["gateRejected", "vianetRejected", "failed"]);
  const datasets = volumes.series.map((series): ChartDataset<"bar" | "line", (number | null)[]> => {
    const color = COLORS[series.key];
    return line.has(series.key)
      ? {
          type: "line",
          label: series.label,
          data: series.values,
          borderColor: color,
          backgroundColor: color,
          borderWidth: 2,
          pointRadius: 2.5,
          tension: 0.25,
          spanGaps: false,
          order: 0,
        }
      : {
          type: "bar",
          label: series.label,
          data: series.values,
          backgroundColor: color,
          borderRadius: 3,
          maxBarThickness: 28,
          order: 1,
        };
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
        x: {
          grid: { display: false },
          ticks: { color: MUTED, autoSkip: true, maxRotation: 0 },
          title: { display: true, text: volumes.bucket === "hour" ? "Hour ending (UTC)" : "Day (UTC)", color: MUTED },
        },
        y: {
          beginAtZero: true,
          grid: { color: GRID },
          ticks: { color: MUTED, precision: 0, callback: whole },
          title: { display: true, text: "Escalations", color: MUTED },
        },
      },
      plugins: {
        legend: {
          position: "bottom",
          labels: { color: INK, boxWidth: 12, boxHeight: 12, usePointStyle: true, sort: byDataset },
        },
        tooltip: {
          callbacks: {
            title: (items: TooltipItem<"bar" | "line">[]) => volumes.spans[items[0]?.dataIndex ?? 0] ?? "",
            footer: (items: TooltipItem<"bar" | "line">[]) => {
              const index = items[0]?.dataIndex ?? 0;
              const hours = volumes.hoursCovered[index] ?? 0;
              return hours === 0
                ? "No hourly report"
                : volumes.bucket === "day"
                  ? `From ${String(hours)} of 24 hourly reports`
                  : "";
            },
          },
        },
      },
    },
  });
}

/** Median, p95 and max per severity against the targets, on a log scale of durations. */
function drawDurations(target: HTMLCanvasElement, chart: DurationsChart): void {
  const bar = (
    label: string,
    data: (number | null)[],
    color: string,
  ): ChartDataset<"bar" | "line", (number | null)[]> => ({
    type: "bar",
    label,
    data,
    backgroundColor: color,
    borderRadius: 3,
    maxBarThickness: 36,
    order: 1,
  });
  // A log scale from the nice duration just below the quickest one, so seconds and hours both show.
  const values = [...chart.p50, ...chart.p95, ...chart.max, ...chart.target].filter(
    (value): value is number => value !== null && value > 0,
  );
  const ticks = chart.ticks.map((tick) => tick.value);
  const smallest = Math.min(...values, 1 / 60);
  const largest = Math.max(...values, 1);
  const min = [...ticks].reverse().find((tick) => tick <= smallest) ?? ticks[0] ?? 0.1 / 60;
  const max = ticks.find((tick) => tick >= largest * 1.5) ?? largest * 1.5;
  // The server formats every duration; the datasets below are in this order.
  const labelsByDataset = [chart.labels.p50, chart.labels.p95, chart.labels.max, chart.labels.target];
  new Chart<"bar" | "line", (number | null)[], string>(target, {
    type: "bar",
    data: {
      labels: chart.severities,
      datasets: [
        bar("Median (p50)", chart.p50, "#9ec5ea"),
        bar("p95", chart.p95, "#2f6fb2"),
        bar("Max", chart.max, "#123a63"),
        {
          type: "line",
          label: "Target",
          data: chart.target,
          showLine: false,
          pointStyle: "line",
          pointRadius: 22,
          pointHoverRadius: 24,
          borderWidth: 3,
          borderColor: "#b3261e",
          backgroundColor: "#b3261e",
          order: 0,
        },
      ],
    },
    options: {
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      scales: {
        x: { grid: { display: false }, ticks: { color: INK } },
        y: {
          type: "logarithmic",
          min,
          max,
          grid: { color: GRID },
          afterBuildTicks: (scale: Scale) => {
            scale.ticks = ticks.filter((tick) => tick >= min && tick <= max).map((value) => ({ value }));
          },
          ticks: {
            color: MUTED,
            callback: (value: number | string) => chart.ticks.find((tick) => tick.value === value)?.label ?? "",
          },
          title: { display: true, text: `${chart.axisTitle} (log scale)`, color: MUTED },
        },
      },
      plugins: {
        legend: {
          position: "bottom",
          labels: { color: INK, boxWidth: 12, boxHeight: 12, usePointStyle: true, sort: byDataset },
        },
        tooltip: {
          callbacks: {
            label: (item: TooltipItem<"bar" | "line">) =>
              `${item.dataset.label ?? ""}: ${labelsByDataset[item.datasetIndex]?.[item.dataIndex] ?? "none"}`,
            footer: (items: TooltipItem<"bar" | "line">[]) =>
              `${String(chart.counts[items[0]?.dataIndex ?? 0] ?? 0)} ${chart.countLabel}`,
          },
        },
      },
    },
  });
}

function drawReasons(target: HTMLCanvasElement, reasons: ReasonsChart): void {
  const box = target.parentElement;
  if (box !== null) box.style.height = `${String(100 + reasons.labels.length * 40)}px`;
  new Chart<"bar", (number | null)[], string>(target, {
    type: "bar",
    data: {
      labels: reasons.labels,
      datasets: reasons.groups.map((group) => ({
        label: group.label,
        data: group.values,
        backgroundColor: REASON_COLORS[group.key],
        borderRadius: 3,
        maxBarThickness: 22,
      })),
    },
    options: {
      indexAxis: "y",
      responsive: true,
      maintainAspectRatio: false,
      animation: false,
      scales: {
        x: {
          stacked: true,
          beginAtZero: true,
          grid: { color: GRID },
          ticks: { color: MUTED, precision: 0, callback: whole },
          title: { display: true, text: "Occurrences", color: MUTED },
        },
        y: {
          stacked: true,
          grid: { display: false },
          ticks: {
            color: INK,
            callback: (_value: number | string, index: number) =>
              wrap(reasons.labels[index] ?? "", target.clientWidth < 480 ? 16 : 28),
          },
        },
      },
      plugins: {
        legend: {
          position: "bottom",
          labels: { color: INK, boxWidth: 12, boxHeight: 12, usePointStyle: true, sort: byDataset },
        },
      },
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
  if (timeToForward !== undefined) drawDurations(timeToForward, data.timeToForward);
  const vianetResponse = canvas("chart-vianet-response");
  if (vianetResponse !== undefined) drawDurations(vianetResponse, data.vianetResponse);
  const reasons = canvas("chart-reasons");
  if (reasons !== undefined) drawReasons(reasons, data.reasons);
  document.documentElement.dataset.charts = "ready";
}

main();
