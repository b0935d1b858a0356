// The chaos soak's verdicts over what it saw: every escalation final, exactly one 21Vianet
// service request each, no status ever moved backwards, none rejected. Pure functions over the
// escalations' views and the sandbox's created requests, so they are unit-tested.
import { canMove, EscalationStatus, type HistoryEntry } from "../../shared/domain/escalations/escalation.js";

/** Where the soak's escalations may end: the app stops working on them. */
export const FINAL_STATUSES: readonly EscalationStatus[] = ["forwarded", "rejected", "failed", "awaiting_portal"];

export interface SoakEscalation {
  readonly id: string;
  /** Every status the soak saw when it read the escalation, in order, repeats removed. */
  readonly observed: readonly EscalationStatus[];
  readonly status: EscalationStatus;
  readonly history: readonly Pick<HistoryEntry, "from" | "to">[];
  readonly attempts: number | undefined;
  readonly vianetCode: string | undefined;
}

export interface SoakCheck {
  readonly name: string;
  readonly passed: boolean;
  /** The escalations (or figures) that broke it, for the report. */
  readonly failures: readonly string[];
}

/**
 * Forward moves only. An operator's replay (failed -> queued) is a legal move but the soak never
 * replays, so seeing it means a status went backwards by itself.
 */
function isForwardMove(from: EscalationStatus, to: EscalationStatus): boolean {
  return canMove(from, to) && !(from === "failed" && to === "queued");
}

/** Whether `to` can follow `from` through forward moves (the soak may miss statuses in between). */
export function reachableForward(from: EscalationStatus, to: EscalationStatus): boolean {
  const seen = new Set<EscalationStatus>([from]);
  const frontier: EscalationStatus[] = [from];
  for (let current = frontier.pop(); current !== undefined; current = frontier.pop()) {
    for (const next of EscalationStatus.options) {
      if (seen.has(next) || !isForwardMove(current, next)) continue;
      if (next === to) return true;
      seen.add(next);
      frontier.push(next);
    }
  }
  return false;
}

/** The problems with one escalation's history and observed statuses; none when it only moved forward. */
export function backwardMoves(escalation: SoakEscalation): string[] {
  const problems: string[] = [];
  let previous: EscalationStatus | null = null;
  for (const entry of escalation.history) {
    if (entry.from !== previous)
      problems.push(
        `history entry ${String(entry.from)}->${entry.to} does not start where the one before ended (${String(previous)})`,
      );
    else if (entry.from !== null && !isForwardMove(entry.from, entry.to))
      problems.push(`history moved ${entry.from}->${entry.to}`);
    else if (entry.from === null && entry.to !== "queued") problems.push(`history starts at ${entry.to}`);
    previous = entry.to;
  }
  if (previous !== escalation.status)
    problems.push(`history ends at ${String(previous)} but the status is ${escalation.status}`);
  for (let index = 1; index < escalation.observed.length; index += 1) {
    const from = escalation.observed[index - 1];
    const to = escalation.observed[index];
    if (from !== undefined && to !== undefined && !reachableForward(from, to))
      problems.push(`seen as ${from}, later as ${to}`);
  }
  return problems;
}

/** The `[escalation:<id>]` marker the app puts in every service request's title. */
export function escalationIdInTitle(title: string): string | undefined {
  return /\[escalation:([^\]\s]+)\]/.exec(title)?.[1];
}

export function checkSoak(
  escalations: readonly SoakEscalation[],
  serviceRequestTitles: readonly string[],
): SoakCheck[] {
  const requestsPerEscalation = new Map<string, number>();
  const unmatched: string[] = [];
  for (const title of serviceRequestTitles) {
    const id = escalationIdInTitle(title);
    if (id === undefined) unmatched.push(`a service request without an escalation marker: ${title}`);
    else requestsPerEscalation.set(id, (requestsPerEscalation.get(id) ?? 0) + 1);
  }
  const known = new Set(escalations.map((escalation) => escalation.id));
  const strangers = [...requestsPerEscalation.keys()]
    .filter((id) => !known.has(id))
    .map((id) => `a service request for ${id}, which the soak did not submit`);
  const notFinal = escalations.filter((escalation) => !FINAL_STATUSES.includes(escalation.status));
  const notOne = escalations.filter((escalation) => (requestsPerEscalation.get(escalation.id) ?? 0) !== 1);
  const backwards = escalations.flatMap((escalation) =>
    backwardMoves(escalation).map((problem) => `${escalation.id}: ${problem}`),
  );
  const rejected = escalations.filter((escalation) => escalation.status === "rejected");
  return [
    {
      name: "every escalation reached a final state",
      passed: notFinal.length === 0,
      failures: notFinal.map((escalation) => `${escalation.id} is still ${escalation.status}`),
    },
    {
      name: "exactly one 21Vianet service request each",
      passed: notOne.length === 0 && unmatched.length === 0 && strangers.length === 0,
      failures: [
        ...notOne.map(
          (escalation) =>
            `${escalation.id} (${escalation.status}) has ${requestsPerEscalation.get(escalation.id) ?? 0}`,
        ),
        ...unmatched,
        ...strangers,
      ],
    },
    { name: "no status ever moved backwards", passed: backwards.length === 0, failures: backwards },
    // The soak injects no refusal (400, 900127): a rejection can only come from our own fault.
    {
      name: "none rejected",
      passed: rejected.length === 0,
      failures: rejected.map(
        (escalation) => `${escalation.id} rejected with 21Vianet code ${escalation.vianetCode ?? "(none)"}`,
      ),
    },
  ];
}
