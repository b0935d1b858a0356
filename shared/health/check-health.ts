// Health of the app's dependencies: each probe runs with a deadline, all at once, and the
// answer says which failed and why (never a connection string).
import { z } from "zod";

/** A dependency that can say whether it is reachable; it throws when it is not. */
export interface DependencyProbe {
  readonly name: string;
  check(signal: AbortSignal): Promise<void>;
}

export const ProbeResult = z.object({
  status: z.enum(["ok", "failed"]),
  durationMs: z.number(),
  error: z.string().optional(),
});
export type ProbeResult = z.infer<typeof ProbeResult>;

export const HealthReport = z.object({
  status: z.enum(["healthy", "unhealthy"]),
  checks: z.record(z.string(), ProbeResult),
});
export type HealthReport = z.infer<typeof HealthReport>;

class ProbeTimeoutError extends Error {
  override readonly name = "ProbeTimeoutError";
}

/** Removes anything that looks like a credential from an error message before it is shown. */
export function redactSecrets(message: string): string {
  return message
    .replace(/(SharedAccessKey|AccountKey|SharedAccessSignature|sig)=([^;&\s]+)/gi, "$1=[redacted]")
    .slice(0, 300);
}

async function runProbe(probe: DependencyProbe, timeoutMs: number): Promise<ProbeResult> {
  const started = performance.now();
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      // Settle first, so the report says "timed out" rather than the probe's abort error.
      reject(new ProbeTimeoutError(`no answer within ${timeoutMs} ms`));
      controller.abort();
    }, timeoutMs);
  });
  try {
    await Promise.race([probe.check(controller.signal), deadline]);
    return { status: "ok", durationMs: Math.round(performance.now() - started) };
  } catch (error) {
    const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    return { status: "failed", durationMs: Math.round(performance.now() - started), error: redactSecrets(message) };
  } finally {
    clearTimeout(timer);
  }
}

export async function checkHealth(probes: readonly DependencyProbe[], timeoutMs: number): Promise<HealthReport> {
  const results = await Promise.all(probes.map(async (probe) => [probe.name, await runProbe(probe, timeoutMs)] as const));
  const checks = Object.fromEntries(results);
  const healthy = results.every(([, result]) => result.status === "ok");
  return { status: healthy ? "healthy" : "unhealthy", checks };
}
