// A report as CSV for spreadsheets: one row per figure, `metric,value`, the metric the report's
// path to it (`volumes.byStatus.queued`, `targets.forward.breaches.0.id`). RFC 4180 quoting.

/**
 * Text a spreadsheet would run as a formula (OWASP "CSV Injection"): a customer name such as
 * `=HYPERLINK(...)` or `@SUM(...)` must open as text, so such a cell gets a leading `'`.
 */
const FORMULA_START = /^[=+\-@\t\r]/;

function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replaceAll('"', '""')}"` : value;
}

/** Text from the report (names, codes, reasons, ids): neutralised, then quoted. */
function textCell(value: string): string {
  return csvField(FORMULA_START.test(value) ? `'${value}` : value);
}

/**
 * Numbers and booleans the report holds as such are written as they are, so a negative figure
 * stays a number a spreadsheet can sum; only strings can carry a formula.
 */
function valueCell(value: string | number | boolean | null | undefined): string {
  if (value === null || value === undefined) return "";
  return typeof value === "string" ? textCell(value) : String(value);
}

type Row = [metric: string, value: string | number | boolean | null | undefined];

function flatten(value: unknown, path: string, rows: Row[]): void {
  if (value === null || value === undefined) {
    rows.push([path, value]);
  } else if (Array.isArray(value)) {
    value.forEach((item, index) => flatten(item, `${path}.${String(index)}`, rows));
  } else if (typeof value === "object") {
    for (const [key, child] of Object.entries(value)) flatten(child, path === "" ? key : `${path}.${key}`, rows);
  } else if (typeof value === "string" || typeof value === "number" || typeof value === "boolean") {
    rows.push([path, value]);
  }
}

export function reportToCsv(report: unknown): string {
  const rows: Row[] = [];
  flatten(report, "", rows);
  // The metric is a path whose keys can come from data (a customer or a refusal code), so it is text too.
  return (
    ["metric,value", ...rows.map(([metric, value]) => `${textCell(metric)},${valueCell(value)}`)].join("\r\n") + "\r\n"
  );
}
