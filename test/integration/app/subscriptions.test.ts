// The subscriptions API end to end: the real functions/ code in the local host, Azurite and the
// Service Bus emulator. A caller subscribes, finds its own subscription at the Location, lists it,
// deletes it as Power Automate does when a flow's trigger is removed; another caller never sees it;
// the subscription keeps the customers its caller may read.
import { createHash, randomUUID } from "node:crypto";
import { fileURLToPath } from "node:url";
import { TableClient } from "@azure/data-tables";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { TableSubscriptionStore } from "../../../shared/adapters/table-storage/table-subscription-store.js";
import { SubscriptionCreated, SubscriptionList, SubscriptionView } from "../../../shared/http/api-schemas.js";
import { buildEscalationRequest } from "../../builders/escalation-request.js";
import { startHostProcess, type HostProcess } from "../local/functions-host/host-process.js";
import { emulatorConnectionString } from "../local/service-bus/helpers.js";

const APP_ROOT = fileURLToPath(new URL("../../..", import.meta.url));
const KEY = "contoso-desk-key";
const OTHER_KEY = "fabrikam-desk-key";
const OPERATOR_KEY = "operator-key";
const sha = (text: string) => createHash("sha256").update(text).digest("hex");
const tableName = `subscriptions${randomUUID().replaceAll("-", "").slice(0, 10)}`;
const tenant = buildEscalationRequest().customer.tenantId;
/** Loopback at a port nothing listens on, allowed as `npm start` allows it: nothing leaves the machine. */
const RECEIVER = "http://127.0.0.1:9/psa-receiver";

interface Reply {
  status: number;
  headers: Headers;
  text: string;
}

describe("subscriptions through the local host", () => {
  const store = new TableSubscriptionStore(
    TableClient.fromConnectionString(inject("tableConnectionString"), tableName, { allowInsecureConnection: true }),
  );
  let host: HostProcess;

  beforeAll(async () => {
    host = await startHostProcess(
      {
        EscalationsStorage: inject("tableConnectionString"),
        ServiceBusConnection: emulatorConnectionString(),
        ESCALATIONS_QUEUE_NAME: "app-subscriptions",
        ESCALATIONS_TABLE_NAME: tableName,
        METRICS_DELIVERY_QUEUE_NAME: "app-report-deliveries-idle",
        LOCAL_FUNCTIONS_KEY: [KEY, OTHER_KEY, OPERATOR_KEY].join(","),
        ESCALATION_CALLERS: JSON.stringify([
          { id: "contoso-desk", keySha256: sha(KEY), tenants: [tenant] },
          { id: "fabrikam-desk", keySha256: sha(OTHER_KEY), tenants: ["22222222-2222-4222-8222-222222222222"] },
          { id: "operator", keySha256: sha(OPERATOR_KEY), tenants: "all" },
        ]),
        // No escalation is forwarded here: the portal needs no Partner Center credentials.
        ESCALATION_ROUTING: JSON.stringify([{ channel: "portal" }]),
        WEBHOOK_ALLOWED_PRIVATE_HOSTS: "127.0.0.1",
        "AzureWebJobs.dispatch-sweep.Disabled": "true",
      },
      APP_ROOT,
    );
  });
  afterAll(async () => {
    await host.stop();
  });

  /** `path` under /api, or a Location as the app answered it (it starts with /api). */
  async function send(method: "GET" | "POST" | "DELETE", path: string, key = KEY, json?: unknown): Promise<Reply> {
    const url = path.startsWith("/api/") ? `${host.url}${path}` : `${host.url}/api/${path}`;
    const response = await fetch(url, {
      method,
      headers: { "x-functions-key": key, ...(json === undefined ? {} : { "content-type": "application/json" }) },
      ...(json === undefined ? {} : { body: JSON.stringify(json) }),
    });
    return { status: response.status, headers: response.headers, text: await response.text() };
  }

  async function subscribe(key = KEY, body: unknown = { url: RECEIVER, events: ["escalation.forwarded"] }) {
    const reply = await send("POST", "subscriptions", key, body);
    expect(reply.status, reply.text).toBe(201);
    const created = SubscriptionCreated.parse(JSON.parse(reply.text));
    const location = reply.headers.get("location") ?? "";
    return { created, location };
  }

  it("when a caller subscribes, then 201 with the secret once, its Location answers it without the secret, and its list has it", async () => {
    const { created, location } = await subscribe(KEY, {
      url: RECEIVER,
      events: ["escalation.forwarded", "escalation.note_added"],
      description: "PSA tool",
    });
    expect(location).toBe(`/api/subscriptions/${created.id}`);
    expect(created).toMatchObject({
      url: RECEIVER,
      events: ["escalation.forwarded", "escalation.note_added"],
      format: "json",
      description: "PSA tool",
    });
    expect(Buffer.from(created.secret.slice("whsec_".length), "base64")).toHaveLength(32);

    const got = await send("GET", location);
    expect(got.status).toBe(200);
    const view = SubscriptionView.strict().parse(JSON.parse(got.text));
    // The view is the 201 answer without its secret (a plain parse drops the unknown key).
    expect(view).toEqual(SubscriptionView.parse(created));
    expect(got.text).not.toContain(created.secret);

    const listed = SubscriptionList.parse(JSON.parse((await send("GET", "subscriptions")).text));
    expect(listed.items.map((item) => item.id)).toContain(created.id);
    expect(JSON.stringify(listed)).not.toContain("whsec_");
  });

  it("when a subscription is made, then it records its caller and the customers that caller may read", async () => {
    const limited = await subscribe(KEY);
    const everyone = await subscribe(OPERATOR_KEY, { url: RECEIVER, events: ["*"], format: "teams" });
    expect(await store.get(limited.created.id)).toMatchObject({
      callerId: "contoso-desk",
      tenants: [tenant],
      secret: limited.created.secret,
    });
    expect(await store.get(everyone.created.id)).toMatchObject({
      callerId: "operator",
      tenants: "all",
      events: ["*"],
      format: "teams",
    });
  });

  it("when another caller asks for, lists or deletes a subscription, then it is not there for it (404, as unknown) and stays", async () => {
    const { created, location } = await subscribe(KEY);
    const foreign = await send("GET", location, OTHER_KEY);
    const unknown = await send("GET", "subscriptions/sub_unknown", OTHER_KEY);
    expect(foreign.status).toBe(404);
    expect(foreign.text).toBe(unknown.text);
    expect((await send("DELETE", location, OTHER_KEY)).status).toBe(404);
    const theirs = SubscriptionList.parse(JSON.parse((await send("GET", "subscriptions", OTHER_KEY)).text));
    expect(theirs.items.map((item) => item.id)).not.toContain(created.id);
    expect((await send("GET", location)).status).toBe(200);
  });

  it("when the Location is deleted, as Power Automate does when the trigger is removed, then 204, and then 404 for GET and DELETE", async () => {
    const { created, location } = await subscribe(KEY);
    const deleted = await send("DELETE", location);
    expect(deleted.status).toBe(204);
    expect(deleted.text).toBe("");
    expect((await send("GET", location)).status).toBe(404);
    expect((await send("DELETE", location)).status).toBe(404);
    expect(await store.get(created.id)).toBeUndefined();
    const listed = SubscriptionList.parse(JSON.parse((await send("GET", "subscriptions")).text));
    expect(listed.items.map((item) => item.id)).not.toContain(created.id);
  });

  it("when the URL is one the app may not post to or an event is unknown, then 400 naming each, and nothing is stored", async () => {
    const before = (await store.all()).length;
    const refused = await send("POST", "subscriptions", KEY, {
      url: "https://169.254.169.254/metadata",
      events: ["escalation.lost"],
    });
    expect(refused.status).toBe(400);
    const problem = JSON.parse(refused.text) as { "invalid-params": { name: string }[] };
    expect(problem["invalid-params"].map((param) => param.name).sort()).toEqual(["events.0", "url"]);
    expect((await send("POST", "subscriptions", KEY, { url: "http://psa.example.com/", events: ["*"] })).status).toBe(
      400,
    );
    expect(await store.all()).toHaveLength(before);
  });
});
