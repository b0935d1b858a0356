// The roles personal-data erasure and the retention timer depend on: where erasures are audited,
// and the change that erases one escalation. No SDK types: Table Storage implements them.
import { changeEscalation } from "./change-escalation.js";
import type { Escalation } from "./escalation.js";
import type { EscalationStore, Versioned } from "./ports.js";
import { erasePersonalData, type PersonalDataErasure } from "./personal-data.js";

/**
 * One erasure or deletion, as the audit keeps it: who, when, which escalations and how many rows,
 * never the erased data itself.
 */
export interface ErasureAuditEntry {
  at: string;
  /** A caller id, or `data-retention` for the timer. */
  actor: string;
  action: "erase-on-request" | "erase-after-retention" | "delete-after-retention";
  /** The customer an erasure on request was for. */
  tenantId?: string;
  escalationIds: string[];
  /** Table rows rewritten or deleted. */
  rows: number;
  /** Counts by kind of row or record (escalations, idempotency records, status events...). */
  counts?: Record<string, number>;
}

export interface ErasureAudit {
  record(entry: ErasureAuditEntry): Promise<void>;
  /** The entries recorded in [from, to), oldest first. */
  list(from: Date, to: Date): Promise<ErasureAuditEntry[]>;
}

export type EraseOutcome =
  | { ok: true; changed: boolean; withdrawn: boolean; escalation: Escalation }
  | { ok: false; error: "not-found" | "kept-changing" };

/**
 * Erases one escalation's personal data with the usual read-decide-write loop, so a concurrent
 * change is read again rather than overwritten. `mayErase` sees the version read (the retention
 * timer checks it is still due; a request checks it is the customer's). `read`: a version the
 * caller holds already, tried first without reading it again.
 */
export async function erasePersonalDataOf(
  store: Pick<EscalationStore, "get" | "replace">,
  id: string,
  erasure: PersonalDataErasure,
  mayErase: (escalation: Escalation) => boolean = () => true,
  read?: Versioned<Escalation>,
): Promise<EraseOutcome> {
  type Answer = { changed: boolean; withdrawn: boolean; escalation: Escalation };
  const outcome = await changeEscalation<Answer>(
    store,
    id,
    ({ value }) => {
      if (!mayErase(value)) return { stop: { changed: false, withdrawn: false, escalation: value } };
      const erased = erasePersonalData(value, erasure);
      if (!erased.changed) return { stop: { changed: false, withdrawn: false, escalation: value } };
      return { write: erased.escalation, answer: erased };
    },
    undefined,
    read,
  );
  if (!outcome.ok) return outcome;
  return { ok: true, ...outcome.answer };
}
