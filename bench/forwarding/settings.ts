// The forwarding benchmark's command line and the constants its parts share.
import type { Caller } from "../../shared/domain/escalations/submit-escalation.js";
import { positiveInteger, rerunCommand, UsageError, parseBenchArgs } from "../kit/index.js";

const DEFAULT_ESCALATIONS = 2_000;
const DEFAULT_ROUNDS = 2;
const DEFAULT_LATENCY_MS = 50;
/** A partner's customers: escalations are spread over this many tenants, as a desk's would be. */
export const DEFAULT_CUSTOMERS = 200;
/** Forwarded/s over maxConcurrentCalls / latency. */
export const AIM_RATIO = 0.8;
/**
 * The host's own CPU per forwarding (the host child's less the probe's forwarding code, steady
 * windows) before the host was made lighter: this benchmark at commit 45d2b89 on the 2-CPU
 * development machine, with the probe publishing events as the host's forwarder does (the probe
 * left that out before, which put the fan-out's cost on the host). The aim is half of it.
 */
export const BASELINE_HOST_OWN_CPU_MS = 4.6;
export const AIM_HOST_OWN_CPU_MS = BASELINE_HOST_OWN_CPU_MS / 2;
/** Table Storage requests one forwarding may cost on the common path. */
export const AIM_TABLE_OPERATIONS_PER_FORWARDING = 5;
/**
 * Service Bus operations one escalation costs on the escalations queue with no retry: the intake's
 * send, the trigger's receive and its complete. Each event adds, per subscription that wants it,
 * the fan-out's send and the delivery trigger's receive and complete.
 */
export const SERVICE_BUS_OPERATIONS_PER_ESCALATION = 3;
/** The steady middle of a run: from the create at this share of all to the one at the next. */
// From the 25% create: the first quarter (500 of the default 2,000) also warms a fresh host's JIT,
// which a profile showed costing ~1 ms more CPU per forwarding in its first seconds.
export const STEADY_FROM = 0.25;
export const STEADY_TO = 0.9;
/** Escalations stored and queued at once before a forwarding run (untimed). */
export const PRELOAD_IN_FLIGHT = 16;
/** Store reads at once when verifying. */
export const VERIFY_IN_FLIGHT = 16;
export const SAMPLE_INTERVAL_MS = 100;
/** No create for this long while escalations are left: the run has stalled. */
export const STALL_MS = 30_000;
/** After the last create, how long the last status writes may take. */
export const SETTLE_TIMEOUT_MS = 30_000;
export const PROBE_ESCALATIONS = 320;
/** The machine's CPUs this busy (%): the throughput is bound by CPU, not by waiting. */
export const CPU_BOUND_PERCENT = 80;
/** The host's default when host.json does not say (local/functions-host/app-config.ts). */
export const HOST_DEFAULT_MAX_CONCURRENT_CALLS = 16;
export const QUEUE = "bench-forwarding";
export const CALLER: Caller = { id: "bench-forwarding", tenants: "all" };
/** Inherited settings that would change forwarding (besides the emulators' connections, never inherited): the bench sets its own. */
export const REMOVED_SETTINGS = ["ESCALATION_ROUTING", "PARTNER_CENTER_", "FORWARD_RETRY_"] as const;

export const PATHS = ["forwarding", "channel"] as const;
export type PathName = (typeof PATHS)[number];
export const PATH_LABELS: Record<PathName, string> = { forwarding: "host forwarding", channel: "channel alone" };

export const usage = `usage: npm run bench:forwarding -- [--escalations N] [--rounds N] [--latency-ms N] [--skip-probe] [--json <file>]
  --escalations N  escalations per forwarding measurement, and creates per channel measurement (default ${DEFAULT_ESCALATIONS})
  --rounds N       forwarding + channel measurements, the order alternating (default ${DEFAULT_ROUNDS})
  --latency-ms N   the sandbox's delay before every answer (default ${DEFAULT_LATENCY_MS})
  --customers N    customer tenants the escalations are spread over (default ${DEFAULT_CUSTOMERS})
  --skip-probe     leave out the in-process forwarder probe (Table Storage operations per forwarding)
  --json <file>    also write the results as JSON`;

export interface Options {
  escalations: number;
  customers: number;
  rounds: number;
  latencyMs: number;
  probe: boolean;
  jsonPath: string | undefined;
}

export function parseOptions(): Options | undefined {
  const parsed = parseBenchArgs(
    {
      escalations: { type: "string", default: String(DEFAULT_ESCALATIONS) },
      rounds: { type: "string", default: String(DEFAULT_ROUNDS) },
      "latency-ms": { type: "string", default: String(DEFAULT_LATENCY_MS) },
      customers: { type: "string", default: String(DEFAULT_CUSTOMERS) },
      "skip-probe": { type: "boolean", default: false },
    },
    usage,
  );
  if (parsed === undefined) return undefined;
  const { values, jsonPath } = parsed;
  const escalations = positiveInteger("escalations", values.escalations);
  if (escalations < 20)
    throw new UsageError(`--escalations must be at least 20 for a steady middle, got ${escalations}`);
  return {
    escalations,
    customers: positiveInteger("customers", values.customers),
    rounds: positiveInteger("rounds", values.rounds),
    latencyMs: positiveInteger("latency-ms", values["latency-ms"]),
    probe: !values["skip-probe"],
    jsonPath,
  };
}

export function rerun(options: Options): string {
  return rerunCommand("bench:forwarding", [
    ["escalations", options.escalations, DEFAULT_ESCALATIONS],
    ["rounds", options.rounds, DEFAULT_ROUNDS],
    ["latency-ms", options.latencyMs, DEFAULT_LATENCY_MS],
    ["customers", options.customers, DEFAULT_CUSTOMERS],
    ["skip-probe", !options.probe, false],
  ]);
}
