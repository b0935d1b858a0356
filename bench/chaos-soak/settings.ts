// The chaos soak's command line.
import { parseBenchArgs, positiveInteger, UsageError } from "../kit/index.js";

export const USAGE = `Usage: npm run soak -- [--escalations N] [--seed N] [--concurrency N] [--timeout-minutes N] [--kill-between-submissions] [--json FILE]
  --escalations      escalations to submit (default 1000)
  --seed             seed of the sandbox's random faults (default 1)
  --concurrency      submissions and reads in flight (default 8)
  --timeout-minutes  how long to wait for every escalation to end (default 30)
  --kill-between-submissions
                     kill the Functions host while no submission is in flight (forwarding still
                     is): a submission the kill cuts short holds its Idempotency-Key for the
                     45-second lease, so its retries answer 409 until then; the short test uses this
  --json FILE        also write the results as JSON`;

export interface SoakOptions {
  escalations: number;
  seed: number;
  concurrency: number;
  timeoutMs: number;
  killBetweenSubmissions: boolean;
  jsonPath: string | undefined;
}

export function parseOptions(): SoakOptions | undefined {
  const parsed = parseBenchArgs(
    {
      escalations: { type: "string", default: "1000" },
      seed: { type: "string", default: "1" },
      concurrency: { type: "string", default: "8" },
      "timeout-minutes": { type: "string", default: "30" },
      "kill-between-submissions": { type: "boolean", default: false },
    },
    USAGE,
  );
  if (parsed === undefined) return undefined;
  const seed = Number(parsed.values.seed);
  if (!Number.isSafeInteger(seed)) throw new UsageError(`--seed must be an integer, got ${parsed.values.seed}`);
  return {
    escalations: positiveInteger("escalations", parsed.values.escalations),
    seed,
    concurrency: positiveInteger("concurrency", parsed.values.concurrency),
    timeoutMs: positiveInteger("timeout-minutes", parsed.values["timeout-minutes"]) * 60_000,
    killBetweenSubmissions: parsed.values["kill-between-submissions"],
    jsonPath: parsed.jsonPath,
  };
}
