// Service Bus queue triggers, timers, the admin API and graceful stop, through the local host.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createClient, emulatorConnectionString, purge, receiveAtLeast, uniqueId } from "../service-bus/helpers.js";
import { startHostProcess, type HostProcess } from "./host-process.js";

const MASTER_KEY = "local-master-key";
const QUEUE = "host-work";

type Record_ = Record<string, unknown>;

describe("local Functions host: queue triggers and timers", () => {
  const client = createClient();
  let host: HostProcess;
  beforeAll(async () => {
    await purge(client, QUEUE);
    await purge(client, QUEUE, "deadLetter");
    host = await startHostProcess({
      ServiceBusConnection: emulatorConnectionString(),
      WorkQueueName: QUEUE,
      SlowQueueName: "host-slow",
      TickSchedule: "*/1 * * * * *",
    });
  });
  afterAll(async () => {
    await host.stop();
    await client.close();
  });

  const queueRecords = (messageId: string) =>
    host
      .records()
      .filter((record) => record.fn === "onWork" && (record.metadata as Record_ | undefined)?.messageId === messageId);

  it("when a message arrives, then the function gets the parsed body and the host's trigger metadata, and the message is completed", async () => {
    const messageId = uniqueId("work");
    await client.createSender(QUEUE).sendMessages({
      body: { escalationId: "esc-1" },
      messageId,
      correlationId: "corr-9",
      applicationProperties: { tenant: "t-1" },
    });
    await expect.poll(() => queueRecords(messageId).length, { timeout: 10_000 }).toBe(1);
    const [record] = queueRecords(messageId);
    expect(record?.message).toEqual({ escalationId: "esc-1" });
    const metadata = record?.metadata as Record_;
    expect(metadata.deliveryCount).toBe(1);
    expect(metadata.correlationId).toBe("corr-9");
    expect(metadata.applicationProperties).toEqual({ tenant: "t-1" });
    expect(typeof metadata.enqueuedTimeUtc).toBe("string");
    expect(Number.isNaN(Date.parse(metadata.enqueuedTimeUtc as string))).toBe(false);
    expect(typeof metadata.sequenceNumber).toBe("number");
    await expect
      .poll(async () => (await client.createReceiver(QUEUE).peekMessages(5)).length, { timeout: 10_000 })
      .toBe(0);
  });

  it("when the function keeps failing, then each failure abandons the message until Service Bus dead-letters it", async () => {
    const messageId = uniqueId("poison");
    await client.createSender(QUEUE).sendMessages({ body: { fail: true }, messageId });
    await expect.poll(() => queueRecords(messageId).length, { timeout: 15_000 }).toBe(3);
    expect(queueRecords(messageId).map((record) => (record.metadata as Record_).deliveryCount)).toEqual([1, 2, 3]);
    const [dead] = await receiveAtLeast(
      client.createReceiver(QUEUE, { subQueueType: "deadLetter", receiveMode: "receiveAndDelete" }),
      1,
    );
    expect(dead?.messageId).toBe(messageId);
    expect(dead?.deadLetterReason).toBe("MaxDeliveryCountExceeded");
  });

  it("when many messages wait, then at most host.json maxConcurrentCalls (4) run at once", async () => {
    await client.createSender("host-slow").sendMessages(Array.from({ length: 12 }, (_, i) => ({ body: { n: i } })));
    await expect
      .poll(() => host.records().filter((record) => record.fn === "slowWork").length, { timeout: 15_000 })
      .toBe(12);
    const runs = host.records().filter((record) => record.fn === "slowWork") as { started: number; ended: number }[];
    const peak = Math.max(
      ...runs.map((run) => runs.filter((other) => other.started <= run.started && other.ended > run.started).length),
    );
    expect(peak).toBe(4);
  });

  it("when a timer has runOnStartup, then it ran once when the host started", () => {
    const startups = host.records().filter((record) => record.fn === "startupTick");
    expect(startups).toHaveLength(1);
    expect((startups[0]?.timer as Record_).isPastDue).toBe(false);
  });

  it("when a timer's schedule comes due, then it fires on schedule with its schedule status", async () => {
    await expect
      .poll(() => host.records().filter((record) => record.fn === "tick").length, { timeout: 5_000 })
      .toBeGreaterThanOrEqual(2);
    const ticks = host
      .records()
      .filter((record) => record.fn === "tick")
      .map((record) => record.timer as Record_);
    const last = ticks.at(-1);
    expect(last?.isPastDue).toBe(false);
    expect(last?.schedule).toEqual({ adjustForDST: true });
    const status = last?.scheduleStatus as Record_;
    expect(Date.parse(status.next as string)).toBeGreaterThan(Date.parse(status.last as string));
  });

  it("when the admin API is called with the master key, then a non-HTTP function runs now", async () => {
    const before = host.records().filter((record) => record.fn === "onWork").length;
    const response = await fetch(`${host.url}/admin/functions/onWork`, {
      method: "POST",
      headers: { "x-functions-key": MASTER_KEY, "content-type": "application/json" },
      body: JSON.stringify({ input: JSON.stringify({ fromAdmin: true }) }),
    });
    expect(response.status).toBe(202);
    await expect.poll(() => host.records().filter((record) => record.fn === "onWork").length).toBe(before + 1);
    expect(
      host
        .records()
        .filter((record) => record.fn === "onWork")
        .at(-1)?.message,
    ).toEqual({ fromAdmin: true });
  });

  it("when the admin API is called without the master key or for an unknown function, then 401 or 404", async () => {
    expect((await fetch(`${host.url}/admin/functions/tick`, { method: "POST", body: "{}" })).status).toBe(401);
    expect(
      (
        await fetch(`${host.url}/admin/functions/tick`, {
          method: "POST",
          headers: { "x-functions-key": "local-dev-key" },
          body: "{}",
        })
      ).status,
    ).toBe(401);
    expect(
      (
        await fetch(`${host.url}/admin/functions/nope`, {
          method: "POST",
          headers: { "x-functions-key": MASTER_KEY },
          body: "{}",
        })
      ).status,
    ).toBe(404);
  });
});

describe("local Functions host: disabled functions", () => {
  it("when AzureWebJobs.<name>.Disabled is true, then its trigger does not fire and its route answers only the master key", async () => {
    const client = createClient();
    const queue = "host-disabled";
    await purge(client, queue);
    const host = await startHostProcess({
      ServiceBusConnection: emulatorConnectionString(),
      WorkQueueName: queue,
      SlowQueueName: "host-slow",
      TickSchedule: "0 0 0 1 1 *",
      "AzureWebJobs.onWork.Disabled": "true",
      "AzureWebJobs.public.Disabled": "1",
    });
    try {
      // The host's log sink flushes on the next turn, so the line may follow "Host listening".
      await expect.poll(() => host.output()).toContain("Function 'onwork' is disabled");
      const messageId = uniqueId("disabled");
      await client.createSender(queue).sendMessages({ body: { n: 1 }, messageId });
      expect((await fetch(`${host.url}/api/public/x`)).status).toBe(404);
      expect(
        (await fetch(`${host.url}/api/public/x`, { headers: { "x-functions-key": "local-dev-key" } })).status,
      ).toBe(404);
      const master = await fetch(`${host.url}/api/public/x`, { headers: { "x-functions-key": MASTER_KEY } });
      expect(await master.text()).toBe("path=x");
      expect(
        (
          await fetch(`${host.url}/api/echo/1`, {
            method: "POST",
            body: "hi",
            headers: { "x-functions-key": "local-dev-key" },
          })
        ).status,
      ).toBe(201);
      // Once the enabled queue function has taken a later message, the disabled one's is still waiting.
      const slowId = uniqueId("enabled");
      await client.createSender("host-slow").sendMessages({ body: { n: 2 }, messageId: slowId });
      await expect
        .poll(() => host.records().filter((record) => record.fn === "slowWork").length, { timeout: 10_000 })
        .toBeGreaterThan(0);
      const waiting = await client.createReceiver(queue).peekMessages(5);
      expect(waiting.map((message) => message.messageId)).toEqual([messageId]);
      expect(host.records().filter((record) => record.fn === "onWork")).toEqual([]);
    } finally {
      await host.stop();
      await purge(client, queue);
      await client.close();
    }
  });
});

describe("local Functions host: stopping", () => {
  it("when SIGTERM arrives during a request, then the request finishes, appTerminate runs and the host exits 0", async () => {
    const host = await startHostProcess({
      ServiceBusConnection: emulatorConnectionString(),
      WorkQueueName: QUEUE,
      SlowQueueName: "host-slow",
      TickSchedule: "0 0 0 1 1 *",
    });
    const slow = fetch(`${host.url}/api/slow?ms=1500`);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const exitCode = host.stop("SIGTERM");
    const response = await slow;
    expect(response.status).toBe(200);
    expect(await response.text()).toBe("finally");
    expect(await exitCode).toBe(0);
    expect(host.records().some((record) => record.hook === "appTerminate")).toBe(true);
    await expect(fetch(`${host.url}/api/public/after`)).rejects.toThrow();
  });

  it("when the app's settings are missing, then the host refuses to start and names every problem", async () => {
    await expect(
      startHostProcess({ ServiceBusConnection: "", WorkQueueName: "", TickSchedule: "" }, undefined).then(
        () => "started",
      ),
    ).rejects.toThrow(/timerTrigger needs a schedule|must be a 6-field/);
  });
});
