// The escalation metrics report: volumes, time to forward, targets and quality over one window,
// computed from facts the storage layer reads for that window only. Pure: no clock, no I/O, so
// every figure can be checked against escalations built in known states at known times.
//
// Window rules (all windows are [from, to), `from` included, `to` excluded):
// - volumes count the escalations submitted in the window, by their status now;
// - time to forward counts the escalations forwarded in the window (submission to forwarding);
// - a forward-time target is breached by an escalation forwarded in the window later than its
//   target, or still waiting at `to` for longer than it;
// - gate decisions, 21Vianet refusals and dead letters count when they happened in the window;
// - the backlog is what is open at `to`;
// - time to 21Vianet's first response counts the escalations whose first response (a 21Vianet
//   note or status change) came in the window, from their forwarding to it; time to close counts
//   those closed in the window, from their forwarding to closing;
// - a response target is breached by a first response in the window later than its target, or by
//   an escalation forwarded before `to` and still waiting at `to` for longer than it. Escalations
//   never forwarded (queued, awaiting the portal, refused) count for neither.
// Percentiles are nearest-rank (the ceil(q * n)-th smallest value): always a value that occurred.
import type { Criterion } from "../escalations/criteria.js";
import { EscalationStatus } from "../escalations/escalation.js";
import type { Severity } from "../escalations/escalation-request.js";
import type { ChannelName } from "../forwarding/channel.js";

export const SEVERITIES = ["critical", "moderate", "minimal"] as const satisfies readonly Severity[];
/** Every status, in the lifecycle's order, so a report lists each one even at zero. */
const STATUSES = EscalationStatus.options;
const OPEN: ReadonlySet<EscalationStatus> = new Set(["queued", "awaiting_portal"]);

/** One escalation as a report needs it. */
export interface EscalationFact {
  id: string;
  tenantId: string;
  customerName: string;
  service: string;
  severity: Severity;
  status: EscalationStatus;
  /** Where it was forwarded (or refused), once a channel took it. */
  channel?: ChannelName;
  submittedAt: string;
  /** The first time it became forwarded. */
  forwardedAt?: string;
  /** When 21Vianet refused it, and the code it refused it with. */
  rejectedAt?: string;
  vianetCode?: string;
  /** 21Vianet's first answer after forwarding: a note or a status change of its own. */
  vianetRespondedAt?: string;
  /** When 21Vianet closed it. */
  closedAt?: string;
}

export interface GateFact {
  at: string;
  met: boolean;
  unmet: readonly Criterion[];
}

export interface DeadLetterFact {
  at: string;
  reason: string;
}

export type SeverityTargets = Record<Severity, number>;

export interface ReportTargets {
  /** Submission to forwarded, per severity, in milliseconds. */
  forwardMs: SeverityTargets;
  /** Forwarded to 21Vianet's first response, per severity, in milliseconds. */
  vianetResponseMs: SeverityTargets;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

/** Forward within 15 min / 1 h / 4 h; 21Vianet's published plans: 2 h / 4 h / 8 h first response. */
export const DEFAULT_TARGETS: ReportTargets = {
  forwardMs: { critical: 15 * MINUTE, moderate: HOUR, minimal: 4 * HOUR },
  vianetResponseMs: { critical: 2 * HOUR, moderate: 4 * HOUR, minimal: 8 * HOUR },
};

export interface ReportInput {
  from: Date;
  to: Date;
  /** The escalations submitted, forwarded, refused, answered or closed in the window, and those open (or waiting for 21Vianet) at `to`. */
  escalations: readonly EscalationFact[];
  gateDecisions: readonly GateFact[];
  deadLetters: readonly DeadLetterFact[];
  targets: ReportTargets;
  /** How many customers the top list names. */
  topCustomers: number;
}

export interface Durations {
  count: number;
  p50Ms: number | null;
  p95Ms: number | null;
  maxMs: number | null;
}

export interface Breach {
  id: string;
  severity: Severity;
  /** Submission to forwarding, or to `to` for one still waiting. */
  waitedMs: number;
  targetMs: number;
  state: "forwarded-late" | "still-waiting";
}

/** A first response from 21Vianet later than its target, or none yet at `to` past it. */
export interface VianetBreach {
  id: string;
  severity: Severity;
  /** Forwarding to 21Vianet's first response, or to `to` for one still waiting. */
  waitedMs: number;
  targetMs: number;
  state: "responded-late" | "still-waiting";
}

/** Durations over every severity and per severity. */
export interface DurationsBySeverity {
  all: Durations;
  bySeverity: Record<Severity, Durations>;
}

export interface MetricsReport {
  window: { from: string; to: string };
  volumes: {
    submitted: number;
    byStatus: Record<EscalationStatus, number>;
    byService: Record<string, number>;
    bySeverity: Record<Severity, number>;
    byChannel: Record<string, number>;
    topCustomers: { tenantId: string; name: string; count: number }[];
    /** Refused by the criteria gate (never stored as escalations). */
    gateRejected: number;
  };
  timeToForward: DurationsBySeverity;
  /** Forwarding to 21Vianet's first note or status change, for first responses in the window. */
  timeToVianetResponse: DurationsBySeverity;
  /** Forwarding to closed, for escalations closed in the window. */
  timeToClose: DurationsBySeverity;
  backlog: { open: number; byStatus: Record<string, number>; oldestAgeMs: number | null; oldestId: string | null };
  targets: {
    forward: {
      bySeverity: Record<Severity, { targetMs: number; forwarded: number; met: number; breached: number }>;
      breaches: Breach[];
    };
    vianetResponse: {
      /** `breached` counts both the late first responses and those still waiting past the target at `to`. */
      bySeverity: Record<
        Severity,
        { targetMs: number; responded: number; met: number; breached: number; stillWaiting: number }
      >;
      breaches: VianetBreach[];
    };
  };
  quality: {
    gate: { decisions: number; rejected: number; rejectionRate: number; unmetCriteria: Record<string, number> };
    vianetRejections: Record<string, number>;
    deadLetters: Record<string, number>;
  };
}

export function buildReport(input: ReportInput): MetricsReport {
  const from = input.from.getTime();
  const to = input.to.getTime();
  if (!(from < to)) throw new RangeError("a report window needs from < to");
  const inWindow = (iso: string | undefined): boolean => {
    if (iso === undefined) return false;
    const at = Date.parse(iso);
    return at >= from && at < to;
  };

  const submitted = input.escalations.filter((fact) => inWindow(fact.submittedAt));
  const forwarded = input.escalations.filter((fact) => inWindow(fact.forwardedAt));
  const waitMs = (fact: EscalationFact) => Date.parse(fact.forwardedAt ?? "") - Date.parse(fact.submittedAt);
  const open = input.escalations.filter((fact) => OPEN.has(fact.status) && Date.parse(fact.submittedAt) < to);

  const customers = new Map<string, { tenantId: string; name: string; count: number }>();
  for (const fact of submitted) {
    const entry = customers.get(fact.tenantId) ?? { tenantId: fact.tenantId, name: fact.customerName, count: 0 };
    entry.count += 1;
    customers.set(fact.tenantId, entry);
  }

  const breaches: Breach[] = [];
  const forwardTargets = perSeverity((severity) => ({
    targetMs: input.targets.forwardMs[severity],
    forwarded: 0,
    met: 0,
    breached: 0,
  }));
  for (const fact of forwarded) {
    const target = forwardTargets[fact.severity];
    const waited = waitMs(fact);
    target.forwarded += 1;
    if (waited > target.targetMs) {
      target.breached += 1;
      breaches.push({
        id: fact.id,
        severity: fact.severity,
        waitedMs: waited,
        targetMs: target.targetMs,
        state: "forwarded-late",
      });
    } else {
      target.met += 1;
    }
  }
  for (const fact of open) {
    const waited = to - Date.parse(fact.submittedAt);
    const target = forwardTargets[fact.severity];
    if (waited > target.targetMs) {
      target.breached += 1;
      breaches.push({
        id: fact.id,
        severity: fact.severity,
        waitedMs: waited,
        targetMs: target.targetMs,
        state: "still-waiting",
      });
    }
  }
  breaches.sort(longestFirst);

  const vianetResponse = vianetResponseTargets(input, inWindow);
  const sinceForwarding = (fact: EscalationFact, at: string | undefined) => sinceForwardingMs(fact, at ?? "");
  const responded = input.escalations.filter(
    (fact) => fact.forwardedAt !== undefined && inWindow(fact.vianetRespondedAt),
  );
  const closed = input.escalations.filter((fact) => fact.forwardedAt !== undefined && inWindow(fact.closedAt));

  // Oldest first; the id breaks a tie, so the answer does not depend on the facts' order.
  const older = (a: EscalationFact, b: EscalationFact) =>
    Date.parse(a.submittedAt) - Date.parse(b.submittedAt) || a.id.localeCompare(b.id);
  const oldest = open.reduce<EscalationFact | undefined>(
    (found, fact) => (found === undefined || older(fact, found) < 0 ? fact : found),
    undefined,
  );
  const gate = input.gateDecisions.filter((decision) => inWindow(decision.at));
  const gateRejected = gate.filter((decision) => !decision.met);

  return {
    window: { from: input.from.toISOString(), to: input.to.toISOString() },
    volumes: {
      submitted: submitted.length,
      byStatus: countBy(submitted, (fact) => fact.status, STATUSES),
      byService: countBy(submitted, (fact) => fact.service),
      bySeverity: countBy(submitted, (fact) => fact.severity, SEVERITIES),
      byChannel: countBy(
        submitted.filter((fact) => fact.channel !== undefined),
        (fact) => fact.channel ?? "",
      ),
      topCustomers: [...customers.values()]
        .sort((a, b) => b.count - a.count || a.tenantId.localeCompare(b.tenantId))
        .slice(0, input.topCustomers),
      gateRejected: gateRejected.length,
    },
    timeToForward: durationsBySeverity(forwarded, waitMs),
    timeToVianetResponse: durationsBySeverity(responded, (fact) => sinceForwarding(fact, fact.vianetRespondedAt)),
    timeToClose: durationsBySeverity(closed, (fact) => sinceForwarding(fact, fact.closedAt)),
    backlog: {
      open: open.length,
      byStatus: countBy(open, (fact) => fact.status),
      oldestAgeMs: oldest === undefined ? null : to - Date.parse(oldest.submittedAt),
      oldestId: oldest?.id ?? null,
    },
    targets: {
      forward: { bySeverity: forwardTargets, breaches },
      vianetResponse,
    },
    quality: {
      gate: {
        decisions: gate.length,
        rejected: gateRejected.length,
        rejectionRate: gate.length === 0 ? 0 : gateRejected.length / gate.length,
        unmetCriteria: countBy(
          gateRejected.flatMap((decision) => decision.unmet),
          (criterion) => criterion,
        ),
      },
      vianetRejections: countBy(
        input.escalations.filter((fact) => inWindow(fact.rejectedAt)),
        (fact) => fact.vianetCode ?? "unknown",
      ),
      deadLetters: countBy(
        input.deadLetters.filter((letter) => inWindow(letter.at)),
        (letter) => letter.reason,
      ),
    },
  };
}

/**
 * 21Vianet's first responses against their targets: each first response in the window is met or
 * late, and each escalation forwarded before `to` that 21Vianet had not answered by `to` (it is
 * still `forwarded` there) is still waiting, a breach once it has waited longer than its target.
 */
function vianetResponseTargets(
  input: ReportInput,
  inWindow: (iso: string | undefined) => boolean,
): MetricsReport["targets"]["vianetResponse"] {
  const to = input.to.getTime();
  const breaches: VianetBreach[] = [];
  const bySeverity = perSeverity((severity) => ({
    targetMs: input.targets.vianetResponseMs[severity],
    responded: 0,
    met: 0,
    breached: 0,
    stillWaiting: 0,
  }));
  for (const fact of input.escalations) {
    if (fact.forwardedAt === undefined) continue;
    const forwardedAt = Date.parse(fact.forwardedAt);
    const target = bySeverity[fact.severity];
    const breach = (waitedMs: number, state: VianetBreach["state"]) =>
      breaches.push({ id: fact.id, severity: fact.severity, waitedMs, targetMs: target.targetMs, state });
    if (inWindow(fact.vianetRespondedAt)) {
      const waited = sinceForwardingMs(fact, fact.vianetRespondedAt ?? "");
      target.responded += 1;
      if (waited > target.targetMs) {
        target.breached += 1;
        breach(waited, "responded-late");
      } else {
        target.met += 1;
      }
    } else if (
      fact.status === "forwarded" &&
      forwardedAt < to &&
      (fact.vianetRespondedAt === undefined || Date.parse(fact.vianetRespondedAt) >= to)
    ) {
      const waited = to - forwardedAt;
      if (waited > target.targetMs) {
        target.breached += 1;
        target.stillWaiting += 1;
        breach(waited, "still-waiting");
      }
    }
  }
  return { bySeverity, breaches: breaches.sort(longestFirst) };
}

/**
 * From forwarding to `at`. A person may report 21Vianet's answer with a time before the bridge
 * recorded the forwarding (a portal case recorded late): that answer came at once, not before.
 */
function sinceForwardingMs(fact: EscalationFact, at: string): number {
  return Math.max(0, Date.parse(at) - Date.parse(fact.forwardedAt ?? ""));
}

/** Longest wait first; the id breaks a tie, so the order does not depend on the facts' order. */
function longestFirst(a: { waitedMs: number; id: string }, b: { waitedMs: number; id: string }): number {
  return b.waitedMs - a.waitedMs || a.id.localeCompare(b.id);
}

function durationsBySeverity(
  facts: readonly EscalationFact[],
  measure: (fact: EscalationFact) => number,
): DurationsBySeverity {
  return {
    all: durations(facts.map(measure)),
    bySeverity: perSeverity((severity) => durations(facts.filter((fact) => fact.severity === severity).map(measure))),
  };
}

/** Nearest-rank percentiles over the values; nulls for none. */
export function durations(values: readonly number[]): Durations {
  if (values.length === 0) return { count: 0, p50Ms: null, p95Ms: null, maxMs: null };
  const sorted = [...values].sort((a, b) => a - b);
  const rank = (q: number) => sorted[Math.max(0, Math.ceil(q * sorted.length) - 1)] ?? null;
  return { count: sorted.length, p50Ms: rank(0.5), p95Ms: rank(0.95), maxMs: sorted.at(-1) ?? null };
}

function perSeverity<T>(build: (severity: Severity) => T): Record<Severity, T> {
  return { critical: build("critical"), moderate: build("moderate"), minimal: build("minimal") };
}

/** Counts per key; every key of `keys` is present, zero when nothing had it. */
function countBy<T, K extends string>(
  items: readonly T[],
  keyOf: (item: T) => K,
  keys: readonly K[] = [],
): Record<K, number> {
  const counts = new Map<K, number>(keys.map((key) => [key, 0]));
  for (const item of items) {
    const key = keyOf(item);
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return Object.fromEntries(counts) as Record<K, number>;
}
