// The windows a scheduled report covers, each ending at the report's time.
export const REPORT_WINDOWS = {
  "1h": 60 * 60_000,
  "24h": 24 * 60 * 60_000,
  "7d": 7 * 24 * 60 * 60_000,
  "30d": 30 * 24 * 60 * 60_000,
} as const;
export type ReportWindow = keyof typeof REPORT_WINDOWS;
export const REPORT_WINDOW_NAMES = Object.keys(REPORT_WINDOWS) as ReportWindow[];

/** [to - length, to) for a window ending at `to`. */
export function windowEndingAt(window: ReportWindow, to: Date): { from: Date; to: Date } {
  return { from: new Date(to.getTime() - REPORT_WINDOWS[window]), to };
}
