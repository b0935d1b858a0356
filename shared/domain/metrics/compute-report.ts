// A report for one window from a MetricsSource: the window's status events, gate decisions and
// dead letters, plus the escalations open now for the backlog and still-waiting breaches.
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
  const [events, gateDecisions, deadLetters, open] = await Promise.all([
    source.statusEvents(request.from, request.to),
    source.gateDecisions(request.from, request.to),
    source.deadLetters(request.from, request.to),
    source.openEscalations(),
  ]);
  // The window's own view of an escalation wins; open ones it did not see are added for the backlog.
  const facts = new Map<string, EscalationFact>(factsFromEvents(events).map((fact) => [fact.id, fact]));
  for (const fact of open) if (!facts.has(fact.id)) facts.set(fact.id, fact);
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
