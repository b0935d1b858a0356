// In-memory fakes of the escalation ports, for unit tests.
import { CriteriaRules } from "../../../../shared/domain/escalations/criteria.js";
import type { Escalation, EscalationMessage } from "../../../../shared/domain/escalations/escalation.js";
import type {
  ClaimResult,
  IdempotencyStore,
  StoredResponse,
} from "../../../../shared/domain/escalations/idempotency.js";
import {
  EscalationExistsError,
  type Clock,
  type Created,
  type EscalationQueue,
  type EscalationStore,
  type GateDecision,
  type IdGenerator,
  type Versioned,
} from "../../../../shared/domain/escalations/ports.js";

export class FakeClock implements Clock {
  current: Date;

  constructor(iso = "2026-11-26T08:00:00.000Z") {
    this.current = new Date(iso);
  }

  now(): Date {
    return new Date(this.current);
  }

  advance(ms: number): void {
    this.current = new Date(this.current.getTime() + ms);
  }
}

export class SequentialIds implements IdGenerator {
  #next = 1;

  escalationId(): string {
    return `esc-${String(this.#next++).padStart(4, "0")}`;
  }

  correlationId(): string {
    return `corr-${String(this.#next++).padStart(4, "0")}`;
  }
}

export class InMemoryEscalationStore implements EscalationStore {
  readonly escalations = new Map<string, Versioned<Escalation>>();
  readonly gateDecisions: GateDecision[] = [];
  /** The escalations whose following rows were restored, in call order (the fake has none to write). */
  readonly restored: string[] = [];
  #version = 0;

  #etag(): string {
    return `W/"${++this.#version}"`;
  }

  /** Faults a real store shows after the escalation's own record is written, each for the next N calls. */
  readonly faults = { followingRows: 0, throwAfterStoring: 0, replace: 0 };

  create(escalation: Escalation): Promise<Created> {
    if (this.escalations.has(escalation.id)) return Promise.reject(new EscalationExistsError(escalation.id));
    const stored = { value: structuredClone(escalation), etag: this.#etag() };
    this.escalations.set(escalation.id, stored);
    if (this.faults.throwAfterStoring > 0) {
      this.faults.throwAfterStoring--;
      return Promise.reject(new Error("RestError: the answer to the write was lost"));
    }
    if (this.faults.followingRows > 0) {
      this.faults.followingRows--;
      return Promise.resolve({
        ...structuredClone(stored),
        followingRowsError: new Error("RestError: index row write failed"),
      });
    }
    return Promise.resolve(structuredClone(stored));
  }

  get(id: string): Promise<Versioned<Escalation> | undefined> {
    const stored = this.escalations.get(id);
    return Promise.resolve(stored === undefined ? undefined : structuredClone(stored));
  }

  replace(
    escalation: Escalation,
    etag: string,
  ): Promise<{ ok: true; etag: string } | { ok: false; error: "conflict" | "not-found" }> {
    if (this.faults.replace > 0) {
      this.faults.replace--;
      return Promise.reject(new Error("RestError: storage unavailable"));
    }
    const stored = this.escalations.get(escalation.id);
    if (stored === undefined) return Promise.resolve({ ok: false, error: "not-found" });
    if (stored.etag !== etag) return Promise.resolve({ ok: false, error: "conflict" });
    const next = { value: structuredClone(escalation), etag: this.#etag() };
    this.escalations.set(escalation.id, next);
    return Promise.resolve({ ok: true, etag: next.etag });
  }

  recordGateDecision(decision: GateDecision): Promise<void> {
    this.gateDecisions.push(structuredClone(decision));
    return Promise.resolve();
  }

  listPendingDispatch(olderThan: Date, limit: number): Promise<Escalation[]> {
    const pending = [...this.escalations.values()]
      .map((stored) => stored.value)
      .filter(
        (escalation) => escalation.dispatch === "pending" && Date.parse(escalation.createdAt) < olderThan.getTime(),
      )
      .sort((a, b) => a.createdAt.localeCompare(b.createdAt))
      .slice(0, limit);
    // As the Table store does: the rows that follow each pending escalation are written again.
    this.restored.push(...pending.map((escalation) => escalation.id));
    return Promise.resolve(structuredClone(pending));
  }

  restoreFollowingRows(stored: Versioned<Escalation>): Promise<void> {
    this.restored.push(stored.value.id);
    return Promise.resolve();
  }

  findByVianetCase(caseNumber: string): Promise<Versioned<Escalation>[]> {
    const found = [...this.escalations.values()]
      .filter((stored) => stored.value.vianet?.serviceRequestId === caseNumber)
      .sort((a, b) => a.value.createdAt.localeCompare(b.value.createdAt));
    return Promise.resolve(structuredClone(found));
  }
}

export class InMemoryQueue implements EscalationQueue {
  readonly sent: EscalationMessage[] = [];
  failNext = 0;

  send(message: EscalationMessage): Promise<void> {
    if (this.failNext > 0) {
      this.failNext--;
      return Promise.reject(new Error("ServiceBusError: ServiceUnavailable"));
    }
    this.sent.push(structuredClone(message));
    return Promise.resolve();
  }
}

/** Same rules as the Table adapter: claim once, replay when completed, refuse another body, keep the reservation. */
export class InMemoryIdempotencyStore implements IdempotencyStore {
  readonly records = new Map<
    string,
    { fingerprint: string; reservation: string; released: boolean; response?: StoredResponse }
  >();
  /** Makes the next `complete` calls throw, as a storage outage would. */
  failCompletions = 0;

  claim(scope: string, key: string, fingerprint: string, _now: Date, reservation: string): Promise<ClaimResult> {
    const id = `${scope}\u0000${key}`;
    const existing = this.records.get(id);
    if (existing === undefined) {
      this.records.set(id, { fingerprint, reservation, released: false });
      return Promise.resolve({ state: "claimed", reservation, resumed: false });
    }
    if (existing.fingerprint !== fingerprint) return Promise.resolve({ state: "mismatch" });
    if (existing.response !== undefined) return Promise.resolve({ state: "completed", response: existing.response });
    if (!existing.released) return Promise.resolve({ state: "in-flight" });
    existing.released = false;
    return Promise.resolve({ state: "claimed", reservation: existing.reservation, resumed: true });
  }

  complete(scope: string, key: string, response: StoredResponse): Promise<void> {
    if (this.failCompletions > 0) {
      this.failCompletions--;
      return Promise.reject(new Error("RestError: storage unavailable"));
    }
    const record = this.records.get(`${scope}\u0000${key}`);
    if (record) record.response = response;
    return Promise.resolve();
  }

  release(scope: string, key: string): Promise<void> {
    const record = this.records.get(`${scope}\u0000${key}`);
    if (record) record.released = true;
    return Promise.resolve();
  }

  /** What a crashed attempt leaves once the lease has run out: a claim the next request takes over, as a released one. */
  abandon(scope: string, key: string): void {
    void this.release(scope, key);
  }
}

/** Everything the intake needs, in memory: what the submit and webhook handlers are built over. */
export function intakePorts(options: { clock?: FakeClock; services?: string[] } = {}) {
  const store = new InMemoryEscalationStore();
  const queue = new InMemoryQueue();
  const idempotency = new InMemoryIdempotencyStore();
  const clock = options.clock ?? new FakeClock();
  const ports = {
    store,
    queue,
    clock,
    ids: new SequentialIds(),
    rules: CriteriaRules.parse({}),
    services: options.services ?? ["office365", "azure"],
    idempotency,
  };
  return { store, queue, idempotency, clock, ports };
}
