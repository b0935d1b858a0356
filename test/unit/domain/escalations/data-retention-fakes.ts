// In-memory fakes of the data-retention ports: candidates from the escalations of an in-memory
// store (newest first, as the status lists are), deletion by version, records as dated items.
import type {
  CandidatePage,
  DeleteEscalationOutcome,
  RecordKind,
  RecordPage,
  RetentionCandidate,
  RetentionStore,
} from "../../../../shared/domain/escalations/data-retention-ports.js";
import type { Escalation } from "../../../../shared/domain/escalations/escalation.js";
import type { ErasureAudit, ErasureAuditEntry } from "../../../../shared/domain/escalations/personal-data-ports.js";
import { holdsPersonalData, isFinal } from "../../../../shared/domain/escalations/personal-data.js";
import type { Clock, Versioned } from "../../../../shared/domain/escalations/ports.js";
import type { InMemoryEscalationStore } from "./fakes.js";

export interface StoredRecord {
  kind: RecordKind;
  id: string;
  /** The time the record is expired by: its day's end, a report's window end, a key's last use. */
  at: string;
}

/** Newest first by creation, then by id: the order of the status lists' row keys. */
const listKey = (escalation: Escalation) =>
  `${String(9e15 - Date.parse(escalation.createdAt)).padStart(17, "0")}!${escalation.id}`;

export class InMemoryRetentionStore implements RetentionStore {
  readonly rowsPerErasure = 1;
  records: StoredRecord[] = [];
  /** Records deleted per call, so paging is exercised. */
  recordPageSize = 2;
  readonly calls: { kind: RecordKind; cutOff: string }[] = [];

  constructor(readonly escalations: InMemoryEscalationStore) {}

  #candidates(createdUpTo: Date, after: string | undefined, limit: number, wanted: (e: Escalation) => boolean) {
    const listed = [...this.escalations.escalations.values()]
      .map((stored) => stored.value)
      .filter((e) => isFinal(e.status) && Date.parse(e.createdAt) <= createdUpTo.getTime() && wanted(e))
      .map((e) => ({ key: listKey(e), e }))
      .filter(({ key }) => after === undefined || key > after)
      .sort((a, b) => (a.key < b.key ? -1 : 1));
    const page = listed.slice(0, limit);
    const candidates: RetentionCandidate[] = page.map(({ e }) => ({
      escalationId: e.id,
      status: e.status === "closed" || e.status === "rejected" ? e.status : "failed",
      tenantId: e.request.customer.tenantId,
      createdAt: e.createdAt,
    }));
    const last = page.at(-1);
    return Promise.resolve<CandidatePage>(
      listed.length > limit && last !== undefined ? { candidates, next: last.key } : { candidates },
    );
  }

  erasureCandidates(createdUpTo: Date, after: string | undefined, limit: number): Promise<CandidatePage> {
    return this.#candidates(createdUpTo, after, limit, holdsPersonalData);
  }

  deletionCandidates(createdUpTo: Date, after: string | undefined, limit: number): Promise<CandidatePage> {
    return this.#candidates(createdUpTo, after, limit, () => true);
  }

  deleteEscalation(stored: Versioned<Escalation>): Promise<DeleteEscalationOutcome> {
    const current = this.escalations.escalations.get(stored.value.id);
    if (current !== undefined && current.etag !== stored.etag) return Promise.resolve({ ok: false, error: "changed" });
    this.escalations.escalations.delete(stored.value.id);
    return Promise.resolve({ ok: true, rows: current === undefined ? 0 : 1 });
  }

  deleteLeftovers(): Promise<number> {
    return Promise.resolve(0);
  }

  deleteExpiredRecords(kind: RecordKind, cutOff: Date): Promise<RecordPage> {
    this.calls.push({ kind, cutOff: cutOff.toISOString() });
    const expired = this.records.filter((record) => record.kind === kind && Date.parse(record.at) <= cutOff.getTime());
    const gone = new Set(expired.slice(0, this.recordPageSize));
    this.records = this.records.filter((record) => !gone.has(record));
    return Promise.resolve(expired.length > gone.size ? { deleted: gone.size, next: "more" } : { deleted: gone.size });
  }
}

export class InMemoryErasureAudit implements ErasureAudit {
  readonly entries: ErasureAuditEntry[] = [];

  record(entry: ErasureAuditEntry): Promise<void> {
    this.entries.push(structuredClone(entry));
    return Promise.resolve();
  }

  list(from: Date, to: Date): Promise<ErasureAuditEntry[]> {
    return Promise.resolve(
      this.entries.filter((entry) => Date.parse(entry.at) >= from.getTime() && Date.parse(entry.at) < to.getTime()),
    );
  }

  /** The ids of every entry with this action, in order. */
  idsOf(action: ErasureAuditEntry["action"]): string[] {
    return this.entries.filter((entry) => entry.action === action).flatMap((entry) => entry.escalationIds);
  }
}

/** A clock that moves on by `stepMs` each time it is read: a run's deadline comes after so many reads. */
export class TickingClock implements Clock {
  #current: number;

  constructor(
    iso: string,
    readonly stepMs: number,
  ) {
    this.#current = Date.parse(iso);
  }

  now(): Date {
    const now = new Date(this.#current);
    this.#current += this.stepMs;
    return now;
  }
}
