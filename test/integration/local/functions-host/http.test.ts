// HTTP triggers through the local host: routing, parameters, methods, keys, limits, responses,
// hooks and log levels, with the fixture app in test/fixtures/functions-app.
import { connect } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { emulatorConnectionString } from "../service-bus/helpers.js";
import { startHostProcess, type HostProcess } from "./host-process.js";

const FUNCTION_KEY = "test-function-key";

/** Sends raw request bytes (fetch refuses a bad Host) and resolves with the whole answer once the host closes. */
function sendRaw(url: string, request: string): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => socket.end(request));
    const chunks: Buffer[] = [];
    socket.on("data", (chunk: Buffer) => chunks.push(chunk));
    socket.on("end", () => resolve(Buffer.concat(chunks).toString("latin1")));
    socket.on("error", reject);
  });
}
const MASTER_KEY = "test-master-key";

describe("local Functions host: HTTP triggers", () => {
  let host: HostProcess;
  beforeAll(async () => {
    host = await startHostProcess({
      ServiceBusConnection: emulatorConnectionString(),
      WorkQueueName: "host-work",
      SlowQueueName: "host-slow",
      TickSchedule: "0 0 0 1 1 *",
      LOCAL_FUNCTIONS_KEY: FUNCTION_KEY,
      LOCAL_FUNCTIONS_MASTER_KEY: MASTER_KEY,
      FUNCTIONS_REQUEST_BODY_SIZE_LIMIT: "1024",
    });
  });
  afterAll(async () => {
    await host.stop();
  });

  it("when a request matches a route with parameters, then the function gets params, query, headers and body", async () => {
    const response = await fetch(`${host.url}/api/echo/42/more?q=find`, {
      method: "POST",
      headers: { "x-functions-key": FUNCTION_KEY, "content-type": "text/plain" },
      body: "hello",
    });
    expect(response.status).toBe(201);
    expect(response.headers.get("x-echo-method")).toBe("POST");
    expect(await response.json()).toEqual({
      id: "42",
      rest: "more",
      query: "find",
      body: "hello",
      contentType: "text/plain",
    });
  });

  it("when an optional parameter is left out, then the route still matches without it", async () => {
    const response = await fetch(`${host.url}/API/Echo/7?code=${FUNCTION_KEY}`, { method: "PUT", body: "" });
    expect(response.status).toBe(201);
    expect(await response.json()).toMatchObject({ id: "7", rest: null });
  });

  it("when a constrained parameter does not fit, then the route does not match: 404", async () => {
    const response = await fetch(`${host.url}/api/echo/abc`, {
      method: "POST",
      headers: { "x-functions-key": FUNCTION_KEY },
    });
    expect(response.status).toBe(404);
  });

  it("when the path is unknown or outside the route prefix, then 404", async () => {
    expect((await fetch(`${host.url}/api/nothing-here`)).status).toBe(404);
    expect((await fetch(`${host.url}/public/a`)).status).toBe(404);
  });

  it("when the method is not allowed, then 405 with Allow", async () => {
    const response = await fetch(`${host.url}/api/echo/42`, { headers: { "x-functions-key": FUNCTION_KEY } });
    expect(response.status).toBe(405);
    expect(response.headers.get("allow")).toBe("POST, PUT");
  });

  it("when a function-level route gets no key or a wrong key, then 401; the master key also opens it", async () => {
    expect((await fetch(`${host.url}/api/echo/1`, { method: "POST" })).status).toBe(401);
    expect(
      (await fetch(`${host.url}/api/echo/1`, { method: "POST", headers: { "x-functions-key": "wrong" } })).status,
    ).toBe(401);
    expect((await fetch(`${host.url}/api/echo/1?code=wrong`, { method: "POST" })).status).toBe(401);
    expect(
      (await fetch(`${host.url}/api/echo/1`, { method: "POST", headers: { "x-functions-key": MASTER_KEY } })).status,
    ).toBe(201);
  });

  it("when a route is admin-level, then only the master key opens it", async () => {
    expect((await fetch(`${host.url}/api/admin-only`, { headers: { "x-functions-key": FUNCTION_KEY } })).status).toBe(
      401,
    );
    const response = await fetch(`${host.url}/api/admin-only`, { headers: { "x-functions-key": MASTER_KEY } });
    expect(response.status).toBe(200);
    expect(await response.text()).toBe("secret");
  });

  it("when a route is anonymous, then no key is needed, catch-all params and cookies work", async () => {
    const response = await fetch(`${host.url}/api/public/reports/2026/11`);
    expect(response.status).toBe(200);
    expect(await response.text()).toBe("path=reports/2026/11");
    expect(response.headers.get("set-cookie")).toBe("seen=yes; Path=/; HttpOnly");
  });

  it("when the Host header makes no URL, then 400 and the host keeps serving; an odd but valid one is served", async () => {
    for (const hostHeader of ["[::1", "a b", "exa mple.com:80"]) {
      const answer = await sendRaw(
        host.url,
        `GET /api/public/x HTTP/1.1\r\nHost: ${hostHeader}\r\nConnection: close\r\n\r\n`,
      );
      expect(answer.split("\r\n")[0], hostHeader).toBe("HTTP/1.1 400 Bad Request");
      expect(answer, hostHeader).not.toContain(hostHeader);
    }
    const odd = await sendRaw(
      host.url,
      "GET /api/public/x HTTP/1.1\r\nHost: under_score:1\r\nConnection: close\r\n\r\n",
    );
    expect(odd.split("\r\n")[0]).toBe("HTTP/1.1 200 OK");
    expect(odd).toContain("path=x");
    expect(host.output()).not.toContain("HTTP request failed");
  });

  it("when the body is larger than the configured limit, then 413 and the function does not run", async () => {
    const before = host.records().filter((record) => record.fn === "echo").length;
    const response = await fetch(`${host.url}/api/echo/9`, {
      method: "POST",
      headers: { "x-functions-key": FUNCTION_KEY },
      body: "x".repeat(2048),
    });
    expect(response.status).toBe(413);
    expect(host.records().filter((record) => record.fn === "echo").length).toBe(before);
  });

  it("when a function throws, then 500 without details, post hooks see the error, and the host keeps serving", async () => {
    const response = await fetch(`${host.url}/api/fails`);
    expect(response.status).toBe(500);
    expect(await response.text()).toBe("");
    await expect
      .poll(() =>
        host
          .records()
          .some(
            (record) => record.hook === "postInvocation" && record.functionName === "fails" && record.error === "boom",
          ),
      )
      .toBe(true);
    await expect.poll(() => host.output()).toContain("Exception: Error: boom");
    expect((await fetch(`${host.url}/api/public/still-up`)).status).toBe(200);
  });

  it("when any function runs, then hooks ran in registration order around it", async () => {
    await fetch(`${host.url}/api/public/hooks`);
    const posts = host
      .records()
      .filter((record) => record.hook === "postInvocation" && record.functionName === "public");
    expect(posts.at(-1)?.order).toEqual(["pre-1", "pre-2", "post"]);
    expect(host.records().find((record) => record.hook === "appStart")).toEqual({
      hook: "appStart",
      hookData: { startedAt: "set-by-appStart" },
    });
  });

  it("when host.json raises a function's log level, then its information logs are dropped and warnings kept", async () => {
    expect((await fetch(`${host.url}/api/quiet`)).status).toBe(204);
    await expect.poll(() => host.output().includes("quiet warning")).toBe(true);
    expect(host.output()).not.toContain("quiet info");
  });

  it("when invocations are logged, then each line names the function and its invocation id", async () => {
    await fetch(`${host.url}/api/public/logged`);
    await expect.poll(() => host.output()).toMatch(/Executed 'Functions\.public' \(Succeeded/);
    const executed = /Executed 'Functions\.public' \(Succeeded, Id=([0-9a-f-]{36}), Duration=\d+ms\)/.exec(
      host.output(),
    );
    expect(executed?.[1]).toBeDefined();
    expect(host.output()).toContain(
      `Executing 'Functions.public' (Reason='This function was programmatically called via the host APIs.', Id=${executed?.[1] ?? ""})`,
    );
  });

  it("when the host starts, then it lists the functions with their URLs like func start", () => {
    expect(host.output()).toContain(`echo: [POST,PUT] ${host.url}/api/echo/{id:int}/{rest?}`);
    expect(host.output()).toContain("onWork: serviceBusTrigger (queue 'host-work')");
    expect(host.output()).toContain("tick: timerTrigger (schedule '0 0 0 1 1 *')");
    expect(host.output()).toContain("slowWork: serviceBusTrigger (queue 'host-slow')");
  });

  it("when function code leaves a rejected promise behind, then the host logs it and keeps serving", async () => {
    const response = await fetch(`${host.url}/api/floating`);
    expect(await response.text()).toBe("returned");
    await expect.poll(() => host.output().includes("floating rejection")).toBe(true);
    expect((await fetch(`${host.url}/api/public/after-floating`)).status).toBe(200);
  });
});
