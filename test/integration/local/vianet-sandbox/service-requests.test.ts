import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, beforeEach, describe, expect, test } from "vitest";
import {
  NEVER_CLOSED,
  start,
  type Collection,
  type RunningSandbox,
  type ServiceRequest,
} from "../../../../local/vianet-sandbox/index.js";
import { call, userToken, validBody } from "./helpers.js";

let sandbox: RunningSandbox;
let token: string;
beforeAll(async () => {
  sandbox = await start({ port: 0 });
  token = await userToken(sandbox);
});
afterAll(async () => {
  await sandbox.close();
});
beforeEach(async () => {
  const response = await fetch(`${sandbox.url}/_sandbox/faults`, { method: "DELETE" });
  expect(response.status).toBe(204);
});

const customer = "c0ffee00-1111-4222-8333-444455556666";

describe("service requests", () => {
  test("create -> 201 camelCase ServiceRequest; get, patch and list it", async () => {
    const correlationId = randomUUID();
    const created = await call(sandbox, "POST", `/v1/servicerequests/zh-CN?customerTenantId=${customer}`, {
      token,
      body: validBody,
      correlationId,
    });
    expect(created.status).toBe(201);
    expect(created.headers.get("ms-correlationid")).toBe(correlationId);
    const sr = (await created.json()) as ServiceRequest;
    expect(sr).toMatchObject({
      title: validBody.Title,
      description: validBody.Description,
      severity: "moderate",
      supportTopicId: "32444671",
      supportTopicName: "Office 365 operated by 21Vianet",
      status: "open",
      primaryContact: { firstName: "Li", lastName: "Wei", email: "li.wei@partner.example.cn" },
      lastClosedDate: NEVER_CLOSED,
      notes: [],
      countryCode: "CN",
      attributes: { objectType: "ServiceRequest" },
    });
    expect(sr.id).toMatch(/^[1-9]\d{14}$/);
    expect(sr.organization.id).toBeTruthy();
    expect(Date.parse(sr.createdDate)).not.toBeNaN();

    const got = await call(sandbox, "GET", `/v1/servicerequests/${sr.id}`, { token });
    expect(got.status).toBe(200);
    expect(await got.json()).toEqual(sr);

    const noted = await call(sandbox, "PATCH", `/v1/servicerequests/${sr.id}`, {
      token,
      body: { NewNote: { Text: "Customer confirmed repro." } },
    });
    expect(noted.status).toBe(200);
    const withNote = (await noted.json()) as ServiceRequest;
    expect(withNote.notes).toHaveLength(1);
    expect(withNote.notes[0]?.text).toBe("Customer confirmed repro.");

    const closed = (await (
      await call(sandbox, "PATCH", `/v1/servicerequests/${sr.id}`, { token, body: { Status: "closed" } })
    ).json()) as ServiceRequest;
    expect(closed.status).toBe("closed");
    expect(closed.lastClosedDate).not.toBe(NEVER_CLOSED);
    expect(closed.notes).toHaveLength(1);

    const listed = await call(sandbox, "GET", `/v1/customers/${customer}/servicerequests`, { token });
    const collection = (await listed.json()) as Collection<ServiceRequest>;
    expect(collection.attributes).toEqual({ objectType: "Collection" });
    expect(collection.items.map((i) => i.id)).toContain(sr.id);
    expect(collection.totalCount).toBe(collection.items.length);
    const other = (await (
      await call(sandbox, "GET", `/v1/customers/${randomUUID()}/servicerequests`, { token })
    ).json()) as Collection<ServiceRequest>;
    expect(other.totalCount).toBe(0);
  });

  test("severity and status as integers are accepted", async () => {
    const created = await call(sandbox, "POST", "/v1/servicerequests/en-US", {
      token,
      body: { ...validBody, Severity: 1 },
    });
    const sr = (await created.json()) as ServiceRequest;
    expect(sr.severity).toBe("critical");
    const patched = (await (
      await call(sandbox, "PATCH", `/v1/servicerequests/${sr.id}`, { token, body: { Status: 3 } })
    ).json()) as ServiceRequest;
    expect(patched.status).toBe("attention_needed");
  });

  test("same MS-RequestId -> the same service request, created once", async () => {
    const requestId = randomUUID();
    const first = await call(sandbox, "POST", "/v1/servicerequests/zh-CN", { token, body: validBody, requestId });
    const second = await call(sandbox, "POST", "/v1/servicerequests/zh-CN", { token, body: validBody, requestId });
    expect(first.status).toBe(201);
    expect(second.status).toBe(201);
    const [a, b] = (await Promise.all([first.json(), second.json()])) as [ServiceRequest, ServiceRequest];
    expect(b.id).toBe(a.id);
    const mine = sandbox.requests().filter((r) => r.requestId === requestId);
    expect(mine).toHaveLength(1);
    expect(mine[0]?.timesSeen).toBe(2);
  });

  test("MS-RequestId is forgotten after the window", async () => {
    const short = await start({ port: 0, requestIdWindowMs: 50 });
    try {
      const shortToken = await userToken(short);
      const requestId = randomUUID();
      const a = (await (
        await call(short, "POST", "/v1/servicerequests/zh-CN", { token: shortToken, body: validBody, requestId })
      ).json()) as ServiceRequest;
      await new Promise((resolve) => setTimeout(resolve, 80));
      const b = (await (
        await call(short, "POST", "/v1/servicerequests/zh-CN", { token: shortToken, body: validBody, requestId })
      ).json()) as ServiceRequest;
      expect(b.id).not.toBe(a.id);
      expect(short.requests()).toHaveLength(2);
    } finally {
      await short.close();
    }
  });

  test("validation errors -> 400 { code, description } naming the field", async () => {
    const noTitle: Partial<typeof validBody> = { ...validBody };
    delete noTitle.Title;
    const missing = await call(sandbox, "POST", "/v1/servicerequests/zh-CN", { token, body: noTitle });
    expect(missing.status).toBe(400);
    const error = (await missing.json()) as { code: string; description: string };
    expect(error.code).toBe("400");
    expect(error.description).toContain("Title");

    const badSeverity = await call(sandbox, "POST", "/v1/servicerequests/zh-CN", {
      token,
      body: { ...validBody, Severity: "urgent" },
    });
    expect(badSeverity.status).toBe(400);
    expect(((await badSeverity.json()) as { description: string }).description).toContain("Severity");

    const emptyPatch = await call(sandbox, "PATCH", "/v1/servicerequests/123456789012345", { token, body: {} });
    expect(emptyPatch.status).toBe(404);
  });

  test("MS-RequestId must be a GUID; unknown id -> 404", async () => {
    const bad = await call(sandbox, "GET", "/v1/servicerequests/1", { token, requestId: "not-a-guid" });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { description: string }).description).toContain("MS-RequestId");
    const unknown = await call(sandbox, "GET", "/v1/servicerequests/999999999999999", { token });
    expect(unknown.status).toBe(404);
  });

  test("admin: GET /_sandbox/requests and POST /_sandbox/reset", async () => {
    await call(sandbox, "POST", "/v1/servicerequests/zh-CN", { token, body: validBody });
    const listed = (await (await fetch(`${sandbox.url}/_sandbox/requests`)).json()) as {
      totalCount: number;
      requestIdsSeen: Record<string, number>;
    };
    expect(listed.totalCount).toBeGreaterThan(0);
    const reset = await fetch(`${sandbox.url}/_sandbox/reset`, { method: "POST" });
    expect(reset.status).toBe(204);
    expect(sandbox.requests()).toHaveLength(0);
    // Reset forgets issued tokens too.
    expect((await call(sandbox, "GET", "/v1/servicerequests/1", { token })).status).toBe(401);
    token = await userToken(sandbox);
  });
});
