// One source of truth for queues: service-bus.bicep loads the emulator configuration `npm start`
// serves and maps each property one to one, and that file holds what the code assumes.
import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { parseEmulatorConfig, type QueueSettings } from "../../../local/service-bus/config.js";
import { IDEMPOTENCY_RETENTION_MS } from "../../../shared/domain/escalations/idempotency.js";
import { DEFAULT_BACKOFF } from "../../../shared/domain/forwarding/backoff.js";
import { pauseBeforeRedeliveryMs } from "../../../shared/handlers/forward-message-handler.js";
import { DEFAULT_DELIVERY_BACKOFF } from "../../../shared/settings/metrics-settings.js";
import { at, descendants, INFRA, keysOf, literal, named, parseInfraFile, resources, ROOT, variable } from "./bicep.js";

const SERVICE_BUS = "app/service-bus.bicep";

/** Azure's queue property for each emulator (Config.json) property. */
const AZURE_PROPERTY = {
  LockDuration: "lockDuration",
  MaxDeliveryCount: "maxDeliveryCount",
  RequiresDuplicateDetection: "requiresDuplicateDetection",
  DuplicateDetectionHistoryTimeWindow: "duplicateDetectionHistoryTimeWindow",
  DefaultMessageTimeToLive: "defaultMessageTimeToLive",
  DeadLetteringOnMessageExpiration: "deadLetteringOnMessageExpiration",
  RequiresSession: "requiresSession",
} as const;

/** The 14 days composition-root.ts counts a queued message's life as (MESSAGE_TIME_TO_LIVE_MS). */
const APP_MESSAGE_TIME_TO_LIVE_MS = 14 * 24 * 60 * 60_000;

const DAY_MS = 24 * 60 * 60_000;

const RawConfig = z.object({
  UserConfig: z.object({
    Namespaces: z.array(
      z.object({ Queues: z.array(z.object({ Name: z.string(), Properties: z.record(z.string(), z.unknown()) })) }),
    ),
  }),
});

async function sharedFile(): Promise<string> {
  const root = await parseInfraFile(SERVICE_BUS);
  const load = descendants(variable(root, "queues"), "call_expression")[0];
  const [path, selector] = descendants(load ?? root, "string").map((node) => literal(node) ?? node.text);
  expect(load?.text).toMatch(/^loadJsonContent\(/);
  expect(selector).toBe("$.UserConfig.Namespaces[0].Queues");
  return resolve(dirname(join(INFRA, SERVICE_BUS)), path ?? "");
}

async function queues(): Promise<Map<string, QueueSettings>> {
  const settings = parseEmulatorConfig(JSON.parse(readFileSync(await sharedFile(), "utf8")));
  return new Map(settings.queues.map((queue) => [queue.name, queue]));
}

function queue(all: Map<string, QueueSettings>, name: string): QueueSettings {
  const found = all.get(name);
  if (found === undefined) throw new Error(`no queue ${name}`);
  return found;
}

describe("the queue definitions", () => {
  it("when Bicep loads them, then it is the file npm start gives the Service Bus emulator", async () => {
    const file = await sharedFile();

    expect(file).toBe(join(ROOT, "local", "service-bus", "escalations.config.json"));
    expect(readFileSync(join(ROOT, "local", "start.ts"), "utf8")).toContain(
      'join(root, "local", "service-bus", "escalations.config.json")',
    );
  });

  it("when a queue is created in Azure, then each of its properties is the emulator's property of the same meaning", async () => {
    const root = await parseInfraFile(SERVICE_BUS);
    const resource = named(resources(root), "queue");
    const mapped = at(resource.body, "properties");

    expect(resource.loop).toBe(true);
    expect(at(resource.body, "name")?.text).toBe("definition.Name");
    expect(mapped === undefined ? [] : keysOf(mapped).sort()).toEqual(Object.values(AZURE_PROPERTY).sort());
    for (const [emulator, azure] of Object.entries(AZURE_PROPERTY))
      expect(at(mapped, azure)?.text).toBe(`definition.Properties.${emulator}`);
  });

  it("when the file defines a queue, then it sets every mapped property, so neither side falls back to its own default", async () => {
    const raw = RawConfig.parse(JSON.parse(readFileSync(await sharedFile(), "utf8")));
    const defined = raw.UserConfig.Namespaces[0]?.Queues ?? [];

    expect(defined.length).toBeGreaterThan(0);
    for (const { Name, Properties } of defined)
      expect({ Name, properties: Object.keys(Properties).sort() }).toEqual({
        Name,
        properties: Object.keys(AZURE_PROPERTY).sort(),
      });
  });

  it("when the app names its queues in Azure, then each is defined and every defined queue is used", async () => {
    const all = await queues();
    const root = await parseInfraFile("app/function-app.bicep");
    const settings = variable(root, "appSettings");
    const named = keysOf(settings)
      .filter((name) => name.endsWith("_QUEUE_NAME"))
      .map((name) => literal(at(settings, name)));
    expect(new Set(named)).toEqual(new Set(all.keys()));
  });

  it("when escalations are queued, then duplicate detection covers the idempotency keys' 7 days and expiry dead-letters", async () => {
    const escalations = queue(await queues(), "escalations");

    expect(escalations.requiresDuplicateDetection).toBe(true);
    expect(escalations.duplicateDetectionWindowMs).toBe(IDEMPOTENCY_RETENTION_MS);
    expect(escalations.defaultTimeToLiveMs).toBe(APP_MESSAGE_TIME_TO_LIVE_MS);
    expect(escalations.defaultTimeToLiveMs).toBeGreaterThan(DEFAULT_BACKOFF.budgetMs);
    expect(escalations.deadLetteringOnMessageExpiration).toBe(true);
  });

  it("when the forwarder pauses before each redelivery, then MaxDeliveryCount rides out two minutes of outage within the lock", async () => {
    const escalations = queue(await queues(), "escalations");
    const pauses = Array.from({ length: escalations.maxDeliveryCount - 1 }, (_, index) =>
      pauseBeforeRedeliveryMs(index + 1),
    );

    expect(pauses.reduce((sum, pause) => sum + pause, 0)).toBeGreaterThanOrEqual(2 * 60_000);
    expect(Math.max(...pauses)).toBeLessThan(escalations.lockDurationMs);
  });

  it("when reports are delivered, then deduplication and expiry outlast the delivery retry budget and expiry dead-letters", async () => {
    const deliveries = queue(await queues(), "report-deliveries");

    expect(deliveries.requiresDuplicateDetection).toBe(true);
    expect(deliveries.duplicateDetectionWindowMs).toBeGreaterThanOrEqual(DEFAULT_DELIVERY_BACKOFF.budgetMs);
    expect(deliveries.defaultTimeToLiveMs).toBeGreaterThanOrEqual(DEFAULT_DELIVERY_BACKOFF.budgetMs);
    expect(deliveries.defaultTimeToLiveMs).toBeLessThanOrEqual(DAY_MS);
    expect(deliveries.deadLetteringOnMessageExpiration).toBe(true);
  });
});
