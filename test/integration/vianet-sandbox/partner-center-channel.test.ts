// The Partner Center REST channel against the local sandbox, with a real MSAL token source.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "vitest";
import { MsalTokenSource } from "../../../shared/adapters/partner-center-tokens.js";
import { PartnerCenterChannel, PartnerCenterError, type PartnerCenterChannelOptions } from "../../../shared/adapters/partner-center-channel.js";
import type { Escalation } from "../../../shared/escalations/escalation.js";
import type { IdGenerator } from "../../../shared/escalations/ports.js";
import { DEFAULT_BACKOFF } from "../../../shared/forwarding/backoff.js";
import { requestMarker } from "../../../shared/forwarding/channel.js";
import { forwardEscalation } from "../../../shared/forwarding/forward-escalation.js";
import { appSettingsFor, DEFAULT_APP, DEFAULT_REFRESH_TOKEN, sandboxNetworkClient, start, type RunningSandbox } from "../../../local/vianet-sandbox/index.js";
import { buildPartnerCenterChannel } from "../../../shared/adapters/build-partner-center-channel.js";
import { loadConfig } from "../../../shared/config.js";
import { queuedEscalation as queuedWith } from "../../unit/forwarding/fakes.js";

let sandbox: RunningSandbox;
let tokenRequests: string[];
let tokens: MsalTokenSource;

function channel(options: Partial<PartnerCenterChannelOptions> = {}): PartnerCenterChannel {
  return new PartnerCenterChannel({ apiUrl: sandbox.url, tokens, supportTopicId: "32444671", sandboxCustomerTenantParameter: true, ...options });
}

const uuidIds: IdGenerator = { escalationId: () => `esc-${randomUUID()}`, correlationId: () => randomUUID() };

/** Partner Center wants GUIDs in MS-CorrelationId: the escalation's correlation id is one. */
const queuedEscalation = () => queuedWith({ ids: uuidIds });

function attempt(escalation: Escalation) {
  return { requestId: randomUUID(), correlationId: escalation.correlationId };
}

beforeAll(async () => {
  sandbox = await start({ port: 0 });
});
afterAll(async () => {
  await sandbox.close();
});
beforeEach(() => {
  sandbox.reset();
  tokenRequests = [];
  tokens = new MsalTokenSource({
    clientId: DEFAULT_APP.clientId,
    clientSecret: DEFAULT_APP.clientSecret,
    authority: sandbox.authority(),
    grant: { kind: "refresh-token", refreshToken: DEFAULT_REFRESH_TOKEN },
    networkClient: sandboxNetworkClient(sandbox.url, (method, url) => {
      if (method === "POST" && url.includes("/oauth2/v2.0/token")) tokenRequests.push(url);
    }),
  });
});

describe("PartnerCenterChannel.submit", () => {
  test("creates a service request carrying the marker, the evidence and the contact name only", async () => {
    const { escalation } = await queuedEscalation();
    const outcome = await channel().submit(escalation, attempt(escalation));
    expect(outcome).toMatchObject({ kind: "created", status: "open" });
    const [record] = sandbox.requests();
    expect(record?.serviceRequest.id).toBe(outcome.kind === "created" ? outcome.serviceRequestId : "");
    expect(record?.customerTenantId).toBe(escalation.request.customer.tenantId);
    expect(record?.serviceRequest.title.endsWith(requestMarker(escalation.id))).toBe(true);
    expect(record?.serviceRequest.description).toContain("Ran message trace in the Exchange admin center");
    expect(record?.serviceRequest.description).toContain("Partner contact: Li Wei");
    expect(record?.serviceRequest.description).not.toContain("li.wei@example.com");
    expect(record?.serviceRequest.description).not.toContain("5555 0100");
    expect(record?.serviceRequest).toMatchObject({ severity: "moderate", supportTopicId: "32444671", countryCode: "CN", productName: "office365" });
  });

  test("a replay with the same MS-RequestId answers the same request and creates nothing", async () => {
    const { escalation } = await queuedEscalation();
    const same = attempt(escalation);
    const first = await channel().submit(escalation, same);
    const second = await channel().submit(escalation, same);
    expect(first.kind).toBe("created");
    expect(second).toEqual(first);
    expect(sandbox.requests()).toHaveLength(1);
    expect(sandbox.requests()[0]?.timesSeen).toBe(2);
  });

  test("429 -> transient with Retry-After in milliseconds", async () => {
    const { escalation } = await queuedEscalation();
    sandbox.faults.add({ operation: "create", kind: "status-429", count: 1, retryAfterSeconds: 7 });
    expect(await channel().submit(escalation, attempt(escalation))).toEqual({ kind: "transient", reason: "HTTP 429", retryAfterMs: 7_000 });
  });

  test("503 -> transient, Retry-After honoured when present", async () => {
    const { escalation } = await queuedEscalation();
    sandbox.faults.add({ operation: "create", kind: "status-503", count: 1 });
    expect(await channel().submit(escalation, attempt(escalation))).toEqual({ kind: "transient", reason: "HTTP 503" });
    sandbox.faults.add({ operation: "create", kind: "status-503", count: 1, retryAfterSeconds: 2 });
    expect(await channel().submit(escalation, attempt(escalation))).toEqual({ kind: "transient", reason: "HTTP 503", retryAfterMs: 2_000 });
    expect(sandbox.requests()).toHaveLength(0);
  });

  test("900127 -> permanent with Partner Center's code", async () => {
    const { escalation } = await queuedEscalation();
    sandbox.faults.add({ operation: "create", kind: "unsupported-900127", count: 1 });
    expect(await channel().submit(escalation, attempt(escalation))).toEqual({
      kind: "permanent",
      code: "900127",
      description: "The operation is not supported in this environment.",
    });
  });

  test("a validation 400 -> permanent with the code, falling back on the status", async () => {
    const { escalation } = await queuedEscalation();
    sandbox.faults.add({ operation: "create", kind: "permanent-400", count: 1 });
    expect(await channel().submit(escalation, attempt(escalation))).toMatchObject({ kind: "permanent", code: "400" });
  });

  test("no answer within timeoutMs -> unknown", async () => {
    const { escalation } = await queuedEscalation();
    await tokens.getToken();
    sandbox.faults.add({ operation: "create", kind: "timeout", count: 1 });
    const outcome = await channel({ timeoutMs: 300 }).submit(escalation, attempt(escalation));
    expect(outcome.kind).toBe("unknown");
  });

  test("created but the response lost -> unknown, then findExisting finds it", async () => {
    const { escalation } = await queuedEscalation();
    const pc = channel();
    expect(await pc.findExisting(escalation)).toBeUndefined();
    sandbox.faults.add({ operation: "create", kind: "created-response-lost", count: 1 });
    const outcome = await pc.submit(escalation, attempt(escalation));
    expect(outcome.kind).toBe("unknown");
    const [record] = sandbox.requests();
    expect(await pc.findExisting(escalation)).toEqual({ serviceRequestId: record?.serviceRequest.id, status: "open" });
  });

  test("the access token is cached: two submits and a list make one token request", async () => {
    const pc = channel();
    const a = await queuedEscalation();
    const b = await queuedEscalation();
    expect((await pc.submit(a.escalation, attempt(a.escalation))).kind).toBe("created");
    expect((await pc.submit(b.escalation, attempt(b.escalation))).kind).toBe("created");
    await pc.findExisting(a.escalation);
    expect(tokenRequests).toHaveLength(1);
  });

  test("a refused token -> transient, nothing sent", async () => {
    const { escalation } = await queuedEscalation();
    const failing = channel({ tokens: { getToken: () => Promise.reject(new Error("invalid_grant: AADSTS70008: The refresh token has expired. Trace ID: 0b1c")) } });
    // The token endpoint's text is for the log and lastError, never the escalation's history.
    expect(await failing.submit(escalation, attempt(escalation))).toEqual({
      kind: "transient",
      reason: "token: unauthorised",
      detail: "token: invalid_grant: AADSTS70008: The refresh token has expired. Trace ID: 0b1c",
    });
    expect(sandbox.requestIdsSeen()).toEqual({});
  });
});

describe("PartnerCenterChannel.read and addNote", () => {
  async function created(): Promise<{ escalation: Escalation; id: string }> {
    const { escalation } = await queuedEscalation();
    const outcome = await channel().submit(escalation, attempt(escalation));
    if (outcome.kind !== "created") throw new Error(`not created: ${outcome.kind}`);
    return { escalation, id: outcome.serviceRequestId };
  }

  test("read answers the request with status and severity as names", async () => {
    const { escalation, id } = await created();
    const request = await channel().read(id, escalation.correlationId);
    expect(request).toMatchObject({ serviceRequestId: id, status: "open", severity: escalation.request.severity, notes: [] });
    expect(request.title).toContain(requestMarker(escalation.id));
  });

  test("addNote appends a note that a later read returns", async () => {
    const { escalation, id } = await created();
    const noted = await channel().addNote(id, "Customer confirms the outage continues.", escalation.correlationId);
    expect(noted.notes.map((note) => note.text)).toEqual(["Customer confirms the outage continues."]);
    expect((await channel().read(id, escalation.correlationId)).notes).toHaveLength(1);
  });

  test("an unknown id -> PartnerCenterError with the status and Partner Center's code", async () => {
    const error = await channel().read("999999999999999", randomUUID()).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(PartnerCenterError);
    expect(error).toMatchObject({ status: 404, code: "404" });
  });

  test("a refused PATCH (empty note) -> PartnerCenterError 400 naming the field", async () => {
    const { escalation, id } = await created();
    const error = await channel().addNote(id, "", escalation.correlationId).catch((caught: unknown) => caught);
    expect(error).toMatchObject({ name: "PartnerCenterError", status: 400 });
  });
});

describe("buildPartnerCenterChannel from the app settings", () => {
  test("the settings npm start gives the app reach the sandbox: token through the loopback authority, then a created request", async () => {
    const config = loadConfig({ ServiceBusConnection: "Endpoint=sb://127.0.0.1;SharedAccessKeyName=k;SharedAccessKey=v", EscalationsStorage: "UseDevelopmentStorage=true", ...appSettingsFor(sandbox) });
    if (config.forwarding.partnerCenter === undefined) throw new Error("partner-center is not routed");
    const { escalation } = await queuedEscalation();
    const outcome = await buildPartnerCenterChannel(config.forwarding.partnerCenter).submit(escalation, attempt(escalation));
    expect(outcome).toMatchObject({ kind: "created", status: "open" });
    expect(sandbox.requests()[0]?.customerTenantId).toBe(escalation.request.customer.tenantId);
  });
});

describe("MsalTokenSource with the app-only grant", () => {
  test("client credentials with the Partner Center .default audience, cached across calls", async () => {
    const lenient = await start({ port: 0, allowAppOnlyTokens: true });
    try {
      let tokenCalls = 0;
      const appOnly = new MsalTokenSource({
        clientId: DEFAULT_APP.clientId,
        clientSecret: DEFAULT_APP.clientSecret,
        authority: lenient.authority(),
        grant: { kind: "client-credentials" },
        networkClient: sandboxNetworkClient(lenient.url, (method, url) => {
          if (method === "POST" && url.includes("/oauth2/v2.0/token")) tokenCalls += 1;
        }),
      });
      const pc = new PartnerCenterChannel({ apiUrl: lenient.url, tokens: appOnly, supportTopicId: "32444671", sandboxCustomerTenantParameter: true });
      const { escalation } = await queuedEscalation();
      const outcome = await pc.submit(escalation, attempt(escalation));
      expect(outcome.kind).toBe("created");
      expect(await pc.findExisting(escalation)).toMatchObject({ status: "open" });
      expect(tokenCalls).toBe(1);
    } finally {
      await lenient.close();
    }
  });

  test("the sandbox's default (App+User only) refuses app-only tokens as a permanent 403", async () => {
    const appOnly = new MsalTokenSource({
      clientId: DEFAULT_APP.clientId,
      clientSecret: DEFAULT_APP.clientSecret,
      authority: sandbox.authority(),
      grant: { kind: "client-credentials" },
      networkClient: sandboxNetworkClient(sandbox.url),
    });
    const { escalation } = await queuedEscalation();
    expect(await channel({ tokens: appOnly }).submit(escalation, attempt(escalation))).toMatchObject({ kind: "permanent", code: "403" });
  });
});

describe("forwardEscalation through the Partner Center channel", () => {
  test("created-response-lost: exactly one service request, and the escalation is forwarded", async () => {
    const { escalation, store, clock } = await queuedEscalation();
    const deps = {
      store,
      channels: { "partner-center": channel() },
      routing: [{ channel: "partner-center" as const }],
      clock,
      backoff: DEFAULT_BACKOFF,
      newRequestId: () => randomUUID(),
      random: () => 0.5,
    };
    const message = { escalationId: escalation.id, correlationId: escalation.correlationId };
    sandbox.faults.add({ operation: "create", kind: "created-response-lost", count: 1 });
    const first = await forwardEscalation(message, deps);
    expect(first.kind).toBe("retry");
    clock.advance(first.kind === "retry" ? first.delayMs : 0);
    expect(await forwardEscalation(message, deps)).toEqual({ kind: "done", status: "forwarded" });
    expect(sandbox.requests()).toHaveLength(1);
    const stored = (await store.get(escalation.id))?.value;
    expect(stored?.status).toBe("forwarded");
    expect(stored?.vianet).toMatchObject({ channel: "partner-center", serviceRequestId: sandbox.requests()[0]?.serviceRequest.id, status: "open" });
    expect(await forwardEscalation(message, deps)).toEqual({ kind: "done", status: "forwarded" });
    expect(sandbox.requests()).toHaveLength(1);
  });
});
