// The escalation intake end to end: the real functions/ code in the local host, Azurite and the
// Service Bus emulator; what a caller sees, what is stored and what is queued.
import { createHash, randomUUID } from "node:crypto";
import { get as httpGet } from "node:http";
import { fileURLToPath } from "node:url";
import SwaggerParser from "@apidevtools/swagger-parser";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { TableClient } from "@azure/data-tables";
import { TableReportStore } from "../../../shared/adapters/table-storage/table-report-store.js";
import { MetricsView } from "../../../shared/domain/metrics/report-schema.js";
import { signWebhook, parseWebhookSecret, verifyWebhook } from "../../../shared/lib/standard-webhooks.js";
import { buildEscalationRequest } from "../../builders/escalation-request.js";
import { startHostProcess, type HostProcess } from "../local/functions-host/host-process.js";
import { createClient, emulatorConnectionString, peekAll, purge } from "../local/service-bus/helpers.js";
import { startRecordingServer, type RecordingServer } from "../recording-server.js";

const APP_ROOT = fileURLToPath(new URL("../../..", import.meta.url));
const QUEUE = "app-escalations";
const DELIVERY_QUEUE = "app-report-deliveries";
const KEY = "contoso-desk-key";
const OTHER_KEY = "fabrikam-desk-key";
const REPORTING_KEY = "reporting-key";
const WEBHOOK_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
const PUBLIC_HOST = "escalations.chinacloudsites.cn";
const sha = (text: string) => createHash("sha256").update(text).digest("hex");

/** A GET with a Host header of our choosing, which fetch does not allow. */
function getWithHost(url: string, hostHeader: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const request = httpGet(url, { headers: { host: hostHeader } }, (response) => {
      const chunks: Buffer[] = [];
      response.on("data", (chunk: Buffer) => chunks.push(chunk));
      response.on("end", () =>
        resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") }),
      );
    });
    request.on("error", reject);
  });
}

const tableName = `intake${randomUUID().replaceAll("-", "").slice(0, 10)}`;

describe("escalation intake through the local host", () => {
  const serviceBus = createClient();
  // Receives the metrics reports: the first POST to each path fails with 503, later ones succeed.
  let receiver: RecordingServer;
  const answered: number[] = [];
  let host: HostProcess;
  const tenant = buildEscalationRequest().customer.tenantId;

  beforeAll(async () => {
    await Promise.all([purge(serviceBus, QUEUE), purge(serviceBus, DELIVERY_QUEUE)]);
    receiver = await startRecordingServer((request, response) => {
      const status = receiver.received.filter((entry) => entry.url === request.url).length > 1 ? 200 : 503;
      answered.push(status);
      response.writeHead(status).end();
    });
    const receiverUrl = receiver.base;
    host = await startHostProcess(
      {
        EscalationsStorage: inject("tableConnectionString"),
        ServiceBusConnection: emulatorConnectionString(),
        ESCALATIONS_QUEUE_NAME: QUEUE,
        ESCALATIONS_TABLE_NAME: tableName,
        LOCAL_FUNCTIONS_KEY: `${KEY},${OTHER_KEY},${REPORTING_KEY}`,
        ESCALATION_CALLERS: JSON.stringify([
          { id: "contoso-desk", keySha256: sha(KEY), tenants: [tenant] },
          { id: "fabrikam-desk", keySha256: sha(OTHER_KEY), tenants: ["22222222-2222-4222-8222-222222222222"] },
          { id: "reporting", keySha256: sha(REPORTING_KEY), tenants: "all" },
        ]),
        PUBLIC_HOST,
        ESCALATION_WEBHOOK_SENDERS: JSON.stringify([{ id: "psa-tool", secrets: [WEBHOOK_SECRET], tenants: "all" }]),
        // These tests read the queue itself: the forwarder stays off it (forwarding.test.ts covers it).
        ESCALATION_ROUTING: JSON.stringify([{ channel: "portal" }]),
        "AzureWebJobs.forward-escalation.Disabled": "true",
        "AzureWebJobs.escalations-dead-letter.Disabled": "true",
        METRICS_DELIVERY_QUEUE_NAME: DELIVERY_QUEUE,
        METRICS_WEBHOOKS: JSON.stringify([
          { id: "ops-teams", url: `${receiverUrl}/teams`, format: "teams", secret: WEBHOOK_SECRET, windows: ["24h"] },
          { id: "ops-flow", url: `${receiverUrl}/flow`, format: "json", secret: WEBHOOK_SECRET, windows: ["1h"] },
        ]),
        // Only for this receiver on 127.0.0.1; production allows https to public addresses only.
        METRICS_WEBHOOK_ALLOWED_PRIVATE_HOSTS: "127.0.0.1",
        METRICS_WEBHOOK_RETRY_BASE_DELAY: "PT1S",
        METRICS_WEBHOOK_RETRY_MAX_DELAY: "PT2S",
      },
      APP_ROOT,
    );
  });
  afterAll(async () => {
    await host.stop();
    await Promise.all([serviceBus.close(), receiver.close()]);
  });

  const post = (body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${host.url}/api/escalations`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-functions-key": KEY, ...headers },
      body: JSON.stringify(body),
    });

  it("when an escalation is submitted, then 202 with Location, it can be read back, and one message is queued", async () => {
    const response = await post(buildEscalationRequest());
    expect(response.status).toBe(202);
    const accepted = (await response.json()) as { id: string; status: string };
    expect(accepted.status).toBe("queued");
    expect(response.headers.get("location")).toBe(`/api/escalations/${accepted.id}`);

    const read = await fetch(`${host.url}${response.headers.get("location") ?? ""}`, {
      headers: { "x-functions-key": KEY },
    });
    expect(read.status).toBe(200);
    expect(await read.json()).toMatchObject({
      id: accepted.id,
      status: "queued",
      customer: { tenantId: tenant },
      history: [{ to: "queued" }],
    });

    const messages = await peekAll(QUEUE);
    const ours = messages.filter((message) => message.messageId === accepted.id);
    expect(ours).toHaveLength(1);
    expect(ours[0]?.body).toMatchObject({ escalationId: accepted.id });
    expect(ours[0]?.correlationId).toBeTruthy();
  });

  it("when another customer's key asks for it, then 404", async () => {
    const response = await post(buildEscalationRequest());
    const { id } = (await response.json()) as { id: string };
    expect(
      (await fetch(`${host.url}/api/escalations/${id}`, { headers: { "x-functions-key": OTHER_KEY } })).status,
    ).toBe(404);
  });

  it("when the body is bad, then 4xx problem+json and nothing is queued", async () => {
    const before = (await peekAll(QUEUE)).length;
    const invalid = await post({ ...buildEscalationRequest(), severity: "urgent", status: "closed" });
    expect(invalid.status).toBe(400);
    expect(invalid.headers.get("content-type")).toBe("application/problem+json");
    const notJson = await fetch(`${host.url}/api/escalations`, {
      method: "POST",
      headers: { "content-type": "text/plain", "x-functions-key": KEY },
      body: "hello",
    });
    expect(notJson.status).toBe(415);
    const tooBig = await post({ ...buildEscalationRequest(), description: "x".repeat(70_000) });
    expect(tooBig.status).toBe(413);
    const unmet = await post(buildEscalationRequest({ category: "password-reset" }));
    expect(unmet.status).toBe(422);
    expect((await peekAll(QUEUE)).length).toBe(before);
  });

  it.each([
    ["a NUL", "Mail flow\u0000stopped", "contains a control character (U+0000) at position 10"],
    [
      "a right-to-left override",
      "Invoice \u202Efdp.exe",
      "contains a bidirectional control character (U+202E) at position 9",
    ],
  ])("when the title holds %s, then 400 naming title and nothing is stored or queued", async (_what, title, reason) => {
    const before = (await peekAll(QUEUE)).length;
    const marker = `refused-${randomUUID()}`;
    const response = await post(buildEscalationRequest({ title, description: marker }));
    expect(response.status).toBe(400);
    expect(response.headers.get("content-type")).toBe("application/problem+json");
    expect(await response.json()).toMatchObject({ status: 400, "invalid-params": [{ name: "title", reason }] });

    const table = TableClient.fromConnectionString(inject("tableConnectionString"), tableName, {
      allowInsecureConnection: true,
    });
    const rows: string[] = [];
    for await (const entity of table.listEntities()) rows.push(JSON.stringify(entity));
    expect(rows.length).toBeGreaterThan(0);
    expect(rows.filter((row) => row.includes(marker))).toEqual([]);
    expect((await peekAll(QUEUE)).length).toBe(before);
  });

  it("when ten identical submissions share an Idempotency-Key, then one escalation and one message", async () => {
    const key = randomUUID();
    const body = buildEscalationRequest({ title: `Idempotent ${key}` });
    const responses = await Promise.all(Array.from({ length: 10 }, () => post(body, { "idempotency-key": key })));
    const statuses = responses.map((response) => response.status);
    expect(statuses.every((status) => status === 202 || status === 409)).toBe(true);
    const ids = new Set(
      await Promise.all(
        responses
          .filter((response) => response.status === 202)
          .map(async (response) => ((await response.json()) as { id: string }).id),
      ),
    );
    expect(ids.size).toBe(1);
    const replay = await post(body, { "idempotency-key": key });
    expect(replay.status).toBe(202);
    expect(replay.headers.get("idempotent-replayed")).toBe("true");
    const [id] = [...ids];
    const queued = (await peekAll(QUEUE)).filter((message) => message.messageId === id);
    expect(queued).toHaveLength(1);
  });

  it("when a signed webhook arrives, then it is accepted; unsigned, 401", async () => {
    const secret = parseWebhookSecret(WEBHOOK_SECRET);
    if (!secret.ok) throw new Error("bad test secret");
    const body = JSON.stringify(buildEscalationRequest({ title: "From the PSA tool" }));
    const timestamp = Math.floor(Date.now() / 1000);
    const signature = signWebhook({ id: "msg_e2e_1", timestamp, body: Buffer.from(body), secret: secret.secret });
    const headers = {
      "content-type": "application/json",
      "webhook-id": "msg_e2e_1",
      "webhook-timestamp": String(timestamp),
    };
    const signed = await fetch(`${host.url}/api/webhooks/escalations`, {
      method: "POST",
      headers: { ...headers, "webhook-signature": signature },
      body,
    });
    expect(signed.status).toBe(202);
    const unsigned = await fetch(`${host.url}/api/webhooks/escalations`, { method: "POST", headers, body });
    expect(unsigned.status).toBe(401);
  });

  it("when the customer's escalations are listed, then they come newest first in pages", async () => {
    const first = await fetch(`${host.url}/api/escalations?tenantId=${tenant}&pageSize=2`, {
      headers: { "x-functions-key": KEY },
    });
    expect(first.status).toBe(200);
    const page = (await first.json()) as { items: { id: string; createdAt: string }[]; continuationToken?: string };
    expect(page.items).toHaveLength(2);
    expect(page.items[0]?.createdAt.localeCompare(page.items[1]?.createdAt ?? "")).toBeGreaterThanOrEqual(0);
    expect(page.continuationToken).toBeDefined();
    const next = await fetch(
      `${host.url}/api/escalations?tenantId=${tenant}&pageSize=2&continuationToken=${encodeURIComponent(page.continuationToken ?? "")}`,
      { headers: { "x-functions-key": KEY } },
    );
    expect(next.status).toBe(200);
    const foreign = await fetch(`${host.url}/api/escalations?tenantId=${tenant}`, {
      headers: { "x-functions-key": OTHER_KEY },
    });
    expect(foreign.status).toBe(404);
  });

  it("when a key limited to one customer lists a status, then it walks only that customer's escalations in full pages with tokens that name no one else", async () => {
    const otherTenant = "22222222-2222-4222-8222-222222222222";
    const base = buildEscalationRequest();
    for (let i = 0; i < 3; i++) {
      expect(
        (
          await post(
            { ...base, title: `Other customer ${String(i)}`, customer: { ...base.customer, tenantId: otherTenant } },
            { "x-functions-key": REPORTING_KEY },
          )
        ).status,
      ).toBe(202);
      expect((await post(buildEscalationRequest({ title: `Own customer ${String(i)}` }))).status).toBe(202);
    }
    const list = async (key: string, token?: string) => {
      const response = await fetch(
        `${host.url}/api/escalations?status=queued&pageSize=2${token === undefined ? "" : `&continuationToken=${encodeURIComponent(token)}`}`,
        { headers: { "x-functions-key": key } },
      );
      expect(response.status).toBe(200);
      return (await response.json()) as { items: { id: string; tenantId: string }[]; continuationToken?: string };
    };
    const pages: { items: { id: string; tenantId: string }[]; continuationToken?: string }[] = [];
    let token: string | undefined;
    do {
      const page = await list(KEY, token);
      pages.push(page);
      token = page.continuationToken;
    } while (token !== undefined && pages.length < 100);

    const everyone = [];
    for (let all = await list(REPORTING_KEY); ; all = await list(REPORTING_KEY, all.continuationToken)) {
      everyone.push(...all.items);
      if (all.continuationToken === undefined) break;
    }
    const own = everyone.filter((item) => item.tenantId === tenant).map((item) => item.id);
    const foreign = everyone.filter((item) => item.tenantId !== tenant).map((item) => item.id);
    expect(foreign.length).toBeGreaterThanOrEqual(3);
    expect(pages.flatMap((page) => page.items.map((item) => item.id))).toEqual(own);
    expect(pages.slice(0, -1).every((page) => page.items.length === 2)).toBe(true);
    expect(pages.at(-1)?.items.length).toBeGreaterThan(0);
    for (const page of pages) {
      const decoded = Buffer.from(page.continuationToken ?? "", "base64url").toString("utf8");
      for (const id of foreign) expect(decoded).not.toContain(id);
    }
  });

  it("when the OpenAPI document is fetched with any Host header, then it is valid Swagger 2.0 naming PUBLIC_HOST", async () => {
    // An underscore, a name nobody owns, the real one: the document never repeats what the client sent.
    for (const hostHeader of ["under_score", "attacker.example:8443", new URL(host.url).host]) {
      const response = await getWithHost(`${host.url}/api/openapi.json`, hostHeader);
      expect(response.status, hostHeader).toBe(200);
      const document = JSON.parse(response.body) as { host: string; swagger: string; schemes: string[] };
      expect(document, hostHeader).toMatchObject({ swagger: "2.0", host: PUBLIC_HOST, schemes: ["http"] });
      await expect(SwaggerParser.validate(structuredClone(document) as never)).resolves.toBeDefined();
    }
  });

  it("when the metrics timer runs (admin API), then each window's report is stored with the submissions just made", async () => {
    for (let i = 0; i < 3; i++)
      expect(
        (
          await post(
            buildEscalationRequest({
              service: "intune",
              severity: "critical",
              title: `Intune enrolment fails ${String(i)}`,
            }),
          )
        ).status,
      ).toBe(202);
    const ran = await fetch(`${host.url}/admin/functions/metrics-report`, {
      method: "POST",
      headers: { "x-functions-key": "local-master-key", "content-type": "application/json" },
      body: "{}",
    });
    expect(ran.status).toBe(202);
    const reports = new TableReportStore(
      TableClient.fromConnectionString(inject("tableConnectionString"), tableName, { allowInsecureConnection: true }),
    );
    // The windows are stored in order, 30 days last.
    await expect.poll(async () => (await reports.recent("30d", 1)).length, { timeout: 20_000 }).toBe(1);
    const [latest] = await reports.recent("24h", 1);
    expect(latest?.report.volumes.byService.intune).toBe(3);
    expect(latest?.report.volumes.bySeverity.critical).toBeGreaterThanOrEqual(3);
    expect(latest?.report.backlog.open).toBeGreaterThanOrEqual(3);
    for (const window of ["1h", "7d"] as const)
      expect((await reports.recent(window, 1))[0]?.report.volumes.byService.intune).toBe(3);

    // The API serves the stored report; only a key for all customers may read it.
    const metrics = (path: string, key = REPORTING_KEY) =>
      fetch(`${host.url}/api/${path}`, { headers: { "x-functions-key": key } });
    expect((await metrics("metrics?window=24h", KEY)).status).toBe(403);
    const json = await metrics("metrics?window=24h");
    expect(json.status).toBe(200);
    // What the OpenAPI document promises (MetricsView), parsed strictly enough to strip nothing.
    const raw: unknown = await json.json();
    const body = MetricsView.parse(raw);
    expect(body).toEqual(raw);
    expect(body).toMatchObject({
      generatedAt: latest?.generatedAt,
      window: { name: "24h" },
      volumes: { byService: { intune: 3 } },
    });
    const csv = await metrics("metrics.csv?window=7d");
    expect(csv.headers.get("content-type")).toBe("text/csv; charset=utf-8");
    expect(await csv.text()).toContain("\r\nvolumes.byService.intune,3\r\n");
    // Computed now, it sees a submission made after the timer ran.
    expect((await post(buildEscalationRequest({ service: "intune", title: "Intune enrolment fails 3" }))).status).toBe(
      202,
    );
    const fresh = (await (await metrics("metrics?window=1h&fresh=true")).json()) as {
      volumes: { byService: Record<string, number> };
    };
    expect(fresh.volumes.byService.intune).toBe(4);
    const invalid = await metrics("metrics?window=2h");
    expect(invalid.status).toBe(400);
    expect(await invalid.text()).toContain("window");
  });

  it("when the metrics timer has run, then each webhook gets its window's report signed, after one retry of a 503, with the same webhook-id", async () => {
    // The timer ran in the test above; deliveries go through their own queue and function.
    const attempts = () => receiver.received.map((request, index) => ({ ...request, status: answered[index] }));
    await expect.poll(() => attempts().filter((attempt) => attempt.status === 200).length, { timeout: 20_000 }).toBe(2);
    const secret = parseWebhookSecret(WEBHOOK_SECRET);
    if (!secret.ok) throw new Error(secret.message);
    for (const path of ["/flow", "/teams"]) {
      const tries = attempts().filter((attempt) => attempt.url === path);
      expect(
        tries.map((attempt) => attempt.status),
        path,
      ).toEqual([503, 200]);
      expect(new Set(tries.map((attempt) => attempt.headers["webhook-id"])).size, path).toBe(1);
      for (const attempt of tries) {
        const headers = { get: (name: string) => String(attempt.headers[name] ?? "") || null };
        expect(
          verifyWebhook({ headers, body: attempt.body, secrets: [secret.secret], now: new Date() }),
          path,
        ).toMatchObject({ ok: true });
      }
    }
    const delivered = (path: string) =>
      attempts()
        .find((attempt) => attempt.url === path && attempt.status === 200)
        ?.body.toString("utf8") ?? "{}";
    const flow = JSON.parse(delivered("/flow")) as { type: string; data: unknown };
    expect(flow.type).toBe("escalation.metrics.report");
    const view = MetricsView.parse(flow.data);
    expect(view.window.name).toBe("1h");
    expect(view.volumes.byService.intune).toBe(3);
    const teams = delivered("/teams");
    expect(teams).toContain('"contentType":"application/vnd.microsoft.card.adaptive"');
    expect(teams).toContain("Escalations to 21Vianet, last 24 hours");
  });
});
