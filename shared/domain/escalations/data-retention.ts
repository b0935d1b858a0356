// One run of the data-retention timer: erases the personal data of final escalations once
// PERSONAL_DATA_RETENTION has passed, deletes whole escalations once RECORD_RETENTION has, and the
// time-bucketed records (status events, gate decisions, dead letters, reports) older than it, and
// idempotency records once their 7 days are over. Each erasure and deletion is audited.
//
// Bounded: the run stops between batches once its budget is spent. Resumable and safe to run
// twice without a cursor of its own: what is done is visible in the data (an erased escalation's
// list rows say it holds no personal data, a deleted row is gone), so the next run's scan passes
// over it and starts on what is left; every step is decided again on the version read.
import { erasePersonalDataOf, type ErasureAudit, type ErasureAuditEntry } from "./personal-data-ports.js";
import type { Escalation } from "./escalation.js";
import { IDEMPOTENCY_LEASE_MS, IDEMPOTENCY_RETENTION_MS } from "./idempotency.js";
import { finalSince, isDueForErasure, type PersonalDataErasure } from "./personal-data.js";
import type { Clock, EscalationStore } from "./ports.js";
import {
  RECORD_KINDS,
  type CandidatePage,
  type RecordKind,
  type RetentionCandidate,
  type RetentionStore,
} from "./data-retention-ports.js";
import { mapBounded } from "../../lib/bounded-concurrency.js";

/** Who the audit and the escalations' `erasure` name for the timer. */
export const RETENTION_ACTOR = "data-retention";
/** Escalation ids in one audit entry; a longer list is split over several entries. */
export const MAX_IDS_PER_AUDIT_ENTRY = 1_000;
const DEFAULT_BATCH_SIZE = 200;
const DEFAULT_CONCURRENCY = 8;

/** Whether a whole escalation is due for deletion at `now`: final for at least `retentionMs`. */
export function isDueForDeletion(escalation: Escalation, now: Date, retentionMs: number): boolean {
  const since = finalSince(escalation);
  return since !== undefined && Date.parse(since) + retentionMs <= now.getTime();
}

export interface DataRetentionDependencies {
  store: Pick<EscalationStore, "get" | "replace">;
  retention: RetentionStore;
  audit: Pick<ErasureAudit, "record">;
  clock: Clock;
  personalDataRetentionMs: number;
  recordRetentionMs: number;
  /** How long the run may work: it stops between batches once this much time has passed. */
  budgetMs: number;
  /** Candidates read and settled per batch. Default 200. */
  batchSize?: number;
  /** Escalations settled at once within a batch. Default 8. */
  concurrency?: number;
  log?: (message: string, detail: Record<string, unknown>) => void;
}

export interface DataRetentionSummary {
  /** The time the run decided by: everything due at this instant, and nothing later. */
  at: string;
  erased: number;
  deletedEscalations: number;
  /** Candidates read and left as they are: not due yet, or changed while the run worked on them. */
  skipped: number;
  /** Candidates whose settling failed (logged by id); the next run tries them again. */
  failed: number;
  /** Records deleted, by kind. */
  deletedRecords: Record<RecordKind, number>;
  auditEntries: number;
  /** The budget ran out before everything due was done: the next run carries on. */
  stoppedEarly: boolean;
}

type Settled = { kind: "erased" | "deleted"; id: string; rows: number } | { kind: "skipped" } | { kind: "failed" };

type Phase = "erase" | "delete";

export async function runDataRetention(deps: DataRetentionDependencies): Promise<DataRetentionSummary> {
  const now = deps.clock.now();
  const deadline = now.getTime() + deps.budgetMs;
  const outOfTime = () => deps.clock.now().getTime() >= deadline;
  const summary: DataRetentionSummary = {
    at: now.toISOString(),
    erased: 0,
    deletedEscalations: 0,
    skipped: 0,
    failed: 0,
    deletedRecords: { statusEvents: 0, gateDecisions: 0, deadLetters: 0, reports: 0, idempotencyRecords: 0 },
    auditEntries: 0,
    stoppedEarly: false,
  };
  const record = async (entry: Omit<ErasureAuditEntry, "at" | "actor">) => {
    await deps.audit.record({ at: now.toISOString(), actor: RETENTION_ACTOR, ...entry });
    summary.auditEntries += 1;
  };
  const personalCutOff = new Date(now.getTime() - deps.personalDataRetentionMs);
  const recordCutOff = new Date(now.getTime() - deps.recordRetentionMs);

  /** A page of candidates at a time until the lists are read; false when the budget ran out first. */
  async function escalationPhase(phase: Phase): Promise<boolean> {
    let after: string | undefined;
    do {
      if (outOfTime()) return false;
      const page: CandidatePage =
        phase === "erase"
          ? await deps.retention.erasureCandidates(personalCutOff, after, deps.batchSize ?? DEFAULT_BATCH_SIZE)
          : await deps.retention.deletionCandidates(recordCutOff, after, deps.batchSize ?? DEFAULT_BATCH_SIZE);
      const settled = await mapBounded(page.candidates, deps.concurrency ?? DEFAULT_CONCURRENCY, (candidate) =>
        settle(phase, candidate),
      );
      // Audited batch by batch, before the next one starts, so a run cut short loses no entry of
      // what it finished (an erased escalation also carries its own `erasure` mark).
      await auditEscalations(settled);
      after = page.next;
    } while (after !== undefined);
    return true;
  }

  /**
   * One candidate, decided on the version read: deleted when final for the record retention
   * (which erases too, so the erase pass deletes what is due for both), erased when final for the
   * personal data retention, otherwise left.
   */
  async function settle(phase: Phase, candidate: RetentionCandidate): Promise<Settled> {
    const id = candidate.escalationId;
    try {
      const stored = await deps.store.get(id);
      if (stored === undefined) {
        // A deletion cut short after the document: its list rows lead here, and go now.
        const rows = await deps.retention.deleteLeftovers(candidate);
        return rows > 0 ? { kind: "deleted", id, rows } : { kind: "skipped" };
      }
      if (isDueForDeletion(stored.value, now, deps.recordRetentionMs)) {
        const deleted = await deps.retention.deleteEscalation(stored);
        return deleted.ok ? { kind: "deleted", id, rows: deleted.rows } : { kind: "skipped" };
      }
      if (phase === "delete" || !isDueForErasure(stored.value, now, deps.personalDataRetentionMs))
        return { kind: "skipped" };
      const erasure: PersonalDataErasure = { at: now.toISOString(), reason: "retention", by: RETENTION_ACTOR };
      const erased = await erasePersonalDataOf(
        deps.store,
        id,
        erasure,
        (latest) => isDueForErasure(latest, now, deps.personalDataRetentionMs),
        stored,
      );
      return erased.ok && erased.changed
        ? { kind: "erased", id, rows: deps.retention.rowsPerErasure }
        : { kind: "skipped" };
    } catch (error) {
      deps.log?.("data retention could not settle an escalation", {
        escalationId: id,
        error: error instanceof Error ? `${error.name}: ${error.message}` : String(error),
      });
      return { kind: "failed" };
    }
  }

  async function auditEscalations(settled: Settled[]): Promise<void> {
    for (const outcome of settled) {
      if (outcome.kind === "erased") summary.erased += 1;
      else if (outcome.kind === "deleted") summary.deletedEscalations += 1;
      else if (outcome.kind === "skipped") summary.skipped += 1;
      else summary.failed += 1;
    }
    for (const [kind, action] of [
      ["erased", "erase-after-retention"],
      ["deleted", "delete-after-retention"],
    ] as const) {
      const done = settled.flatMap((outcome) => (outcome.kind === kind ? [outcome] : []));
      for (const chunk of chunks(done, MAX_IDS_PER_AUDIT_ENTRY)) {
        const rows = chunk.reduce((sum, outcome) => sum + outcome.rows, 0);
        await record({
          action,
          escalationIds: chunk.map((outcome) => outcome.id),
          rows,
          counts: { escalations: chunk.length },
        });
      }
    }
  }

  /** One kind of record, a page at a time; audited once per run with its count. */
  async function recordPhase(kind: RecordKind): Promise<boolean> {
    // An idempotency key is kept 7 days after its last use; the lease is the margin for a claim
    // taken over at the very end of them.
    const cutOff =
      kind === "idempotencyRecords"
        ? new Date(now.getTime() - IDEMPOTENCY_RETENTION_MS - IDEMPOTENCY_LEASE_MS)
        : recordCutOff;
    let after: string | undefined;
    let deleted = 0;
    let finished = true;
    do {
      if (outOfTime()) {
        finished = false;
        break;
      }
      const page = await deps.retention.deleteExpiredRecords(kind, cutOff, after);
      deleted += page.deleted;
      after = page.next;
    } while (after !== undefined);
    summary.deletedRecords[kind] += deleted;
    if (deleted > 0)
      await record({ action: "delete-after-retention", escalationIds: [], rows: deleted, counts: { [kind]: deleted } });
    return finished;
  }

  const phases: (() => Promise<boolean>)[] = [
    () => escalationPhase("erase"),
    () => escalationPhase("delete"),
    ...RECORD_KINDS.map((kind) => () => recordPhase(kind)),
  ];
  for (const phase of phases) {
    if (!(await phase())) {
      summary.stoppedEarly = true;
      break;
    }
  }
  return summary;
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let start = 0; start < items.length; start += size) out.push(items.slice(start, start + size));
  return out;
}
