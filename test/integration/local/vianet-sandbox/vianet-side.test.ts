// The sandbox plays 21Vianet's side: its admin API changes a request on demand, and, when started
// with a lifecycle, it answers every new request over time (a note and attention_needed, then closed).
import { afterAll, beforeAll, describe, expect, test } from "vitest";
import {
  start,
  VIANET_ENGINEER,
  type RunningSandbox,
  type ServiceRequest,
} from "../../../../local/vianet-sandbox/index.js";
import { call, userToken, validBody } from "./helpers.js";

async function created(sandbox: RunningSandbox, token: string): Promise<ServiceRequest> {
  const response = await call(sandbox, "POST", "/v1/servicerequests/en-US", { token, body: validBody });
  expect(response.status).toBe(201);
  return (await response.json()) as ServiceRequest;
}

async function read(sandbox: RunningSandbox, token: string, id: string): Promise<ServiceRequest> {
  const response = await call(sandbox, "GET", `/v1/servicerequests/${id}`, { token });
  expect(response.status).toBe(200);
  return (await response.json()) as ServiceRequest;
}

describe("21Vianet's side on demand", () => {
  let sandbox: RunningSandbox;
  let token: string;
  beforeAll(async () => {
    sandbox = await start({ port: 0 });
    token = await userToken(sandbox);
  });
  afterAll(async () => {
    await sandbox.close();
  });

  test("PATCH /_sandbox/requests/{id} sets the status and adds an engineer's note, as GET then shows", async () => {
    const request = await created(sandbox, token);
    const response = await fetch(`${sandbox.url}/_sandbox/requests/${request.id}`, {
      method: "PATCH",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ status: "attention_needed", note: "Please send a trace." }),
    });
    expect(response.status).toBe(200);
    expect(await read(sandbox, token, request.id)).toMatchObject({
      status: "attention_needed",
      notes: [{ text: "Please send a trace.", createdByName: VIANET_ENGINEER }],
    });
  });

  test("an unknown request -> 404; a body with neither status nor note -> 400", async () => {
    const unknown = await fetch(`${sandbox.url}/_sandbox/requests/000`, {
      method: "PATCH",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ status: "closed" }),
    });
    expect(unknown.status).toBe(404);
    const request = await created(sandbox, token);
    const empty = await fetch(`${sandbox.url}/_sandbox/requests/${request.id}`, {
      method: "PATCH",
      headers: { "content-type": "application/json" },
      body: "{}",
    });
    expect(empty.status).toBe(400);
  });
});

describe("21Vianet's side over time", () => {
  let sandbox: RunningSandbox;
  let token: string;
  beforeAll(async () => {
    sandbox = await start({ port: 0, lifecycle: { attentionAfterMs: 50, closeAfterMs: 300 } });
    token = await userToken(sandbox);
  });
  afterAll(async () => {
    await sandbox.close();
  });

  test("a new request gets a note and attention_needed, then a closing note and closed", async () => {
    const request = await created(sandbox, token);
    await expect.poll(async () => (await read(sandbox, token, request.id)).status, { timeout: 5_000 }).toBe("closed");
    const closed = await read(sandbox, token, request.id);
    expect(closed.notes).toHaveLength(2);
    expect(closed.lastClosedDate).not.toBe("0001-01-01T00:00:00");
  });
});
