// The roles the data-retention run depends on, with no SDK types: where final escalations past a
// retention are found, how a whole escalation and the time-bucketed records are deleted. Table
// Storage implements them (table-data-retention.ts); unit tests use in-memory fakes.
import type { Escalation } from "./escalation.js";
import type { FinalStatus } from "./personal-data.js";
import type { Versioned } from "./ports.js";

/** A final escalation as its status list row shows it: enough to find it, and to delete that row. */
export interface RetentionCandidate {
  escalationId: string;
  /** The final status whose list the row is in. */
  status: FinalStatus;
  tenantId: string;
  createdAt: string;
}

export interface CandidatePage {
  candidates: RetentionCandidate[];
  /** Where the next page starts within this run; absent once the lists are read to the end. */
  next?: string;
}

/** The kinds of time-bucketed records deleted once older than the record retention. */
export const RECORD_KINDS = ["statusEvents", "gateDecisions", "deadLetters", "reports", "idempotencyRecords"] as const;
export type RecordKind = (typeof RECORD_KINDS)[number];

export interface RecordPage {
  /** Rows deleted by this call. */
  deleted: number;
  /** Where the next call continues within this run; absent once nothing older is left. */
  next?: string;
}

export type DeleteEscalationOutcome =
  | { ok: true; rows: number }
  /** The escalation was written after it was read (a replay, a late note): nothing of it is gone for good. */
  | { ok: false; error: "changed" };

export interface RetentionStore {
  /**
   * Final escalations created at or before `createdUpTo` (none created later can have been final
   * long enough) whose list rows do not say their personal data is gone; rows written before
   * lists said so count as holding some. A page of at most `limit`, from `after` on.
   */
  erasureCandidates(createdUpTo: Date, after: string | undefined, limit: number): Promise<CandidatePage>;
  /** Every final escalation created at or before `createdUpTo`, a page of at most `limit`, from `after` on. */
  deletionCandidates(createdUpTo: Date, after: string | undefined, limit: number): Promise<CandidatePage>;
  /**
   * Deletes every row of the escalation: the document only if it is still the version read, and
   * the status list row that leads to it last, so a run cut anywhere leaves that row for the next
   * run to find and finish from.
   */
  deleteEscalation(stored: Versioned<Escalation>): Promise<DeleteEscalationOutcome>;
  /** Deletes the list rows of a candidate whose document is gone (a deletion cut short after it); answers rows deleted. */
  deleteLeftovers(candidate: RetentionCandidate): Promise<number>;
  /**
   * Deletes one page of records of `kind` older than `cutOff` (status events, gate decisions and
   * dead letters of whole UTC days before it, reports whose window ended before it, idempotency
   * records whose last use was before it), partition by partition in batches.
   */
  deleteExpiredRecords(kind: RecordKind, cutOff: Date, after: string | undefined): Promise<RecordPage>;
  /** Rows an erasure rewrites: the escalation and the rows its lists show. */
  readonly rowsPerErasure: number;
}
