// The metrics benchmark's command line, and the fixed figures its seeding and measuring share.
import { DEFAULT_SERVICES } from "../../shared/settings/app-settings.js";
import { CriteriaRules } from "../../shared/domain/escalations/criteria.js";
import type { Caller } from "../../shared/domain/escalations/submit-escalation.js";
import { REPORT_WINDOWS, type ReportWindow } from "../../shared/domain/metrics/windows.js";
import {
  formatInteger,
  nonNegativeInteger,
  parseBenchArgs,
  positiveInteger,
  rerunCommand,
  UsageError,
} from "../kit/index.js";

const DEFAULTS = {
  small: 1_000,
  large: 100_000,
  recent: 300,
  runs: 15,
  warmup: 3,
  customers: 2_000,
  concurrency: 32,
  stockRuns: 3,
  now: "2025-06-16T09:30:00.000Z",
};
const QUICK = { small: 1_000, large: 5_000, recent: 100, runs: 5, warmup: 1, stockRuns: 1 };
const DEFAULT_WINDOWS: ReportWindow[] = ["1h", "24h", "7d", "30d"];
const DEFAULT_STOCK_WINDOWS: ReportWindow[] = ["1h", "24h"];
export const AIM_RATIO = 1.5;
export const DAY_MS = 24 * 60 * 60_000;
export const HOUR_MS = 60 * 60_000;
export const MINUTE_MS = 60_000;
/** The app's queue's time to live (P14D), as shared/composition-root.ts gives TableMetricsSource. */
export const MESSAGE_TIME_TO_LIVE_MS = 14 * DAY_MS;
/** The newest older-history escalation: the longest window, the dead-letter look-back (TTL + 1 day), and margin. */
export const HISTORY_NEWEST_DAYS_AGO = 47;
export const HISTORY_OLDEST_DAYS_AGO = 400;
/** The latest move of an older-history escalation after its creation (close within 5 days, plus forwarding). */
export const HISTORY_LONGEST_LIFE_MS = 7 * DAY_MS;
export const TOP_CUSTOMERS = 10;
export const CALLER: Caller = { id: "bench-metrics", tenants: "all" };
export const SERVICES = [...DEFAULT_SERVICES];
export const RULES = CriteriaRules.parse({});

export const usage = `usage: npm run bench:metrics -- [options]
  --small N              escalations in the small store (default ${DEFAULTS.small})
  --large N              escalations in the large store (default ${formatInteger(DEFAULTS.large)})
  --recent N             escalations submitted in the last 24 h, the same in both stores (default ${DEFAULTS.recent})
  --customers N          customer tenants the older history is spread over (default ${DEFAULTS.customers})
  --runs N               timed reports per store and window (default ${DEFAULTS.runs})
  --warmup N             untimed reports per store and window first (default ${DEFAULTS.warmup})
  --windows LIST         windows measured, comma-separated from 1h,24h,7d,30d (default all)
  --stock-runs N         timed reports per store on stock Azurite (table-scanning queries), 0 to skip (default ${DEFAULTS.stockRuns})
  --stock-windows LIST   windows measured on stock Azurite (default ${DEFAULT_STOCK_WINDOWS.join(",")})
  --concurrency N        writes in flight while seeding (default ${DEFAULTS.concurrency})
  --now ISO              the fixed clock: reports end here (default ${DEFAULTS.now})
  --stock-point-lookups  Azurite scans the partition for every point lookup, as stock (seeding 100,000 then takes hours; see bench/metrics-report/azurite-preload.ts)
  --quick                smoke check: --small ${QUICK.small} --large ${QUICK.large} --recent ${QUICK.recent} --runs ${QUICK.runs} --warmup ${QUICK.warmup} --stock-runs ${QUICK.stockRuns}
  --json <file>          also write the results as JSON`;

export interface Options {
  small: number;
  large: number;
  recent: number;
  customers: number;
  runs: number;
  warmup: number;
  windows: ReportWindow[];
  stockRuns: number;
  stockWindows: ReportWindow[];
  concurrency: number;
  now: Date;
  pointLookup: boolean;
  quick: boolean;
  jsonPath: string | undefined;
}

function windowList(name: string, text: string): ReportWindow[] {
  const names = text.split(",").map((part) => part.trim());
  const known = Object.keys(REPORT_WINDOWS);
  for (const window of names)
    if (!known.includes(window)) throw new UsageError(`--${name}: ${window} is not one of ${known.join(", ")}`);
  return names as ReportWindow[];
}

export function parseOptions(): Options | undefined {
  const parsed = parseBenchArgs(
    {
      small: { type: "string" },
      large: { type: "string" },
      recent: { type: "string" },
      customers: { type: "string", default: String(DEFAULTS.customers) },
      runs: { type: "string" },
      warmup: { type: "string" },
      windows: { type: "string", default: DEFAULT_WINDOWS.join(",") },
      "stock-runs": { type: "string" },
      "stock-windows": { type: "string", default: DEFAULT_STOCK_WINDOWS.join(",") },
      concurrency: { type: "string", default: String(DEFAULTS.concurrency) },
      now: { type: "string", default: DEFAULTS.now },
      "stock-point-lookups": { type: "boolean", default: false },
      quick: { type: "boolean", default: false },
    },
    usage,
  );
  if (parsed === undefined) return undefined;
  const { values, jsonPath } = parsed;
  const base = values.quick ? { ...DEFAULTS, ...QUICK } : DEFAULTS;
  const now = new Date(values.now);
  if (Number.isNaN(now.getTime())) throw new UsageError(`--now must be an ISO date-time, got ${values.now}`);
  const options: Options = {
    small: positiveInteger("small", values.small ?? String(base.small)),
    large: positiveInteger("large", values.large ?? String(base.large)),
    recent: positiveInteger("recent", values.recent ?? String(base.recent)),
    customers: positiveInteger("customers", values.customers),
    runs: positiveInteger("runs", values.runs ?? String(base.runs)),
    warmup: nonNegativeInteger("warmup", values.warmup ?? String(base.warmup)),
    windows: windowList("windows", values.windows),
    stockRuns: nonNegativeInteger("stock-runs", values["stock-runs"] ?? String(base.stockRuns)),
    stockWindows: windowList("stock-windows", values["stock-windows"]),
    concurrency: positiveInteger("concurrency", values.concurrency),
    now,
    pointLookup: !values["stock-point-lookups"],
    quick: values.quick,
    jsonPath,
  };
  if (options.recent >= options.small)
    throw new UsageError(
      `--recent (${options.recent}) must be less than --small (${options.small}): the small store holds the recent activity plus some history`,
    );
  if (options.large <= options.small)
    throw new UsageError(`--large (${options.large}) must be more than --small (${options.small})`);
  return options;
}

export function rerun(options: Options): string {
  const base = options.quick ? { ...DEFAULTS, ...QUICK } : DEFAULTS;
  return rerunCommand("bench:metrics", [
    ["quick", options.quick, false],
    ["small", options.small, base.small],
    ["large", options.large, base.large],
    ["recent", options.recent, base.recent],
    ["customers", options.customers, base.customers],
    ["runs", options.runs, base.runs],
    ["warmup", options.warmup, base.warmup],
    ["windows", options.windows.join(","), DEFAULT_WINDOWS.join(",")],
    ["stock-runs", options.stockRuns, base.stockRuns],
    ["stock-windows", options.stockWindows.join(","), DEFAULT_STOCK_WINDOWS.join(",")],
    ["concurrency", options.concurrency, base.concurrency],
    ["now", options.now.toISOString(), new Date(base.now).toISOString()],
    ["stock-point-lookups", !options.pointLookup, false],
  ]);
}
