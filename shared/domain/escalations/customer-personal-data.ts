// Erasure and access on request for one customer (China's PIPL: deletion on request, Art. 47, and
// the right to see what is kept, Art. 45): every escalation of the customer, whatever its status,
// and every copy of its personal data kept beside it (idempotency records, dead letters). The
// customer's own name and tenant stay: they are the partner's business record, not a contact's data.
import { mapBounded } from "../../lib/bounded-concurrency.js";
import type { EscalationSummary } from "./escalation.js";
import { erasePersonalDataOf, type ErasureAudit, type ErasureAuditEntry } from "./personal-data-ports.js";
import { personalDataOf, type StoredPersonalData } from "./personal-data.js";
import type { Clock, EscalationLister, EscalationStore } from "./ports.js";

/** The copies of an escalation's personal data kept outside the escalation itself. */
export interface PersonalDataCopies {
  /**
   * Deletes the idempotency records kept for these escalations: reserved for one of them, or whose
   * kept answer names one. Their fingerprint is a hash of the request body and their answer was
   * the request's: neither is needed once the data they stand for is gone. Answers how many.
   */
  deleteIdempotencyRecords(escalationIds: ReadonlySet<string>): Promise<number>;
  /**
   * Empties the body of dead letters that name one of these escalations and hold more than a
   * reference to it (a malformed message may carry anything), recorded on or after `since`.
   * Answers how many were rewritten.
   */
  eraseDeadLetters(escalationIds: ReadonlySet<string>, since: Date): Promise<number>;
}

/** Keys of the queue messages the app sends itself: a body of only these holds no personal data. */
const REFERENCE_KEYS = new Set(["escalationId", "correlationId", "kind", "noteId"]);

/** Whether a dead letter's body is only a reference (ids), as every message the app sends is. */
export function isReferenceOnly(body: string): boolean {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return body === "";
  }
  if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) return false;
  return Object.entries(parsed).every(([key, value]) => REFERENCE_KEYS.has(key) && typeof value === "string");
}

/** What an erasure on request did. */
export interface CustomerErasureCounts {
  /** The customer's escalations, whatever their status. */
  escalationsFound: number;
  /** Erased by this request. */
  erased: number;
  /** Holding no personal data any more: erased before (by a request or the retention timer). */
  alreadyErased: number;
  /** Erased before 21Vianet received them, so moved to `failed`: nothing is left to forward. */
  withdrawn: number;
  idempotencyRecordsDeleted: number;
  deadLettersErased: number;
  /**
   * Rows that held personal data, rewritten or deleted: per erased escalation its document and
   * its two list rows (by customer, by status), plus the idempotency records and dead letters.
   */
  rowsWritten: number;
}

export type CustomerErasureOutcome =
  | { ok: true; at: string; counts: CustomerErasureCounts }
  /** Some escalations changed at every attempt (busy being forwarded): the rest is erased; ask again. */
  | { ok: false; error: "kept-changing"; at: string; counts: CustomerErasureCounts; pending: string[] };

export interface CustomerPersonalDataDependencies {
  store: Pick<EscalationStore, "get" | "replace">;
  lister: Pick<EscalationLister, "listByCustomer">;
  copies: PersonalDataCopies;
  audit: ErasureAudit;
  clock: Clock;
  /** Escalations read or erased at once. Default 8. */
  concurrency?: number;
}

const DEFAULT_CONCURRENCY = 8;
/** The largest page the customer list gives: fewest requests to find every escalation. */
const LIST_PAGE = 1_000;
/** How far back an access request looks for erasure audit entries: the record retention's default. */
const AUDIT_LOOKBACK_MS = 400 * 24 * 60 * 60_000;

/**
 * Every escalation of the customer, from its own list partition, newest first. The ids and
 * creation times only: 100 bytes each, so even tens of thousands fit in memory.
 */
export async function escalationsOfCustomer(
  lister: Pick<EscalationLister, "listByCustomer">,
  tenantId: string,
): Promise<EscalationSummary[]> {
  const found: EscalationSummary[] = [];
  let continuationToken: string | undefined;
  do {
    const page = await lister.listByCustomer(tenantId, {
      pageSize: LIST_PAGE,
      ...(continuationToken === undefined ? {} : { continuationToken }),
    });
    // Tokens come from the previous page of this very list: a refusal is a bug, not input.
    if (!page.ok) throw new Error(`the customer list refused its own continuation token for ${tenantId}`);
    found.push(...page.items);
    continuationToken = page.continuationToken;
  } while (continuationToken !== undefined);
  return found;
}

/**
 * Erases now the personal data of every escalation of `tenantId` and its copies, and audits it.
 *
 * Each escalation is one read-decide-write (2 requests, plus its list rows and, when withdrawn, a
 * status event), `concurrency` at a time; the copies are one scan of the idempotency records (at
 * most 7 days of them) and of the dead letters since the oldest escalation. At thousands of
 * escalations this is thousands of requests, tens of seconds: a request cut short by the function
 * timeout has erased what it reached, and sending it again carries on, since what is erased
 * already costs one read and changes nothing. It is audited whatever it found, even nothing:
 * the audit is the record that the customer's request was honoured, and when.
 */
export async function eraseCustomerPersonalData(
  tenantId: string,
  actor: string,
  deps: CustomerPersonalDataDependencies,
): Promise<CustomerErasureOutcome> {
  const at = deps.clock.now().toISOString();
  const erasure = { at, reason: "request" as const, by: actor };
  const found = await escalationsOfCustomer(deps.lister, tenantId);
  const sameCustomer = (candidate: string) => candidate.toLowerCase() === tenantId.toLowerCase();
  const outcomes = await mapBounded(found, deps.concurrency ?? DEFAULT_CONCURRENCY, (summary) =>
    erasePersonalDataOf(deps.store, summary.id, erasure, (escalation) =>
      sameCustomer(escalation.request.customer.tenantId),
    ),
  );
  let erased = 0;
  let alreadyErased = 0;
  let withdrawn = 0;
  const pending: string[] = [];
  outcomes.forEach((outcome, index) => {
    const id = found[index]?.id ?? "";
    if (!outcome.ok) {
      // An index row whose escalation is gone (a create cut short) holds nothing to erase.
      if (outcome.error === "kept-changing") pending.push(id);
      return;
    }
    if (outcome.changed) erased++;
    else alreadyErased++;
    if (outcome.withdrawn) withdrawn++;
  });
  const ids = found.map((summary) => summary.id);
  const idSet = new Set(ids);
  const oldest = found.reduce<string | undefined>(
    (earliest, summary) => (earliest === undefined || summary.createdAt < earliest ? summary.createdAt : earliest),
    undefined,
  );
  const [idempotencyRecordsDeleted, deadLettersErased] =
    ids.length === 0
      ? [0, 0]
      : await Promise.all([
          deps.copies.deleteIdempotencyRecords(idSet),
          deps.copies.eraseDeadLetters(idSet, new Date(oldest ?? at)),
        ]);
  const counts: CustomerErasureCounts = {
    escalationsFound: found.length,
    erased,
    alreadyErased,
    withdrawn,
    idempotencyRecordsDeleted,
    deadLettersErased,
    rowsWritten: erased * 3 + idempotencyRecordsDeleted + deadLettersErased,
  };
  const entry: ErasureAuditEntry = {
    at,
    actor,
    action: "erase-on-request",
    tenantId,
    escalationIds: ids,
    rows: counts.rowsWritten,
    counts: { ...counts },
  };
  await deps.audit.record(entry);
  return pending.length === 0 ? { ok: true, at, counts } : { ok: false, error: "kept-changing", at, counts, pending };
}

/** What an access request answers: every escalation's personal data, and the customer's erasures. */
export interface CustomerPersonalData {
  tenantId: string;
  escalations: StoredPersonalData[];
  erasures: ErasureAuditEntry[];
}

/** Everything stored about the customer's contacts, newest escalation first, with the erasures audited for it. */
export async function customerPersonalData(
  tenantId: string,
  deps: Pick<CustomerPersonalDataDependencies, "store" | "lister" | "audit" | "clock" | "concurrency">,
): Promise<CustomerPersonalData> {
  const found = await escalationsOfCustomer(deps.lister, tenantId);
  const read = await mapBounded(found, deps.concurrency ?? DEFAULT_CONCURRENCY, (summary) =>
    deps.store.get(summary.id),
  );
  const escalations = read.flatMap((stored) =>
    stored === undefined || stored.value.request.customer.tenantId.toLowerCase() !== tenantId.toLowerCase()
      ? []
      : [personalDataOf(stored.value)],
  );
  const now = deps.clock.now();
  // One query per month of the audit (every customer's entries): cheap beside the escalations.
  const audited = await deps.audit.list(new Date(now.getTime() - AUDIT_LOOKBACK_MS), new Date(now.getTime() + 1));
  const erasures = audited.filter((entry) => entry.tenantId?.toLowerCase() === tenantId.toLowerCase());
  return { tenantId, escalations, erasures };
}
