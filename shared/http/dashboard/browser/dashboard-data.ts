// What the dashboard page's script draws. The server builds it from a metrics report and the
// hourly reports, and embeds it in the page as JSON; the script needs no key and makes no request.
// Types only: shared by the server (Node types) and the browser script (DOM types).

export type VolumeSeriesKey = "submitted" | "forwarded" | "gateRejected" | "vianetRejected" | "failed";

export interface VolumeSeries {
  key: VolumeSeriesKey;
  label: string;
  /** One value per bucket; null where no hourly report covers the bucket (a gap, not a zero). */
  values: (number | null)[];
}

export interface VolumesChart {
  /** Hourly buckets for the 1h and 24h windows, UTC days for 7d and 30d. */
  bucket: "hour" | "day";
  /** Each bucket's start, ISO 8601 UTC. */
  starts: string[];
  /** Each bucket's place on the axis: an hour where it ends (10:00 for 09:00-10:00), a day as itself. */
  labels: string[];
  /** What each bucket covers, for its tooltip, e.g. "09:00-10:00 UTC". */
  spans: string[];
  /** How many hourly reports each bucket sums. */
  hoursCovered: number[];
  series: VolumeSeries[];
}

/** Durations per severity against their targets: time to forward, time to 21Vianet's first response. */
export interface DurationsChart {
  /** The values' unit; the chart's axis shows them as durations. */
  unit: "minutes";
  /** The value axis's title. */
  axisTitle: string;
  /** What `counts` counts, for the tooltip ("forwarded", "answered"). */
  countLabel: string;
  severities: string[];
  /** Escalations measured in the window, per severity. */
  counts: number[];
  p50: (number | null)[];
  p95: (number | null)[];
  max: (number | null)[];
  target: number[];
  /**
   * The same durations as people read them, formatted on the server by the one duration formatter
   * the report's other views use, so the chart's axis and tooltips say what the tables say.
   */
  labels: { p50: (string | null)[]; p95: (string | null)[]; max: (string | null)[]; target: string[] };
  /** The time axis's grid lines, in minutes, each with its label. */
  ticks: { value: number; label: string }[];
}

export type ReasonGroupKey = "gate" | "vianet" | "deadLetter";

export interface ReasonsChart {
  labels: string[];
  /** One dataset per group, null at the labels of the other groups. */
  groups: { key: ReasonGroupKey; label: string; values: (number | null)[] }[];
}

export interface DashboardChartData {
  volumes: VolumesChart;
  timeToForward: DurationsChart;
  /** Forwarding to 21Vianet's first response, against the response targets. */
  vianetResponse: DurationsChart;
  reasons: ReasonsChart;
}
