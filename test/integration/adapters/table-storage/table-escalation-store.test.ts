// The Table Storage escalation store against Azurite: the EscalationStore contract (also run
// against the in-memory fake the unit tests rely on, so the two cannot drift), then the table
// design itself — index rows, the outbox, lists, gate decisions — read back with a plain client.
import { randomUUID } from "node:crypto";
import { odata, RestError, TableClient } from "@azure/data-tables";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import {
  EscalationExistsError,
  EscalationTooLargeError,
  ForbiddenEscalationChangeError,
  InvalidStoredEscalationError,
  TableEscalationStore,
} from "../../../../shared/adapters/table-storage/table-escalation-store.js";
import type { EscalationListResult } from "../../../../shared/domain/escalations/ports.js";
import { CriteriaRules } from "../../../../shared/domain/escalations/criteria.js";
import type {
  Escalation,
  EscalationStatus,
  EscalationSummary,
} from "../../../../shared/domain/escalations/escalation.js";
import type { EscalationRequest } from "../../../../shared/domain/escalations/escalation-request.js";
import type { EscalationStore, GateDecision, IdGenerator } from "../../../../shared/domain/escalations/ports.js";
import {
  dispatchPending,
  submitEscalation,
  type Caller,
  type SubmitDependencies,
} from "../../../../shared/domain/escalations/submit-escalation.js";
import { readStatusEvents } from "../../../../shared/adapters/table-storage/table-status-events.js";
import { joinLongText } from "../../../../shared/adapters/table-storage/long-text.js";
import { invertedTimestamp, joinKey, timestampKey } from "../../../../shared/adapters/table-storage/table-keys.js";
import { buildEscalationRequest } from "../../../builders/escalation-request.js";
import { FakeClock, InMemoryEscalationStore, InMemoryQueue } from "../../../unit/domain/escalations/fakes.js";
import { withAsciiJsonBodies } from "./azurite-workarounds.js";

const MINUTE = 60_000;
const T0 = Date.parse("2026-11-26T08:00:00.000Z");
const iso = (ms: number) => new Date(ms).toISOString();

/**
 * The outbox is one partition for the whole table, shared by every test in this file. Each test
 * that reads it takes a year of its own, earlier than every year taken before it: rows other tests
 * leave pending are then never older than its cut-off. Every other test works in 2026.
 */
let nextEraYear = 2000;
function takeEra(): number {
  return Date.UTC(nextEraYear--, 0, 1);
}

const partner: Caller = { id: "partner-portal", tenants: "all" };
const uniqueIds: IdGenerator = { escalationId: () => `esc_${randomUUID()}`, correlationId: () => randomUUID() };

function requestFor(tenantId: string, overrides: Partial<EscalationRequest> = {}): EscalationRequest {
  const request = buildEscalationRequest(overrides);
  return { ...request, customer: { ...request.customer, tenantId } };
}

/** A stored escalation as submitEscalation makes it: queued, message not yet sent. */
function buildEscalation(overrides: Partial<Escalation> = {}): Escalation {
  const createdAt = overrides.createdAt ?? iso(T0);
  return {
    id: `esc_${randomUUID()}`,
    status: "queued",
    request: buildEscalationRequest(),
    callerId: "partner-portal",
    correlationId: randomUUID(),
    createdAt,
    updatedAt: createdAt,
    dispatch: "pending",
    criteria: [
      { criterion: "service-health-checked", met: true, detail: "the customer's service health was checked" },
      { criterion: "not-first-line-only", met: true, detail: "not a first-line-only matter" },
    ],
    history: [
      {
        at: createdAt,
        from: null,
        to: "queued",
        actor: "partner-portal",
        detail: "accepted: every escalation criterion met",
      },
    ],
    ...overrides,
  };
}

/** `escalation` moved on to `to` at `at`, with the history entry that records it. */
function moved(escalation: Escalation, to: EscalationStatus, at: number): Escalation {
  return {
    ...escalation,
    status: to,
    updatedAt: iso(at),
    history: [
      ...escalation.history,
      { at: iso(at), from: escalation.status, to, actor: "forwarder", detail: `moved to ${to}` },
    ],
  };
}

const sent = (escalation: Escalation): Escalation => ({ ...escalation, dispatch: "sent" });

/** `escalation` forwarded at `at`, 21Vianet's number recorded on it. */
function forwardedAs(escalation: Escalation, serviceRequestId: string, at: number): Escalation {
  return {
    ...moved(sent(escalation), "forwarded", at),
    vianet: { channel: "partner-center", serviceRequestId, status: "open" },
  };
}

function replaced(result: Awaited<ReturnType<EscalationStore["replace"]>>): string {
  if (!result.ok) throw new Error(`replace refused: ${result.error}`);
  return result.etag;
}

/** The EscalationStore behaviour submitEscalation and dispatchPending rely on, for any implementation. */
function describeEscalationStoreContract(makeStore: () => EscalationStore): void {
  describe("EscalationStore contract", () => {
    it("when an escalation with a 30,000-character CJK and emoji description is created, then get returns every field and create's etag", async () => {
      const store = makeStore();
      const description =
        "中文描述：邮件流停止。Mail flow stopped 😀🚨 — é, ß, ✓. ".repeat(1_000).slice(0, 29_999) + "末";
      const escalation = buildEscalation({
        request: buildEscalationRequest({
          description,
          category: "service-outage",
          title: "Exchange Online 邮件流中断 📧",
        }),
        criteria: [
          { criterion: "service-health-checked", met: true, detail: "checked" },
          { criterion: "admin-center-attempted", met: true, detail: "tried" },
          { criterion: "first-line-steps-documented", met: true, detail: "2 first-line step(s) documented" },
          { criterion: "not-first-line-only", met: true, detail: "not a first-line-only matter" },
        ],
      });

      const created = await store.create(escalation);
      const read = await store.get(escalation.id);

      expect(description).toHaveLength(30_000);
      expect(created.value).toEqual(escalation);
      expect(read).toEqual({ value: escalation, etag: created.etag });
    });

    it("when an id is created twice, then the second create throws and the first escalation stays", async () => {
      const store = makeStore();
      const first = buildEscalation();
      await store.create(first);

      // The fake throws before returning a promise; through `then` both are a rejection, as `await` sees them.
      const second = Promise.resolve().then(() =>
        store.create({ ...first, request: buildEscalationRequest({ title: "Another problem altogether" }) }),
      );

      await expect(second).rejects.toThrow(`escalation ${first.id} exists`);
      expect((await store.get(first.id))?.value).toEqual(first);
    });

    it("when get names an id never created, then it answers undefined", async () => {
      expect(await makeStore().get(`esc_${randomUUID()}`)).toBeUndefined();
    });

    it("when replaced at the current etag, then get returns the new version under the new etag and the old etag is stale", async () => {
      const store = makeStore();
      const escalation = buildEscalation();
      const { etag } = await store.create(escalation);
      const forwarded = moved(sent(escalation), "forwarded", T0 + MINUTE);

      const newEtag = replaced(await store.replace(forwarded, etag));

      expect(newEtag).not.toBe(etag);
      expect(await store.get(escalation.id)).toEqual({ value: forwarded, etag: newEtag });
      expect(await store.replace(moved(forwarded, "closed", T0 + 2 * MINUTE), etag)).toEqual({
        ok: false,
        error: "conflict",
      });
    });

    it("when replaced with a stale etag, then it is a conflict and the stored version is unchanged", async () => {
      const store = makeStore();
      const escalation = buildEscalation();
      const { etag: stale } = await store.create(escalation);
      const current = sent(escalation);
      const currentEtag = replaced(await store.replace(current, stale));

      const result = await store.replace(moved(escalation, "rejected", T0 + MINUTE), stale);

      expect(result).toEqual({ ok: false, error: "conflict" });
      expect(await store.get(escalation.id)).toEqual({ value: current, etag: currentEtag });
    });

    it("when replace names an escalation never created, then it is not-found and nothing is created", async () => {
      const store = makeStore();
      const escalation = buildEscalation();

      expect(await store.replace(escalation, 'W/"1"')).toEqual({ ok: false, error: "not-found" });
      expect(await store.get(escalation.id)).toBeUndefined();
    });

    it("when escalations are pending, then listPendingDispatch returns those created before the cut-off, oldest first, at most limit", async () => {
      const store = makeStore();
      const era = takeEra();
      const [oldest, middle, newest, atCutOff, afterCutOff] = [0, 1, 2, 3, 4].map((minutes) =>
        buildEscalation({ createdAt: iso(era + minutes * MINUTE) }),
      );
      if (
        oldest === undefined ||
        middle === undefined ||
        newest === undefined ||
        atCutOff === undefined ||
        afterCutOff === undefined
      )
        throw new Error("five escalations");
      const alreadySent = buildEscalation({ createdAt: iso(era + 30_000) });
      // Created out of order: the list orders by creation time, not by write.
      for (const escalation of [newest, afterCutOff, oldest, atCutOff, middle]) await store.create(escalation);
      replaced(await store.replace(sent(alreadySent), (await store.create(alreadySent)).etag));

      const cutOff = new Date(era + 3 * MINUTE);

      expect(await store.listPendingDispatch(cutOff, 10)).toEqual([oldest, middle, newest]);
      expect((await store.listPendingDispatch(cutOff, 2)).map((escalation) => escalation.id)).toEqual([
        oldest.id,
        middle.id,
      ]);
      expect(await store.listPendingDispatch(new Date(era), 10)).toEqual([]);
    });

    it("when 21Vianet's number is recorded on escalations, then findByVianetCase finds each by it, oldest first, and nothing by another number", async () => {
      const store = makeStore();
      const number = `SR-${randomUUID()}`;
      const older = buildEscalation({ createdAt: iso(T0) });
      const newer = buildEscalation({ createdAt: iso(T0 + MINUTE) });
      const other = buildEscalation();
      for (const escalation of [newer, older, other]) await store.create(escalation);
      expect(await store.findByVianetCase(number)).toEqual([]);

      const stored = [];
      for (const [escalation, serviceRequestId] of [
        [newer, number],
        [older, number],
        [other, `${number}-other`],
      ] as const) {
        const current = await store.get(escalation.id);
        if (current === undefined) throw new Error("lost");
        const forwarded = forwardedAs(current.value, serviceRequestId, T0 + 2 * MINUTE);
        stored.push({ value: forwarded, etag: replaced(await store.replace(forwarded, current.etag)) });
      }

      const [newerStored, olderStored] = stored;
      expect(await store.findByVianetCase(number)).toEqual([olderStored, newerStored]);
      expect(await store.findByVianetCase(number.toLowerCase())).toEqual([]);
      expect(await store.findByVianetCase(`${number}-`)).toEqual([]);
    });

    it("when the queue is down at submission, then the escalation is accepted pending and dispatchPending later sends it once", async () => {
      const store = makeStore();
      const queue = new InMemoryQueue();
      const clock = new FakeClock(iso(takeEra()));
      const deps: SubmitDependencies = {
        store,
        queue,
        clock,
        ids: uniqueIds,
        rules: CriteriaRules.parse({}),
        services: ["office365"],
        onDispatchFailure: () => undefined,
      };
      queue.failNext = 1;

      const outcome = await submitEscalation(buildEscalationRequest(), partner, deps);
      if (!outcome.ok) throw new Error(`refused: ${outcome.error}`);
      clock.advance(10 * MINUTE);
      const resent = await dispatchPending(deps, 5 * MINUTE);
      const again = await dispatchPending(deps, 5 * MINUTE);

      expect(outcome.escalation.dispatch).toBe("pending");
      expect([resent, again]).toEqual([1, 0]);
      expect(queue.sent).toEqual([
        { escalationId: outcome.escalation.id, correlationId: outcome.escalation.correlationId },
      ]);
      expect((await store.get(outcome.escalation.id))?.value.dispatch).toBe("sent");
      expect(await store.listPendingDispatch(clock.now(), 10)).toEqual([]);
    });
  });
}

function statusOf(error: unknown): number | undefined {
  return error instanceof RestError ? error.statusCode : undefined;
}

async function collectPages(
  list: (continuationToken: string | undefined) => Promise<EscalationListResult>,
): Promise<EscalationSummary[][]> {
  const pages: EscalationSummary[][] = [];
  let token: string | undefined;
  do {
    const result = await list(token);
    if (!result.ok) throw new Error(`list refused: ${result.error}`);
    pages.push(result.items);
    token = result.continuationToken;
  } while (token !== undefined && pages.length < 50);
  return pages;
}

function parseJson(text: string): unknown {
  const value: unknown = JSON.parse(text);
  return value;
}

const ids = (items: readonly { id: string }[]) => items.map((item) => item.id);

describe("TableEscalationStore against Azurite", () => {
  const tableName = `escalations${randomUUID().replaceAll("-", "").slice(0, 16)}`;
  const table = TableClient.fromConnectionString(inject("tableConnectionString"), tableName, {
    allowInsecureConnection: true,
  });
  const store = new TableEscalationStore(table);

  beforeAll(async () => {
    await table.createTable();
  });

  afterAll(async () => {
    await table.deleteTable();
  });

  async function rowOrUndefined(partitionKey: string, rowKey: string): Promise<Record<string, unknown> | undefined> {
    try {
      return await table.getEntity(partitionKey, rowKey);
    } catch (error) {
      if (statusOf(error) === 404) return undefined;
      throw error;
    }
  }

  async function rowKeys(filter: string): Promise<string[]> {
    const keys: string[] = [];
    for await (const row of table.listEntities({ queryOptions: { filter } })) keys.push(row.rowKey ?? "");
    return keys;
  }

  const customerKey = (escalation: Escalation) => ({
    partitionKey: joinKey("customer", escalation.request.customer.tenantId.toLowerCase()),
    rowKey: joinKey(invertedTimestamp(new Date(escalation.createdAt)), escalation.id),
  });
  const statusKey = (escalation: Escalation, status: EscalationStatus) => ({
    partitionKey: joinKey("status", status),
    rowKey: joinKey(invertedTimestamp(new Date(escalation.createdAt)), escalation.id),
  });
  const outboxKey = (escalation: Escalation) => ({
    partitionKey: "dispatch-pending",
    rowKey: joinKey(timestampKey(new Date(escalation.createdAt)), escalation.id),
  });
  const rowAt = (key: { partitionKey: string; rowKey: string }) => rowOrUndefined(key.partitionKey, key.rowKey);
  /** A client whose process "stops" at the first write after the escalation's own row: every list-entry or status-event write fails. */
  const stoppingAfterTheEscalationRow = () => {
    const client = TableClient.fromConnectionString(inject("tableConnectionString"), tableName, {
      allowInsecureConnection: true,
    });
    client.pipeline.addPolicy({
      name: "stopAfterTheEscalationRow",
      sendRequest: (request, next) =>
        /PartitionKey='(customer|status|events)!/.test(decodeURIComponent(request.url))
          ? Promise.reject(new Error("process stopped"))
          : next(request),
    });
    return client;
  };

  function summaryOf(escalation: Escalation): EscalationSummary {
    return {
      id: escalation.id,
      status: escalation.status,
      tenantId: escalation.request.customer.tenantId,
      service: escalation.request.service,
      severity: escalation.request.severity,
      title: escalation.request.title,
      createdAt: escalation.createdAt,
      updatedAt: escalation.updatedAt,
    };
  }

  // The contract's 30,000-character CJK escalation is a ~90 KB body: Azurite 3.35 can garble a
  // character split across network chunks (see azurite-workarounds.ts), more often under load.
  const asciiBodiesStore = new TableEscalationStore(
    withAsciiJsonBodies(
      TableClient.fromConnectionString(inject("tableConnectionString"), tableName, { allowInsecureConnection: true }),
    ),
  );
  describeEscalationStoreContract(() => asciiBodiesStore);

  describe("rows", () => {
    it("when an escalation is created, then its primary, customer, status and outbox rows are under the designed keys", async () => {
      const escalation = buildEscalation({ request: requestFor(randomUUID().toUpperCase()) });
      await store.create(escalation);

      expect(await rowOrUndefined(joinKey("escalation", escalation.id), "escalation")).toMatchObject({
        status: "queued",
        tenantId: escalation.request.customer.tenantId,
        callerId: "partner-portal",
        service: "office365",
        severity: "moderate",
        correlationId: escalation.correlationId,
        createdAt: escalation.createdAt,
        updatedAt: escalation.updatedAt,
        dispatch: "pending",
        document: JSON.stringify(escalation),
      });
      const snapshot = {
        escalationId: escalation.id,
        status: "queued",
        title: escalation.request.title,
        callerId: "partner-portal",
        createdAt: escalation.createdAt,
      };
      expect(await rowAt(customerKey(escalation))).toMatchObject(snapshot);
      expect(await rowAt(statusKey(escalation, "queued"))).toMatchObject(snapshot);
      expect(await rowAt(outboxKey(escalation))).toMatchObject({ escalationId: escalation.id });
    });

    it("when an escalation's entity body spans several network chunks (30,000 mostly CJK characters, ~110 KB of UTF-8), then it round-trips across document chunks", async () => {
      const asciiStore = new TableEscalationStore(
        withAsciiJsonBodies(
          TableClient.fromConnectionString(inject("tableConnectionString"), tableName, {
            allowInsecureConnection: true,
          }),
        ),
      );
      const description = "邮件流停止，所有用户无法收发外部邮件😀".repeat(2_000).slice(0, 30_000);
      const stepsTaken = Array.from({ length: 10 }, (_, index) =>
        `第${index}步：${"检查服务运行状况🔧".repeat(300)}`.slice(0, 2_000),
      );
      const escalation = buildEscalation({
        request: buildEscalationRequest({
          description,
          firstLineSupport: { serviceHealthChecked: true, adminCenterAttempted: true, stepsTaken },
        }),
      });

      const created = await asciiStore.create(escalation);
      const primary = await rowOrUndefined(joinKey("escalation", escalation.id), "escalation");

      expect(Buffer.byteLength(JSON.stringify(escalation))).toBeGreaterThan(100_000);
      expect(primary).toHaveProperty("document_1");
      expect(await store.get(escalation.id)).toEqual({ value: escalation, etag: created.etag });
    });

    it("when the status changes, then the status row moves to the new status and the customer row follows", async () => {
      const escalation = buildEscalation();
      const { etag } = await store.create(escalation);
      const forwarded = moved(sent(escalation), "forwarded", T0 + MINUTE);

      replaced(await store.replace(forwarded, etag));

      expect(await rowAt(statusKey(escalation, "queued"))).toBeUndefined();
      expect(await rowAt(statusKey(escalation, "forwarded"))).toMatchObject({
        escalationId: escalation.id,
        status: "forwarded",
        updatedAt: forwarded.updatedAt,
      });
      expect(await rowAt(customerKey(escalation))).toMatchObject({
        status: "forwarded",
        updatedAt: forwarded.updatedAt,
      });
    });

    it("when the queue message is marked sent, then the outbox row goes and the status row stays", async () => {
      const escalation = buildEscalation();
      const { etag } = await store.create(escalation);
      expect(await rowAt(outboxKey(escalation))).toBeDefined();

      replaced(await store.replace(sent(escalation), etag));

      expect(await rowAt(outboxKey(escalation))).toBeUndefined();
      expect(await rowAt(statusKey(escalation, "queued"))).toMatchObject({ status: "queued" });
    });

    it("when a later replace finishes while an earlier one's index writes are still in flight, then the index rows end at the newest version", async () => {
      // The earlier writer (marking the message sent) is held after its escalation write, before
      // its index writes, while a quick forwarder moves the escalation on: the race the recheck
      // in replace exists for.
      let opened: (() => void) | undefined;
      let reached: (() => void) | undefined;
      const gate = new Promise<void>((resolve) => (opened = resolve));
      const held = new Promise<void>((resolve) => (reached = resolve));
      const slowClient = TableClient.fromConnectionString(inject("tableConnectionString"), tableName, {
        allowInsecureConnection: true,
      });
      slowClient.pipeline.addPolicy({
        name: "holdIndexWrites",
        sendRequest: async (request, next) => {
          if (request.method === "PUT" && /PartitionKey='(customer|status)!/.test(decodeURIComponent(request.url))) {
            reached?.();
            await gate;
          }
          return next(request);
        },
      });
      const slowStore = new TableEscalationStore(slowClient);
      const escalation = buildEscalation();
      const { etag } = await store.create(escalation);

      // A change the lists show, so the earlier writer has index rows to write.
      const marking = slowStore.replace({ ...sent(escalation), updatedAt: iso(T0 + 1_000) }, etag);
      await held;
      const current = await store.get(escalation.id);
      const forwarded = moved(sent(escalation), "forwarded", T0 + MINUTE);
      replaced(await store.replace(forwarded, current?.etag ?? ""));
      opened?.();
      replaced(await marking);

      expect(await rowAt(statusKey(escalation, "queued"))).toBeUndefined();
      expect(await rowAt(statusKey(escalation, "forwarded"))).toMatchObject({ status: "forwarded" });
      expect(await rowAt(customerKey(escalation))).toMatchObject({
        status: "forwarded",
        updatedAt: forwarded.updatedAt,
      });
      expect(await rowAt(outboxKey(escalation))).toBeUndefined();
    });

    it("when only bookkeeping changes at a version this store read, then replace is one request: the conditional write", async () => {
      const requests: string[] = [];
      const counted = TableClient.fromConnectionString(inject("tableConnectionString"), tableName, {
        allowInsecureConnection: true,
      });
      counted.pipeline.addPolicy({
        name: "countRequests",
        sendRequest: (request, next) => {
          requests.push(`${request.method} ${decodeURIComponent(new URL(request.url).pathname)}`);
          return next(request);
        },
      });
      const countedStore = new TableEscalationStore(counted);
      const escalation = buildEscalation();
      const { etag } = await store.create(escalation);
      const marked = replaced(await store.replace(sent(escalation), etag));
      const read = await countedStore.get(escalation.id);
      expect(read?.etag).toBe(marked);
      requests.length = 0;

      const bookkeeping: Escalation = {
        ...sent(escalation),
        forwarding: {
          channel: "partner-center",
          attempts: 1,
          firstAttemptAt: escalation.createdAt,
          openAttempt: { requestId: "r-1", startedAt: escalation.createdAt },
        },
      };
      const next = replaced(await countedStore.replace(bookkeeping, marked));
      expect(requests).toEqual([expect.stringMatching(/^PUT .*PartitionKey='escalation!/)]);
      expect(await store.get(escalation.id)).toEqual({ value: bookkeeping, etag: next });

      // A status change at the version it just wrote: no read first; its event outbox row, then the
      // escalation, then the index rows and the recheck.
      requests.length = 0;
      const forwarded = moved(bookkeeping, "forwarded", T0 + MINUTE);
      replaced(await countedStore.replace(forwarded, next));
      expect(requests.slice(0, 2)).toEqual([
        expect.stringMatching(/^PUT .*PartitionKey='event-outbox'/),
        expect.stringMatching(/^PUT .*PartitionKey='escalation!/),
      ]);
      expect(requests.filter((request) => request.startsWith("GET"))).toHaveLength(1);
      expect(await rowAt(statusKey(escalation, "forwarded"))).toMatchObject({
        status: "forwarded",
        updatedAt: forwarded.updatedAt,
      });
      expect(await rowAt(statusKey(escalation, "queued"))).toBeUndefined();
    });

    it("when a version this store remembers was changed by another writer, then the replace is a conflict and nothing changes", async () => {
      const escalation = buildEscalation();
      const other = new TableEscalationStore(table);
      const { etag } = await store.create(escalation);
      replaced(await other.replace(moved(sent(escalation), "rejected", T0 + MINUTE), etag));
      // `store` still remembers the created version at `etag`: the conditional write refuses it.
      expect(await store.replace(moved(sent(escalation), "forwarded", T0 + MINUTE), etag)).toEqual({
        ok: false,
        error: "conflict",
      });
      expect((await other.get(escalation.id))?.value.status).toBe("rejected");
      expect(await rowAt(statusKey(escalation, "forwarded"))).toBeUndefined();
    });

    it("when a replace has a stale etag, then the index rows keep the stored version", async () => {
      const escalation = buildEscalation();
      const { etag: stale } = await store.create(escalation);
      replaced(await store.replace(sent(escalation), stale));

      expect(await store.replace(moved(sent(escalation), "rejected", T0 + MINUTE), stale)).toEqual({
        ok: false,
        error: "conflict",
      });

      expect(await rowAt(statusKey(escalation, "rejected"))).toBeUndefined();
      expect(await rowAt(statusKey(escalation, "queued"))).toMatchObject({ status: "queued" });
      expect(await rowAt(customerKey(escalation))).toMatchObject({ status: "queued" });
    });

    it("when a replace would move the status backwards, then it throws and nothing changes", async () => {
      const escalation = buildEscalation();
      const { etag } = await store.create(escalation);
      const forwarded = moved(sent(escalation), "forwarded", T0 + MINUTE);
      const forwardedEtag = replaced(await store.replace(forwarded, etag));

      await expect(store.replace(moved(forwarded, "queued", T0 + 2 * MINUTE), forwardedEtag)).rejects.toBeInstanceOf(
        ForbiddenEscalationChangeError,
      );
      await expect(store.replace({ ...forwarded, dispatch: "pending" }, forwardedEtag)).rejects.toBeInstanceOf(
        ForbiddenEscalationChangeError,
      );

      expect(await store.get(escalation.id)).toEqual({ value: forwarded, etag: forwardedEtag });
      expect(await rowAt(statusKey(escalation, "queued"))).toBeUndefined();
    });

    it("when an escalation does not fit one entity, then create throws EscalationTooLargeError and writes nothing", async () => {
      const createdAt = iso(T0);
      const history = Array.from({ length: 40 }, (_, index) => ({
        at: createdAt,
        from: null,
        to: "queued" as const,
        actor: "forwarder",
        detail: `${index} ${"x".repeat(30_000)}`,
      }));
      const escalation = buildEscalation({ history });

      const error: unknown = await store.create(escalation).catch((thrown: unknown) => thrown);

      expect(error).toBeInstanceOf(EscalationTooLargeError);
      expect(error).toMatchObject({ escalationId: escalation.id, limit: { ok: false, error: "entity-too-large" } });
      expect(await store.get(escalation.id)).toBeUndefined();
      expect(await rowAt(outboxKey(escalation))).toBeUndefined();
      expect(await rowAt(customerKey(escalation))).toBeUndefined();
    });

    it("when the stored document is not an escalation, then get throws InvalidStoredEscalationError instead of returning it", async () => {
      const broken = `esc_${randomUUID()}`;
      const wrongShape = `esc_${randomUUID()}`;
      await table.createEntity({
        partitionKey: joinKey("escalation", broken),
        rowKey: "escalation",
        document: '{"id":',
      });
      await table.createEntity({
        partitionKey: joinKey("escalation", wrongShape),
        rowKey: "escalation",
        document: JSON.stringify({ ...buildEscalation({ id: wrongShape }), status: "paused" }),
      });

      await expect(store.get(broken)).rejects.toBeInstanceOf(InvalidStoredEscalationError);
      await expect(store.get(wrongShape)).rejects.toBeInstanceOf(InvalidStoredEscalationError);
    });

    it("when outbox rows outlive their escalation's need (never stored, or sent before the row was deleted), then listPendingDispatch deletes and skips them", async () => {
      const era = takeEra();
      const neverStored = buildEscalation({ createdAt: iso(era) });
      const sentButRowLeft = buildEscalation({ createdAt: iso(era + MINUTE) });
      const pending = buildEscalation({ createdAt: iso(era + 2 * MINUTE) });
      // A crash after the outbox row, before the escalation: only the row exists.
      await table.createEntity({ ...outboxKey(neverStored), escalationId: neverStored.id });
      // A crash after marking it sent, before deleting the row: the row is put back.
      replaced(await store.replace(sent(sentButRowLeft), (await store.create(sentButRowLeft)).etag));
      await table.createEntity({ ...outboxKey(sentButRowLeft), escalationId: sentButRowLeft.id });
      await store.create(pending);
      const cutOff = new Date(era + 10 * MINUTE);
      const outbox = odata`PartitionKey eq ${"dispatch-pending"} and RowKey lt ${joinKey(timestampKey(cutOff))}`;
      expect(await rowKeys(outbox)).toHaveLength(3);

      const listed = await store.listPendingDispatch(cutOff, 10);

      expect(ids(listed)).toEqual([pending.id]);
      expect(await rowKeys(outbox)).toEqual([outboxKey(pending).rowKey]);
    });

    it("when a create stopped after the escalation's row, then listPendingDispatch writes its index and status-event rows, and the lists and metrics see it", async () => {
      const era = takeEra();
      const crashing = stoppingAfterTheEscalationRow();
      const escalation = buildEscalation({ request: requestFor(randomUUID()), createdAt: iso(era) });
      // The escalation exists once its own row is stored: what failed after is reported, not thrown.
      const created = await new TableEscalationStore(crashing).create(escalation);
      expect(created.followingRowsError).toMatchObject({ message: "process stopped" });
      expect((await store.get(escalation.id))?.value).toEqual(escalation);
      expect(await rowAt(customerKey(escalation))).toBeUndefined();
      expect(await rowAt(statusKey(escalation, "queued"))).toBeUndefined();
      const eventsOf = async () =>
        (await readStatusEvents(table, new Date(era), new Date(era + MINUTE))).filter(
          (event) => event.escalationId === escalation.id,
        );
      expect(await eventsOf()).toEqual([]);

      expect(ids(await store.listPendingDispatch(new Date(era + 10 * MINUTE), 10))).toEqual([escalation.id]);

      expect(await rowAt(customerKey(escalation))).toMatchObject({ status: "queued" });
      expect(await rowAt(statusKey(escalation, "queued"))).toMatchObject({ status: "queued" });
      expect(await eventsOf()).toMatchObject([{ escalationId: escalation.id, to: "queued", at: escalation.createdAt }]);
    });

    it("when a replace stopped after the escalation's row, then restoreFollowingRows moves its list entries and writes its status event", async () => {
      const era = takeEra();
      const crashing = stoppingAfterTheEscalationRow();
      const escalation = sent(buildEscalation({ request: requestFor(randomUUID()), createdAt: iso(era) }));
      const { etag } = await store.create(escalation);
      const forwarded = moved(escalation, "forwarded", era + MINUTE);
      const crashingStore = new TableEscalationStore(crashing);
      await crashingStore.get(escalation.id);
      await expect(crashingStore.replace(forwarded, etag)).rejects.toThrow("process stopped");
      expect(await rowAt(statusKey(escalation, "queued"))).toMatchObject({ status: "queued" });
      expect(await rowAt(statusKey(escalation, "forwarded"))).toBeUndefined();

      const stored = await store.get(escalation.id);
      if (stored === undefined) throw new Error("the escalation is gone");
      await store.restoreFollowingRows(stored);

      expect(await rowAt(statusKey(escalation, "queued"))).toBeUndefined();
      expect(await rowAt(statusKey(escalation, "forwarded"))).toMatchObject({ status: "forwarded" });
      expect(await rowAt(customerKey(escalation))).toMatchObject({ status: "forwarded" });
      const events = (await readStatusEvents(table, new Date(era), new Date(era + 2 * MINUTE))).filter(
        (event) => event.escalationId === escalation.id,
      );
      expect(events.map((event) => event.to)).toEqual(["queued", "forwarded"]);
    });

    it("when 21Vianet's number is first recorded, then a case row names the escalation under the number's own partition, whatever characters it holds", async () => {
      const escalation = sent(buildEscalation({ request: requestFor(randomUUID()) }));
      const { etag } = await store.create(escalation);
      const number = `案件 #${randomUUID()}/1`;
      const forwarded = forwardedAs(escalation, number, T0 + MINUTE);
      const newEtag = replaced(await store.replace(forwarded, etag));

      const rows = await rowKeys(odata`PartitionKey eq ${joinKey("vianet-case", number)}`);
      expect(rows).toEqual([joinKey(escalation.id)]);
      expect(await store.findByVianetCase(number)).toEqual([{ value: forwarded, etag: newEtag }]);
      expect(await store.findByVianetCase("9".repeat(600))).toEqual([]);
    });

    it("when a replace stopped after the escalation's row, then its case row is there already: the escalation is found by its number", async () => {
      const crashing = stoppingAfterTheEscalationRow();
      const escalation = sent(buildEscalation({ request: requestFor(randomUUID()) }));
      const { etag } = await store.create(escalation);
      const number = `SR-${randomUUID()}`;
      const crashingStore = new TableEscalationStore(crashing);
      await crashingStore.get(escalation.id);
      await expect(crashingStore.replace(forwardedAs(escalation, number, T0 + MINUTE), etag)).rejects.toThrow(
        "process stopped",
      );

      expect((await store.findByVianetCase(number)).map((found) => found.value.id)).toEqual([escalation.id]);
    });

    it("when a replace stopped before the escalation's row, then the case row it left finds nothing until the number is recorded", async () => {
      const refusing = TableClient.fromConnectionString(inject("tableConnectionString"), tableName, {
        allowInsecureConnection: true,
      });
      refusing.pipeline.addPolicy({
        name: "refuseTheEscalationRow",
        sendRequest: (request, next) =>
          request.method !== "GET" && /PartitionKey='escalation!/.test(decodeURIComponent(request.url))
            ? Promise.reject(new Error("process stopped"))
            : next(request),
      });
      const escalation = sent(buildEscalation({ request: requestFor(randomUUID()) }));
      const { etag } = await store.create(escalation);
      const number = `SR-${randomUUID()}`;
      const refusingStore = new TableEscalationStore(refusing);
      await refusingStore.get(escalation.id);
      await expect(refusingStore.replace(forwardedAs(escalation, number, T0 + MINUTE), etag)).rejects.toThrow(
        "process stopped",
      );
      expect(await rowKeys(odata`PartitionKey eq ${joinKey("vianet-case", number)}`)).toEqual([joinKey(escalation.id)]);
      expect(await store.findByVianetCase(number)).toEqual([]);

      replaced(await store.replace(forwardedAs(escalation, number, T0 + MINUTE), etag));
      expect((await store.findByVianetCase(number)).map((found) => found.value.id)).toEqual([escalation.id]);
    });

    it("when a case row is missing, then restoreFollowingRows writes it again", async () => {
      const escalation = sent(buildEscalation({ request: requestFor(randomUUID()) }));
      const { etag } = await store.create(escalation);
      const number = `SR-${randomUUID()}`;
      replaced(await store.replace(forwardedAs(escalation, number, T0 + MINUTE), etag));
      await table.deleteEntity(joinKey("vianet-case", number), joinKey(escalation.id));
      expect(await store.findByVianetCase(number)).toEqual([]);

      const stored = await store.get(escalation.id);
      if (stored === undefined) throw new Error("the escalation is gone");
      await store.restoreFollowingRows(stored);

      expect(await store.findByVianetCase(number)).toEqual([stored]);
    });

    it("when 100 escalations with distinct ids are created at once, then every one is stored and listed", async () => {
      const tenantId = randomUUID();
      const escalations = Array.from({ length: 100 }, (_, index) =>
        buildEscalation({ request: requestFor(tenantId), createdAt: iso(T0 + index) }),
      );

      const created = await Promise.all(escalations.map((escalation) => store.create(escalation)));
      const read = await Promise.all(escalations.map((escalation) => store.get(escalation.id)));
      const listed = await store.listByCustomer(tenantId, { pageSize: 1_000 });

      expect(read).toEqual(created);
      expect(listed).toEqual({ ok: true, items: [...escalations].reverse().map(summaryOf) });
    });

    it("when the criteria gate records decisions, then they are rows in the day's partition, in time order, decisions intact", async () => {
      const day = takeEra();
      const met: GateDecision = {
        at: iso(day + 9 * 3_600_000),
        callerId: "partner-portal",
        tenantId: randomUUID(),
        service: "office365",
        severity: "critical",
        met: true,
        decisions: [
          { criterion: "service-health-checked", met: true, detail: "the customer's service health was checked" },
        ],
        escalationId: `esc_${randomUUID()}`,
      };
      const unmet: GateDecision = {
        ...met,
        at: iso(day + 8 * 3_600_000),
        met: false,
        decisions: [
          {
            criterion: "not-first-line-only",
            met: false,
            detail: "password-reset is the partner's first-line support — 密码",
          },
        ],
        escalationId: undefined,
      };
      await store.recordGateDecision(met);
      await store.recordGateDecision(unmet);

      const rows: Record<string, unknown>[] = [];
      for await (const row of table.listEntities({
        queryOptions: { filter: odata`PartitionKey eq ${joinKey("gate", iso(day).slice(0, 10))}` },
      }))
        rows.push(row);

      expect(rows.map((row) => row.at)).toEqual([unmet.at, met.at]);
      expect(rows[0]).toMatchObject({
        callerId: "partner-portal",
        tenantId: met.tenantId,
        service: "office365",
        severity: "critical",
        met: false,
      });
      expect(rows[0]).not.toHaveProperty("escalationId");
      expect(rows[1]).toMatchObject({ met: true, escalationId: met.escalationId });
      expect(rows.map((row) => parseJson(joinLongText("decisions", row) ?? "null"))).toEqual([
        unmet.decisions,
        met.decisions,
      ]);
    });
  });

  describe("lists", () => {
    /** Seven escalations of one customer a minute apart; the 2nd, 4th and 6th forwarded. */
    async function customerWithSeven(start: number) {
      const tenantId = randomUUID();
      const escalations: Escalation[] = [];
      for (let index = 0; index < 7; index++) {
        const escalation = buildEscalation({
          request: requestFor(tenantId, { title: `problem ${index}` }),
          createdAt: iso(start + index * MINUTE),
        });
        const { etag } = await store.create(escalation);
        if (index % 2 === 1) {
          const forwarded = moved(sent(escalation), "forwarded", start + index * MINUTE + 30_000);
          replaced(await store.replace(forwarded, etag));
          escalations.push(forwarded);
        } else escalations.push(escalation);
      }
      return { tenantId, escalations, at: (index: number) => new Date(start + index * MINUTE) };
    }

    it("when a customer's escalations are listed, then they come newest first, page by page, with snapshots", async () => {
      const { tenantId, escalations } = await customerWithSeven(T0);

      const pages = await collectPages((continuationToken) =>
        store.listByCustomer(tenantId, { pageSize: 3, continuationToken }),
      );

      expect(pages.map((page) => page.length)).toEqual([3, 3, 1]);
      expect(pages.flat()).toEqual([...escalations].reverse().map(summaryOf));
    });

    it("when listed with a time range, then from is inclusive, to exclusive, and the upper-case tenant id finds the same customer", async () => {
      const { tenantId, escalations, at } = await customerWithSeven(T0 + 3_600_000);

      const listed = await store.listByCustomer(tenantId.toUpperCase(), { from: at(2), to: at(5), pageSize: 10 });
      const onlyFrom = await store.listByCustomer(tenantId, { from: at(5), pageSize: 10 });
      const onlyTo = await store.listByCustomer(tenantId, { to: at(1), pageSize: 10 });
      const empty = await store.listByCustomer(tenantId, { from: at(3), to: at(3), pageSize: 10 });

      expect(listed).toEqual({
        ok: true,
        items: [4, 3, 2].map((index) => summaryOf(escalations[index] ?? buildEscalation())),
      });
      expect(onlyFrom.ok && ids(onlyFrom.items)).toEqual([6, 5].map((index) => escalations[index]?.id));
      expect(onlyTo.ok && ids(onlyTo.items)).toEqual([escalations[0]?.id]);
      expect(empty).toEqual({ ok: true, items: [] });
    });

    it("when listed by status within a customer, then only that status comes, newest first, across pages", async () => {
      const { tenantId, escalations, at } = await customerWithSeven(T0 + 2 * 3_600_000);

      const forwarded = await collectPages((continuationToken) =>
        store.listByCustomer(tenantId, { status: "forwarded", pageSize: 2, continuationToken }),
      );
      const queuedInRange = await store.listByCustomer(tenantId, {
        status: "queued",
        from: at(1),
        to: at(6),
        pageSize: 10,
      });
      const closed = await store.listByCustomer(tenantId, { status: "closed", pageSize: 10 });

      expect(forwarded.map(ids)).toEqual([[escalations[5]?.id, escalations[3]?.id], [escalations[1]?.id]]);
      expect(forwarded.flat().every((item) => item.status === "forwarded")).toBe(true);
      expect(queuedInRange.ok && ids(queuedInRange.items)).toEqual([escalations[4]?.id, escalations[2]?.id]);
      expect(closed).toEqual({ ok: true, items: [] });
    });

    it("when listed by status, then each status lists its own escalations newest first, and a moved one only under its new status", async () => {
      const era = takeEra();
      const window = { from: new Date(era), to: new Date(era + 3_600_000) };
      const escalations = [0, 1, 2].map((minutes) =>
        buildEscalation({ request: requestFor(randomUUID()), createdAt: iso(era + minutes * MINUTE) }),
      );
      const etags: string[] = [];
      for (const escalation of escalations) etags.push((await store.create(escalation)).etag);
      const [first, second, third] = escalations;
      if (first === undefined || second === undefined || third === undefined) throw new Error("three escalations");
      const rejected = moved(sent(second), "rejected", era + 10 * MINUTE);
      replaced(await store.replace(rejected, etags[1] ?? ""));

      const queued = await collectPages((continuationToken) =>
        store.listByStatus("queued", { ...window, pageSize: 1, continuationToken }),
      );
      const rejectedList = await store.listByStatus("rejected", { ...window, pageSize: 10 });

      expect(ids(queued.flat())).toEqual([third.id, first.id]);
      expect(queued.flat()).toEqual([summaryOf(third), summaryOf(first)]);
      expect(rejectedList).toEqual({ ok: true, items: [summaryOf(rejected)] });
    });

    it("when one status is listed for some customers only, then only theirs come, newest first, in full pages whose tokens name only their rows", async () => {
      const era = takeEra();
      const [mine, alsoMine, other] = [randomUUID(), randomUUID(), randomUUID()];
      // Other customers' escalations sit between and around the caller's, in the same status.
      const layout = [mine, other, other, alsoMine, other, mine, other, other, other, alsoMine, mine, other];
      const escalations = layout.map((tenantId, index) =>
        buildEscalation({ request: requestFor(tenantId), createdAt: iso(era + index * MINUTE) }),
      );
      for (const escalation of escalations) await store.create(escalation);
      const own = escalations.filter((escalation) => escalation.request.customer.tenantId !== other).reverse();

      const tokens: string[] = [];
      const pages = await collectPages(async (continuationToken) => {
        const result = await store.listForTenants([mine, alsoMine.toUpperCase()], {
          status: "queued",
          from: new Date(era),
          to: new Date(era + 3_600_000),
          pageSize: 2,
          continuationToken,
        });
        if (result.ok && result.continuationToken !== undefined) tokens.push(result.continuationToken);
        return result;
      });

      expect(pages.map((page) => page.length)).toEqual([2, 2, 1]);
      expect(pages.flat()).toEqual(own.map(summaryOf));
      const otherKeys = escalations
        .filter((escalation) => escalation.request.customer.tenantId === other)
        .map((escalation) => escalation.id);
      for (const token of tokens) {
        const decoded = Buffer.from(token, "base64url").toString("utf8");
        for (const id of otherKeys) expect(decoded).not.toContain(id);
        expect(decoded).not.toContain(other);
      }
    });

    it("when a merged list's token is forged, then the list is refused with invalid-continuation-token", async () => {
      const forged = [
        Buffer.from(JSON.stringify({ v: 2, after: "x", inclusive: false })).toString("base64url"),
        Buffer.from("{").toString("base64url"),
        "??",
      ];
      const answers = await Promise.all(
        forged.map((continuationToken) =>
          store.listForTenants([randomUUID()], { status: "queued", pageSize: 2, continuationToken }),
        ),
      );
      expect(answers).toEqual(forged.map(() => ({ ok: false, error: "invalid-continuation-token" })));
    });

    it("when a continuation token is malformed or from another list, then the list is refused with invalid-continuation-token", async () => {
      const { tenantId } = await customerWithSeven(T0 + 3 * 3_600_000);
      const first = await store.listByCustomer(tenantId, { pageSize: 2 });
      const byStatus = await store.listByStatus("forwarded", { pageSize: 1 });
      if (
        !first.ok ||
        first.continuationToken === undefined ||
        !byStatus.ok ||
        byStatus.continuationToken === undefined
      )
        throw new Error("expected more pages");
      const forged = [
        "not a token!",
        "",
        Buffer.from("{}").toString("base64url"),
        Buffer.from("[1,2").toString("base64url"),
        Buffer.from(JSON.stringify({ v: 1, partition: joinKey("customer", tenantId), next: "@@@" })).toString(
          "base64url",
        ),
        Buffer.from(
          JSON.stringify({
            v: 1,
            partition: joinKey("customer", tenantId),
            next: Buffer.from("nope").toString("base64"),
          }),
        ).toString("base64url"),
      ];

      const answers = await Promise.all([
        ...forged.map((continuationToken) => store.listByCustomer(tenantId, { pageSize: 2, continuationToken })),
        store.listByCustomer(randomUUID(), { pageSize: 2, continuationToken: first.continuationToken }),
        store.listByCustomer(tenantId, { pageSize: 2, continuationToken: byStatus.continuationToken }),
        store.listByStatus("queued", { pageSize: 2, continuationToken: byStatus.continuationToken }),
      ]);
      const genuine = await store.listByCustomer(tenantId, { pageSize: 2, continuationToken: first.continuationToken });

      expect(answers).toEqual(answers.map(() => ({ ok: false, error: "invalid-continuation-token" })));
      expect(first.continuationToken).toMatch(/^[A-Za-z0-9_-]+$/);
      expect(genuine.ok && genuine.items).toHaveLength(2);
    });

    it("when pageSize is outside 1 to 1,000, then the list throws rather than guessing", async () => {
      await expect(store.listByStatus("queued", { pageSize: 0 })).rejects.toBeInstanceOf(RangeError);
      await expect(store.listByCustomer(randomUUID(), { pageSize: 1_001 })).rejects.toBeInstanceOf(RangeError);
    });
  });

  it("when an existing id is created again, then the error is an EscalationExistsError", async () => {
    const escalation = buildEscalation();
    await store.create(escalation);
    await expect(store.create(escalation)).rejects.toBeInstanceOf(EscalationExistsError);
  });
});

describe("InMemoryEscalationStore (the unit tests' fake)", () => {
  describeEscalationStoreContract(() => new InMemoryEscalationStore());
});
