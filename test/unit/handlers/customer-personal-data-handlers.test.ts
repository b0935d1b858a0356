// DELETE and GET /api/customers/{tenantId}/personal-data over in-memory ports: who may ask, what
// is erased and counted, what the audit keeps, and that nothing personal reaches the logs.
import functions from "@azure/functions";
import { describe, expect, it } from "vitest";
import type { EscalationSummary } from "../../../shared/domain/escalations/escalation.js";
import type { PersonalDataCopies } from "../../../shared/domain/escalations/customer-personal-data.js";
import type { ErasureAudit, ErasureAuditEntry } from "../../../shared/domain/escalations/personal-data-ports.js";
import type { EscalationLister, EscalationListResult } from "../../../shared/domain/escalations/ports.js";
import {
  makeErasePersonalDataHandler,
  makeGetPersonalDataHandler,
} from "../../../shared/handlers/customer-personal-data-handlers.js";
import { PersonalDataErased, PersonalDataView } from "../../../shared/http/api-schemas.js";
import { buildEscalationRequest } from "../../builders/escalation-request.js";
import { FakeClock, InMemoryEscalationStore, SequentialIds } from "../domain/escalations/fakes.js";
import { queuedEscalation } from "../domain/forwarding/fakes.js";
import { callers, sha, tenant } from "./callers.js";

const { HttpRequest, InvocationContext } = functions;
const OTHER_TENANT = "22222222-2222-4222-8222-222222222222";
const everyone = [...callers, { id: "privacy-officer", keySha256: sha("all-key"), tenants: "all" as const }];

/** The customer list over the in-memory store, in pages of `pageSize`, newest first. */
class InMemoryLister implements Pick<EscalationLister, "listByCustomer"> {
  constructor(private readonly store: InMemoryEscalationStore) {}

  listByCustomer(
    tenantId: string,
    options: { pageSize: number; continuationToken?: string },
  ): Promise<EscalationListResult> {
    const all: EscalationSummary[] = [...this.store.escalations.values()]
      .map(({ value }) => value)
      .filter((escalation) => escalation.request.customer.tenantId.toLowerCase() === tenantId.toLowerCase())
      .sort((a, b) => b.createdAt.localeCompare(a.createdAt) || b.id.localeCompare(a.id))
      .map((escalation) => ({
        id: escalation.id,
        status: escalation.status,
        tenantId: escalation.request.customer.tenantId,
        service: escalation.request.service,
        severity: escalation.request.severity,
        title: escalation.request.title,
        createdAt: escalation.createdAt,
        updatedAt: escalation.updatedAt,
      }));
    const start = Number(options.continuationToken ?? "0");
    const items = all.slice(start, start + options.pageSize);
    const next = start + options.pageSize;
    return Promise.resolve(
      next < all.length ? { ok: true, items, continuationToken: String(next) } : { ok: true, items },
    );
  }
}

class RecordingCopies implements PersonalDataCopies {
  readonly asked: string[][] = [];
  idempotencyRecords = new Map<string, string>();

  deleteIdempotencyRecords(escalationIds: ReadonlySet<string>): Promise<number> {
    this.asked.push([...escalationIds]);
    let deleted = 0;
    for (const [key, reservation] of this.idempotencyRecords)
      if (escalationIds.has(reservation)) {
        this.idempotencyRecords.delete(key);
        deleted++;
      }
    return Promise.resolve(deleted);
  }

  eraseDeadLetters(): Promise<number> {
    return Promise.resolve(0);
  }
}

class InMemoryAudit implements ErasureAudit {
  readonly entries: ErasureAuditEntry[] = [];

  record(entry: ErasureAuditEntry): Promise<void> {
    this.entries.push(structuredClone(entry));
    return Promise.resolve();
  }

  list(from: Date, to: Date): Promise<ErasureAuditEntry[]> {
    return Promise.resolve(this.entries.filter((entry) => new Date(entry.at) >= from && new Date(entry.at) < to));
  }
}

const PERSONAL = {
  name: "Zhao Minghui-7731",
  email: "zhao.minghui.7731@example.cn",
  phone: "+86 21 5555 7731",
  title: "Mailbox of Zhao Minghui-7731 cannot send",
  description: "Zhao Minghui-7731 reports bounces since Monday",
  step: "Asked Zhao Minghui-7731 to clear the Outlook cache",
};

async function setUp() {
  const store = new InMemoryEscalationStore();
  const clock = new FakeClock();
  const ids = new SequentialIds();
  const request = buildEscalationRequest({
    title: PERSONAL.title,
    description: PERSONAL.description,
    contact: { name: PERSONAL.name, email: PERSONAL.email, phone: PERSONAL.phone },
    firstLineSupport: { serviceHealthChecked: true, adminCenterAttempted: true, stepsTaken: [PERSONAL.step] },
  });
  const first = await queuedEscalation({ store, clock, ids, request });
  clock.advance(1_000);
  const second = await queuedEscalation({ store, clock, ids, request });
  // The second one is forwarded: erasing it does not withdraw it.
  const stored = await store.get(second.escalation.id);
  if (stored === undefined) throw new Error("not stored");
  await store.replace({ ...stored.value, status: "forwarded" }, stored.etag);
  clock.advance(1_000);
  const other = await queuedEscalation({
    store,
    clock,
    ids,
    request: buildEscalationRequest({ customer: { tenantId: OTHER_TENANT, name: "Fabrikam", domain: "fabrikam.cn" } }),
  });
  const copies = new RecordingCopies();
  copies.idempotencyRecords.set("contoso-desk|key-1", first.escalation.id);
  copies.idempotencyRecords.set("fabrikam-desk|key-2", other.escalation.id);
  const audit = new InMemoryAudit();
  const deps = { store, lister: new InMemoryLister(store), copies, audit, clock, callers: everyone, concurrency: 2 };
  return {
    store,
    clock,
    copies,
    audit,
    ids: { queued: first.escalation.id, forwarded: second.escalation.id, other: other.escalation.id },
    erase: makeErasePersonalDataHandler(deps),
    read: makeGetPersonalDataHandler(deps),
  };
}

function call(method: "DELETE" | "GET", tenantId: string, key: string) {
  return new HttpRequest({
    url: `http://127.0.0.1:7071/api/customers/${tenantId}/personal-data`,
    method,
    headers: { "x-functions-key": key },
    params: { tenantId },
  });
}

function context() {
  const logs: unknown[][] = [];
  const invocation = new InvocationContext({
    functionName: "customers-personal-data",
    invocationId: "test",
    logHandler: (_level, ...args) => logs.push(args),
  });
  return { invocation, logs };
}

const problemOf = (response: { body?: unknown }) =>
  JSON.parse(typeof response.body === "string" ? response.body : "{}") as Record<string, unknown>;

describe("DELETE /api/customers/{tenantId}/personal-data", () => {
  it("when a caller for the customer erases, then every escalation of it is erased, a queued one withdrawn, its idempotency records deleted, and 200 answers the counts", async () => {
    const { store, copies, ids, erase } = await setUp();
    const { invocation, logs } = context();

    const response = await erase(call("DELETE", tenant, "contoso-key"), invocation);

    expect(response.status).toBe(200);
    expect(response.headers).toMatchObject({ "cache-control": "no-store" });
    expect(PersonalDataErased.parse(response.jsonBody)).toEqual({
      tenantId: tenant,
      erasedAt: "2026-11-26T08:00:02.000Z",
      escalationsFound: 2,
      erased: 2,
      alreadyErased: 0,
      withdrawn: 1,
      idempotencyRecordsDeleted: 1,
      deadLettersErased: 0,
      rowsWritten: 7,
    });
    const queued = (await store.get(ids.queued))?.value;
    expect(queued?.status).toBe("failed");
    expect(queued?.request.contact).toBeUndefined();
    expect(queued?.erasure).toEqual({ at: "2026-11-26T08:00:02.000Z", reason: "request", by: "contoso-desk" });
    expect((await store.get(ids.forwarded))?.value).toMatchObject({ status: "forwarded", request: { title: "" } });
    // The other customer's escalation and its idempotency record are untouched.
    expect((await store.get(ids.other))?.value.request.contact).toBeDefined();
    expect([...copies.idempotencyRecords.keys()]).toEqual(["fabrikam-desk|key-2"]);
    for (const value of Object.values(PERSONAL)) expect(JSON.stringify(logs)).not.toContain(value);
  });

  it("when erased, then the audit has one entry: who, when, which escalations, how many rows, the counts, and none of the data", async () => {
    const { audit, ids, erase } = await setUp();

    await erase(call("DELETE", tenant, "all-key"), context().invocation);

    expect(audit.entries).toEqual([
      {
        at: "2026-11-26T08:00:02.000Z",
        actor: "privacy-officer",
        action: "erase-on-request",
        tenantId: tenant,
        escalationIds: [ids.forwarded, ids.queued],
        rows: 7,
        counts: expect.objectContaining({ escalationsFound: 2, erased: 2, withdrawn: 1 }) as unknown,
      },
    ]);
    for (const value of Object.values(PERSONAL)) expect(JSON.stringify(audit.entries)).not.toContain(value);
  });

  it("when the same erasure is asked again, then nothing more is erased: every escalation counts as already erased", async () => {
    const { store, ids, erase } = await setUp();
    await erase(call("DELETE", tenant, "contoso-key"), context().invocation);
    const before = (await store.get(ids.queued))?.etag;

    const again = await erase(call("DELETE", tenant, "contoso-key"), context().invocation);

    expect(PersonalDataErased.parse(again.jsonBody)).toMatchObject({
      escalationsFound: 2,
      erased: 0,
      alreadyErased: 2,
      withdrawn: 0,
      idempotencyRecordsDeleted: 0,
      rowsWritten: 0,
    });
    expect((await store.get(ids.queued))?.etag).toBe(before);
  });

  it("when the customer has no escalations, then 200 with every count 0, and the request is still audited", async () => {
    const { audit, erase } = await setUp();
    const none = "33333333-3333-4333-8333-333333333333";

    const response = await erase(call("DELETE", none, "all-key"), context().invocation);

    expect(response.status).toBe(200);
    expect(PersonalDataErased.parse(response.jsonBody)).toMatchObject({
      escalationsFound: 0,
      erased: 0,
      rowsWritten: 0,
    });
    expect(audit.entries).toMatchObject([{ tenantId: none, escalationIds: [], rows: 0 }]);
  });

  it("when a caller for another customer asks (BOLA), then 404 No such customer as the list answers, and nothing is erased or audited", async () => {
    const { store, audit, ids, erase } = await setUp();

    const response = await erase(call("DELETE", tenant, "fabrikam-key"), context().invocation);

    expect(response.status).toBe(404);
    expect(problemOf(response)).toMatchObject({ title: "No such customer", status: 404 });
    expect((await store.get(ids.queued))?.value.request.contact).toBeDefined();
    expect(audit.entries).toEqual([]);
  });

  it("when the tenant id is not a uuid, then 400 naming tenantId; an unknown key, 401", async () => {
    const { erase } = await setUp();

    const invalid = await erase(call("DELETE", "contoso", "all-key"), context().invocation);
    expect(invalid.status).toBe(400);
    expect(problemOf(invalid)["invalid-params"]).toEqual([{ name: "tenantId", reason: expect.any(String) as unknown }]);
    expect((await erase(call("DELETE", tenant, "nobody-key"), context().invocation)).status).toBe(401);
  });
});

describe("GET /api/customers/{tenantId}/personal-data", () => {
  it("when a caller for the customer reads, then every escalation's personal data, newest first, uncached; none of another customer's", async () => {
    const { ids, read } = await setUp();

    const response = await read(call("GET", tenant, "contoso-key"), context().invocation);

    expect(response.status).toBe(200);
    expect(response.headers).toMatchObject({ "cache-control": "no-store" });
    const view = PersonalDataView.parse(response.jsonBody);
    expect(view.escalations.map((item) => item.escalationId)).toEqual([ids.forwarded, ids.queued]);
    expect(view.escalations[0]).toMatchObject({
      contact: { name: PERSONAL.name, email: PERSONAL.email, phone: PERSONAL.phone },
      title: PERSONAL.title,
      description: PERSONAL.description,
      firstLineSteps: [PERSONAL.step],
      partnerTicketId: "P-1001",
      notes: [],
    });
    expect(view.erasures).toEqual([]);
  });

  it("when read after an erasure, then the escalations show it, empty, and the audit entry is listed", async () => {
    const { clock, read, erase } = await setUp();
    await erase(call("DELETE", tenant, "contoso-key"), context().invocation);
    clock.advance(60_000);

    const view = PersonalDataView.parse(
      (await read(call("GET", tenant, "contoso-key"), context().invocation)).jsonBody,
    );

    for (const item of view.escalations) {
      expect(item).not.toHaveProperty("contact");
      expect(item).toMatchObject({ title: "", description: "", firstLineSteps: [], erasure: { reason: "request" } });
    }
    expect(view.erasures).toMatchObject([{ action: "erase-on-request", actor: "contoso-desk", tenantId: tenant }]);
  });

  it("when a caller for another customer reads (BOLA), then 404 No such customer; an invalid tenant id, 400", async () => {
    const { read } = await setUp();

    const other = await read(call("GET", tenant, "fabrikam-key"), context().invocation);
    expect(other.status).toBe(404);
    expect(problemOf(other)).toMatchObject({ title: "No such customer" });
    expect((await read(call("GET", "not-a-uuid", "contoso-key"), context().invocation)).status).toBe(400);
  });
});
