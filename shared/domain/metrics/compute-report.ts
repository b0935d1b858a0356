// A report for one window from a MetricsSource: the window's status events, gate decisions and
// dead letters, plus the escalations open now for the backlog and still-waiting breaches, and
// those 21Vianet has not answered yet for its response targets.
import { factsFromEvents } from "./facts.js";
import type { MetricsSource } from "./metrics-source.js";
import { buildReport, type EscalationFact, type MetricsReport, type ReportTargets } from "./report.js";

export interface ReportRequest {
  from: Date;
  to: Date;
  targets: ReportTargets;
  topCustomers: number;
}

export async function computeReport(source: MetricsSource, request: ReportRequest): Promise<MetricsReport> {
  const [events, gateDecisions, deadLetters, open, waiting] = await Promise.all([
    source.statusEvents(request.from, request.to),
    source.gateDecisions(request.from, request.to),
    source.deadLetters(request.from, request.to),
    source.openEscalations(),
    source.waitingForVianet(),
  ]);
  // The window's own view of an escalation wins; open ones it did not see are added for the
  // backlog, and those waiting for 21Vianet's first response for the response targets.
  const facts = new Map<string, EscalationFact>(factsFromEvents(events).map((fact) => [fact.id, fact]));
  for (const fact of [...open, ...waiting]) if (!facts.has(fact.id)) facts.set(fact.id, fact);
  return buildReport({
    from: request.from,
    to: request.to,
    escalations: [...facts.values()],
    gateDecisions,
    deadLetters,
    targets: request.targets,
    topCustomers: request.topCustomers,
  });
}
