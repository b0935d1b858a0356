// Health of the app's dependencies: each probe runs with a deadline, all at once. The report
// names each failure only by its kind; the error itself (which can hold hosts, token endpoint
// answers or keys) goes to the log, redacted, never into a response.
import { z } from "zod";
import { BridgeError } from "../../lib/errors.js";
import { FailureKind, failureKindOf, redactSecrets } from "../../lib/failure-kind.js";

/** A dependency that can say whether it is reachable; it throws when it is not. */
export interface DependencyProbe {
  readonly name: string;
  check(signal: AbortSignal): Promise<void>;
}

/** Why a check failed, in a word a caller can act on. */
export const ProbeFailure = FailureKind;
export type ProbeFailure = FailureKind;

export const ProbeResult = z.object({
  status: z.enum(["ok", "failed"]),
  durationMs: z.number(),
  error: ProbeFailure.optional(),
});
export type ProbeResult = z.infer<typeof ProbeResult>;

export const HealthStatus = z.object({ status: z.enum(["healthy", "unhealthy"]) });
export type HealthStatus = z.infer<typeof HealthStatus>;

export const HealthReport = HealthStatus.extend({ checks: z.record(z.string(), ProbeResult) });
export type HealthReport = z.infer<typeof HealthReport>;

/** What a failed probe threw, for the log only. */
export interface ProbeFailureDetail {
  check: string;
  kind: ProbeFailure;
  message: string;
}

export interface HealthCheck {
  report: HealthReport;
  failures: ProbeFailureDetail[];
}

class ProbeTimeoutError extends BridgeError {
  override readonly name = "ProbeTimeoutError";

  constructor(message: string) {
    super("probe-timeout", message);
  }
}

export { redactSecrets };

export function probeFailureOf(error: unknown): ProbeFailure {
  return error instanceof ProbeTimeoutError ? "timeout" : failureKindOf(error);
}

type ProbeRun = { result: ProbeResult; failure?: ProbeFailureDetail };

async function runProbe(probe: DependencyProbe, timeoutMs: number): Promise<ProbeRun> {
  const started = performance.now();
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      // Settle first, so the report says "timeout" rather than the probe's abort error.
      reject(new ProbeTimeoutError(`no answer within ${String(timeoutMs)} ms`));
      controller.abort();
    }, timeoutMs);
  });
  try {
    await Promise.race([probe.check(controller.signal), deadline]);
    return { result: { status: "ok", durationMs: Math.round(performance.now() - started) } };
  } catch (error) {
    const kind = probeFailureOf(error);
    const message = redactSecrets(error instanceof Error ? `${error.name}: ${error.message}` : String(error));
    return {
      result: { status: "failed", durationMs: Math.round(performance.now() - started), error: kind },
      failure: { check: probe.name, kind, message },
    };
  } finally {
    clearTimeout(timer);
  }
}

export async function checkHealth(probes: readonly DependencyProbe[], timeoutMs: number): Promise<HealthCheck> {
  const runs = await Promise.all(probes.map(async (probe) => [probe.name, await runProbe(probe, timeoutMs)] as const));
  const checks = Object.fromEntries(runs.map(([name, run]) => [name, run.result]));
  const healthy = runs.every(([, run]) => run.result.status === "ok");
  const failures = runs.flatMap(([, run]) => (run.failure === undefined ? [] : [run.failure]));
  return { report: { status: healthy ? "healthy" : "unhealthy", checks }, failures };
}
