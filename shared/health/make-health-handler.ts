// GET /api/health: 200 when every dependency answers, 503 naming what does not.
import type { HttpResponseInit } from "@azure/functions";
import { checkHealth, type DependencyProbe } from "./check-health.js";

export interface HealthDependencies {
  probes(): readonly DependencyProbe[];
  timeoutMs: number;
}

export function makeHealthHandler(dependencies: HealthDependencies): () => Promise<HttpResponseInit> {
  return async () => {
    const report = await checkHealth(dependencies.probes(), dependencies.timeoutMs);
    return {
      status: report.status === "healthy" ? 200 : 503,
      headers: { "cache-control": "no-store" },
      jsonBody: report,
    };
  };
}
