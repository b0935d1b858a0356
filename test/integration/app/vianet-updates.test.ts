// The way back from 21Vianet end to end: the real functions/ code in the local host, Azurite, the
// Service Bus emulator and the Partner Center sandbox. 21Vianet's answers are recorded by
// escalation id and by 21Vianet's own number, for both channels; the partner's notes are kept for
// 21Vianet; and a caller limited to another customer finds nothing on any of these routes.
import { createHash, randomUUID } from "node:crypto";
import { fileURLToPath } from "node:url";
import { TableClient } from "@azure/data-tables";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { TableEscalationStore } from "../../../shared/adapters/table-storage/table-escalation-store.js";
import { EscalationView } from "../../../shared/http/api-schemas.js";
import { appSettingsFor, start as startSandbox, type RunningSandbox } from "../../../local/vianet-sandbox/index.js";
import { buildEscalationRequest } from "../../builders/escalation-request.js";
import { startHostProcess, type HostProcess } from "../local/functions-host/host-process.js";
import { createClient, emulatorConnectionString, purge } from "../local/service-bus/helpers.js";

const APP_ROOT = fileURLToPath(new URL("../../..", import.meta.url));
const QUEUE = "app-vianet-updates";
const KEY = "contoso-desk-key";
const OTHER_KEY = "fabrikam-desk-key";
const sha = (text: string) => createHash("sha256").update(text).digest("hex");
const tableName = `updates${randomUUID().replaceAll("-", "").slice(0, 10)}`;
const tenant = buildEscalationRequest().customer.tenantId;

interface Reply {
  status: number;
  headers: Headers;
  body: Record<string, unknown>;
}

describe("21Vianet's answers and the partner's notes through the local host", () => {
  const serviceBus = createClient();
  const table = TableClient.fromConnectionString(inject("tableConnectionString"), tableName, {
    allowInsecureConnection: true,
  });
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
        ESCALATIONS_TABLE_NAME: tableName,
        METRICS_DELIVERY_QUEUE_NAME: "app-report-deliveries-idle",
        LOCAL_FUNCTIONS_KEY: `${KEY},${OTHER_KEY}`,
        ESCALATION_CALLERS: JSON.stringify([
          { id: "contoso-desk", keySha256: sha(KEY), tenants: [tenant] },
          { id: "fabrikam-desk", keySha256: sha(OTHER_KEY), tenants: ["22222222-2222-4222-8222-222222222222"] },
        ]),
        ...appSettingsFor(sandbox),
        // Critical escalations go through Partner Center (the sandbox), the others to the portal.
        ESCALATION_ROUTING: JSON.stringify([
          { severities: ["critical"], channel: "partner-center" },
          { channel: "portal" },
        ]),
        "AzureWebJobs.dispatch-sweep.Disabled": "true",
      },
      APP_ROOT,
    );
  });
  afterAll(async () => {
    await host.stop();
    await sandbox.close();
    await serviceBus.close();
  });

  async function send(
    method: "GET" | "POST",
    path: string,
    options: { json?: unknown; key?: string; idempotencyKey?: string } = {},
  ): Promise<Reply> {
    const response = await fetch(`${host.url}/api/${path}`, {
      method,
      headers: {
        "x-functions-key": options.key ?? KEY,
        ...(options.json === undefined ? {} : { "content-type": "application/json" }),
        ...(options.idempotencyKey === undefined ? {} : { "idempotency-key": options.idempotencyKey }),
      },
      ...(options.json === undefined ? {} : { body: JSON.stringify(options.json) }),
    });
    const text = await response.text();
    return { status: response.status, headers: response.headers, body: JSON.parse(text) as Record<string, unknown> };
  }

  const view = async (id: string) => EscalationView.parse((await send("GET", `escalations/${id}`)).body);

  /** Submits an escalation and waits until the forwarder has taken it to `status`. */
  async function submitted(severity: "critical" | "moderate", status: "forwarded" | "awaiting_portal") {
    const reply = await send("POST", "escalations", { json: buildEscalationRequest({ severity }) });
    expect(reply.status).toBe(202);
    const id = String(reply.body.id);
    await expect.poll(async () => (await view(id)).status, { timeout: 20_000, interval: 200 }).toBe(status);
    return view(id);
  }

  it("when 21Vianet answers a Partner Center escalation by e-mail, then the flow records it by the service request id, once per Idempotency-Key", async () => {
    const forwarded = await submitted("critical", "forwarded");
    const serviceRequestId = forwarded.vianet?.serviceRequestId ?? "";
    expect(sandbox.requests().some((record) => record.serviceRequest.id === serviceRequestId)).toBe(true);
    const update = { status: "attention_needed", note: "Please send a message trace.", source: "email" };

    const first = await send("POST", `vianet-cases/${serviceRequestId}/updates`, {
      json: update,
      idempotencyKey: "mail-0001",
    });
    const again = await send("POST", `vianet-cases/${serviceRequestId}/updates`, {
      json: update,
      idempotencyKey: "mail-0001",
    });

    expect(first.status).toBe(200);
    expect(first.headers.get("etag")).toEqual(expect.any(String));
    expect(again.status).toBe(200);
    expect(again.headers.get("idempotent-replayed")).toBe("true");
    expect(again.body).toEqual(first.body);
    const now = await view(forwarded.id);
    expect(now).toMatchObject({
      status: "attention_needed",
      vianet: { channel: "partner-center", serviceRequestId, status: "attention_needed" },
      notes: [{ author: "21vianet", source: "email", text: "Please send a message trace." }],
    });
    expect(now.vianet?.lastUpdatedAt).toEqual(expect.any(String));
    expect(now.history.filter((entry) => entry.actor === "21vianet")).toHaveLength(2);
  });

  it("when the partner answers and 21Vianet works on it again and closes it, then the note waits queued for 21Vianet, and once closed every change is refused with 409", async () => {
    const forwarded = await submitted("critical", "forwarded");
    const path = `escalations/${forwarded.id}`;
    await send("POST", `${path}/vianet-updates`, { json: { status: "attention_needed", note: "Which tenant?" } });

    const noted = await send("POST", `${path}/notes`, { json: { text: "Tenant contoso.partner.onmschina.cn" } });
    expect(noted.status).toBe(202);
    const withNote = EscalationView.parse(noted.body);
    expect(withNote.status).toBe("attention_needed");
    expect(withNote.notes?.at(-1)).toMatchObject({ author: "partner", delivery: "queued" });

    const working = await send("POST", `${path}/vianet-updates`, { json: { status: "forwarded", source: "phone" } });
    expect(EscalationView.parse(working.body).status).toBe("forwarded");
    const closed = await send("POST", `${path}/vianet-updates`, { json: { status: "closed" } });
    expect(EscalationView.parse(closed.body).status).toBe("closed");

    const lateNote = await send("POST", `${path}/notes`, { json: { text: "Thanks" } });
    const lateUpdate = await send("POST", `${path}/vianet-updates`, { json: { note: "Reopened?" } });
    for (const late of [lateNote, lateUpdate]) {
      expect(late.status).toBe(409);
      expect(late.body).toMatchObject({ escalationStatus: "closed" });
    }
    expect((await view(forwarded.id)).notes).toHaveLength(2);
  });

  it("when a portal escalation gets a partner note, a case number, and 21Vianet's answer by that number, then each is recorded on it", async () => {
    const waiting = await submitted("moderate", "awaiting_portal");
    const path = `escalations/${waiting.id}`;
    const noted = await send("POST", `${path}/notes`, { json: { text: "Affects 40 mailboxes" } });
    expect(EscalationView.parse(noted.body).portalCase?.notesToAdd).toMatchObject([{ text: "Affects 40 mailboxes" }]);

    const caseNumber = `26${Date.now()}`;
    expect((await send("POST", `${path}/vianet-case`, { json: { caseNumber } })).status).toBe(200);
    const found = await new TableEscalationStore(table).findByVianetCase(caseNumber);
    expect(found.map((stored) => stored.value.id)).toEqual([waiting.id]);

    const answered = await send("POST", `vianet-cases/${caseNumber}/updates`, {
      json: { note: "An engineer will call at 15:00.", source: "email" },
    });
    expect(answered.status).toBe(200);
    const now = await view(waiting.id);
    expect(now.status).toBe("forwarded");
    expect(now.notes).toMatchObject([
      { author: "partner", delivery: "portal", text: "Affects 40 mailboxes" },
      { author: "21vianet", source: "email", text: "An engineer will call at 15:00." },
    ]);
    // The partner's note still waits for a person to add it to the case in the portal.
    expect(now.portalCase?.notesToAdd).toMatchObject([{ text: "Affects 40 mailboxes" }]);
  });

  it("when a caller limited to another customer uses any of the new routes, then 404 exactly as for an unknown escalation, and nothing changes", async () => {
    const forwarded = await submitted("critical", "forwarded");
    const serviceRequestId = forwarded.vianet?.serviceRequestId ?? "";
    const before = await view(forwarded.id);
    const attempts = [
      [`escalations/${forwarded.id}/vianet-updates`, `escalations/esc_unknown/vianet-updates`, { status: "closed" }],
      [`vianet-cases/${serviceRequestId}/updates`, `vianet-cases/000000000000000/updates`, { status: "closed" }],
      [`escalations/${forwarded.id}/notes`, `escalations/esc_unknown/notes`, { text: "hello" }],
    ] as const;
    for (const [path, unknownPath, json] of attempts) {
      const refused = await send("POST", path, { json, key: OTHER_KEY });
      const unknown = await send("POST", unknownPath, { json });
      expect(refused.status, path).toBe(404);
      expect(refused.body, path).toEqual(unknown.body);
    }
    expect(await view(forwarded.id)).toEqual(before);
  });
});
