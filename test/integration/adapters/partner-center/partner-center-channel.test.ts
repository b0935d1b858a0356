// The Partner Center REST channel against the local sandbox, with a real MSAL token source.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "vitest";
import {
  CredentialState,
  MsalTokenSource,
  type RefreshTokenStore,
  type StoredRefreshToken,
} from "../../../../shared/adapters/partner-center/partner-center-tokens.js";
import type { FaultSpec } from "../../../../local/vianet-sandbox/faults.js";
import {
  PartnerCenterChannel,
  type PartnerCenterChannelOptions,
} from "../../../../shared/adapters/partner-center/partner-center-channel.js";
import type { Escalation } from "../../../../shared/domain/escalations/escalation.js";
import type { IdGenerator } from "../../../../shared/domain/escalations/ports.js";
import { DEFAULT_BACKOFF } from "../../../../shared/domain/forwarding/backoff.js";
import { requestMarker } from "../../../../shared/domain/forwarding/channel.js";
import { forwardEscalation } from "../../../../shared/domain/forwarding/forward-escalation.js";
import {
  appSettingsFor,
  DEFAULT_APP,
  DEFAULT_REFRESH_TOKEN,
  sandboxNetworkClient,
  start,
  type RunningSandbox,
} from "../../../../local/vianet-sandbox/index.js";
import { buildPartnerCenterChannel } from "../../../../shared/adapters/partner-center/build-partner-center-channel.js";
import { sandboxChannelOptions } from "../../../../shared/sandbox/loopback-msal-network.js";
import { loadConfig } from "../../../../shared/settings/app-settings.js";
import { queuedEscalation as queuedWith } from "../../../unit/domain/forwarding/fakes.js";

let sandbox: RunningSandbox;
let tokenRequests: string[];
let tokens: MsalTokenSource;

function channel(options: Partial<PartnerCenterChannelOptions> = {}): PartnerCenterChannel {
  return new PartnerCenterChannel({
    apiUrl: sandbox.url,
    tokens,
    supportTopicId: "32444671",
    sandboxCustomerTenantParameter: true,
    ...options,
  });
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
    expect(record?.serviceRequest).toMatchObject({
      severity: "moderate",
      supportTopicId: "32444671",
      countryCode: "CN",
      productName: "office365",
    });
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

  /** Every answer Partner Center can give a create, what it means, and whether anything may exist at 21Vianet now. */
  const answers: { fault: FaultSpec; outcome: Record<string, unknown>; mayExist: boolean }[] = [
    { fault: { kind: "status", status: 400 }, outcome: { kind: "permanent", code: "400" }, mayExist: false },
    {
      fault: { kind: "unsupported-900127" },
      outcome: {
        kind: "permanent",
        code: "900127",
        description: "The operation is not supported in this environment.",
      },
      mayExist: false,
    },
    {
      fault: { kind: "status", status: 400, code: "900141" },
      outcome: { kind: "permanent", code: "900141" },
      mayExist: false,
    },
    {
      fault: { kind: "status", status: 401 },
      outcome: { kind: "transient", failure: "authorisation", reason: "HTTP 401 (code 401)" },
      mayExist: false,
    },
    {
      fault: { kind: "status", status: 403 },
      outcome: { kind: "transient", failure: "authorisation", reason: "HTTP 403 (code 403)" },
      mayExist: false,
    },
    { fault: { kind: "status", status: 404 }, outcome: { kind: "permanent", code: "404" }, mayExist: false },
    { fault: { kind: "status", status: 405 }, outcome: { kind: "permanent", code: "405" }, mayExist: false },
    { fault: { kind: "status", status: 408 }, outcome: { kind: "unknown", reason: "HTTP 408" }, mayExist: true },
    { fault: { kind: "status", status: 409 }, outcome: { kind: "permanent", code: "409" }, mayExist: false },
    { fault: { kind: "status", status: 410 }, outcome: { kind: "permanent", code: "410" }, mayExist: false },
    { fault: { kind: "status", status: 412 }, outcome: { kind: "permanent", code: "412" }, mayExist: false },
    {
      fault: { kind: "status-429", retryAfterSeconds: 7 },
      outcome: { kind: "transient", failure: "throttled", reason: "HTTP 429", retryAfterMs: 7_000 },
      mayExist: false,
    },
    { fault: { kind: "status", status: 500 }, outcome: { kind: "unknown", reason: "HTTP 500" }, mayExist: true },
    { fault: { kind: "status", status: 502 }, outcome: { kind: "unknown", reason: "HTTP 502" }, mayExist: true },
    {
      fault: { kind: "status-503" },
      outcome: { kind: "transient", failure: "unavailable", reason: "HTTP 503" },
      mayExist: false,
    },
    {
      fault: { kind: "status-503", retryAfterSeconds: 2 },
      outcome: { kind: "transient", failure: "unavailable", reason: "HTTP 503", retryAfterMs: 2_000 },
      mayExist: false,
    },
    { fault: { kind: "status", status: 504 }, outcome: { kind: "unknown", reason: "HTTP 504" }, mayExist: true },
    {
      fault: { kind: "connection-reset" },
      outcome: { kind: "unknown", reason: "no answer from Partner Center: connection reset" },
      mayExist: true,
    },
    {
      fault: { kind: "created-response-lost" },
      outcome: { kind: "unknown", reason: "no answer from Partner Center: connection reset" },
      mayExist: true,
    },
  ];

  test.each(answers)(
    "answer $fault.kind $fault.status $fault.code -> $outcome.kind",
    async ({ fault, outcome, mayExist }) => {
      const { escalation } = await queuedEscalation();
      sandbox.faults.add({ operation: "create", count: 1, ...fault });
      const answered = await channel().submit(escalation, attempt(escalation));
      expect(answered).toMatchObject(outcome);
      if (answered.kind === "transient" && outcome.retryAfterMs === undefined)
        expect(answered.retryAfterMs).toBeUndefined();
      // Only an unknown outcome may have created anything; every definite answer created nothing.
      if (!mayExist) expect(sandbox.requests()).toHaveLength(0);
      expect(answered.kind === "unknown").toBe(mayExist);
    },
  );

  test("401 drops the cached token: the next submit fetches a new one and succeeds", async () => {
    const { escalation } = await queuedEscalation();
    const pc = channel();
    await tokens.getToken();
    sandbox.faults.add({ operation: "create", kind: "status", status: 401, count: 1 });
    expect(await pc.submit(escalation, attempt(escalation))).toMatchObject({
      kind: "transient",
      failure: "authorisation",
    });
    expect(await pc.submit(escalation, attempt(escalation))).toMatchObject({ kind: "created" });
    expect(tokenRequests).toHaveLength(2);
  });

  test("an access token the service revoked -> authorisation, and a fresh token from the refresh token works", async () => {
    const { escalation } = await queuedEscalation();
    const pc = channel();
    await tokens.getToken();
    await fetch(`${sandbox.url}/_sandbox/tokens/revoke`, { method: "POST" });
    expect(await pc.submit(escalation, attempt(escalation))).toMatchObject({
      kind: "transient",
      failure: "authorisation",
      reason: "HTTP 401 (code 401)",
    });
    expect(await pc.submit(escalation, attempt(escalation))).toMatchObject({ kind: "created" });
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

  test("a refused token -> transient authorisation, nothing sent, no token endpoint text kept", async () => {
    const { escalation } = await queuedEscalation();
    await fetch(`${sandbox.url}/_sandbox/refresh-tokens/revoke`, { method: "POST" });
    const outcome = await channel().submit(escalation, attempt(escalation));
    expect(outcome).toEqual({
      kind: "transient",
      failure: "authorisation",
      reason: "token: invalid_grant (AADSTS700082)",
    });
    expect(sandbox.requestIdsSeen()).toEqual({});
  });

  test("the token endpoint not answering -> transient authorisation at the token deadline", async () => {
    const { escalation } = await queuedEscalation();
    const slow = new MsalTokenSource({
      clientId: DEFAULT_APP.clientId,
      clientSecret: DEFAULT_APP.clientSecret,
      authority: sandbox.authority(),
      grant: { kind: "refresh-token", refreshToken: DEFAULT_REFRESH_TOKEN },
      timeoutMs: 500,
      networkClient: sandboxNetworkClient(sandbox.url),
    });
    // Discovery first, so the hang is the token request itself.
    sandbox.faults.add({ operation: "token", kind: "timeout", count: 1 });
    expect(await channel({ tokens: slow }).submit(escalation, attempt(escalation))).toEqual({
      kind: "transient",
      failure: "authorisation",
      reason: "token: token request timed out",
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

  test("read answers the request's status and notes, with no note until one is added", async () => {
    const { escalation, id } = await created();
    const outcome = await channel().read(id, escalation.correlationId);
    expect(outcome).toMatchObject({ kind: "read", request: { status: "open", notes: [] } });
  });

  test("addNote appends a note (NewNote) that a later read returns, dated and named", async () => {
    const { escalation, id } = await created();
    expect(await channel().addNote(id, "Customer confirms the outage continues.", escalation.correlationId)).toEqual({
      kind: "added",
    });
    const outcome = await channel().read(id, escalation.correlationId);
    if (outcome.kind !== "read") throw new Error(`not read: ${outcome.kind}`);
    expect(outcome.request.notes.map((note) => note.text)).toEqual(["Customer confirms the outage continues."]);
    expect(outcome.request.notes[0]?.createdAt).toMatch(/^\d{4}-\d{2}-\d{2}T/);
    expect(outcome.request.notes[0]?.createdByName).toBeTruthy();
    expect(sandbox.requests().find((record) => record.serviceRequest.id === id)?.serviceRequest.notes).toHaveLength(1);
  });

  test("a status changed at 21Vianet's side is read back as Partner Center's word", async () => {
    const { escalation, id } = await created();
    const response = await fetch(`${sandbox.url}/_sandbox/requests/${id}`, {
      method: "PATCH",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ status: "attention_needed", note: "Please send the message trace." }),
    });
    expect(response.status).toBe(200);
    const outcome = await channel().read(id, escalation.correlationId);
    expect(outcome).toMatchObject({
      kind: "read",
      request: { status: "attention_needed", notes: [{ text: "Please send the message trace." }] },
    });
  });

  test("429 with Retry-After -> transient throttled with the wait, for read and addNote alike", async () => {
    const { escalation, id } = await created();
    sandbox.faults.add({ operation: "get", kind: "status-429", retryAfterSeconds: 7 });
    sandbox.faults.add({ operation: "update", kind: "status-429", retryAfterSeconds: 3 });
    expect(await channel().read(id, escalation.correlationId)).toMatchObject({
      kind: "transient",
      failure: "throttled",
      retryAfterMs: 7_000,
    });
    expect(await channel().addNote(id, "later", escalation.correlationId)).toMatchObject({
      kind: "transient",
      failure: "throttled",
      retryAfterMs: 3_000,
    });
    expect(sandbox.requests().find((record) => record.serviceRequest.id === id)?.serviceRequest.notes).toEqual([]);
  });

  test("a note whose answer is lost -> unknown, and the note is there when read", async () => {
    const { escalation, id } = await created();
    sandbox.faults.add({ operation: "update", kind: "created-response-lost" });
    expect(await channel().addNote(id, "lost answer", escalation.correlationId)).toMatchObject({ kind: "unknown" });
    const outcome = await channel().read(id, escalation.correlationId);
    expect(outcome).toMatchObject({ kind: "read", request: { notes: [{ text: "lost answer" }] } });
  });

  test("an unknown id -> permanent with Partner Center's code", async () => {
    expect(await channel().read("999999999999999", randomUUID())).toMatchObject({ kind: "permanent", code: "404" });
  });

  test("a refused PATCH (empty note) -> permanent 400", async () => {
    const { escalation, id } = await created();
    expect(await channel().addNote(id, "", escalation.correlationId)).toMatchObject({
      kind: "permanent",
      code: "400",
    });
  });
});

describe("buildPartnerCenterChannel from the app settings", () => {
  test("the settings npm start gives the app reach the sandbox: token through the loopback authority, then a created request", async () => {
    const config = loadConfig({
      ServiceBusConnection: "Endpoint=sb://127.0.0.1;SharedAccessKeyName=k;SharedAccessKey=v",
      EscalationsStorage: "UseDevelopmentStorage=true",
      ...appSettingsFor(sandbox),
    });
    if (config.forwarding.partnerCenter === undefined) throw new Error("partner-center is not routed");
    const { escalation } = await queuedEscalation();
    const settings = config.forwarding.partnerCenter;
    const outcome = await buildPartnerCenterChannel(settings, sandboxChannelOptions(settings)).submit(
      escalation,
      attempt(escalation),
    );
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
      const pc = new PartnerCenterChannel({
        apiUrl: lenient.url,
        tokens: appOnly,
        supportTopicId: "32444671",
        sandboxCustomerTenantParameter: true,
      });
      const { escalation } = await queuedEscalation();
      const outcome = await pc.submit(escalation, attempt(escalation));
      expect(outcome.kind).toBe("created");
      expect(await pc.findExisting(escalation)).toMatchObject({ status: "open" });
      expect(tokenCalls).toBe(1);
    } finally {
      await lenient.close();
    }
  });

  test("the sandbox's default (App+User only) refuses app-only tokens with 403: our credentials, retried as authorisation", async () => {
    const appOnly = new MsalTokenSource({
      clientId: DEFAULT_APP.clientId,
      clientSecret: DEFAULT_APP.clientSecret,
      authority: sandbox.authority(),
      grant: { kind: "client-credentials" },
      networkClient: sandboxNetworkClient(sandbox.url),
    });
    const { escalation } = await queuedEscalation();
    expect(await channel({ tokens: appOnly }).submit(escalation, attempt(escalation))).toMatchObject({
      kind: "transient",
      failure: "authorisation",
      reason: "HTTP 403 (code 403)",
    });
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
    expect(stored?.vianet).toMatchObject({
      channel: "partner-center",
      serviceRequestId: sandbox.requests()[0]?.serviceRequest.id,
      status: "open",
    });
    expect(await forwardEscalation(message, deps)).toEqual({ kind: "done", status: "forwarded" });
    expect(sandbox.requests()).toHaveLength(1);
  });
});

describe("MsalTokenSource refresh-token rotation", () => {
  /** A store as the Table and Key Vault adapters behave: the last saved token, or none. */
  class MemoryRefreshTokens implements RefreshTokenStore {
    saved: StoredRefreshToken[] = [];
    load(): Promise<StoredRefreshToken | undefined> {
      return Promise.resolve(this.saved.at(-1));
    }
    save(token: StoredRefreshToken): Promise<void> {
      this.saved.push(token);
      return Promise.resolve();
    }
  }

  const source = (sandboxUnderTest: RunningSandbox, store: RefreshTokenStore, state?: CredentialState) =>
    new MsalTokenSource({
      clientId: DEFAULT_APP.clientId,
      clientSecret: DEFAULT_APP.clientSecret,
      authority: sandboxUnderTest.authority(),
      grant: { kind: "refresh-token", refreshToken: DEFAULT_REFRESH_TOKEN },
      refreshTokens: store,
      ...(state === undefined ? {} : { credentialState: state }),
      networkClient: sandboxNetworkClient(sandboxUnderTest.url),
    });

  test("each redemption keeps the new refresh token, and a restart redeems the newest one after the configured one expired", async () => {
    // Refresh tokens live 2 s here (90 days in Entra); access tokens 1 s, so every call redeems.
    const shortLived = await start({ port: 0, refreshTokenLifetimeSeconds: 2, tokenLifetimeSeconds: 1 });
    try {
      const store = new MemoryRefreshTokens();
      await source(shortLived, store).getToken();
      expect(store.saved).toHaveLength(1);
      expect(store.saved[0]?.token).not.toBe(DEFAULT_REFRESH_TOKEN);

      await new Promise((resolve) => setTimeout(resolve, 1_200));
      // A new worker (a restart): the stored token, not the configured one, is redeemed and replaced.
      await source(shortLived, store).getToken();
      expect(store.saved).toHaveLength(2);
      await new Promise((resolve) => setTimeout(resolve, 1_200));

      // The configured token is past its lifetime now; the line of rotated tokens is not.
      const configuredOnly = await source(shortLived, new MemoryRefreshTokens())
        .getToken()
        .catch((error: unknown) => error);
      expect(configuredOnly).toMatchObject({
        name: "TokenRequestError",
        code: "token-request-failed",
        reason: "invalid_grant (AADSTS700082)",
      });
      await expect(source(shortLived, store).getToken()).resolves.toMatch(/^pcs\./);
      expect(store.saved).toHaveLength(3);
      expect(new Set(store.saved.map((saved) => saved.token)).size).toBe(3);
    } finally {
      await shortLived.close();
    }
  });

  test("when the consent is revoked, then token requests fail with the code only and the credential state shows a configuration problem until one succeeds", async () => {
    const state = new CredentialState();
    const store = new MemoryRefreshTokens();
    await fetch(`${sandbox.url}/_sandbox/refresh-tokens/revoke`, { method: "POST" });
    const failure = await source(sandbox, store, state)
      .getToken()
      .catch((error: unknown) => error);
    expect(failure).toMatchObject({
      name: "TokenRequestError",
      code: "token-request-failed",
      reason: "invalid_grant (AADSTS700082)",
    });
    expect((failure as Error).message).not.toMatch(/Trace ID|Correlation ID/);
    expect(state.problem).toMatchObject({ code: "invalid_grant (AADSTS700082)" });
    sandbox.reset();
    await source(sandbox, store, state).getToken();
    expect(state.problem).toBeUndefined();
  });

  test("when the newest refresh token cannot be kept, then the token is still used and the credential state names the problem", async () => {
    const state = new CredentialState();
    const refusing: RefreshTokenStore = {
      load: () => Promise.resolve(undefined),
      save: () => Promise.reject(Object.assign(new Error("403"), { errorCode: "key vault 403 Forbidden" })),
    };
    await expect(source(sandbox, refusing, state).getToken()).resolves.toMatch(/^pcs\./);
    expect(state.problem?.code).toBe("newest refresh token not kept: key vault 403 Forbidden");
  });
});
