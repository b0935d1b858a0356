// The Partner Center channel's HTTP client against a real node:http server on 127.0.0.1.
import type { ServerResponse } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HttpTimeoutError, nodeHttpTransport } from "../../../../shared/adapters/http/http-transport.js";
import { closedPort, startRecordingServer, type RecordingServer } from "../../recording-server.js";

let server: RecordingServer;
let base: string;
const handlers: Record<string, (response: ServerResponse) => void> = {
  "/echo": (response) => {
    response.writeHead(201, { "Content-Type": "application/json", "Retry-After": "7", "Set-Cookie": ["a=1", "b=2"] });
    response.end('{"ok":"\u4e2d\u6587"}');
  },
  "/hang": () => undefined,
  "/huge": (response) => {
    response.writeHead(200);
    const chunk = Buffer.alloc(1024 * 1024, 0x61);
    for (let i = 0; i < 9; i++) response.write(chunk);
    response.end();
  },
};

beforeAll(async () => {
  server = await startRecordingServer((request, response) => (handlers[request.url] ?? handlers["/echo"])?.(response));
  base = server.base;
});
afterAll(() => server.close());

describe("nodeHttpTransport", () => {
  it("when the server answers, then status, headers (case-insensitive, joined) and the UTF-8 body come back, and the body and headers went out", async () => {
    const transport = nodeHttpTransport();
    const answer = await transport({
      method: "POST",
      url: `${base}/echo`,
      headers: { "MS-RequestId": "r-1", "Content-Type": "application/json" },
      body: '{"Title":"\u4e2d"}',
      timeoutMs: 2_000,
    });
    expect(answer.status).toBe(201);
    expect(answer.header("retry-after")).toBe("7");
    expect(answer.header("Retry-After")).toBe("7");
    expect(answer.header("set-cookie")).toBe("a=1, b=2");
    expect(answer.header("x-missing")).toBeUndefined();
    expect(JSON.parse(answer.text)).toEqual({ ok: "\u4e2d\u6587" });
    const request = server.received.at(-1);
    expect(request).toMatchObject({ method: "POST", url: "/echo" });
    expect(request?.body.toString("utf8")).toBe('{"Title":"\u4e2d"}');
    expect(request?.headers["ms-requestid"]).toBe("r-1");
    expect(request?.headers["content-length"]).toBe(String(Buffer.byteLength('{"Title":"\u4e2d"}')));
  });

  it("when called again, then the kept-alive connection is reused", async () => {
    const transport = nodeHttpTransport();
    await transport({ method: "GET", url: `${base}/echo`, headers: {}, timeoutMs: 2_000 });
    await transport({ method: "GET", url: `${base}/echo`, headers: {}, timeoutMs: 2_000 });
    const [first, second] = server.received.slice(-2);
    expect(second?.socketPort).toBe(first?.socketPort);
  });

  it("when no answer comes within the timeout, then it fails with a TimeoutError and the socket is not reused", async () => {
    const transport = nodeHttpTransport();
    const started = Date.now();
    const error = await transport({
      method: "POST",
      url: `${base}/hang`,
      headers: {},
      body: "{}",
      timeoutMs: 200,
    }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(HttpTimeoutError);
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
    const hungPort = server.received.at(-1)?.socketPort;
    await transport({ method: "GET", url: `${base}/echo`, headers: {}, timeoutMs: 2_000 });
    expect(server.received.at(-1)?.socketPort).not.toBe(hungPort);
  });

  it("when the answer is larger than 8 MiB, then it fails instead of buffering it", async () => {
    await expect(
      nodeHttpTransport()({ method: "GET", url: `${base}/huge`, headers: {}, timeoutMs: 5_000 }),
    ).rejects.toThrow(/larger than/);
  });

  it("when nothing listens, then the connection error is the failure", async () => {
    await expect(
      nodeHttpTransport()({
        method: "GET",
        url: `http://127.0.0.1:${String(await closedPort())}/`,
        headers: {},
        timeoutMs: 1_000,
      }),
    ).rejects.toThrow(/ECONNREFUSED/);
  });
});
