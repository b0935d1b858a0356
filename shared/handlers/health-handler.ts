// GET /api/health (anonymous: the status only, for load balancers) and GET /api/health/details
// (master key: each check with its duration and the kind of failure). 200 healthy, 503 not.
import type { HttpResponseInit } from "@azure/functions";
import { checkHealth, type DependencyProbe, type HealthCheck } from "../domain/health/check-health.js";

export interface HealthDependencies {
  probes(): readonly DependencyProbe[];
  timeoutMs: number;
}

/** The part of InvocationContext the handlers log through. */
export interface HealthLogger {
  warn(message: string, detail: Record<string, unknown>): void;
}

async function runChecks(dependencies: HealthDependencies, logger: HealthLogger): Promise<HealthCheck> {
  const check = await checkHealth(dependencies.probes(), dependencies.timeoutMs);
  // The errors themselves are for operators, in the log: responses carry only their kind.
  for (const failure of check.failures) logger.warn("health check failed", { ...failure });
  return check;
}

function answer(healthy: boolean, body: unknown): HttpResponseInit {
  return { status: healthy ? 200 : 503, headers: { "cache-control": "no-store" }, jsonBody: body };
}

export function makeHealthHandler(
  dependencies: HealthDependencies,
): (request: unknown, logger: HealthLogger) => Promise<HttpResponseInit> {
  return async (_request, logger) => {
    const { report } = await runChecks(dependencies, logger);
    return answer(report.status === "healthy", { status: report.status });
  };
}

export function makeHealthDetailsHandler(
  dependencies: HealthDependencies,
): (request: unknown, logger: HealthLogger) => Promise<HttpResponseInit> {
  return async (_request, logger) => {
    const { report } = await runChecks(dependencies, logger);
    return answer(report.status === "healthy", report);
  };
}
