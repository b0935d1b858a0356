// Retention end to end: the real functions/ code in the local host, Azurite, the Service Bus
// emulator and the Partner Center sandbox, with retentions of seconds. An escalation forwarded and
// closed by 21Vianet has its personal data erased by the data-retention timer (run through the
// host's admin API) once PERSONAL_DATA_RETENTION has passed, and is gone once RECORD_RETENTION has.
import { randomUUID } from "node:crypto";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { EscalationView } from "../../../shared/http/api-schemas.js";
import { appSettingsFor, start as startSandbox, type RunningSandbox } from "../../../local/vianet-sandbox/index.js";
import { buildEscalationRequest } from "../../builders/escalation-request.js";
import { startHostProcess, type HostProcess } from "../local/functions-host/host-process.js";
import { createClient, emulatorConnectionString, purge } from "../local/service-bus/helpers.js";

const APP_ROOT = fileURLToPath(new URL("../../..", import.meta.url));
const KEY = "local-dev-key";
const QUEUE = "app-data-retention";

describe("data retention through the local host", () => {
  const serviceBus = createClient();
  const tableName = `retention${randomUUID().replaceAll("-", "").slice(0, 10)}`;
  let sandbox: RunningSandbox;
  let host: HostProcess;

  beforeAll(async () => {
    await purge(serviceBus, QUEUE);
    sandbox = await startSandbox({ port: 0 });
    host = await startHostProcess(
      {
        EscalationsStorage: inject("tableConnectionString"),
        ServiceBusConnection: emulatorConnectionString(),
        ESCALATIONS_QUEUE_NAME: QUEUE,
        METRICS_DELIVERY_QUEUE_NAME: "app-report-deliveries-idle",
        ESCALATIONS_TABLE_NAME: tableName,
        ...appSettingsFor(sandbox),
        "AzureWebJobs.dispatch-sweep.Disabled": "true",
        // Seconds instead of days; the record retention leaves room to see the erased escalation first.
        PERSONAL_DATA_RETENTION: "PT3S",
        RECORD_RETENTION: "PT12S",
        // Run only through the admin API in this test.
        DATA_RETENTION_SCHEDULE: "0 0 0 1 1 *",
      },
      APP_ROOT,
    );
  });
  afterAll(async () => {
    await host.stop();
    await sandbox.close();
    await serviceBus.close();
  });

  const get = (path: string) => fetch(`${host.url}/api/${path}`, { headers: { "x-functions-key": KEY } });

  async function view(id: string): Promise<EscalationView> {
    const response = await get(`escalations/${id}`);
    expect(response.status).toBe(200);
    return EscalationView.parse(await response.json());
  }

  async function listed(query: string): Promise<string[]> {
    const response = await get(`escalations?${query}`);
    expect(response.status).toBe(200);
    const body = (await response.json()) as { items: { id: string }[] };
    return body.items.map((item) => item.id);
  }

  async function runDataRetention(): Promise<void> {
    const ran = await fetch(`${host.url}/admin/functions/data-retention`, {
      method: "POST",
      headers: { "x-functions-key": "local-master-key", "content-type": "application/json" },
      body: "{}",
    });
    expect(ran.status).toBe(202);
  }

  it("when an escalation has been closed longer than each retention, then the timer erases its personal data, then deletes it", async () => {
    const request = buildEscalationRequest();
    const submitted = await fetch(`${host.url}/api/escalations`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-functions-key": KEY },
      body: JSON.stringify(request),
    });
    expect(submitted.status).toBe(202);
    const { id } = (await submitted.json()) as { id: string };
    await expect.poll(async () => (await view(id)).status, { timeout: 20_000, interval: 100 }).toBe("forwarded");
    const closed = await fetch(`${host.url}/api/escalations/${id}/vianet-updates`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-functions-key": KEY },
      body: JSON.stringify({ status: "closed", note: "Resolved by the mail team", source: "email" }),
    });
    expect(closed.status).toBe(200);
    const before = await view(id);
    expect(before.contact).toEqual(request.contact);

    // Each poll runs the timer again: a run finds nothing due before the retention has passed.
    await expect
      .poll(
        async () => {
          await runDataRetention();
          return (await view(id)).erasure;
        },
        { timeout: 20_000, interval: 500 },
      )
      .toMatchObject({ reason: "retention", by: "data-retention" });
    const erased = await view(id);
    expect(erased.contact).toBeUndefined();
    expect(erased.description).toBe("");
    expect(erased.status).toBe("closed");
    // The status history with its times stays: the metrics and an audit need it.
    expect(erased.history.map((entry) => [entry.at, entry.to])).toEqual(
      before.history.map((entry) => [entry.at, entry.to]),
    );
    expect(await listed("status=closed")).toContain(id);

    await expect
      .poll(
        async () => {
          await runDataRetention();
          return (await get(`escalations/${id}`)).status;
        },
        { timeout: 40_000, interval: 1_000 },
      )
      .toBe(404);
    expect(await listed("status=closed")).not.toContain(id);
    expect(await listed(`tenantId=${request.customer.tenantId}`)).not.toContain(id);
  });
});
