import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "vitest";
import {
  start,
  type FaultSpec,
  type RunningSandbox,
  type ServiceRequest,
} from "../../../../local/vianet-sandbox/index.js";
import { call, userToken, validBody } from "./helpers.js";

let sandbox: RunningSandbox;
let token: string;
beforeAll(async () => {
  sandbox = await start({ port: 0 });
});
afterAll(async () => {
  await sandbox.close();
});
beforeEach(async () => {
  expect((await fetch(`${sandbox.url}/_sandbox/reset`, { method: "POST" })).status).toBe(204);
  token = await userToken(sandbox);
});

async function inject(spec: FaultSpec): Promise<void> {
  const response = await fetch(`${sandbox.url}/_sandbox/faults`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(spec),
  });
  expect(response.status).toBe(201);
}

const create = (requestId = randomUUID(), signal?: AbortSignal) =>
  call(sandbox, "POST", "/v1/servicerequests/zh-CN", {
    token,
    body: validBody,
    requestId,
    ...(signal === undefined ? {} : { signal }),
  });

describe("fault injection", () => {
  test("status-429 -> 429 with Retry-After and {statusCode, message}; then normal", async () => {
    await inject({ operation: "create", kind: "status-429", count: 1, retryAfterSeconds: 7 });
    const requestId = randomUUID();
    const throttled = await create(requestId);
    expect(throttled.status).toBe(429);
    expect(throttled.headers.get("retry-after")).toBe("7");
    expect(await throttled.json()).toMatchObject({ statusCode: 429 });
    expect((await create(requestId)).status).toBe(201);
    expect(sandbox.requests()).toHaveLength(1);
    expect(sandbox.requestIdsSeen()[requestId]).toBe(2);
  });

  test("status-503 -> 503 for count requests, Retry-After when given", async () => {
    await inject({ operation: "create", kind: "status-503", count: 2, retryAfterSeconds: 3 });
    const a = await create();
    const b = await create();
    expect([a.status, b.status]).toEqual([503, 503]);
    expect(a.headers.get("retry-after")).toBe("3");
    expect((await create()).status).toBe(201);
  });

  test("faults only hit their operation", async () => {
    await inject({ operation: "get", kind: "status-503" });
    const sr = (await (await create()).json()) as ServiceRequest;
    expect((await call(sandbox, "GET", `/v1/servicerequests/${sr.id}`, { token })).status).toBe(503);
    expect((await call(sandbox, "GET", `/v1/servicerequests/${sr.id}`, { token })).status).toBe(200);
  });

  test("timeout -> no answer until the client gives up", async () => {
    await inject({ operation: "create", kind: "timeout" });
    const started = Date.now();
    await expect(create(randomUUID(), AbortSignal.timeout(300))).rejects.toMatchObject({ name: "TimeoutError" });
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
    expect(sandbox.requests()).toHaveLength(0);
  });

  test("created-response-lost -> fetch fails, but the request was created once; a retry with the same MS-RequestId gets it", async () => {
    await inject({ operation: "create", kind: "created-response-lost" });
    const requestId = randomUUID();
    await expect(create(requestId)).rejects.toThrow(TypeError);
    const admin = (await (await fetch(`${sandbox.url}/_sandbox/requests`)).json()) as {
      totalCount: number;
      items: { requestId: string; timesSeen: number }[];
    };
    expect(admin.totalCount).toBe(1);
    expect(admin.items[0]).toMatchObject({ requestId, timesSeen: 1 });
    const retried = await create(requestId);
    expect(retried.status).toBe(201);
    expect(((await retried.json()) as ServiceRequest).id).toBe(sandbox.requests()[0]?.serviceRequest.id);
    expect(sandbox.requests()).toHaveLength(1);
  });

  test("created-then-hang -> the request exists while the caller still waits for an answer that never comes", async () => {
    await inject({ operation: "create", kind: "created-then-hang" });
    const requestId = randomUUID();
    const controller = new AbortController();
    const pending = create(requestId, controller.signal);
    await expect.poll(() => sandbox.requests().length, { timeout: 5_000 }).toBe(1);
    expect(sandbox.requests()[0]).toMatchObject({ requestId, timesSeen: 1 });
    const settled = await Promise.race([
      pending.then(
        () => "answered",
        () => "failed",
      ),
      new Promise((resolve) => setTimeout(() => resolve("still waiting"), 300)),
    ]);
    expect(settled).toBe("still waiting");
    controller.abort();
    await expect(pending).rejects.toThrow();
  });

  test("permanent-400 -> 400 Partner Center error", async () => {
    await inject({ operation: "create", kind: "permanent-400" });
    const response = await create();
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ code: "400" });
  });

  test("unsupported-900127 -> 400 with code 900127", async () => {
    await inject({ operation: "create", kind: "unsupported-900127" });
    const response = await create();
    expect(response.status).toBe(400);
    const body = (await response.json()) as { code: string; description: string };
    expect(body.code).toBe("900127");
    expect(body.description).toMatch(/not supported/);
  });

  test("latency -> the answer comes late but normal", async () => {
    await inject({ operation: "create", kind: "latency", latencyMs: 200 });
    const started = Date.now();
    expect((await create()).status).toBe(201);
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
  });

  test("POST /_sandbox/faults/random draws faults per request at the rates given, counted in GET /_sandbox/faults", async () => {
    const armed = await fetch(`${sandbox.url}/_sandbox/faults/random`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ operation: "create", rates: { "status-503": 1 }, seed: 3 }),
    });
    expect(armed.status).toBe(201);
    expect((await create()).status).toBe(503);
    expect((await create()).status).toBe(503);
    const listed = (await (await fetch(`${sandbox.url}/_sandbox/faults`)).json()) as {
      random: unknown[];
      injected: Record<string, number>;
    };
    expect(listed.random).toHaveLength(1);
    expect(listed.injected).toEqual({ "status-503": 2 });

    expect((await fetch(`${sandbox.url}/_sandbox/faults`, { method: "DELETE" })).status).toBe(204);
    expect((await create()).status).toBe(201);
    const refused = await fetch(`${sandbox.url}/_sandbox/faults/random`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ rates: { "status-503": 0.7, timeout: 0.7 } }),
    });
    expect(refused.status).toBe(400);
  });

  test("DELETE /_sandbox/faults clears armed faults; bad specs are 400", async () => {
    await inject({ operation: "create", kind: "status-503", count: 5 });
    expect(sandbox.faults.list()).toHaveLength(1);
    expect((await fetch(`${sandbox.url}/_sandbox/faults`, { method: "DELETE" })).status).toBe(204);
    expect((await create()).status).toBe(201);
    const bad = await fetch(`${sandbox.url}/_sandbox/faults`, {
      method: "POST",
      body: JSON.stringify({ kind: "explode" }),
    });
    expect(bad.status).toBe(400);
  });

  test("base latencyMs delays every API answer", async () => {
    const slow = await start({ port: 0, latencyMs: 50 });
    try {
      const slowToken = await userToken(slow);
      const started = Date.now();
      const response = await call(slow, "GET", "/v1/customers/x/servicerequests", { token: slowToken });
      expect(response.status).toBe(200);
      expect(Date.now() - started).toBeGreaterThanOrEqual(45);
    } finally {
      await slow.close();
    }
  });

  test("programmatic faults API works like the admin endpoint", async () => {
    sandbox.faults.add({ operation: "list", kind: "status-429" });
    const response = await call(sandbox, "GET", "/v1/customers/x/servicerequests", { token });
    expect(response.status).toBe(429);
    expect(response.headers.get("retry-after")).toBe("1");
  });
});
