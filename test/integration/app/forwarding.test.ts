// Forwarding end to end: the real functions/ code in the local host, the Service Bus emulator,
// Azurite and the Partner Center sandbox. Each 21Vianet failure is injected in the sandbox; in
// the end every escalation has a final status and 21Vianet holds exactly one request for each
// forwarded one.
import { randomUUID } from "node:crypto";
import { fileURLToPath } from "node:url";
import { TableClient } from "@azure/data-tables";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { TableDeadLetterLog } from "../../../shared/adapters/table-storage/table-dead-letter-log.js";
import { TableEscalationStore } from "../../../shared/adapters/table-storage/table-escalation-store.js";
import type { Escalation } from "../../../shared/domain/escalations/escalation.js";
import { requestMarker } from "../../../shared/domain/forwarding/channel.js";
import { EscalationView } from "../../../shared/http/api-schemas.js";
import {
  appSettingsFor,
  start as startSandbox,
  type FaultSpec,
  type RunningSandbox,
} from "../../../local/vianet-sandbox/index.js";
import { buildEscalationRequest } from "../../builders/escalation-request.js";
import { startHostProcess, type HostProcess } from "../local/functions-host/host-process.js";
import { createClient, emulatorConnectionString, peekAll, purge, uniqueId } from "../local/service-bus/helpers.js";

const APP_ROOT = fileURLToPath(new URL("../../..", import.meta.url));
const KEY = "local-dev-key";
const FINAL = new Set(["forwarded", "awaiting_portal", "rejected", "failed", "closed"]);

const tableName = () => `fwd${randomUUID().replaceAll("-", "").slice(0, 12)}`;

function appEnvironment(
  queue: string,
  table: string,
  sandbox: RunningSandbox,
  extra: Record<string, string> = {},
): Record<string, string> {
  return {
    EscalationsStorage: inject("tableConnectionString"),
    ServiceBusConnection: emulatorConnectionString(),
    ESCALATIONS_QUEUE_NAME: queue,
    METRICS_DELIVERY_QUEUE_NAME: "app-report-deliveries-idle",
    ESCALATIONS_TABLE_NAME: table,
    ...appSettingsFor(sandbox),
    // Short enough for a test, and still the real backoff code path.
    PARTNER_CENTER_TIMEOUT_MS: "2000",
    FORWARD_RETRY_BASE_DELAY: "PT1S",
    FORWARD_RETRY_MAX_DELAY: "PT2S",
    "AzureWebJobs.dispatch-sweep.Disabled": "true",
    ...extra,
  };
}

class App {
  constructor(
    public host: HostProcess,
    readonly table: TableClient,
  ) {}

  async submit(overrides: Parameters<typeof buildEscalationRequest>[0] = {}): Promise<string> {
    const response = await fetch(`${this.host.url}/api/escalations`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-functions-key": KEY },
      body: JSON.stringify(buildEscalationRequest(overrides)),
    });
    expect(response.status).toBe(202);
    return ((await response.json()) as { id: string }).id;
  }

  async view(id: string): Promise<EscalationView> {
    const response = await fetch(`${this.host.url}/api/escalations/${id}`, { headers: { "x-functions-key": KEY } });
    expect(response.status).toBe(200);
    return EscalationView.parse(await response.json());
  }

  async settled(id: string, timeout = 20_000): Promise<EscalationView> {
    await expect.poll(async () => FINAL.has((await this.view(id)).status), { timeout, interval: 100 }).toBe(true);
    return this.view(id);
  }

  /** What the store holds, forwarding bookkeeping included (the API does not show it). */
  async stored(id: string): Promise<Escalation | undefined> {
    return (await new TableEscalationStore(this.table).get(id))?.value;
  }
}

describe("forwarding to 21Vianet through the local host", () => {
  const queue = "app-forwarding";
  const serviceBus = createClient();
  const table = TableClient.fromConnectionString(inject("tableConnectionString"), tableName(), {
    allowInsecureConnection: true,
  });
  const submitted: string[] = [];
  let sandbox: RunningSandbox;
  let app: App;

  const requestsFor = (id: string) =>
    sandbox.requests().filter((record) => record.serviceRequest.title.includes(requestMarker(id)));
  const arm = (spec: FaultSpec) => sandbox.faults.add({ operation: "create", ...spec });
  const submit = async () => {
    const id = await app.submit();
    submitted.push(id);
    return id;
  };

  beforeAll(async () => {
    await purge(serviceBus, queue);
    await purge(serviceBus, queue, "deadLetter");
    sandbox = await startSandbox({ port: 0 });
    app = new App(await startHostProcess(appEnvironment(queue, table.tableName, sandbox), APP_ROOT), table);
  });
  afterAll(async () => {
    await app.host.stop();
    await sandbox.close();
    await serviceBus.close();
  });

  it("when 21Vianet accepts, then the escalation is forwarded with its service request id, and 21Vianet got the contact's name but no email or phone", async () => {
    const id = await submit();
    const view = await app.settled(id);
    expect(view.status).toBe("forwarded");
    const [record] = requestsFor(id);
    expect(requestsFor(id)).toHaveLength(1);
    expect(view.vianet).toEqual({
      channel: "partner-center",
      serviceRequestId: record?.serviceRequest.id,
      status: "open",
    });
    expect(view.history.map((entry) => [entry.from, entry.to, entry.actor])).toEqual([
      [null, "queued", "default"],
      ["queued", "forwarded", "forwarder"],
    ]);
    expect(record?.customerTenantId).toBe(view.customer.tenantId);
    expect(record?.serviceRequest.description).toContain("First-line support:");
    const sent = JSON.stringify(record?.serviceRequest);
    const email = view.contact?.email;
    expect(email).toMatch(/@/);
    expect(sent).not.toContain(email);
    const phone = view.contact?.phone ?? "";
    expect(phone).toMatch(/[0-9]{4}/);
    expect(sent).not.toContain(phone);
    expect(record?.serviceRequest.description).toContain(`Partner contact: ${view.contact?.name ?? "?"}`);
  });

  it.each<[string, FaultSpec, number]>([
    ["429 with Retry-After", { kind: "status-429", retryAfterSeconds: 1 }, 1],
    ["503", { kind: "status-503" }, 1],
    // The retry looks for the request first, finds none, and resends with the same MS-RequestId.
    ["a timeout", { kind: "timeout" }, 2],
    // The retry looks for the request first and finds it: no second create call.
    ["created but the response lost", { kind: "created-response-lost" }, 1],
  ])(
    "when 21Vianet first answers %s, then a scheduled retry forwards it, with one service request",
    async (_name, fault, timesRequestIdSeen) => {
      arm(fault);
      const id = await submit();
      const view = await app.settled(id);
      expect(view.status).toBe("forwarded");
      const records = requestsFor(id);
      expect(records).toHaveLength(1);
      // The create calls that carried the created request's MS-RequestId.
      expect(records[0]?.timesSeen).toBe(timesRequestIdSeen);
      const stored = await app.stored(id);
      expect(stored?.forwarding?.retries).toBe(1);
      expect(stored?.forwarding?.lastError).toEqual(expect.any(String));
      expect(stored?.forwarding?.openAttempt).toBeUndefined();
    },
  );

  it("when 21Vianet refuses it (900127, not supported here), then it is rejected with 21Vianet's code and nothing is retried", async () => {
    arm({ kind: "unsupported-900127" });
    const id = await submit();
    const view = await app.settled(id);
    expect(view.status).toBe("rejected");
    expect(view.vianet).toMatchObject({ channel: "partner-center", status: "rejected", code: "900127" });
    expect(view.history.at(-1)?.detail).toContain("900127");
    expect(requestsFor(id)).toHaveLength(0);
    expect((await app.stored(id))?.forwarding?.retries).toBeUndefined();
  });

  it("when a message is not an escalation reference, then it is recorded as a dead letter and not retried", async () => {
    const messageId = uniqueId("poison");
    await serviceBus.createSender(queue).sendMessages({ body: { escalationId: "esc-unknown", nope: true }, messageId });
    const log = new TableDeadLetterLog(table);
    const today = new Date().toISOString().slice(0, 10);
    await expect
      .poll(async () => (await log.listDay(today)).filter((entry) => entry.messageId === messageId), {
        timeout: 10_000,
      })
      .toEqual([
        expect.objectContaining({
          source: "forwarder",
          reason: "InvalidMessage",
          escalationId: "esc-unknown",
          outcome: "no-escalation",
          deliveryCount: 1,
        }),
      ]);
    expect((await peekAll(queue)).filter((message) => message.messageId === messageId)).toEqual([]);
  });

  it("when the forwarder dies between 21Vianet's create and its status write, then the next delivery finds the request instead of creating another", async () => {
    arm({ kind: "created-then-hang" });
    const id = await submit();
    await expect.poll(() => requestsFor(id).length, { timeout: 10_000, interval: 20 }).toBe(1);
    await app.host.stop("SIGKILL");
    expect((await app.stored(id))?.status).toBe("queued");
    expect((await app.stored(id))?.forwarding?.openAttempt).toBeDefined();
    app.host = await startHostProcess(appEnvironment(queue, table.tableName, sandbox), APP_ROOT);
    const view = await app.settled(id, 30_000);
    expect(view.status).toBe("forwarded");
    const records = requestsFor(id);
    expect(records).toHaveLength(1);
    expect(records[0]?.timesSeen).toBe(1);
    expect(view.vianet?.serviceRequestId).toBe(records[0]?.serviceRequest.id);
  });

  it("when every scenario is done, then each escalation is final and 21Vianet holds one request for each forwarded one", async () => {
    expect(submitted.length).toBeGreaterThanOrEqual(7);
    for (const id of submitted) {
      const view = await app.view(id);
      expect(FINAL.has(view.status), `${id} is ${view.status}`).toBe(true);
      expect(requestsFor(id), id).toHaveLength(view.status === "forwarded" ? 1 : 0);
    }
    expect(sandbox.requests()).toHaveLength(submitted.length - 1);
  });
});

describe("forwarder down longer than the messages live", () => {
  it("when an escalation's message expires unprocessed, then the dead-letter handler fails it with Service Bus's reason", async () => {
    const queue = "app-forwarder-down";
    const serviceBus = createClient();
    await purge(serviceBus, queue);
    await purge(serviceBus, queue, "deadLetter");
    const sandbox = await startSandbox({ port: 0 });
    const table = TableClient.fromConnectionString(inject("tableConnectionString"), tableName(), {
      allowInsecureConnection: true,
    });
    const host = await startHostProcess(
      appEnvironment(queue, table.tableName, sandbox, { "AzureWebJobs.forward-escalation.Disabled": "true" }),
      APP_ROOT,
    );
    try {
      const app = new App(host, table);
      const id = await app.submit();
      const view = await app.settled(id);
      expect(view.status).toBe("failed");
      expect(view.history.at(-1)).toMatchObject({ from: "queued", to: "failed", actor: "dead-letter-handler" });
      expect(view.history.at(-1)?.detail).toContain("TTLExpiredException");
      // The handler fails the escalation first and records the dead letter right after: wait for it.
      await expect
        .poll(() => new TableDeadLetterLog(table).listDay(new Date().toISOString().slice(0, 10)), { timeout: 10_000 })
        .toEqual([
          expect.objectContaining({
            source: "dead-letter-queue",
            messageId: id,
            escalationId: id,
            outcome: "escalation-failed",
          }),
        ]);
      expect(sandbox.requests()).toHaveLength(0);
    } finally {
      await host.stop();
      await sandbox.close();
      await serviceBus.close();
    }
  });
});
