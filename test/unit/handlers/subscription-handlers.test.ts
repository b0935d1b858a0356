// The subscriptions API: created with a secret shown once, read and deleted by its own caller only,
// URLs held to the outbound rule, event names checked, a limit per caller.
import functions from "@azure/functions";
import { describe, expect, it } from "vitest";
import { MAX_SUBSCRIPTIONS_PER_CALLER } from "../../../shared/domain/events/manage-subscriptions.js";
import {
  makeCreateSubscriptionHandler,
  makeDeleteSubscriptionHandler,
  makeGetSubscriptionHandler,
  makeListSubscriptionsHandler,
} from "../../../shared/handlers/subscription-handlers.js";
import { PROBLEM_TYPE_BASE } from "../../../shared/http/problem.js";
import { parseWebhookSecret } from "../../../shared/lib/standard-webhooks.js";
import { FakeClock } from "../domain/escalations/fakes.js";
import { InMemorySubscriptionStore } from "../domain/events/fakes.js";
import { callers, tenant } from "./callers.js";

const { HttpRequest, InvocationContext } = functions;

const RECEIVER = "https://psa.example.com/hooks/escalations";

function setUp(options: { exemptHosts?: string[] } = {}) {
  const store = new InMemorySubscriptionStore();
  const clock = new FakeClock();
  let next = 0;
  const deps = {
    store,
    callers,
    clock,
    policy: { exemptHosts: new Set(options.exemptHosts ?? []) },
    newId: () => `sub_${String(++next).padStart(4, "0")}`,
    newSecret: () => `whsec_${Buffer.alloc(32, next).toString("base64")}`,
  };
  return {
    store,
    clock,
    create: makeCreateSubscriptionHandler(deps),
    list: makeListSubscriptionsHandler(deps),
    get: makeGetSubscriptionHandler(deps),
    remove: makeDeleteSubscriptionHandler(deps),
  };
}

const context = () => new InvocationContext({ functionName: "subscriptions", invocationId: "test" });

function post(body: unknown, key = "contoso-key") {
  return new HttpRequest({
    url: "http://127.0.0.1:7071/api/subscriptions",
    method: "POST",
    headers: { "x-functions-key": key, "content-type": "application/json" },
    body: { string: JSON.stringify(body) },
  });
}

function at(method: "GET" | "DELETE", id?: string, key = "contoso-key") {
  return new HttpRequest({
    url: `http://127.0.0.1:7071/api/subscriptions${id === undefined ? "" : `/${id}`}`,
    method,
    headers: { "x-functions-key": key },
    ...(id === undefined ? {} : { params: { id } }),
  });
}

/** A problem's JSON body: problem answers carry it as a string. */
function problemBody(response: functions.HttpResponseInit): unknown {
  if (typeof response.body !== "string") throw new Error("no problem body");
  return JSON.parse(response.body);
}

function invalidParams(response: functions.HttpResponseInit): string[] {
  const body = problemBody(response) as { "invalid-params"?: { name: string }[] };
  return (body["invalid-params"] ?? []).map((param) => param.name);
}

function problemType(response: functions.HttpResponseInit): string {
  return (problemBody(response) as { type: string }).type.replace(PROBLEM_TYPE_BASE, "");
}

describe("POST /api/subscriptions", () => {
  it("when the body is valid, then 201 with the subscription, a whsec_ secret of 32 random bytes and its Location", async () => {
    const { create, store } = setUp();
    const response = await create(
      post({ url: RECEIVER, events: ["escalation.forwarded", "escalation.note_added"], description: " PSA tool " }),
      context(),
    );
    expect(response.status).toBe(201);
    expect(response.headers).toMatchObject({ location: "/api/subscriptions/sub_0001", "cache-control": "no-store" });
    const body = response.jsonBody as { secret: string };
    expect(body).toEqual({
      id: "sub_0001",
      url: RECEIVER,
      events: ["escalation.forwarded", "escalation.note_added"],
      format: "json",
      description: "PSA tool",
      createdAt: "2026-11-26T08:00:00.000Z",
      secret: expect.stringMatching(/^whsec_/) as unknown,
    });
    const secret = parseWebhookSecret(body.secret);
    expect(secret.ok && secret.secret.key.length).toBe(32);
    expect(store.subscriptions.get("sub_0001")).toMatchObject({
      callerId: "contoso-desk",
      tenants: [tenant],
      secret: body.secret,
    });
  });

  it("when events is * and format teams, then every event is subscribed, posted as Teams cards", async () => {
    const { create, store } = setUp();
    const response = await create(post({ url: RECEIVER, events: ["*"], format: "teams" }), context());
    expect(response.status).toBe(201);
    expect(store.subscriptions.get("sub_0001")).toMatchObject({ events: ["*"], format: "teams" });
  });

  it("when the caller may read every customer, then the subscription records all", async () => {
    const { store } = setUp();
    const everyone = makeCreateSubscriptionHandler({
      store,
      callers: [{ id: "operator", keySha256: callers[0]?.keySha256 ?? "", tenants: "all" }],
      clock: new FakeClock(),
      policy: { exemptHosts: new Set() },
      newId: () => "sub_0001",
      newSecret: () => "whsec_AAAA",
    });
    expect((await everyone(post({ url: RECEIVER, events: ["*"] }), context())).status).toBe(201);
    expect(store.subscriptions.get("sub_0001")?.tenants).toBe("all");
  });

  it.each([
    ["http://psa.example.com/hook", "must be an https URL"],
    ["https://10.0.0.4/hook", "private"],
    ["https://[::1]/hook", "private"],
    ["https://localhost/hook", "localhost"],
    ["https://user:pass@psa.example.com/hook", "user name"],
    ["ftp://psa.example.com/hook", "http(s) URL"],
    ["not a url", "http(s) URL"],
  ])("when the url is %s, then 400 naming url, and nothing is stored", async (url, reason) => {
    const { create, store } = setUp();
    const response = await create(post({ url, events: ["*"] }), context());
    expect(response.status).toBe(400);
    expect(problemType(response)).toBe("invalid-subscription");
    const body = problemBody(response) as { "invalid-params": { name: string; reason: string }[] };
    expect(body["invalid-params"]).toEqual([{ name: "url", reason: expect.stringContaining(reason) as unknown }]);
    expect(store.subscriptions.size).toBe(0);
  });

  it("when the host is exempted for local runs, then http to 127.0.0.1 is accepted", async () => {
    const { create } = setUp({ exemptHosts: ["127.0.0.1"] });
    expect((await create(post({ url: "http://127.0.0.1:9000/hook", events: ["*"] }), context())).status).toBe(201);
  });

  it.each([
    [["escalation.lost"]],
    [[]],
    [["*", "escalation.closed"]],
    [["escalation.closed", "escalation.closed"]],
    ["escalation.closed"],
  ])("when events is %j, then 400 naming events", async (events) => {
    const { create } = setUp();
    const response = await create(post({ url: RECEIVER, events }), context());
    expect(response.status).toBe(400);
    expect(invalidParams(response).every((name) => name.startsWith("events"))).toBe(true);
    expect(invalidParams(response).length).toBeGreaterThan(0);
  });

  it("when several fields are bad, then each is named at once, the refused URL and unknown fields included", async () => {
    const { create } = setUp();
    const response = await create(
      post({ url: "https://192.168.1.10/hook", events: ["escalation.lost"], format: "xml", secret: "mine" }),
      context(),
    );
    expect(response.status).toBe(400);
    expect(invalidParams(response).sort()).toEqual(["events.0", "format", "secret", "url"]);
  });

  it("when the body is not JSON, then 415 or 400 before anything is stored", async () => {
    const { create, store } = setUp();
    const text = new HttpRequest({
      url: "http://127.0.0.1:7071/api/subscriptions",
      method: "POST",
      headers: { "x-functions-key": "contoso-key", "content-type": "text/plain" },
      body: { string: RECEIVER },
    });
    expect((await create(text, context())).status).toBe(415);
    expect(store.subscriptions.size).toBe(0);
  });

  it(`when the caller has ${MAX_SUBSCRIPTIONS_PER_CALLER} subscriptions, then 409 too-many-subscriptions; another caller may still subscribe`, async () => {
    const { create, store } = setUp();
    for (let i = 0; i < MAX_SUBSCRIPTIONS_PER_CALLER; i++)
      expect((await create(post({ url: `${RECEIVER}/${i}`, events: ["*"] }), context())).status).toBe(201);
    const refused = await create(post({ url: RECEIVER, events: ["*"] }), context());
    expect(refused.status).toBe(409);
    expect(problemType(refused)).toBe("too-many-subscriptions");
    expect(store.subscriptions.size).toBe(MAX_SUBSCRIPTIONS_PER_CALLER);
    expect((await create(post({ url: RECEIVER, events: ["*"] }, "fabrikam-key"), context())).status).toBe(201);
  });

  it("when the key is not a registered caller, then 401 and nothing is stored", async () => {
    const { create, store } = setUp();
    expect((await create(post({ url: RECEIVER, events: ["*"] }, "stranger"), context())).status).toBe(401);
    expect(store.subscriptions.size).toBe(0);
  });
});

describe("GET and DELETE /api/subscriptions", () => {
  async function twoCallersSubscribed() {
    const setup = setUp();
    await setup.create(post({ url: `${RECEIVER}/a`, events: ["escalation.closed"] }), context());
    setup.clock.advance(1_000);
    await setup.create(post({ url: `${RECEIVER}/b`, events: ["*"] }), context());
    await setup.create(post({ url: `${RECEIVER}/c`, events: ["*"] }, "fabrikam-key"), context());
    return setup;
  }

  it("when listing, then the caller's own subscriptions, oldest first, without their secrets", async () => {
    const { list } = await twoCallersSubscribed();
    const response = await list(at("GET"), context());
    expect(response.status).toBe(200);
    const { items } = response.jsonBody as { items: Record<string, unknown>[] };
    expect(items.map((item) => item.url)).toEqual([`${RECEIVER}/a`, `${RECEIVER}/b`]);
    expect(items.every((item) => !("secret" in item))).toBe(true);
  });

  it("when getting one's own, then 200 without the secret", async () => {
    const { get } = await twoCallersSubscribed();
    const response = await get(at("GET", "sub_0001"), context());
    expect(response.status).toBe(200);
    expect(response.jsonBody).toEqual({
      id: "sub_0001",
      url: `${RECEIVER}/a`,
      events: ["escalation.closed"],
      format: "json",
      createdAt: "2026-11-26T08:00:00.000Z",
    });
  });

  it("when getting or deleting another caller's subscription, then 404 exactly as an unknown id, and it stays", async () => {
    const { get, remove, store } = await twoCallersSubscribed();
    const foreign = await get(at("GET", "sub_0003"), context());
    const unknown = await get(at("GET", "sub_9999"), context());
    expect(foreign.status).toBe(404);
    expect(foreign.body).toBe(unknown.body);
    expect(problemType(foreign)).toBe("subscription-not-found");
    expect((await remove(at("DELETE", "sub_0003"), context())).status).toBe(404);
    expect(store.subscriptions.has("sub_0003")).toBe(true);
  });

  it("when deleting one's own, then 204, and then 404 for both GET and DELETE", async () => {
    const { get, remove, store } = await twoCallersSubscribed();
    const deleted = await remove(at("DELETE", "sub_0001"), context());
    expect(deleted).toEqual({ status: 204 });
    expect(store.subscriptions.has("sub_0001")).toBe(false);
    expect((await get(at("GET", "sub_0001"), context())).status).toBe(404);
    expect((await remove(at("DELETE", "sub_0001"), context())).status).toBe(404);
  });

  it("when the id has characters no id has, then 404 without a lookup", async () => {
    const { get } = await twoCallersSubscribed();
    expect((await get(at("GET", "../escalations"), context())).status).toBe(404);
  });

  it("when the key is not a registered caller, then 401 for each", async () => {
    const { list, get, remove } = await twoCallersSubscribed();
    expect((await list(at("GET", undefined, "stranger"), context())).status).toBe(401);
    expect((await get(at("GET", "sub_0001", "stranger"), context())).status).toBe(401);
    expect((await remove(at("DELETE", "sub_0001", "stranger"), context())).status).toBe(401);
  });
});
