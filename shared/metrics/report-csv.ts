// A report as CSV for spreadsheets: one row per figure, `metric,value`, the metric the report's
// path to it (`volumes.byStatus.queued`, `targets.forward.breaches.0.id`). RFC 4180 quoting.

function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

function flatten(value: unknown, path: string, rows: [string, string][]): void {
  if (value === null || value === undefined) {
    rows.push([path, ""]);
  } else if (Array.isArray(value)) {
    value.forEach((item, index) => flatten(item, `${path}.${String(index)}`, rows));
  } else if (typeof value === "object") {
    for (const [key, child] of Object.entries(value)) flatten(child, path === "" ? key : `${path}.${key}`, rows);
  } else if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") {
    rows.push([path, String(value)]);
  }
}

export function reportToCsv(report: unknown): string {
  const rows: [string, string][] = [];
  flatten(report, "", rows);
  return ["metric,value", ...rows.map(([metric, value]) => `${csvField(metric)},${csvField(value)}`)].join("\r\n") + "\r\n";
}
