// Escalations in Table Storage: one table, each kind of row told apart by its PartitionKey prefix —
// the escalation itself (a whole JSON document), index rows for the HTTP API's lists and for
// 21Vianet's case numbers, the outbox of unsent queue messages and the criteria gate's decisions.
// Every query names its PartitionKey.
import { BridgeError } from "../../lib/errors.js";
import { parseJsonOrUndefined } from "../../lib/parse-json.js";
import { randomUUID } from "node:crypto";
import { odata, type TableClient } from "@azure/data-tables";
import { writeStatusEvents } from "./table-status-events.js";
import { TableEventOutbox } from "./table-event-outbox.js";
import { hasEventsAfter } from "../../domain/events/escalation-events.js";
import type { OutboxEntry, RecordedEvents } from "../../domain/events/publish-events.js";
import { alignSyncRow } from "./table-sync-schedule.js";
import { deleteIfPresent, tableStatusOf } from "./table-errors.js";
import { z } from "zod";
import { Escalation, EscalationStatus, EscalationSummary, canMove } from "../../domain/escalations/escalation.js";
import { holdsPersonalData } from "../../domain/escalations/personal-data.js";
import {
  EscalationExistsError,
  type Created,
  type EscalationListResult,
  type EscalationStore,
  type GateDecision,
  type ListByCustomerOptions,
  type ListByStatusOptions,
  type ListForTenantsOptions,
  type Versioned,
} from "../../domain/escalations/ports.js";
import { checkEntityLimits, joinLongText, splitLongText, type EntityLimitCheck } from "./long-text.js";
import { invertedTimestamp, joinKey, splitKey, timestampKey, toTableKey } from "./table-keys.js";

type LimitFailure = Exclude<EntityLimitCheck, { ok: true }>;

/** An escalation that does not fit one entity. Refused whole: it is never truncated. */
export class EscalationTooLargeError extends BridgeError {
  override readonly name = "EscalationTooLargeError";

  constructor(
    readonly escalationId: string,
    readonly limit: LimitFailure,
  ) {
    super(
      "escalation-too-large",
      `escalation ${escalationId} does not fit one table entity: ${limit.error} ${JSON.stringify(limit.detail)}`,
    );
  }
}

export { EscalationExistsError };

/** A change the lifecycle forbids (a status moving backwards, a sent message becoming unsent...): a bug in the caller. */
export class ForbiddenEscalationChangeError extends BridgeError {
  override readonly name = "ForbiddenEscalationChangeError";

  constructor(message: string) {
    super("forbidden-escalation-change", message);
  }
}

/** A row that is not what this adapter writes: damaged data or a bug, never user input. */
export class InvalidStoredEscalationError extends BridgeError {
  override readonly name = "InvalidStoredEscalationError";

  constructor(message: string) {
    super("invalid-stored-data", message);
  }
}

/** Table Storage answers at most 1,000 entities a request. */
const MAX_PAGE_SIZE = 1_000;
/** Requests one list call makes at most to fill a page (a filtered query may answer short pages). */
const MAX_REQUESTS_PER_PAGE = 5;

// The keys of the rows this store writes, exported for the data-retention timer, which deletes them.
export const PRIMARY_ROW = joinKey("escalation");
export const PENDING_PARTITION = joinKey("dispatch-pending");

/** `toTableKey`, thrown when too long: ids and tenant ids are short, so that is a bug. */
function tableKey(first: string, ...rest: string[]): string {
  const result = toTableKey(first, ...rest);
  if (!result.ok)
    throw new RangeError(
      `table key of ${result.length} characters is longer than ${result.maxLength}: ${[first, ...rest].join(", ").slice(0, 200)}`,
    );
  return result.key;
}

export const primaryPartition = (id: string) => tableKey("escalation", id);
/** The criteria gate's decisions of one UTC day (`YYYY-MM-DD`): a day is one query. */
export const gatePartition = (day: string) => tableKey("gate", day);
export const customerPartition = (tenantId: string) => tableKey("customer", tenantId.toLowerCase());
export const statusPartition = (status: EscalationStatus) => tableKey("status", status);
/** Newest first within the customer and status partitions. */
export const indexRowKeyOf = (createdAt: string, id: string) => tableKey(invertedTimestamp(new Date(createdAt)), id);
const indexRowKey = (escalation: Escalation) => indexRowKeyOf(escalation.createdAt, escalation.id);
/** Oldest first in the outbox. */
export const pendingRowKeyOf = (createdAt: string, id: string) => tableKey(timestampKey(new Date(createdAt)), id);
const pendingRowKey = (escalation: Escalation) => pendingRowKeyOf(escalation.createdAt, escalation.id);

/**
 * The partition of one 21Vianet case or service request number: a row per escalation recorded
 * under it (usually one). Undefined for a number too long to be a key: such a number is never
 * written, so looking it up finds nothing, as it should.
 */
export function vianetCasePartition(caseNumber: string): string | undefined {
  const key = toTableKey("vianet-case", caseNumber);
  return key.ok ? key.key : undefined;
}

/** The case-number row an escalation needs, once 21Vianet's number is recorded on it. */
function vianetCaseRow(escalation: Escalation) {
  const caseNumber = escalation.vianet?.serviceRequestId;
  const partitionKey = caseNumber === undefined ? undefined : vianetCasePartition(caseNumber);
  if (partitionKey === undefined) return undefined;
  return {
    partitionKey,
    rowKey: tableKey(escalation.id),
    escalationId: escalation.id,
    createdAt: escalation.createdAt,
  };
}

const VianetCaseRow = z.object({ escalationId: z.string().min(1) });

function primaryEntity(escalation: Escalation) {
  const entity = {
    partitionKey: primaryPartition(escalation.id),
    rowKey: PRIMARY_ROW,
    status: escalation.status,
    tenantId: escalation.request.customer.tenantId,
    callerId: escalation.callerId,
    service: escalation.request.service,
    severity: escalation.request.severity,
    correlationId: escalation.correlationId,
    createdAt: escalation.createdAt,
    updatedAt: escalation.updatedAt,
    dispatch: escalation.dispatch,
    ...splitLongText("document", JSON.stringify(escalation)),
  };
  const limits = checkEntityLimits(entity);
  if (!limits.ok) throw new EscalationTooLargeError(escalation.id, limits);
  return entity;
}

function snapshot(escalation: Escalation) {
  return {
    escalationId: escalation.id,
    status: escalation.status,
    tenantId: escalation.request.customer.tenantId,
    callerId: escalation.callerId,
    service: escalation.request.service,
    severity: escalation.request.severity,
    title: escalation.request.title,
    createdAt: escalation.createdAt,
    updatedAt: escalation.updatedAt,
    // The retention timer reads this column to pass over escalations already erased.
    personalData: holdsPersonalData(escalation),
  };
}

const customerRow = (escalation: Escalation) => ({
  partitionKey: customerPartition(escalation.request.customer.tenantId),
  rowKey: indexRowKey(escalation),
  ...snapshot(escalation),
});
const statusRow = (escalation: Escalation) => ({
  partitionKey: statusPartition(escalation.status),
  rowKey: indexRowKey(escalation),
  ...snapshot(escalation),
});

const SnapshotRow = z
  .object({ escalationId: EscalationSummary.shape.id })
  .extend(EscalationSummary.omit({ id: true }).shape);

function toSummary(row: Readonly<Record<string, unknown>>): EscalationSummary {
  const parsed = SnapshotRow.safeParse(row);
  if (!parsed.success)
    throw new InvalidStoredEscalationError(
      `index row ${String(row.partitionKey)} / ${String(row.rowKey)} is not a snapshot: ${parsed.error.message}`,
    );
  const { escalationId, ...rest } = parsed.data;
  return { id: escalationId, ...rest };
}

/** Our continuation token: the SDK's, with the partition it pages through, as base64url JSON. */
const TokenEnvelope = z.strictObject({
  v: z.literal(1),
  partition: z.string(),
  next: z.string().regex(/^[A-Za-z0-9+/]+={0,2}$/),
});
/** What the SDK's token holds (base64 JSON); checked so a forged one is refused here, not by a parse error in the SDK. */
const SdkToken = z.object({ nextPartitionKey: z.string().min(1), nextRowKey: z.string().optional() });

function wrapToken(partition: string, next: string): string {
  return Buffer.from(JSON.stringify({ v: 1, partition, next }), "utf8").toString("base64url");
}

function unwrapToken(token: string, partition: string): string | undefined {
  if (!/^[A-Za-z0-9_-]{1,4096}$/.test(token)) return undefined;
  const envelope = TokenEnvelope.safeParse(parseJsonOrUndefined(Buffer.from(token, "base64url").toString("utf8")));
  if (!envelope.success || envelope.data.partition !== partition) return undefined;
  const inner = SdkToken.safeParse(parseJsonOrUndefined(Buffer.from(envelope.data.next, "base64").toString("latin1")));
  return inner.success ? envelope.data.next : undefined;
}

/**
 * The token of a list merged over several customers' partitions: only the row key of the last
 * item returned (or of a row of those customers' own partitions), so it tells nothing about any
 * other customer and nothing about how many escalations exist.
 */
const MergedToken = z.strictObject({
  v: z.literal(2),
  after: z.string().regex(/^[0-9]{17}![A-Za-z0-9._~-]{1,200}$/),
  inclusive: z.boolean(),
});
type MergedToken = z.infer<typeof MergedToken>;

function wrapMergedToken(token: MergedToken): string {
  return Buffer.from(JSON.stringify(token), "utf8").toString("base64url");
}

function unwrapMergedToken(token: string): MergedToken | undefined {
  if (!/^[A-Za-z0-9_-]{1,1024}$/.test(token)) return undefined;
  const parsed = MergedToken.safeParse(parseJsonOrUndefined(Buffer.from(token, "base64url").toString("utf8")));
  return parsed.success ? parsed.data : undefined;
}

/** The next row key a continuation of the SDK names, for a partition scan that stopped short. */
function nextRowKeyOf(sdkToken: string): string | undefined {
  const inner = SdkToken.safeParse(parseJsonOrUndefined(Buffer.from(sdkToken, "base64").toString("latin1")));
  return inner.success ? inner.data.nextRowKey : undefined;
}

function checkPageSize(pageSize: number): void {
  if (!Number.isInteger(pageSize) || pageSize < 1 || pageSize > MAX_PAGE_SIZE)
    throw new RangeError(`pageSize must be an integer from 1 to ${MAX_PAGE_SIZE}, got ${pageSize}`);
}

/** One customer's rows for a merged list: what it gave, and where its scan stopped if it did not finish. */
interface PartitionScan {
  rows: { rowKey: string; summary: EscalationSummary }[];
  /** The first row key not examined yet; undefined once the partition is exhausted or gave a full page. */
  stoppedAt: string | undefined;
  more: boolean;
}

function definedEtag(etag: string | undefined, what: string): string {
  if (etag === undefined) throw new InvalidStoredEscalationError(`Table Storage returned no ETag for ${what}`);
  return etag;
}

function assertAllowedChange(before: Escalation, after: Escalation): void {
  if (before.status !== after.status && !canMove(before.status, after.status)) {
    throw new ForbiddenEscalationChangeError(
      `escalation ${after.id} cannot move from ${before.status} to ${after.status}`,
    );
  }
  if (before.dispatch === "sent" && after.dispatch === "pending") {
    throw new ForbiddenEscalationChangeError(`escalation ${after.id}: a sent queue message cannot become unsent`);
  }
  // The index and outbox rows are keyed by these; changing them would orphan rows.
  if (before.createdAt !== after.createdAt || before.request.customer.tenantId !== after.request.customer.tenantId) {
    throw new ForbiddenEscalationChangeError(
      `escalation ${after.id}: createdAt and the customer tenant are fixed when it is created`,
    );
  }
}

/**
 * Row keys start with the inverted creation time, so later times have smaller keys. One
 * millisecond before `from` is the first inverted value too large to be in range, and one before
 * `to` the smallest that is: "<inverted>!<id>" sorts right after "<inverted>".
 */
function rangeClauses(options: { from?: Date; to?: Date }): string[] {
  return [
    ...(options.from === undefined
      ? []
      : [odata`RowKey lt ${joinKey(invertedTimestamp(new Date(options.from.getTime() - 1)))}`]),
    ...(options.to === undefined
      ? []
      : [odata`RowKey ge ${joinKey(invertedTimestamp(new Date(options.to.getTime() - 1)))}`]),
  ];
}

/** Whether two versions show the same in the customer and status lists. */
function sameSnapshot(a: Escalation, b: Escalation): boolean {
  const left = snapshot(a);
  const right = snapshot(b);
  return (Object.keys(left) as (keyof typeof left)[]).every((key) => left[key] === right[key]);
}

/** Versions remembered per store: enough for the escalations one worker has in hand at once. */
const REMEMBERED_VERSIONS = 256;

export class TableEscalationStore implements EscalationStore {
  readonly #table: TableClient;
  /**
   * The last version of each escalation this store read or wrote. An ETag names one immutable
   * version, so a replace at an ETag remembered here knows the version it replaces without
   * reading it again; any other ETag is read (and a stale one fails the conditional write).
   */
  readonly #versions = new Map<string, Versioned<Escalation>>();
  readonly #events: TableEventOutbox;
  readonly #onEventsRecorded: ((escalationId: string, recorded: RecordedEvents) => Promise<void>) | undefined;

  /**
   * `onEventsRecorded` runs after a create or replace whose new history entries hold events (the
   * immediate fan-out), given the version written and its outbox row; a change without events
   * (bookkeeping) never waits for it.
   */
  constructor(
    table: TableClient,
    options: { onEventsRecorded?: (escalationId: string, recorded: RecordedEvents) => Promise<void> } = {},
  ) {
    this.#table = table;
    this.#events = new TableEventOutbox(table);
    this.#onEventsRecorded = options.onEventsRecorded;
  }

  /**
   * The event outbox row of a change whose new history entries hold events, written before the
   * change like the dispatch outbox row: a crash after it leaves a row the sweep publishes from
   * (or removes, when the change was never written), never a change whose events nobody sends.
   * Undefined (nothing written) for a change without events.
   */
  async #markEvents(escalation: Escalation, after: number): Promise<OutboxEntry | undefined> {
    if (!hasEventsAfter(escalation, after)) return undefined;
    const entry: OutboxEntry = {
      escalationId: escalation.id,
      after,
      upTo: escalation.history.length,
      markedAt: new Date().toISOString(),
    };
    await this.#events.mark(entry);
    return entry;
  }

  #remember(value: Escalation, etag: string): void {
    this.#versions.delete(value.id);
    this.#versions.set(value.id, { value: structuredClone(value), etag });
    if (this.#versions.size > REMEMBERED_VERSIONS) {
      const oldest = this.#versions.keys().next();
      if (oldest.done !== true) this.#versions.delete(oldest.value);
    }
  }

  /**
   * The outbox rows first, so an escalation is never stored pending without one (a crash after it
   * leaves a row the sweep deletes); then the escalation, the create being the id check; then
   * the index rows. The rows before it do not depend on one another, so they go together: a
   * failure of any leaves rows that name an escalation never created, which their readers pass
   * over or delete (the dispatch sweep, the event sweep, the case-number lookup).
   */
  async create(escalation: Escalation): Promise<Created> {
    const entity = primaryEntity(escalation);
    const [, , events] = await Promise.all([
      escalation.dispatch === "pending" ? this.#writePending(escalation) : undefined,
      this.#writeVianetCase(escalation),
      this.#markEvents(escalation, 0),
    ]);
    let etag: string | undefined;
    try {
      ({ etag } = await this.#table.createEntity(entity));
    } catch (error) {
      // The outbox row stays: the sweep finds the existing escalation and deletes it once that is sent.
      if (tableStatusOf(error) === 409) throw new EscalationExistsError(escalation.id);
      throw error;
    }
    const created = definedEtag(etag, `escalation ${escalation.id}`);
    this.#remember(escalation, created);
    // The escalation exists from here on: a failure below is reported, and repaired by the sweep.
    const following = await Promise.all([
      this.#writeIndexes(escalation),
      writeStatusEvents(this.#table, escalation, 0),
    ]).then(
      () => undefined,
      (error: unknown) => ({ error }),
    );
    if (events !== undefined) await this.#onEventsRecorded?.(escalation.id, { escalation, entry: events });
    return {
      value: structuredClone(escalation),
      etag: created,
      ...(following === undefined ? {} : { followingRowsError: following.error }),
    };
  }

  async get(id: string): Promise<Versioned<Escalation> | undefined> {
    let entity: Record<string, unknown> & { etag: string };
    try {
      entity = await this.#table.getEntity(primaryPartition(id), PRIMARY_ROW);
    } catch (error) {
      if (tableStatusOf(error) === 404) return undefined;
      throw error;
    }
    const document = joinLongText("document", entity);
    if (document === undefined) throw new InvalidStoredEscalationError(`escalation ${id} has no document`);
    const parsed = Escalation.safeParse(parseJsonOrUndefined(document));
    if (!parsed.success)
      throw new InvalidStoredEscalationError(`escalation ${id} is not a valid escalation: ${parsed.error.message}`);
    if (parsed.data.id !== id)
      throw new InvalidStoredEscalationError(`the row of escalation ${id} holds escalation ${parsed.data.id}`);
    this.#remember(parsed.data, entity.etag);
    return { value: parsed.data, etag: entity.etag };
  }

  /**
   * The escalation first, conditional on `etag`; the index and outbox rows follow it. Throws
   * ForbiddenEscalationChangeError for a change the lifecycle forbids.
   */
  async replace(
    escalation: Escalation,
    etag: string,
  ): Promise<{ ok: true; etag: string } | { ok: false; error: "conflict" | "not-found" }> {
    const entity = primaryEntity(escalation);
    const remembered = this.#versions.get(escalation.id);
    const current = remembered?.etag === etag ? remembered : await this.get(escalation.id);
    if (current === undefined) return { ok: false, error: "not-found" };
    // The version `etag` names is the one read, or the caller is behind.
    if (current.etag !== etag) return { ok: false, error: "conflict" };
    assertAllowedChange(current.value, escalation);
    // Before the escalation, like the outbox row, and beside it: a write cut short after it leaves a
    // row the lookup checks and ignores, never an escalation its 21Vianet number cannot find.
    const [, events] = await Promise.all([
      escalation.vianet?.serviceRequestId === current.value.vianet?.serviceRequestId
        ? undefined
        : this.#writeVianetCase(escalation),
      this.#markEvents(escalation, current.value.history.length),
    ]);
    let replaced: string | undefined;
    try {
      ({ etag: replaced } = await this.#table.updateEntity(entity, "Replace", { etag }));
    } catch (error) {
      const status = tableStatusOf(error);
      if (status === 412) return { ok: false, error: "conflict" };
      if (status === 404) return { ok: false, error: "not-found" };
      throw error;
    }
    const newEtag = definedEtag(replaced, `escalation ${escalation.id}`);
    this.#remember(escalation, newEtag);
    // New history entries become status events for the metrics, beside the index rows.
    const [wroteIndexes] = await Promise.all([
      this.#alignIndexes(current.value, escalation),
      escalation.history.length > current.value.history.length
        ? writeStatusEvents(this.#table, escalation, current.value.history.length)
        : undefined,
    ]);
    if (wroteIndexes) {
      // A later replace may have written its index rows before ours: if the escalation has moved
      // on, write the rows again from what it holds now, so the last word is the newest state.
      // The ETag alone tells: the whole document is read only when it moved on.
      if ((await this.#etagOf(escalation.id)) !== newEtag) {
        const latest = await this.get(escalation.id);
        if (latest !== undefined && latest.etag !== newEtag) await this.#alignIndexes(escalation, latest.value);
      }
    }
    if (events !== undefined) await this.#onEventsRecorded?.(escalation.id, { escalation, entry: events });
    return { ok: true, etag: newEtag };
  }

  /** The current ETag of an escalation, reading no property of it; undefined when it is gone. */
  async #etagOf(id: string): Promise<string | undefined> {
    try {
      return (await this.#table.getEntity(primaryPartition(id), PRIMARY_ROW, { queryOptions: { select: ["status"] } }))
        .etag;
    } catch (error) {
      if (tableStatusOf(error) === 404) return undefined;
      throw error;
    }
  }

  async recordGateDecision(decision: GateDecision): Promise<void> {
    const at = new Date(decision.at);
    await this.#table.createEntity({
      // One partition per UTC day: a day's decisions are one query.
      partitionKey: gatePartition(at.toISOString().slice(0, 10)),
      rowKey: tableKey(timestampKey(at), randomUUID()),
      at: decision.at,
      callerId: decision.callerId,
      tenantId: decision.tenantId,
      service: decision.service,
      severity: decision.severity,
      met: decision.met,
      ...(decision.escalationId === undefined ? {} : { escalationId: decision.escalationId }),
      ...splitLongText("decisions", JSON.stringify(decision.decisions)),
    });
  }

  /**
   * Outbox rows older than `olderThan`, oldest first. A row whose escalation is missing (a crash
   * between the two writes of `create`: nothing was accepted) or already sent is deleted and
   * skipped; for the others the rows that follow the escalation's are written again. The cut-off must be well past the time `create` takes, or an escalation being
   * created could lose its row.
   */
  async listPendingDispatch(olderThan: Date, limit: number): Promise<Escalation[]> {
    const pending: Escalation[] = [];
    if (limit <= 0) return pending;
    const filter = odata`PartitionKey eq ${PENDING_PARTITION} and RowKey lt ${joinKey(timestampKey(olderThan))}`;
    for await (const row of this.#table.listEntities({ queryOptions: { filter } })) {
      const rowKey = row.rowKey ?? "";
      const [, id, ...rest] = splitKey(rowKey);
      if (id === undefined || rest.length > 0)
        throw new InvalidStoredEscalationError(`outbox row ${rowKey} is not <timestamp>!<id>`);
      const stored = await this.get(id);
      if (stored === undefined || stored.value.dispatch === "sent") {
        await deleteIfPresent(this.#table, PENDING_PARTITION, rowKey);
        continue;
      }
      await this.restoreFollowingRows(stored);
      pending.push(stored.value);
      if (pending.length >= limit) break;
    }
    return pending;
  }

  /** A customer's escalations, newest first, optionally in one status and a creation time range [from, to). */
  async listByCustomer(tenantId: string, options: ListByCustomerOptions): Promise<EscalationListResult> {
    const extra = options.status === undefined ? [] : [odata`status eq ${options.status}`];
    return this.#listIndex(customerPartition(tenantId), extra, options);
  }

  /** Escalations in one status, newest first, optionally in a creation time range [from, to). */
  async listByStatus(status: EscalationStatus, options: ListByStatusOptions): Promise<EscalationListResult> {
    return this.#listIndex(statusPartition(status), [], options);
  }

  /**
   * Escalations in one status of the given customers only, newest first: each customer's own
   * partition is read (never the status partition, whose rows and continuation tokens belong to
   * every customer) and the results merged, so pages are full and tokens name only the caller's
   * own rows. A page is short only when a customer's scan ran out of its request budget before
   * the page filled; its token then resumes from the first row that scan had not examined.
   */
  async listForTenants(tenantIds: readonly string[], options: ListForTenantsOptions): Promise<EscalationListResult> {
    const { pageSize } = options;
    checkPageSize(pageSize);
    let position: MergedToken | undefined;
    if (options.continuationToken !== undefined) {
      position = unwrapMergedToken(options.continuationToken);
      if (position === undefined) return { ok: false, error: "invalid-continuation-token" };
    }
    const extra = [odata`status eq ${options.status}`, ...rangeClauses(options)];
    if (position !== undefined)
      extra.push(position.inclusive ? odata`RowKey ge ${position.after}` : odata`RowKey gt ${position.after}`);
    const partitions = [...new Set(tenantIds.map((tenantId) => customerPartition(tenantId)))];
    // One row past the page tells whether another page exists, so the last page carries no token.
    const scans = await Promise.all(
      partitions.map((partition) => this.#scanPartition(partition, extra, Math.min(pageSize + 1, MAX_PAGE_SIZE))),
    );

    // Rows at or past the first key a short scan did not examine might be preceded by rows that
    // scan has not seen yet: they wait for the next page.
    const stops = scans.flatMap((scan) => (scan.stoppedAt === undefined ? [] : [scan.stoppedAt]));
    const limit = stops.length === 0 ? undefined : stops.reduce((lowest, key) => (key < lowest ? key : lowest));
    const merged = scans
      .flatMap((scan) => scan.rows)
      .filter((row) => limit === undefined || row.rowKey < limit)
      .sort((a, b) => (a.rowKey < b.rowKey ? -1 : a.rowKey > b.rowKey ? 1 : 0));
    const page = merged.slice(0, pageSize);
    const more = merged.length > page.length || scans.some((scan) => scan.more && scan.rows.length <= pageSize);
    const items = page.map((row) => row.summary);
    const last = page.at(-1);
    if (!more) return { ok: true, items };
    if (last !== undefined)
      return { ok: true, items, continuationToken: wrapMergedToken({ v: 2, after: last.rowKey, inclusive: false }) };
    if (limit !== undefined)
      return { ok: true, items, continuationToken: wrapMergedToken({ v: 2, after: limit, inclusive: true }) };
    return { ok: true, items };
  }

  async #scanPartition(partition: string, extra: string[], want: number): Promise<PartitionScan> {
    const filter = [odata`PartitionKey eq ${partition}`, ...extra].join(" and ");
    const { rows, next } = await this.#readRows(filter, want, undefined);
    const stoppedShort = next !== undefined && rows.length < want;
    return { rows, stoppedAt: stoppedShort ? nextRowKeyOf(next) : undefined, more: next !== undefined };
  }

  async #listIndex(partition: string, extra: string[], options: ListByStatusOptions): Promise<EscalationListResult> {
    checkPageSize(options.pageSize);
    let start: string | undefined;
    if (options.continuationToken !== undefined) {
      start = unwrapToken(options.continuationToken, partition);
      if (start === undefined) return { ok: false, error: "invalid-continuation-token" };
    }
    const filter = [odata`PartitionKey eq ${partition}`, ...extra, ...rangeClauses(options)].join(" and ");
    let read: { rows: PartitionScan["rows"]; next: string | undefined };
    try {
      read = await this.#readRows(filter, options.pageSize, start);
    } catch (error) {
      // The service refuses a continuation that does not name a place in this table.
      if (start !== undefined && tableStatusOf(error) === 400)
        return { ok: false, error: "invalid-continuation-token" };
      throw error;
    }
    const items = read.rows.map((row) => row.summary);
    return read.next === undefined
      ? { ok: true, items }
      : { ok: true, items, continuationToken: wrapToken(partition, read.next) };
  }

  /**
   * Up to `want` index rows matching `filter`, from `start` on, in at most MAX_REQUESTS_PER_PAGE
   * requests (a filtered query may answer short or empty pages); `next` is the service's
   * continuation, absent once the rows are exhausted.
   */
  async #readRows(
    filter: string,
    want: number,
    start: string | undefined,
  ): Promise<{ rows: PartitionScan["rows"]; next: string | undefined }> {
    const rows: PartitionScan["rows"] = [];
    let next = start;
    for (let request = 0; request < MAX_REQUESTS_PER_PAGE && rows.length < want; request++) {
      const page = await this.#table
        .listEntities({ queryOptions: { filter } })
        .byPage({ maxPageSize: want - rows.length, continuationToken: next })
        .next();
      if (page.done === true) return { rows, next: undefined };
      rows.push(...page.value.map((row) => ({ rowKey: row.rowKey ?? "", summary: toSummary(row) })));
      next = page.value.continuationToken;
      if (next === undefined) break;
    }
    return { rows, next };
  }

  /**
   * For an escalation whose last write may have stopped before the rows that follow its own (a
   * create still pending past the sweep's cut-off, a message redelivered after its outcome was
   * stored): writes its index and status-event rows again (idempotent upserts), so the lists and
   * the metrics stay whole. If it moved on meanwhile, the index rows are aligned to its newest
   * state, as `replace` does.
   */
  async restoreFollowingRows({ value, etag }: Versioned<Escalation>): Promise<void> {
    // The status rows of the states it passed through, which the cut-short write did not delete.
    const left = new Set(
      value.history
        .flatMap((entry) => (entry.from === null ? [] : [entry.from]))
        .filter((status) => status !== value.status),
    );
    await Promise.all([
      this.#writeIndexes(value),
      this.#writeVianetCase(value),
      writeStatusEvents(this.#table, value, 0),
      ...[...left].map((status) => deleteIfPresent(this.#table, statusPartition(status), indexRowKey(value))),
    ]);
    if ((await this.#etagOf(value.id)) === etag) return;
    const latest = await this.get(value.id);
    if (latest !== undefined) await this.#alignIndexes(value, latest.value);
  }

  /**
   * The escalations recorded under a 21Vianet number, oldest first. A row is written before the
   * escalation that names it, so each row is checked against the escalation it points to: one
   * whose write never completed is passed over.
   */
  async findByVianetCase(caseNumber: string): Promise<Versioned<Escalation>[]> {
    const partition = vianetCasePartition(caseNumber);
    if (partition === undefined) return [];
    const found: Versioned<Escalation>[] = [];
    const filter = odata`PartitionKey eq ${partition}`;
    for await (const row of this.#table.listEntities({ queryOptions: { filter } })) {
      const parsed = VianetCaseRow.safeParse(row);
      if (!parsed.success)
        throw new InvalidStoredEscalationError(`case row ${partition} / ${String(row.rowKey)} names no escalation`);
      const stored = await this.get(parsed.data.escalationId);
      if (stored?.value.vianet?.serviceRequestId === caseNumber) found.push(stored);
    }
    return found.sort((a, b) => a.value.createdAt.localeCompare(b.value.createdAt));
  }

  async #writeVianetCase(escalation: Escalation): Promise<void> {
    const row = vianetCaseRow(escalation);
    if (row !== undefined) await this.#table.upsertEntity(row, "Replace");
  }

  async #writePending(escalation: Escalation): Promise<void> {
    await this.#table.upsertEntity(
      {
        partitionKey: PENDING_PARTITION,
        rowKey: pendingRowKey(escalation),
        escalationId: escalation.id,
        createdAt: escalation.createdAt,
      },
      "Replace",
    );
  }

  /** `withSyncRow` false: the caller aligns the status sync's row itself, from the state before. */
  async #writeIndexes(escalation: Escalation, withSyncRow = true): Promise<void> {
    await Promise.all([
      this.#table.upsertEntity(customerRow(escalation), "Replace"),
      this.#table.upsertEntity(statusRow(escalation), "Replace"),
      withSyncRow ? alignSyncRow(this.#table, undefined, escalation) : undefined,
    ]);
  }

  /**
   * Index and outbox rows from `before`'s state to `after`'s. Index rows are written only when
   * what the lists show changed: bookkeeping (the outbox flag, forwarding attempts) leaves them
   * be. Rows that do not depend on one another are written together; the old status row goes
   * only once the new one is written, so a write cut short leaves the escalation in two status
   * lists (the next change or restoreFollowingRows deletes the stale row), never in none.
   * Answers whether it wrote index rows: those are what a later change's rows, landing first,
   * could be overwritten with. The status sync's row needs no such care: each change writes its
   * own new row whatever happened to the old one (see alignSyncRow), and a row left behind by a
   * slower write is stale, which the sync drops when it meets it.
   */
  async #alignIndexes(before: Escalation, after: Escalation): Promise<boolean> {
    const indexesChanged = !sameSnapshot(before, after);
    const lists = async () => {
      if (indexesChanged) await this.#writeIndexes(after, false);
      if (before.status !== after.status)
        await deleteIfPresent(this.#table, statusPartition(before.status), indexRowKey(before));
      // Last, as before: while the outbox row stays, the sweep still looks at the escalation.
      if (before.dispatch !== "sent" && after.dispatch === "sent")
        await deleteIfPresent(this.#table, PENDING_PARTITION, pendingRowKey(after));
    };
    // The status sync's line (a sync moves an escalation in it without changing what lists show).
    await Promise.all([lists(), alignSyncRow(this.#table, before, after)]);
    return indexesChanged;
  }
}
