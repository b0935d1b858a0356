// Erasure and access on request end to end: the real functions/ code in the local host, Azurite,
// the Service Bus emulator and the 21Vianet sandbox. One customer's escalations in every state
// that matters (forwarded with notes, queued waiting for a retry, submitted with an
// Idempotency-Key, named by a dead letter) are read, then erased; afterwards not one row of the
// whole table holds any of its contacts' values, while another customer's are all still there.
import { createHash, randomBytes, randomInt, randomUUID } from "node:crypto";
import { fileURLToPath } from "node:url";
import { TableClient, type TableEntityResult } from "@azure/data-tables";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { joinLongText } from "../../../shared/adapters/table-storage/long-text.js";
import { TableEscalationStore } from "../../../shared/adapters/table-storage/table-escalation-store.js";
import { requestMarker } from "../../../shared/domain/forwarding/channel.js";
import { EscalationView, PersonalDataErased, PersonalDataView } from "../../../shared/http/api-schemas.js";
import { appSettingsFor, start as startSandbox, type RunningSandbox } from "../../../local/vianet-sandbox/index.js";
import { BUILT_TENANT_ID, buildEscalationRequest } from "../../builders/escalation-request.js";
import { startHostProcess, type HostProcess } from "../local/functions-host/host-process.js";
import { createClient, emulatorConnectionString, peekAll, purge, uniqueId } from "../local/service-bus/helpers.js";
import { startRecordingServer, type RecordingServer } from "../recording-server.js";

const APP_ROOT = fileURLToPath(new URL("../../..", import.meta.url));
const QUEUE = "app-personal-data";
const REPORT_QUEUE = "app-personal-data-reports";
const TENANT_A = BUILT_TENANT_ID;
const TENANT_B = "22222222-2222-4222-8222-222222222222";
const KEY_A = "contoso-privacy-key";
const KEY_B = "fabrikam-desk-key";
const KEY_OPS = "operations-key";
const REPORT_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const sha = (text: string) => createHash("sha256").update(text).digest("hex");
const tableName = `pii${randomUUID().replaceAll("-", "").slice(0, 12)}`;

/** Values found nowhere else: a tag of random letters, so a match can only be this value. */
function uniqueValues(label: string) {
  const tag = `${label}${randomBytes(6).toString("hex")}`;
  return {
    name: `Contact ${tag}`,
    email: `${tag}@example.cn`,
    phone: `+86 10 ${String(randomInt(10_000_000, 99_999_999))}`,
    title: `Mail flow stopped ${tag}`,
    description: `Reported by ${tag}: no external mail since 09:00`,
    step: `Checked the connector with ${tag}`,
    partnerNote: `Partner note from ${tag}`,
    vianetNote: `21Vianet asked ${tag} for a trace`,
    deadLetter: `dead letter of ${tag}`,
  };
}
type Values = ReturnType<typeof uniqueValues>;

function requestWith(values: Values, tenantId: string) {
  return buildEscalationRequest({
    customer: { tenantId, name: "Contoso China", domain: "contoso.partner.onmschina.cn" },
    title: values.title,
    description: values.description,
    contact: { name: values.name, email: values.email, phone: values.phone },
    firstLineSupport: { serviceHealthChecked: true, adminCenterAttempted: true, stepsTaken: [values.step] },
  });
}

/** Every text a row holds, long text joined again (a value may straddle two chunks). */
function rowText(row: TableEntityResult<Record<string, unknown>>): string {
  const texts: string[] = [];
  for (const [key, value] of Object.entries(row)) {
    if (/_[0-9]+$/.test(key)) continue;
    texts.push(key, typeof value === "string" ? (joinLongText(key, row) ?? value) : JSON.stringify(value));
  }
  return texts.join("\n");
}

describe("personal data on request through the local host", () => {
  const serviceBus = createClient();
  const table = TableClient.fromConnectionString(inject("tableConnectionString"), tableName, {
    allowInsecureConnection: true,
  });
  let sandbox: RunningSandbox;
  let receiver: RecordingServer;
  let host: HostProcess;

  // Tenant A: forwarded with notes, queued for a retry, submitted with a key; tenant B: one forwarded.
  const a = { forwarded: uniqueValues("fwd"), queued: uniqueValues("que"), keyed: uniqueValues("key") };
  const b = uniqueValues("oth");
  const ids = { forwarded: "", queued: "", keyed: "", other: "" };

  const call = async (
    method: string,
    path: string,
    key: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ) => {
    const response = await fetch(`${host.url}/api/${path}`, {
      method,
      headers: {
        "x-functions-key": key,
        ...(body === undefined ? {} : { "content-type": "application/json" }),
        ...headers,
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return {
      status: response.status,
      headers: response.headers,
      json: text === "" ? undefined : (JSON.parse(text) as unknown),
    };
  };
  const submit = async (values: Values, tenantId: string, key: string, headers: Record<string, string> = {}) => {
    const response = await call("POST", "escalations", key, requestWith(values, tenantId), headers);
    expect(response.status).toBe(202);
    return (response.json as { id: string }).id;
  };
  const view = async (id: string, key = KEY_OPS) =>
    EscalationView.parse((await call("GET", `escalations/${id}`, key)).json);
  const stored = async (id: string) => (await new TableEscalationStore(table).get(id))?.value;
  const statusOf = async (id: string) => (await view(id)).status;
  const allRows = async () => {
    const rows: TableEntityResult<Record<string, unknown>>[] = [];
    for await (const row of table.listEntities()) rows.push(row);
    return rows;
  };
  const deadLetterFor = async (id: string, marker: string) => {
    const messageId = uniqueId("malformed");
    // A message no code of ours sends: it names the escalation and carries personal data.
    await serviceBus.createSender(QUEUE).sendMessages({ body: { escalationId: id, contactNote: marker }, messageId });
    await expect
      .poll(async () => (await allRows()).some((row) => row.messageId === messageId), { timeout: 15_000 })
      .toBe(true);
  };

  beforeAll(async () => {
    await Promise.all([
      purge(serviceBus, QUEUE),
      purge(serviceBus, QUEUE, "deadLetter"),
      purge(serviceBus, REPORT_QUEUE),
    ]);
    sandbox = await startSandbox({ port: 0 });
    receiver = await startRecordingServer((_request, response) => response.writeHead(200).end());
    host = await startHostProcess(
      {
        EscalationsStorage: inject("tableConnectionString"),
        ServiceBusConnection: emulatorConnectionString(),
        ESCALATIONS_QUEUE_NAME: QUEUE,
        ESCALATIONS_TABLE_NAME: tableName,
        ...appSettingsFor(sandbox),
        LOCAL_FUNCTIONS_KEY: `${KEY_A},${KEY_B},${KEY_OPS}`,
        ESCALATION_CALLERS: JSON.stringify([
          { id: "contoso-privacy", keySha256: sha(KEY_A), tenants: [TENANT_A] },
          { id: "fabrikam-desk", keySha256: sha(KEY_B), tenants: [TENANT_B] },
          { id: "operations", keySha256: sha(KEY_OPS), tenants: "all" },
        ]),
        METRICS_DELIVERY_QUEUE_NAME: REPORT_QUEUE,
        METRICS_WEBHOOKS: JSON.stringify([
          { id: "ops-teams", url: `${receiver.base}/teams`, format: "teams", secret: REPORT_SECRET, windows: ["1h"] },
          { id: "ops-flow", url: `${receiver.base}/flow`, format: "json", secret: REPORT_SECRET, windows: ["1h"] },
        ]),
        METRICS_WEBHOOK_ALLOWED_PRIVATE_HOSTS: "127.0.0.1",
        "AzureWebJobs.dispatch-sweep.Disabled": "true",
        "AzureWebJobs.status-sync.Disabled": "true",
      },
      APP_ROOT,
    );
  });
  afterAll(async () => {
    await host.stop();
    await sandbox.close();
    await receiver.close();
    await serviceBus.close();
  });

  it("when one customer's escalations are forwarded (with notes), queued for a retry and submitted with a key, then 21Vianet received each contact's name but never an e-mail or a phone", async () => {
    ids.forwarded = await submit(a.forwarded, TENANT_A, KEY_A);
    ids.keyed = await submit(a.keyed, TENANT_A, KEY_A, { "Idempotency-Key": `submit-${randomUUID()}` });
    ids.other = await submit(b, TENANT_B, KEY_B, { "Idempotency-Key": `submit-${randomUUID()}` });
    for (const id of [ids.forwarded, ids.keyed, ids.other])
      await expect.poll(() => statusOf(id), { timeout: 20_000, interval: 100 }).toBe("forwarded");
    // 21Vianet throttles the next create for an hour: that escalation waits, queued, for its retry.
    sandbox.faults.add({ operation: "create", kind: "status-429", retryAfterSeconds: 3_600 });
    ids.queued = await submit(a.queued, TENANT_A, KEY_A);
    await expect
      .poll(async () => (await stored(ids.queued))?.forwarding?.nextAttemptAt, { timeout: 20_000, interval: 100 })
      .toEqual(expect.any(String));

    // Notes on both customers' forwarded escalations: the partner's (sent to 21Vianet) and 21Vianet's.
    const noted = await call(
      "POST",
      `escalations/${ids.forwarded}/notes`,
      KEY_A,
      { text: a.forwarded.partnerNote },
      {
        "Idempotency-Key": `note-${randomUUID()}`,
      },
    );
    expect(noted.status).toBe(202);
    await expect
      .poll(async () => (await view(ids.forwarded)).notes?.find((note) => note.author === "partner")?.delivery, {
        timeout: 20_000,
      })
      .toBe("sent");
    for (const [id, key, text] of [
      [ids.forwarded, KEY_A, a.forwarded.vianetNote],
      [ids.other, KEY_B, b.vianetNote],
    ] as const)
      expect(
        (await call("POST", `escalations/${id}/vianet-updates`, key, { note: text, source: "email" })).status,
      ).toBe(200);
    await deadLetterFor(ids.keyed, a.keyed.deadLetter);
    await deadLetterFor(ids.other, b.deadLetter);

    // A metrics report of the last hour, stored in the table and posted to both webhooks.
    const ran = await fetch(`${host.url}/admin/functions/metrics-report`, {
      method: "POST",
      headers: { "x-functions-key": "local-master-key", "content-type": "application/json" },
      body: "{}",
    });
    expect(ran.status).toBe(202);
    await expect.poll(() => receiver.received.length, { timeout: 30_000 }).toBeGreaterThanOrEqual(2);
    for (const [id, values] of [
      [ids.forwarded, a.forwarded],
      [ids.keyed, a.keyed],
      [ids.other, b],
    ] as const) {
      const sent = sandbox.requests().filter((record) => record.serviceRequest.title.includes(requestMarker(id)));
      expect(sent).toHaveLength(1);
      const text = JSON.stringify(sent[0]?.serviceRequest);
      expect(text).toContain(values.name);
      expect(text).not.toContain(values.email);
      expect(text).not.toContain(values.phone);
    }
  }, 180_000);

  it("when the metrics report is posted to its webhooks (JSON and Teams), then neither body holds any contact's value", () => {
    const bodies = receiver.received.map((request) => request.body.toString("utf8"));
    expect(bodies.length).toBeGreaterThanOrEqual(2);
    for (const values of [a.forwarded, a.queued, a.keyed, b])
      for (const value of Object.values(values)) for (const body of bodies) expect(body).not.toContain(value);
  });

  it("when a caller for another customer reads or erases (BOLA), then 404 No such customer, and nothing is erased", async () => {
    for (const method of ["GET", "DELETE"]) {
      const refused = await call(method, `customers/${TENANT_A}/personal-data`, KEY_B);
      expect(refused.status, method).toBe(404);
      expect(refused.headers.get("content-type")).toBe("application/problem+json");
      expect(refused.json).toMatchObject({ title: "No such customer" });
      expect((await call(method, `customers/${TENANT_B}/personal-data`, KEY_A)).status, method).toBe(404);
    }
    expect((await call("GET", "customers/not-a-tenant/personal-data", KEY_OPS)).json).toMatchObject({
      status: 400,
      "invalid-params": [{ name: "tenantId" }],
    });
    expect((await view(ids.forwarded)).contact?.email).toBe(a.forwarded.email);
  });

  it("when the customer's caller reads its personal data, then every escalation shows its contact, texts and notes, uncached", async () => {
    const response = await call("GET", `customers/${TENANT_A}/personal-data`, KEY_A);
    expect(response.status).toBe(200);
    expect(response.headers.get("cache-control")).toBe("no-store");
    const data = PersonalDataView.parse(response.json);
    expect(data.escalations.map((item) => item.escalationId).sort()).toEqual(
      [ids.forwarded, ids.queued, ids.keyed].sort(),
    );
    const forwarded = data.escalations.find((item) => item.escalationId === ids.forwarded);
    expect(forwarded).toMatchObject({
      contact: { name: a.forwarded.name, email: a.forwarded.email, phone: a.forwarded.phone },
      title: a.forwarded.title,
      description: a.forwarded.description,
      firstLineSteps: [a.forwarded.step],
    });
    expect(forwarded?.notes.map((note) => note.text).sort()).toEqual(
      [a.forwarded.partnerNote, a.forwarded.vianetNote].sort(),
    );
    expect(JSON.stringify(data)).not.toContain(b.email);
  });

  it("when the customer's caller erases, then 200 with the counts, and afterwards no row of the whole table holds any of its values while the other customer's are all there", async () => {
    const before = await allRows();
    const haystackBefore = before.map(rowText).join("\n");
    for (const values of [a.forwarded, a.queued, a.keyed])
      expect(haystackBefore, "the scan finds what is there").toContain(values.email);

    const response = await call("DELETE", `customers/${TENANT_A}/personal-data`, KEY_A);

    expect(response.status).toBe(200);
    expect(PersonalDataErased.parse(response.json)).toMatchObject({
      tenantId: TENANT_A,
      escalationsFound: 3,
      erased: 3,
      alreadyErased: 0,
      withdrawn: 1,
      // The submission's key and the partner note's key.
      idempotencyRecordsDeleted: 2,
      deadLettersErased: 1,
      rowsWritten: 12,
    });
    const rows = await allRows();
    const haystack = rows.map(rowText).join("\n");
    for (const values of [a.forwarded, a.queued, a.keyed])
      for (const [what, value] of Object.entries(values)) {
        if (what === "deadLetter" && values !== a.keyed) continue;
        expect(haystack, `${what} of tenant A`).not.toContain(value);
      }
    // Tenant B's escalation got no partner note; every other value of it is still stored.
    for (const [what, value] of Object.entries(b))
      if (what !== "partnerNote") expect(haystack, `${what} of tenant B`).toContain(value);
    // The other customer's idempotency record stays; tenant A's are gone.
    expect(
      rows.filter((row) => (row.partitionKey ?? "").startsWith("idempotency!")).map((row) => row.reservation),
    ).toEqual([ids.other]);
    const audits = rows.filter((row) => (row.partitionKey ?? "").startsWith("erasure-audit!"));
    expect(audits).toHaveLength(1);
    expect(audits[0]).toMatchObject({
      actor: "contoso-privacy",
      action: "erase-on-request",
      tenantId: TENANT_A,
      rows: 12,
    });
    for (const id of [ids.forwarded, ids.queued, ids.keyed])
      expect(rowText(audits[0] ?? { partitionKey: "", rowKey: "", etag: "" })).toContain(id);
  });

  it("when read after the erasure, then each escalation shows it erased, the queued one withdrawn, the forwarded ones still with 21Vianet, and the audit entry is listed", async () => {
    const data = PersonalDataView.parse((await call("GET", `customers/${TENANT_A}/personal-data`, KEY_A)).json);
    for (const item of data.escalations) {
      expect(item.contact).toBeUndefined();
      expect(item).toMatchObject({ title: "", description: "", firstLineSteps: [], notes: [] });
      expect(item.erasure).toMatchObject({ reason: "request", by: "contoso-privacy" });
    }
    expect(data.erasures).toMatchObject([{ action: "erase-on-request", actor: "contoso-privacy", tenantId: TENANT_A }]);

    const forwarded = await view(ids.forwarded, KEY_A);
    expect(forwarded).toMatchObject({ status: "forwarded", erasure: { reason: "request" }, title: "" });
    expect(forwarded.contact).toBeUndefined();
    const queued = await view(ids.queued, KEY_A);
    expect(queued.status).toBe("failed");
    expect(queued.history.at(-1)).toMatchObject({ from: "queued", to: "failed", actor: "contoso-privacy" });
    expect((await view(ids.other, KEY_B)).contact?.email).toBe(b.email);
  });

  it("when the erasure is asked again, then nothing more is erased", async () => {
    const again = await call("DELETE", `customers/${TENANT_A}/personal-data`, KEY_OPS);
    expect(PersonalDataErased.parse(again.json)).toMatchObject({
      escalationsFound: 3,
      erased: 0,
      alreadyErased: 3,
      withdrawn: 0,
      idempotencyRecordsDeleted: 0,
      deadLettersErased: 0,
      rowsWritten: 0,
    });
  });

  it("when an operator replays the withdrawn escalation, then 409 personal-data-erased; when its message comes anyway, the forwarder completes it and 21Vianet gets nothing", async () => {
    const replay = await call("POST", `escalations/${ids.queued}/retry`, KEY_OPS);
    expect(replay.status).toBe(409);
    expect(replay.json).toMatchObject({ type: "https://vianet-escalation-bridge/problems/personal-data-erased" });

    const correlationId = (await stored(ids.queued))?.correlationId ?? "";
    const messageId = uniqueId("late-retry");
    await serviceBus.createSender(QUEUE).sendMessages({ body: { escalationId: ids.queued, correlationId }, messageId });
    await expect
      .poll(async () => (await peekAll(QUEUE)).some((message) => message.messageId === messageId), { timeout: 15_000 })
      .toBe(false);
    expect(
      sandbox.requests().filter((record) => record.serviceRequest.title.includes(requestMarker(ids.queued))),
    ).toEqual([]);
    expect(await statusOf(ids.queued)).toBe("failed");
  });
});
