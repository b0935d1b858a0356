// The report webhook poster against a real node:http server on 127.0.0.1 (exempted, as local
// runs do): how each answer is classified, that redirects are not followed, and that the
// outbound policy stops a name resolving to loopback before any connection is made.
import type { ServerResponse } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { nodeHttpTransport } from "../../../../shared/adapters/http/http-transport.js";
import { makeWebhookPoster } from "../../../../shared/adapters/http/webhook-poster.js";
import { BlockedAddressError, publicOnlyLookup } from "../../../../shared/adapters/http/outbound-policy.js";
import type { OutboundPolicy } from "../../../../shared/lib/outbound-url.js";
import { closedPort, startRecordingServer, type RecordingServer } from "../../recording-server.js";

let server: RecordingServer;
const answers: Record<string, (response: ServerResponse) => void> = {
  "/ok": (response) => response.writeHead(200).end("1"),
  "/busy": (response) => response.writeHead(503, { "Retry-After": "90" }).end(),
  "/throttled": (response) => response.writeHead(429).end(),
  "/gone": (response) => response.writeHead(410).end(),
  "/moved": (response) => response.writeHead(302, { Location: "http://127.0.0.1:1/elsewhere" }).end(),
  "/slow": () => undefined,
};

const LOCAL: OutboundPolicy = { exemptHosts: new Set(["127.0.0.1"]) };
const headers = {
  "content-type": "application/json",
  "webhook-id": "report_24h_x_ops",
  "webhook-timestamp": "1",
  "webhook-signature": "v1,abc",
};

beforeAll(async () => {
  server = await startRecordingServer((request, response) => answers[request.url]?.(response));
});
afterAll(() => server.close());

const at = (path: string, host = "127.0.0.1") => new URL(`http://${host}:${String(server.port)}${path}`);

describe("makeWebhookPoster", () => {
  const post = makeWebhookPoster({ policy: LOCAL, timeoutMs: 500 });

  it("when the receiver answers 2xx, then delivered, and it got the body and the signature headers as sent", async () => {
    await expect(post({ url: at("/ok"), body: '{"type":"escalation.metrics.report"}', headers })).resolves.toEqual({
      kind: "delivered",
      status: 200,
    });
    const request = server.received.find((entry) => entry.url === "/ok");
    expect(request?.body.toString("utf8")).toBe('{"type":"escalation.metrics.report"}');
    expect(request?.headers).toMatchObject({
      "webhook-id": "report_24h_x_ops",
      "webhook-timestamp": "1",
      "webhook-signature": "v1,abc",
      "content-type": "application/json",
      "user-agent": "vianet-escalation-bridge",
    });
  });

  it("when the receiver answers 5xx or 429, or is too slow, then transient, with its Retry-After", async () => {
    await expect(post({ url: at("/busy"), body: "{}", headers })).resolves.toEqual({
      kind: "transient",
      reason: "HTTP 503",
      retryAfterMs: 90_000,
    });
    await expect(post({ url: at("/throttled"), body: "{}", headers })).resolves.toEqual({
      kind: "transient",
      reason: "HTTP 429",
    });
    await expect(post({ url: at("/slow"), body: "{}", headers })).resolves.toMatchObject({
      kind: "transient",
      reason: expect.stringMatching(/^TimeoutError/) as unknown,
    });
  });

  it("when nothing listens, then transient", async () => {
    await expect(
      post({ url: new URL(`http://127.0.0.1:${String(await closedPort())}/hook`), body: "{}", headers }),
    ).resolves.toMatchObject({ kind: "transient", reason: expect.stringContaining("ECONNREFUSED") as unknown });
  });

  it("when the receiver answers 4xx or a redirect, then refused and the redirect is not followed", async () => {
    await expect(post({ url: at("/gone"), body: "{}", headers })).resolves.toEqual({
      kind: "refused",
      status: 410,
      reason: "HTTP 410",
    });
    const before = server.received.length;
    await expect(post({ url: at("/moved"), body: "{}", headers })).resolves.toEqual({
      kind: "refused",
      status: 302,
      reason: "HTTP 302 (redirects are not followed)",
    });
    expect(server.received.slice(before).map((entry) => entry.url)).toEqual(["/moved"]);
  });

  it("when the URL breaks the policy, then refused before any connection", async () => {
    const strict = makeWebhookPoster({ policy: { exemptHosts: new Set() } });
    const before = server.connections();
    await expect(strict({ url: at("/ok"), body: "{}", headers })).resolves.toEqual({
      kind: "refused",
      reason: "the URL must be an https URL",
    });
    await expect(
      strict({ url: new URL(`https://127.0.0.1:${String(server.port)}/ok`), body: "{}", headers }),
    ).resolves.toEqual({
      kind: "refused",
      reason: "the URL must not point at a private, loopback or reserved address (127.0.0.1)",
    });
    expect(server.connections()).toBe(before);
  });
});

describe("the outbound policy at connect time", () => {
  it("when a name passes the URL check but resolves to loopback, then the connection is refused before it is opened", async () => {
    // The URL check knows "localhost" by name; the connect-time lookup is what stops any other
    // name (DNS rebinding, an internal zone) that resolves to a private address.
    const send = nodeHttpTransport({ lookup: publicOnlyLookup({ exemptHosts: new Set() }) });
    const before = server.connections();
    await expect(
      send({ method: "POST", url: at("/ok", "localhost").href, headers: {}, body: "{}", timeoutMs: 2_000 }),
    ).rejects.toBeInstanceOf(BlockedAddressError);
    expect(server.connections()).toBe(before);
    const exempt = nodeHttpTransport({ lookup: publicOnlyLookup({ exemptHosts: new Set(["localhost"]) }) });
    await expect(
      exempt({ method: "POST", url: at("/ok", "localhost").href, headers: {}, body: "{}", timeoutMs: 2_000 }),
    ).resolves.toMatchObject({ status: 200 });
  });
});
