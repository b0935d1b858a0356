// The way back from 21Vianet end to end: the real functions/ code in the local host, the Service
// Bus emulator, Azurite and the Partner Center sandbox. 21Vianet's side changes a request in the
// sandbox; the status-sync timer, run through the host's admin API, records it. A partner's note
// reaches 21Vianet exactly once, through a lost answer and a redelivered message.
import { randomUUID } from "node:crypto";
import { fileURLToPath } from "node:url";
import { TableClient } from "@azure/data-tables";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { ServiceBusEscalationQueue } from "../../../shared/adapters/service-bus/service-bus-escalation-queue.js";
import { TableEscalationStore } from "../../../shared/adapters/table-storage/table-escalation-store.js";
import { addPartnerNote } from "../../../shared/domain/escalations/vianet-updates.js";
import { requestMarker } from "../../../shared/domain/forwarding/channel.js";
import { partnerNoteMarker } from "../../../shared/domain/forwarding/service-requests.js";
import { EscalationView } from "../../../shared/http/api-schemas.js";
import { appSettingsFor, start as startSandbox, type RunningSandbox } from "../../../local/vianet-sandbox/index.js";
import { buildEscalationRequest } from "../../builders/escalation-request.js";
import { startHostProcess, type HostProcess } from "../local/functions-host/host-process.js";
import { createClient, emulatorConnectionString, purge } from "../local/service-bus/helpers.js";

const APP_ROOT = fileURLToPath(new URL("../../..", import.meta.url));
const KEY = "local-dev-key";
const QUEUE = "app-status-sync";

describe("the way back from 21Vianet through the local host", () => {
  const serviceBus = createClient();
  const tableName = `sync${randomUUID().replaceAll("-", "").slice(0, 12)}`;
  const table = TableClient.fromConnectionString(inject("tableConnectionString"), tableName, {
    allowInsecureConnection: true,
  });
  const store = new TableEscalationStore(table);
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
        PARTNER_CENTER_TIMEOUT_MS: "2000",
        FORWARD_RETRY_BASE_DELAY: "PT1S",
        FORWARD_RETRY_MAX_DELAY: "PT2S",
        "AzureWebJobs.dispatch-sweep.Disabled": "true",
        // Run only through the admin API in this test.
        STATUS_SYNC_SCHEDULE: "0 0 0 1 1 *",
      },
      APP_ROOT,
    );
  });
  afterAll(async () => {
    await host.stop();
    await sandbox.close();
    await serviceBus.close();
  });

  async function view(id: string): Promise<EscalationView> {
    const response = await fetch(`${host.url}/api/escalations/${id}`, { headers: { "x-functions-key": KEY } });
    expect(response.status).toBe(200);
    return EscalationView.parse(await response.json());
  }

  async function forwarded(): Promise<{ id: string; serviceRequestId: string }> {
    const response = await fetch(`${host.url}/api/escalations`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-functions-key": KEY },
      body: JSON.stringify(buildEscalationRequest()),
    });
    expect(response.status).toBe(202);
    const { id } = (await response.json()) as { id: string };
    await expect.poll(async () => (await view(id)).status, { timeout: 20_000, interval: 100 }).toBe("forwarded");
    const serviceRequestId = (await view(id)).vianet?.serviceRequestId;
    if (serviceRequestId === undefined) throw new Error("no service request");
    return { id, serviceRequestId };
  }

  async function runStatusSync(): Promise<void> {
    const ran = await fetch(`${host.url}/admin/functions/status-sync`, {
      method: "POST",
      headers: { "x-functions-key": "local-master-key", "content-type": "application/json" },
      body: "{}",
    });
    expect(ran.status).toBe(202);
  }

  it("when 21Vianet asks the partner for something and later closes, then each sync run records it, the note once", async () => {
    const { id, serviceRequestId } = await forwarded();
    sandbox.update(serviceRequestId, { status: "attention_needed", note: "Please send a message trace." });

    await runStatusSync();
    await expect.poll(async () => (await view(id)).status, { timeout: 20_000, interval: 100 }).toBe("attention_needed");
    expect((await view(id)).vianet).toMatchObject({ channel: "partner-center", status: "attention_needed" });

    const response = await fetch(`${sandbox.url}/_sandbox/requests/${serviceRequestId}`, {
      method: "PATCH",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ status: "closed", note: "Resolved: the connector was fixed." }),
    });
    expect(response.status).toBe(200);
    await runStatusSync();
    await expect.poll(async () => (await view(id)).status, { timeout: 20_000, interval: 100 }).toBe("closed");

    const stored = (await store.get(id))?.value;
    expect(stored?.notes?.map((note) => [note.author, note.source, note.text])).toEqual([
      ["21vianet", "partner-center", "Please send a message trace."],
      ["21vianet", "partner-center", "Resolved: the connector was fixed."],
    ]);
    // Each run: the note first, then the status it came with.
    expect(stored?.history.filter((entry) => entry.actor === "21vianet").map((entry) => entry.to)).toEqual([
      "forwarded",
      "attention_needed",
      "attention_needed",
      "closed",
    ]);

    // A closed escalation's request is never read again.
    const reads = sandbox.callsSeen().reads;
    await runStatusSync();
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect(sandbox.callsSeen().reads).toBe(reads);
  });

  it("when a partner note's answer is lost and its message is delivered again, then 21Vianet gets it exactly once", async () => {
    const { id, serviceRequestId } = await forwarded();
    const stored = await store.get(id);
    if (stored === undefined) throw new Error("lost");
    const noted = addPartnerNote(stored.value, { id: "n-1", text: "Trace attached.", by: "desk" }, new Date());
    if (!noted.ok) throw new Error(noted.error);
    const saved = await store.replace(noted.escalation, stored.etag);
    expect(saved.ok).toBe(true);

    sandbox.faults.add({ operation: "update", kind: "created-response-lost" });
    const sender = serviceBus.createSender(QUEUE);
    await new ServiceBusEscalationQueue(sender).queueNote(id, "n-1");
    // The same message again under another MessageId, as a redelivery would bring it.
    await sender.sendMessages({
      body: { kind: "partner-note", escalationId: id, noteId: "n-1" },
      messageId: randomUUID(),
    });
    await sender.close();

    await expect
      .poll(async () => (await store.get(id))?.value.notes?.find((note) => note.id === "n-1")?.delivery, {
        timeout: 30_000,
        interval: 200,
      })
      .toBe("sent");
    const notes = sandbox.requests().find((record) => record.serviceRequest.id === serviceRequestId)
      ?.serviceRequest.notes;
    expect(notes?.filter((note) => note.text.includes(partnerNoteMarker("n-1")))).toHaveLength(1);
    expect(sandbox.requests().filter((record) => record.serviceRequest.title.includes(requestMarker(id)))).toHaveLength(
      1,
    );

    // The sync does not take the partner's own note for 21Vianet's.
    await runStatusSync();
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect((await store.get(id))?.value.notes?.filter((note) => note.author === "21vianet")).toEqual([]);
  });
});
