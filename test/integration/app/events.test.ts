// Events end to end: the real functions/ code in the local host, Azurite, the Service Bus emulator
// and the Partner Center sandbox, with receivers on 127.0.0.1. Subscriptions made through the API
// receive their customers' events signed with their secret, in sequence; a 503 is retried with
// the same webhook-id; a caller limited to another customer receives nothing of these.
import { createHash, randomUUID } from "node:crypto";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { appSettingsFor, start as startSandbox, type RunningSandbox } from "../../../local/vianet-sandbox/index.js";
import { parseWebhookSecret, verifyWebhook } from "../../../shared/lib/standard-webhooks.js";
import { buildEscalationRequest } from "../../builders/escalation-request.js";
import { startHostProcess, type HostProcess } from "../local/functions-host/host-process.js";
import { createClient, emulatorConnectionString, purge } from "../local/service-bus/helpers.js";
import { startRecordingServer, type RecordedRequest, type RecordingServer } from "../recording-server.js";

const APP_ROOT = fileURLToPath(new URL("../../..", import.meta.url));
const QUEUE = "app-events";
const DELIVERY_QUEUE = "app-event-deliveries";
const KEY = "contoso-desk-key";
const OTHER_KEY = "fabrikam-desk-key";
const OTHER_TENANT = "22222222-2222-4222-8222-222222222222";
const sha = (text: string) => createHash("sha256").update(text).digest("hex");
const tableName = `events${randomUUID().replaceAll("-", "").slice(0, 10)}`;
const tenant = buildEscalationRequest().customer.tenantId;

const header = (request: RecordedRequest, name: string) => String(request.headers[name] ?? "");
const bodyOf = (request: RecordedRequest) =>
  JSON.parse(request.body.toString("utf8")) as { type: string; timestamp: string; data: Record<string, unknown> };

describe("events to subscriptions through the local host", () => {
  const serviceBus = createClient();
  let sandbox: RunningSandbox;
  let receiver: RecordingServer;
  let host: HostProcess;

  beforeAll(async () => {
    await Promise.all([purge(serviceBus, QUEUE), purge(serviceBus, DELIVERY_QUEUE)]);
    // `/flaky` answers 503 (Retry-After: 1) to the first delivery of each webhook-id, then 200.
    receiver = await startRecordingServer((request, response) => {
      const id = header(request, "webhook-id");
      const seen = receiver.received.filter((entry) => header(entry, "webhook-id") === id).length;
      if (request.url === "/flaky" && seen === 1) response.writeHead(503, { "retry-after": "1" }).end();
      else response.writeHead(200).end();
    });
    sandbox = await startSandbox({ port: 0 });
    host = await startHostProcess(
      {
        EscalationsStorage: inject("tableConnectionString"),
        ServiceBusConnection: emulatorConnectionString(),
        ESCALATIONS_QUEUE_NAME: QUEUE,
        ESCALATIONS_TABLE_NAME: tableName,
        METRICS_DELIVERY_QUEUE_NAME: "app-report-deliveries-idle",
        EVENT_DELIVERY_QUEUE_NAME: DELIVERY_QUEUE,
        EVENT_RETRY_BASE_DELAY: "PT1S",
        EVENT_RETRY_MAX_DELAY: "PT2S",
        // Only for these receivers on 127.0.0.1; production allows https to public addresses only.
        WEBHOOK_ALLOWED_PRIVATE_HOSTS: "127.0.0.1",
        LOCAL_FUNCTIONS_KEY: `${KEY},${OTHER_KEY}`,
        ESCALATION_CALLERS: JSON.stringify([
          { id: "contoso-desk", keySha256: sha(KEY), tenants: [tenant] },
          { id: "fabrikam-desk", keySha256: sha(OTHER_KEY), tenants: [OTHER_TENANT] },
        ]),
        ...appSettingsFor(sandbox),
        ESCALATION_ROUTING: JSON.stringify([{ channel: "partner-center" }]),
      },
      APP_ROOT,
    );
  });
  afterAll(async () => {
    await host.stop();
    await Promise.all([sandbox.close(), receiver.close(), serviceBus.close()]);
  });

  async function subscribe(key: string, path: string, events: string[] = ["*"]) {
    const response = await fetch(`${host.url}/api/subscriptions`, {
      method: "POST",
      headers: { "x-functions-key": key, "content-type": "application/json" },
      body: JSON.stringify({ url: `${receiver.base}${path}`, events }),
    });
    expect(response.status).toBe(201);
    return (await response.json()) as { id: string; secret: string };
  }

  const at = (path: string, escalationId: string) =>
    receiver.received.filter(
      (request) => request.url === path && header(request, "webhook-id").startsWith(`evt_${escalationId}_`),
    );

  it("when an escalation is submitted, forwarded and answered with a note, then its subscribers receive each event signed and in sequence, a 503 is retried under the same webhook-id, another customer's caller receives nothing, and a deleted subscription nothing more", async () => {
    const contoso = await subscribe(KEY, "/contoso");
    const flaky = await subscribe(KEY, "/flaky", ["escalation.forwarded"]);
    await subscribe(OTHER_KEY, "/fabrikam");

    const submitted = await fetch(`${host.url}/api/escalations`, {
      method: "POST",
      headers: { "x-functions-key": KEY, "content-type": "application/json" },
      body: JSON.stringify(buildEscalationRequest({ severity: "critical" })),
    });
    expect(submitted.status).toBe(202);
    const { id } = (await submitted.json()) as { id: string };

    // Each event is its own message, so they may arrive in any order: a receiver orders them by sequence.
    const typesBySequence = (path: string) =>
      at(path, id)
        .map(bodyOf)
        .sort((a, b) => Number(a.data.sequence) - Number(b.data.sequence))
        .map((body) => body.type);
    await expect
      .poll(() => typesBySequence("/contoso"), { timeout: 30_000, interval: 200 })
      .toEqual(["escalation.queued", "escalation.forwarded"]);
    const secret = parseWebhookSecret(contoso.secret);
    if (!secret.ok) throw new Error("the subscription's secret is not a whsec_ secret");
    const sequences: number[] = [];
    for (const request of at("/contoso", id)) {
      const verified = verifyWebhook({
        headers: new Headers({
          "webhook-id": header(request, "webhook-id"),
          "webhook-timestamp": header(request, "webhook-timestamp"),
          "webhook-signature": header(request, "webhook-signature"),
        }),
        body: request.body,
        secrets: [secret.secret],
        now: new Date(),
      });
      expect(verified.ok).toBe(true);
      const { data } = bodyOf(request);
      expect(data).toMatchObject({ id, customer: { tenantId: tenant } });
      sequences.push(Number(data.sequence));
    }
    sequences.sort((a, b) => a - b);
    expect(sequences[0]).toBe(1);
    expect(sequences[1]).toBeGreaterThan(1);

    // The 503 is retried after its Retry-After, under the same webhook-id, and delivered once.
    await expect.poll(() => at("/flaky", id).length, { timeout: 30_000, interval: 200 }).toBe(2);
    expect(at("/flaky", id).map((request) => header(request, "webhook-id"))).toEqual([
      `evt_${id}_${String(sequences[1])}_${flaky.id}`,
      `evt_${id}_${String(sequences[1])}_${flaky.id}`,
    ]);

    expect(at("/fabrikam", id)).toEqual([]);

    // 21Vianet asks for information with a note: two events, in the order of the history.
    const update = await fetch(`${host.url}/api/escalations/${id}/vianet-updates`, {
      method: "POST",
      headers: { "x-functions-key": KEY, "content-type": "application/json" },
      body: JSON.stringify({ status: "attention_needed", note: "Please send a message trace.", source: "email" }),
    });
    expect(update.status).toBeLessThan(300);
    await expect
      .poll(() => typesBySequence("/contoso"), { timeout: 30_000, interval: 200 })
      .toEqual(["escalation.queued", "escalation.forwarded", "escalation.attention_needed", "escalation.note_added"]);
    const sequenced = at("/contoso", id).map((request) => Number(bodyOf(request).data.sequence));
    expect(new Set(sequenced).size).toBe(sequenced.length);

    // Once deleted, a subscription receives nothing more; the others still do.
    const deleted = await fetch(`${host.url}/api/subscriptions/${contoso.id}`, {
      method: "DELETE",
      headers: { "x-functions-key": KEY },
    });
    expect(deleted.status).toBe(204);
    const back = await fetch(`${host.url}/api/escalations/${id}/vianet-updates`, {
      method: "POST",
      headers: { "x-functions-key": KEY, "content-type": "application/json" },
      body: JSON.stringify({ status: "forwarded", source: "email" }),
    });
    expect(back.status).toBeLessThan(300);
    // The forwarded-only subscription gets the second forwarded event (first try fails with 503, then delivered).
    await expect.poll(() => at("/flaky", id).length, { timeout: 30_000, interval: 200 }).toBe(4);
    expect(at("/contoso", id)).toHaveLength(4);
  });
});
