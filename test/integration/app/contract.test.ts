// The contract /api/openapi.json publishes, held against the real app: every operation of the
// document is called every way it answers (successes and each refusal), and every answer must be
// declared there, with a body that validates against the declared schema. An operation without a
// scenario here, an answer the document does not declare or a declared answer no scenario
// produces fails the test.
import { createHash, randomUUID } from "node:crypto";
import { fileURLToPath } from "node:url";
import { TableClient } from "@azure/data-tables";
import SwaggerParser from "@apidevtools/swagger-parser";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { findFreePort } from "../../../local/free-port.js";
import { TableEscalationStore } from "../../../shared/adapters/table-storage/table-escalation-store.js";
import { TableIdempotencyStore } from "../../../shared/adapters/table-storage/table-idempotency-store.js";
import { fingerprintOf } from "../../../shared/domain/escalations/idempotency.js";
import { parseWebhookSecret, signWebhook } from "../../../shared/lib/standard-webhooks.js";
import { buildEscalationRequest } from "../../builders/escalation-request.js";
import { startHostProcess, type HostProcess } from "../local/functions-host/host-process.js";
import { emulatorConnectionString, purge, createClient } from "../local/service-bus/helpers.js";
import { ContractValidator, type Answer } from "./contract-validator.js";

const APP_ROOT = fileURLToPath(new URL("../../..", import.meta.url));
const QUEUE = "app-contract";
const KEY = "contract-desk-key";
const OTHER_KEY = "contract-other-key";
const REPORTING_KEY = "contract-reporting-key";
/** Accepted by the Functions platform, but no registered caller: the app itself refuses it. */
const STRANGER_KEY = "contract-stranger-key";
const WEBHOOK_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
/** Loopback, at a port nothing listens on: nothing leaves the machine, whatever is posted. */
const RECEIVER = "http://127.0.0.1:9/contract-receiver";
const sha = (text: string) => createHash("sha256").update(text).digest("hex");
const tableName = `contract${randomUUID().replaceAll("-", "").slice(0, 10)}`;
const tenant = buildEscalationRequest().customer.tenantId;
const otherTenant = "22222222-2222-4222-8222-222222222222";
/** A customer only the all-tenant key acts for: the personal-data scenarios erase its escalations. */
const thirdTenant = "33333333-3333-4333-8333-333333333333";

interface Call {
  path?: Record<string, string>;
  query?: Record<string, string>;
  headers?: Record<string, string>;
  /** A JSON body; or `raw` with its own content type. */
  json?: unknown;
  raw?: { contentType: string; body: string };
  /** The function key; `null` sends none. Operations the document leaves open get none by default. */
  key?: string | null;
}

interface Reply extends Answer {
  json(): unknown;
}

function appSettings(overrides: Record<string, string> = {}): Record<string, string> {
  return {
    EscalationsStorage: inject("tableConnectionString"),
    ServiceBusConnection: emulatorConnectionString(),
    ESCALATIONS_QUEUE_NAME: QUEUE,
    ESCALATIONS_TABLE_NAME: tableName,
    METRICS_DELIVERY_QUEUE_NAME: "app-report-deliveries-idle",
    LOCAL_FUNCTIONS_KEY: [KEY, OTHER_KEY, REPORTING_KEY, STRANGER_KEY].join(","),
    ESCALATION_CALLERS: JSON.stringify([
      { id: "contract-desk", keySha256: sha(KEY), tenants: [tenant] },
      { id: "contract-other", keySha256: sha(OTHER_KEY), tenants: [otherTenant] },
      { id: "contract-reporting", keySha256: sha(REPORTING_KEY), tenants: "all" },
    ]),
    ESCALATION_WEBHOOK_SENDERS: JSON.stringify([{ id: "psa-tool", secrets: [WEBHOOK_SECRET], tenants: "all" }]),
    // Every escalation waits for a person in the portal: RecordVianetCase has something to record.
    ESCALATION_ROUTING: JSON.stringify([{ channel: "portal" }]),
    WEBHOOK_ALLOWED_PRIVATE_HOSTS: "127.0.0.1",
    "AzureWebJobs.dispatch-sweep.Disabled": "true",
    ...overrides,
  };
}

describe("the HTTP API against the contract /api/openapi.json publishes", () => {
  const serviceBus = createClient();
  const idempotency = new TableIdempotencyStore(
    TableClient.fromConnectionString(inject("tableConnectionString"), tableName, { allowInsecureConnection: true }),
  );
  let host: HostProcess;
  let document: Record<string, unknown>;
  let contract: ContractValidator;
  /** Per operation, the statuses the app answered. */
  const answered = new Map<string, Set<number>>();

  beforeAll(async () => {
    await purge(serviceBus, QUEUE);
    host = await startHostProcess(appSettings(), APP_ROOT);
    const response = await fetch(`${host.url}/api/openapi.json`);
    expect(response.status).toBe(200);
    document = (await response.json()) as Record<string, unknown>;
    contract = new ContractValidator(document);
  });
  afterAll(async () => {
    await host.stop();
    await serviceBus.close();
  });

  /** Sends a request to an operation where the document says it lives: its path and method. */
  async function send(operationId: string, request: Call, on: HostProcess): Promise<Reply & { target: string }> {
    const operation = contract.operation(operationId);
    const path = operation.path.replace(/\{([^}]+)\}/g, (_, name: string) =>
      encodeURIComponent(request.path?.[name] ?? ""),
    );
    const query = new URLSearchParams(request.query ?? {}).toString();
    const key = request.key === undefined ? (operation.keyed ? KEY : null) : request.key;
    const headers: Record<string, string> = { ...(key === null ? {} : { "x-functions-key": key }), ...request.headers };
    let body: string | undefined;
    if (request.json !== undefined) {
      headers["content-type"] = "application/json";
      body = JSON.stringify(request.json);
    } else if (request.raw !== undefined) {
      headers["content-type"] = request.raw.contentType;
      body = request.raw.body;
    }
    const target = `${path}${query === "" ? "" : `?${query}`}`;
    const response = await fetch(`${on.url}/api${target}`, {
      method: operation.method.toUpperCase(),
      headers,
      ...(body === undefined ? {} : { body }),
    });
    const text = await response.text();
    return {
      status: response.status,
      contentType: response.headers.get("content-type"),
      headers: response.headers,
      text,
      json: () => JSON.parse(text) as unknown,
      target: `${operation.method.toUpperCase()} ${target}`,
    };
  }

  /** Calls an operation and checks the app's answer against what the document declares for it. */
  async function call(operationId: string, request: Call = {}, on: HostProcess = host): Promise<Reply> {
    const reply = await send(operationId, request, on);
    expect.soft(contract.problems(operationId, reply), `${reply.target} answered ${reply.status}`).toEqual([]);
    const statuses = answered.get(operationId) ?? new Set<number>();
    statuses.add(reply.status);
    answered.set(operationId, statuses);
    return reply;
  }

  /** A request without a function key is refused by the Functions platform, before the app: 401 with no body, as the document says. */
  async function expectPlatformRefusal(operationId: string, request: Call): Promise<void> {
    const reply = await send(operationId, { ...request, key: null }, host);
    expect(reply.status, operationId).toBe(401);
    expect(reply.text, operationId).toBe("");
    expect(String(contract.operation(operationId).responses["401"]?.description), operationId).toContain("empty body");
  }

  async function submit(overrides: Parameters<typeof buildEscalationRequest>[0] = {}): Promise<string> {
    const reply = await call("SubmitEscalation", { json: buildEscalationRequest(overrides) });
    expect(reply.status).toBe(202);
    return (reply.json() as { id: string }).id;
  }

  async function awaitingPortal(id: string): Promise<void> {
    await expect
      .poll(async () => ((await call("GetEscalation", { path: { id } })).json() as { status: string }).status, {
        timeout: 20_000,
        interval: 200,
      })
      .toBe("awaiting_portal");
  }

  /** An escalation submitted in the portal by a person, with the case number they recorded. */
  async function forwardedThroughPortal(
    caseNumber = `26${randomUUID().replaceAll("-", "").slice(0, 14)}`,
  ): Promise<string> {
    const id = await submit();
    await awaitingPortal(id);
    const recorded = await send("RecordVianetCase", { path: { id }, json: { caseNumber } }, host);
    expect(recorded.status).toBe(200);
    return id;
  }

  /** A subscription of the other caller, whose customer has no escalations here: it never receives an event. */
  async function subscribe(): Promise<string> {
    const reply = await send(
      "WhenAnEscalationChanges",
      { json: { url: RECEIVER, events: ["*"] }, key: OTHER_KEY },
      host,
    );
    expect(reply.status).toBe(201);
    return (reply.json() as { id: string }).id;
  }

  function signed(body: string, id = `msg_${randomUUID()}`): Record<string, string> {
    const secret = parseWebhookSecret(WEBHOOK_SECRET);
    if (!secret.ok) throw new Error(secret.message);
    const timestamp = Math.floor(Date.now() / 1000);
    return {
      "webhook-id": id,
      "webhook-timestamp": String(timestamp),
      "webhook-signature": signWebhook({ id, timestamp, body: Buffer.from(body), secret: secret.secret }),
    };
  }

  /** One scenario per operation of the document: each produces every answer the document declares for it. */
  const scenarios: Record<string, () => Promise<void>> = {
    SubmitEscalation: async () => {
      await submit();
      await call("SubmitEscalation", { json: { ...buildEscalationRequest(), severity: "urgent" } });
      await call("SubmitEscalation", { raw: { contentType: "application/json", body: "{" } });
      await call("SubmitEscalation", { json: buildEscalationRequest(), headers: { "idempotency-key": "has spaces" } });
      await call("SubmitEscalation", { json: buildEscalationRequest(), key: STRANGER_KEY });
      await expectPlatformRefusal("SubmitEscalation", { json: buildEscalationRequest() });
      await call("SubmitEscalation", { json: buildEscalationRequest({ description: "x".repeat(70_000) }) });
      await call("SubmitEscalation", { raw: { contentType: "text/plain", body: "hello" } });
      await call("SubmitEscalation", { json: buildEscalationRequest({ category: "password-reset" }) });
      // An Idempotency-Key reused with another body; and one whose first request is still running.
      const used = randomUUID();
      await call("SubmitEscalation", { json: buildEscalationRequest(), headers: { "idempotency-key": used } });
      await call("SubmitEscalation", {
        json: buildEscalationRequest({ title: "Another body" }),
        headers: { "idempotency-key": used },
      });
      const running = randomUUID();
      const body = buildEscalationRequest({ title: "Still running" });
      await idempotency.claim(
        "contract-desk",
        running,
        fingerprintOf(JSON.parse(JSON.stringify(body))),
        new Date(),
        "esc_contract_running",
      );
      await call("SubmitEscalation", { json: body, headers: { "idempotency-key": running } });
    },
    ListEscalations: async () => {
      await submit();
      await submit();
      const first = await call("ListEscalations", { query: { tenantId: tenant, pageSize: "1" } });
      const token = (first.json() as { continuationToken?: string }).continuationToken;
      expect(token).toBeDefined();
      await call("ListEscalations", { query: { tenantId: tenant, pageSize: "1", continuationToken: token ?? "" } });
      await call("ListEscalations", { query: { status: "awaiting_portal" }, key: REPORTING_KEY });
      await call("ListEscalations", {});
      await call("ListEscalations", { query: { status: "lost" } });
      await call("ListEscalations", { query: { tenantId: tenant, continuationToken: "forged" } });
      await call("ListEscalations", { query: { tenantId: tenant }, key: STRANGER_KEY });
      await expectPlatformRefusal("ListEscalations", { query: { tenantId: tenant } });
      await call("ListEscalations", { query: { tenantId: otherTenant } });
    },
    GetEscalation: async () => {
      const id = await submit();
      await call("GetEscalation", { path: { id } });
      // Waiting for the portal, the view carries the case package too.
      await awaitingPortal(id);
      await call("GetEscalation", { path: { id }, key: STRANGER_KEY });
      await expectPlatformRefusal("GetEscalation", { path: { id } });
      await call("GetEscalation", { path: { id }, key: OTHER_KEY });
      await call("GetEscalation", { path: { id: "no-such-escalation" } });
    },
    RecordVianetCase: async () => {
      const id = await submit();
      await awaitingPortal(id);
      const recorded = await call("RecordVianetCase", { path: { id }, json: { caseNumber: "2506010040000123" } });
      expect(recorded.json()).toMatchObject({
        status: "forwarded",
        vianet: { channel: "portal", serviceRequestId: "2506010040000123" },
      });
      await call("RecordVianetCase", { path: { id }, json: { caseNumber: "2506010040000123" } });
      await call("RecordVianetCase", { path: { id }, json: { caseNumber: "2506010040000999" } });
      await call("RecordVianetCase", { path: { id }, json: {} });
      await call("RecordVianetCase", { path: { id }, json: { caseNumber: "1" }, key: STRANGER_KEY });
      await expectPlatformRefusal("RecordVianetCase", { path: { id }, json: { caseNumber: "1" } });
      await call("RecordVianetCase", { path: { id: "no-such-escalation" }, json: { caseNumber: "1" } });
      await call("RecordVianetCase", { path: { id }, json: { caseNumber: "1", note: "x".repeat(5_000) } });
      await call("RecordVianetCase", { path: { id }, raw: { contentType: "text/plain", body: "2506010040000123" } });
    },
    RecordVianetUpdate: async () => {
      const waiting = await submit();
      await awaitingPortal(waiting);
      await call("RecordVianetUpdate", { path: { id: waiting }, json: { status: "forwarded" } });
      const id = await forwardedThroughPortal();
      const update = { status: "attention_needed", note: "Please send a message trace.", source: "email" };
      const key = randomUUID();
      const recorded = await call("RecordVianetUpdate", {
        path: { id },
        json: update,
        headers: { "idempotency-key": key },
      });
      expect(recorded.json()).toMatchObject({ status: "attention_needed", notes: [{ author: "21vianet" }] });
      await call("RecordVianetUpdate", { path: { id }, json: update, headers: { "idempotency-key": key } });
      await call("RecordVianetUpdate", {
        path: { id },
        json: { ...update, note: "Another" },
        headers: { "idempotency-key": key },
      });
      await call("RecordVianetUpdate", { path: { id }, json: { status: "open" } });
      await call("RecordVianetUpdate", { path: { id }, json: { note: "x".repeat(40_000) } });
      await call("RecordVianetUpdate", { path: { id }, raw: { contentType: "text/plain", body: "closed" } });
      await call("RecordVianetUpdate", { path: { id }, json: update, key: STRANGER_KEY });
      await expectPlatformRefusal("RecordVianetUpdate", { path: { id }, json: update });
      await call("RecordVianetUpdate", { path: { id }, json: update, key: OTHER_KEY });
      await call("RecordVianetUpdate", { path: { id }, json: { status: "closed" } });
      await call("RecordVianetUpdate", { path: { id }, json: { note: "After closing" } });
    },
    RecordVianetCaseUpdate: async () => {
      const caseNumber = `26${Date.now()}`;
      await forwardedThroughPortal(caseNumber);
      const update = { note: "An engineer will call at 15:00.", source: "email" };
      const key = randomUUID();
      const recorded = await call("RecordVianetCaseUpdate", {
        path: { caseNumber },
        json: update,
        headers: { "idempotency-key": key },
      });
      expect(recorded.json()).toMatchObject({ vianet: { serviceRequestId: caseNumber }, notes: [{ source: "email" }] });
      await call("RecordVianetCaseUpdate", { path: { caseNumber }, json: update, headers: { "idempotency-key": key } });
      await call("RecordVianetCaseUpdate", {
        path: { caseNumber },
        json: { note: "Another" },
        headers: { "idempotency-key": key },
      });
      await call("RecordVianetCaseUpdate", { path: { caseNumber }, json: {} });
      await call("RecordVianetCaseUpdate", { path: { caseNumber }, json: { note: "x".repeat(40_000) } });
      await call("RecordVianetCaseUpdate", { path: { caseNumber }, raw: { contentType: "text/plain", body: "x" } });
      await call("RecordVianetCaseUpdate", { path: { caseNumber }, json: update, key: STRANGER_KEY });
      await expectPlatformRefusal("RecordVianetCaseUpdate", { path: { caseNumber }, json: update });
      await call("RecordVianetCaseUpdate", { path: { caseNumber }, json: update, key: OTHER_KEY });
      await call("RecordVianetCaseUpdate", { path: { caseNumber: "000000000000000" }, json: update });
      await call("RecordVianetCaseUpdate", { path: { caseNumber }, json: { status: "closed" } });
      await call("RecordVianetCaseUpdate", { path: { caseNumber }, json: { note: "After closing" } });
    },
    AddPartnerNote: async () => {
      const id = await submit();
      await awaitingPortal(id);
      const key = randomUUID();
      const added = await call("AddPartnerNote", {
        path: { id },
        json: { text: "Affects 40 mailboxes" },
        headers: { "idempotency-key": key },
      });
      expect(added.json()).toMatchObject({ portalCase: { notesToAdd: [{ text: "Affects 40 mailboxes" }] } });
      await call("AddPartnerNote", {
        path: { id },
        json: { text: "Affects 40 mailboxes" },
        headers: { "idempotency-key": key },
      });
      await call("AddPartnerNote", { path: { id }, json: { text: "Another" }, headers: { "idempotency-key": key } });
      await call("AddPartnerNote", { path: { id }, json: {} });
      await call("AddPartnerNote", { path: { id }, json: { text: "x".repeat(40_000) } });
      await call("AddPartnerNote", { path: { id }, raw: { contentType: "text/plain", body: "hello" } });
      await call("AddPartnerNote", { path: { id }, json: { text: "hello" }, key: STRANGER_KEY });
      await expectPlatformRefusal("AddPartnerNote", { path: { id }, json: { text: "hello" } });
      await call("AddPartnerNote", { path: { id }, json: { text: "hello" }, key: OTHER_KEY });
      const closed = await forwardedThroughPortal();
      await call("RecordVianetUpdate", { path: { id: closed }, json: { status: "closed" } });
      await call("AddPartnerNote", { path: { id: closed }, json: { text: "After closing" } });
    },
    RetryEscalation: async () => {
      const id = await submit();
      await awaitingPortal(id);
      // A failed escalation, as the forwarder leaves one whose retry budget ran out.
      const store = new TableEscalationStore(
        TableClient.fromConnectionString(inject("tableConnectionString"), tableName, { allowInsecureConnection: true }),
      );
      const stored = await store.get(id);
      if (stored === undefined) throw new Error("not stored");
      const at = new Date().toISOString();
      await store.create({
        ...stored.value,
        id: `${id}-failed`,
        status: "failed",
        history: [
          ...stored.value.history.slice(0, 1),
          { at, from: "queued", to: "failed", actor: "forwarder", detail: "gave up" },
        ],
        vianet: undefined,
      });
      const replayed = await call("RetryEscalation", { path: { id: `${id}-failed` }, key: REPORTING_KEY });
      expect(replayed.status).toBe(202);
      expect(replayed.json()).toMatchObject({
        status: "queued",
        history: [{ to: "queued" }, { to: "failed" }, { from: "failed", to: "queued", actor: "contract-reporting" }],
      });
      await call("RetryEscalation", { path: { id }, key: REPORTING_KEY });
      await call("RetryEscalation", { path: { id }, key: KEY });
      await call("RetryEscalation", { path: { id: "no-such-escalation" }, key: REPORTING_KEY });
      await call("RetryEscalation", { path: { id }, key: STRANGER_KEY });
      await expectPlatformRefusal("RetryEscalation", { path: { id } });
    },
    GetCustomerPersonalData: async () => {
      // A customer of its own, so no other scenario's escalations are read or erased.
      const customer = { tenantId: thirdTenant, name: "Northwind China", domain: "northwind.partner.onmschina.cn" };
      const reply = await call("SubmitEscalation", { json: buildEscalationRequest({ customer }), key: REPORTING_KEY });
      expect(reply.status).toBe(202);
      const read = await call("GetCustomerPersonalData", { path: { tenantId: thirdTenant }, key: REPORTING_KEY });
      expect(read.status).toBe(200);
      await call("GetCustomerPersonalData", { path: { tenantId: "not-a-uuid" }, key: REPORTING_KEY });
      await call("GetCustomerPersonalData", { path: { tenantId: thirdTenant }, key: KEY });
      await call("GetCustomerPersonalData", { path: { tenantId: thirdTenant }, key: STRANGER_KEY });
      await expectPlatformRefusal("GetCustomerPersonalData", { path: { tenantId: thirdTenant } });
    },
    EraseCustomerPersonalData: async () => {
      const erased = await call("EraseCustomerPersonalData", { path: { tenantId: thirdTenant }, key: REPORTING_KEY });
      expect(erased.status).toBe(200);
      await call("EraseCustomerPersonalData", { path: { tenantId: "not-a-uuid" }, key: REPORTING_KEY });
      await call("EraseCustomerPersonalData", { path: { tenantId: thirdTenant }, key: KEY });
      await call("EraseCustomerPersonalData", { path: { tenantId: thirdTenant }, key: STRANGER_KEY });
      await expectPlatformRefusal("EraseCustomerPersonalData", { path: { tenantId: thirdTenant } });
    },
    ReceiveEscalationWebhook: async () => {
      const body = JSON.stringify(buildEscalationRequest({ title: "From the PSA tool" }));
      await call("ReceiveEscalationWebhook", { headers: signed(body), raw: { contentType: "application/json", body } });
      const invalid = JSON.stringify({ ...buildEscalationRequest(), severity: "urgent" });
      await call("ReceiveEscalationWebhook", {
        headers: signed(invalid),
        raw: { contentType: "application/json", body: invalid },
      });
      await call("ReceiveEscalationWebhook", {
        headers: signed("{"),
        raw: { contentType: "application/json", body: "{" },
      });
      await call("ReceiveEscalationWebhook", { raw: { contentType: "application/json", body } });
      await call("ReceiveEscalationWebhook", {
        headers: { ...signed(body), "webhook-signature": "v1,AAAA" },
        raw: { contentType: "application/json", body },
      });
      const large = JSON.stringify(buildEscalationRequest({ description: "x".repeat(70_000) }));
      await call("ReceiveEscalationWebhook", {
        headers: signed(large),
        raw: { contentType: "application/json", body: large },
      });
      await call("ReceiveEscalationWebhook", {
        headers: signed("hello"),
        raw: { contentType: "text/plain", body: "hello" },
      });
      const unmet = JSON.stringify(buildEscalationRequest({ category: "password-reset" }));
      await call("ReceiveEscalationWebhook", {
        headers: signed(unmet),
        raw: { contentType: "application/json", body: unmet },
      });
      // A redelivery while the first delivery of the same webhook-id is still being processed.
      const running = `msg_${randomUUID()}`;
      await idempotency.claim(
        "webhook:psa-tool",
        running,
        fingerprintOf(JSON.parse(body)),
        new Date(),
        "esc_contract_webhook",
      );
      await call("ReceiveEscalationWebhook", {
        headers: signed(body, running),
        raw: { contentType: "application/json", body },
      });
    },
    WhenAnEscalationChanges: async () => {
      // The other caller's customer has no escalations here: its subscriptions never receive an event.
      const subscribed = await call("WhenAnEscalationChanges", {
        json: { url: RECEIVER, events: ["escalation.forwarded", "escalation.note_added"] },
        key: OTHER_KEY,
      });
      expect(subscribed.status).toBe(201);
      expect(subscribed.headers.get("location")).toBe(`/api/subscriptions/${(subscribed.json() as { id: string }).id}`);
      await call("WhenAnEscalationChanges", {
        json: { url: "https://10.0.0.4/hook", events: ["escalation.lost"] },
        key: OTHER_KEY,
      });
      await call("WhenAnEscalationChanges", { json: { url: RECEIVER, events: ["*"] }, key: STRANGER_KEY });
      await expectPlatformRefusal("WhenAnEscalationChanges", { json: { url: RECEIVER, events: ["*"] } });
      await call("WhenAnEscalationChanges", {
        json: { url: RECEIVER, events: ["*"], description: "x".repeat(9_000) },
        key: OTHER_KEY,
      });
      await call("WhenAnEscalationChanges", { raw: { contentType: "text/plain", body: RECEIVER }, key: OTHER_KEY });
      // Up to the limit, then one more; then the other caller's subscriptions are deleted again.
      for (;;) {
        const reply = await send(
          "WhenAnEscalationChanges",
          { json: { url: RECEIVER, events: ["escalation.closed"] }, key: OTHER_KEY },
          host,
        );
        if (reply.status !== 201) break;
      }
      expect(
        (await call("WhenAnEscalationChanges", { json: { url: RECEIVER, events: ["*"] }, key: OTHER_KEY })).status,
      ).toBe(409);
      const own = (await send("ListSubscriptions", { key: OTHER_KEY }, host)).json() as { items: { id: string }[] };
      for (const { id } of own.items) await send("DeleteSubscription", { path: { id }, key: OTHER_KEY }, host);
    },
    ListSubscriptions: async () => {
      const id = await subscribe();
      const listed = await call("ListSubscriptions", { key: OTHER_KEY });
      expect((listed.json() as { items: { id: string }[] }).items.map((item) => item.id)).toContain(id);
      await call("ListSubscriptions", { key: STRANGER_KEY });
      await expectPlatformRefusal("ListSubscriptions", {});
    },
    GetSubscription: async () => {
      const id = await subscribe();
      const got = await call("GetSubscription", { path: { id }, key: OTHER_KEY });
      expect(got.json()).not.toHaveProperty("secret");
      await call("GetSubscription", { path: { id }, key: STRANGER_KEY });
      await expectPlatformRefusal("GetSubscription", { path: { id } });
      await call("GetSubscription", { path: { id } });
      await call("GetSubscription", { path: { id: "sub_unknown" }, key: OTHER_KEY });
    },
    DeleteSubscription: async () => {
      const id = await subscribe();
      await call("DeleteSubscription", { path: { id }, key: STRANGER_KEY });
      await expectPlatformRefusal("DeleteSubscription", { path: { id } });
      await call("DeleteSubscription", { path: { id } });
      expect((await call("DeleteSubscription", { path: { id }, key: OTHER_KEY })).status).toBe(204);
      await call("DeleteSubscription", { path: { id }, key: OTHER_KEY });
    },
    GetEscalationMetrics: async () => {
      await call("GetEscalationMetrics", { query: { window: "24h" }, key: REPORTING_KEY });
      await call("GetEscalationMetrics", { query: { window: "1h", fresh: "true" }, key: REPORTING_KEY });
      await call("GetEscalationMetrics", { query: { window: "2h" }, key: REPORTING_KEY });
      await call("GetEscalationMetrics", { query: { window: "24h" }, key: STRANGER_KEY });
      await expectPlatformRefusal("GetEscalationMetrics", { query: { window: "24h" } });
      await call("GetEscalationMetrics", { query: { window: "24h" }, key: KEY });
    },
    GetEscalationMetricsCsv: async () => {
      const csv = await call("GetEscalationMetricsCsv", { query: { window: "7d" }, key: REPORTING_KEY });
      expect(csv.text).toContain("metric,value");
      await call("GetEscalationMetricsCsv", { query: { window: "2h" }, key: REPORTING_KEY });
      await call("GetEscalationMetricsCsv", { query: { window: "24h" }, key: STRANGER_KEY });
      await expectPlatformRefusal("GetEscalationMetricsCsv", { query: { window: "24h" } });
      await call("GetEscalationMetricsCsv", { query: { window: "24h" }, key: KEY });
    },
    GetHealth: async () => {
      const healthy = await call("GetHealth", {});
      expect(healthy.status).toBe(200);
      // The same app with Table Storage at a port nobody listens on.
      const storage = `DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;TableEndpoint=http://127.0.0.1:${await findFreePort()}/devstoreaccount1;`;
      const unhealthy = await startHostProcess(
        appSettings({
          EscalationsStorage: storage,
          HEALTH_CHECK_TIMEOUT_MS: "1000",
          "AzureWebJobs.forward-escalation.Disabled": "true",
          "AzureWebJobs.escalations-dead-letter.Disabled": "true",
          "AzureWebJobs.metrics-delivery.Disabled": "true",
        }),
        APP_ROOT,
      );
      try {
        const down = await call("GetHealth", {}, unhealthy);
        expect(down.status).toBe(503);
      } finally {
        await unhealthy.stop();
      }
    },
  };

  it("when the document is served, then it is valid Swagger 2.0 naming no host (PUBLIC_HOST is unset), and each of its operations has a scenario here", async () => {
    expect(document).not.toHaveProperty("host");
    await expect(SwaggerParser.validate(structuredClone(document) as never)).resolves.toBeDefined();
    expect([...contract.operations.keys()].sort()).toEqual(Object.keys(scenarios).sort());
  });

  for (const [operationId, scenario] of Object.entries(scenarios)) {
    it(`when ${operationId} is called every way the document says it answers, then each answer is declared with its schema, and each declared answer comes`, async () => {
      await scenario();
      const declared = Object.keys(contract.operation(operationId).responses).map(Number);
      expect([...(answered.get(operationId) ?? [])].sort((a, b) => a - b)).toEqual(declared.sort((a, b) => a - b));
    });
  }
});
