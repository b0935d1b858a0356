// The intake benchmark's command line and the constants its parts share.
import { parseBenchArgs, positiveInteger, rerunCommand } from "../kit/index.js";

const DEFAULT_SECONDS = 5;
const DEFAULT_ROUNDS = 2;
const DEFAULT_CONNECTIONS = 8;
/** Warm-up before every measurement, both paths: this many submissions per connection, untimed. */
export const WARM_UP_SUBMISSIONS_PER_CONNECTION = 50;
/** The machine's CPUs this busy (%) in both runs: the throughput is bound by CPU, not by waiting. */
export const CPU_BOUND_PERCENT = 80;
/** host submissions/s over floor submissions/s, both from this run. */
export const AIM_RATIO = 0.8;
export const QUEUE = "bench-intake";
export const FUNCTION_KEY = "bench-intake-key";
export const CALLER_ID = "bench-desk";
export const PATH = "/api/escalations";
/** Messages per peek: a few hundred bytes each, well inside one 64 KiB frame. */
export const PEEK_BATCH = 100;

const MODES = ["plain", "keyed"] as const;
export type Mode = (typeof MODES)[number];
export const MODE_LABELS: Record<Mode, string> = { plain: "no Idempotency-Key", keyed: "Idempotency-Key per request" };
export const PATHS = ["host", "floor"] as const;
export type PathName = (typeof PATHS)[number];

export const usage = `usage: npm run bench:intake -- [--seconds N] [--rounds N] [--connections N] [--skip-idempotency] [--json <file>]
  --seconds N          seconds per measurement (default ${DEFAULT_SECONDS})
  --rounds N           host + floor measurements per mode, the order alternating (default ${DEFAULT_ROUNDS})
  --connections N      HTTP connections, and floor submissions in flight (default ${DEFAULT_CONNECTIONS})
  --skip-idempotency   measure only without an Idempotency-Key
  --json <file>        also write the results as JSON`;

export interface Options {
  seconds: number;
  rounds: number;
  connections: number;
  modes: readonly Mode[];
  jsonPath: string | undefined;
}

export function parseOptions(): Options | undefined {
  const parsed = parseBenchArgs(
    {
      seconds: { type: "string", default: String(DEFAULT_SECONDS) },
      rounds: { type: "string", default: String(DEFAULT_ROUNDS) },
      connections: { type: "string", default: String(DEFAULT_CONNECTIONS) },
      "skip-idempotency": { type: "boolean", default: false },
    },
    usage,
  );
  if (parsed === undefined) return undefined;
  const { values, jsonPath } = parsed;
  return {
    seconds: positiveInteger("seconds", values.seconds),
    rounds: positiveInteger("rounds", values.rounds),
    connections: positiveInteger("connections", values.connections),
    modes: values["skip-idempotency"] ? ["plain"] : MODES,
    jsonPath,
  };
}

export function rerun(options: Options): string {
  return rerunCommand("bench:intake", [
    ["seconds", options.seconds, DEFAULT_SECONDS],
    ["rounds", options.rounds, DEFAULT_ROUNDS],
    ["connections", options.connections, DEFAULT_CONNECTIONS],
    ["skip-idempotency", options.modes.length === 1, false],
  ]);
}
