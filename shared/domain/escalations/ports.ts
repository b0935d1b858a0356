// The roles the escalation operations depend on. No SDK types: adapters (Table Storage, Service
// Bus) implement them, and tests use in-memory fakes.
import { BridgeError } from "../../lib/errors.js";
import type { CriterionDecision } from "./criteria.js";
import type { Escalation, EscalationMessage, EscalationStatus, EscalationSummary } from "./escalation.js";
import type { EscalationRequest } from "./escalation-request.js";

export interface Clock {
  now(): Date;
}

export interface IdGenerator {
  /** A new escalation id: unique, URL- and key-safe. */
  escalationId(): string;
  correlationId(): string;
}

/** One pass through the criteria gate, kept whether the escalation went through or not. */
export interface GateDecision {
  at: string;
  callerId: string;
  tenantId: string;
  service: string;
  severity: EscalationRequest["severity"];
  met: boolean;
  decisions: CriterionDecision[];
  escalationId: string | undefined;
}

export type Versioned<T> = { value: T; etag: string };

/** What `create` stored. */
export interface Created extends Versioned<Escalation> {
  /**
   * Set when the escalation's own record was stored but a row that follows it (list entries,
   * status events) was not: the escalation exists and is accepted; the dispatch sweep restores
   * those rows before it queues the escalation.
   */
  followingRowsError?: unknown;
}

/** `create` with an id that is stored already. */
export class EscalationExistsError extends BridgeError {
  override readonly name = "EscalationExistsError";

  constructor(readonly escalationId: string) {
    super("escalation-exists", `escalation ${escalationId} exists`);
  }
}

export interface EscalationStore {
  /**
   * Stores a new escalation; an existing id throws EscalationExistsError. Once its own record is
   * stored, a failure of what follows is returned (`followingRowsError`), never thrown.
   */
  create(escalation: Escalation): Promise<Created>;
  get(id: string): Promise<Versioned<Escalation> | undefined>;
  /** Replaces an escalation if it is still at `etag`; `conflict` when someone changed it meanwhile. */
  replace(
    escalation: Escalation,
    etag: string,
  ): Promise<{ ok: true; etag: string } | { ok: false; error: "conflict" | "not-found" }>;
  recordGateDecision(decision: GateDecision): Promise<void>;
  /** Escalations stored but whose queue message was not confirmed sent, oldest first. */
  listPendingDispatch(olderThan: Date, limit: number): Promise<Escalation[]>;
  /**
   * Writes again what follows an escalation's own record (list entries, status events for the
   * metrics), for a version read back after a crash may have cut a write short. Idempotent.
   */
  restoreFollowingRows(stored: Versioned<Escalation>): Promise<void>;
  /**
   * The escalations whose recorded 21Vianet case or service request number (`vianet.serviceRequestId`)
   * is exactly `caseNumber`, oldest first: usually one, none for a number never recorded.
   */
  findByVianetCase(caseNumber: string): Promise<Versioned<Escalation>[]>;
}

export interface EscalationQueue {
  /** Sends with MessageId = escalation id, so a re-send is dropped by duplicate detection. */
  send(message: EscalationMessage): Promise<void>;
}

export interface ListByStatusOptions {
  /** Created at or after this instant. */
  from?: Date;
  /** Created before this instant. */
  to?: Date;
  /** At most this many items, 1 to 1,000. */
  pageSize: number;
  /** From the previous page, to carry on where it stopped. */
  continuationToken?: string;
}

export interface ListByCustomerOptions extends ListByStatusOptions {
  status?: EscalationStatus;
}

export interface ListForTenantsOptions extends ListByStatusOptions {
  status: EscalationStatus;
}

/** Newest first; `continuationToken` is absent on the last page. */
export interface EscalationPage {
  items: EscalationSummary[];
  continuationToken?: string;
}

/** A token that did not come from a previous page of the same list is refused, not passed to the service. */
export type EscalationListResult = ({ ok: true } & EscalationPage) | { ok: false; error: "invalid-continuation-token" };

/** The listing side of the escalation store, for the HTTP API's lists. */
export interface EscalationLister {
  listByCustomer(tenantId: string, options: ListByCustomerOptions): Promise<EscalationListResult>;
  listByStatus(status: EscalationStatus, options: ListByStatusOptions): Promise<EscalationListResult>;
  /** One status over only these customers, read from their own partitions. */
  listForTenants(tenantIds: readonly string[], options: ListForTenantsOptions): Promise<EscalationListResult>;
}
