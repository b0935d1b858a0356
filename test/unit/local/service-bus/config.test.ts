import { describe, it, expect } from "vitest";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  ConfigError,
  loadEmulatorConfigFile,
  parseEmulatorConfig,
  type BrokerSettings,
} from "../../../../local/service-bus/config.js";
import { configErrorOf } from "./builders.js";

const FOREVER_MS = Number.MAX_SAFE_INTEGER;

type Json = Record<string, unknown>;

function queueDefinition(name: string, properties: Json = {}): Json {
  return { Name: name, Properties: properties };
}

function emulatorConfig(namespace: Json = {}, extra: Json = {}): Json {
  return {
    UserConfig: {
      Namespaces: [{ Name: "sbemulatorns", Queues: [queueDefinition("queue.1")], Topics: [], ...namespace }],
      Logging: { Type: "File" },
      ...extra,
    },
  };
}

/** The shape of the sample Config.json that ships with Microsoft's Service Bus emulator. */
const MICROSOFT_SAMPLE = {
  UserConfig: {
    Namespaces: [
      {
        Name: "sbemulatorns",
        Queues: [
          {
            Name: "queue.1",
            Properties: {
              DeadLetteringOnMessageExpiration: false,
              DefaultMessageTimeToLive: "PT1H",
              DuplicateDetectionHistoryTimeWindow: "PT20S",
              ForwardDeadLetteredMessagesTo: "",
              ForwardTo: "",
              LockDuration: "PT1M",
              MaxDeliveryCount: 3,
              RequiresDuplicateDetection: false,
              RequiresSession: false,
            },
          },
        ],
        Topics: [
          {
            Name: "topic.1",
            Properties: {
              DefaultMessageTimeToLive: "PT1H",
              DuplicateDetectionHistoryTimeWindow: "PT20S",
              RequiresDuplicateDetection: false,
            },
            Subscriptions: [
              {
                Name: "subscription.1",
                Properties: { DeadLetteringOnMessageExpiration: false, LockDuration: "PT1M", MaxDeliveryCount: 3 },
              },
            ],
          },
        ],
      },
    ],
    Logging: { Type: "File" },
  },
};

function onlyQueue(settings: BrokerSettings): BrokerSettings["queues"][number] {
  expect(settings.queues).toHaveLength(1);
  const [queue] = settings.queues;
  if (queue === undefined) throw new Error("unreachable");
  return queue;
}

describe("parseEmulatorConfig", () => {
  it("when given Microsoft's sample Config.json, then the queue settings are read in milliseconds", () => {
    const settings = parseEmulatorConfig(MICROSOFT_SAMPLE);

    expect(settings.namespace).toBe("sbemulatorns");
    expect(settings.queues).toEqual([
      {
        name: "queue.1",
        lockDurationMs: 60_000,
        maxDeliveryCount: 3,
        requiresDuplicateDetection: false,
        duplicateDetectionWindowMs: 20_000,
        defaultTimeToLiveMs: 3_600_000,
        deadLetteringOnMessageExpiration: false,
      },
    ]);
  });

  it("when the config defines topics, then they are ignored with a warning", () => {
    const settings = parseEmulatorConfig(MICROSOFT_SAMPLE);

    expect(settings.warnings).toEqual(["topics and subscriptions are not supported and were ignored"]);
  });

  it("when a queue sets every property, then each is carried over", () => {
    const settings = parseEmulatorConfig(
      emulatorConfig({
        Queues: [
          queueDefinition("orders", {
            LockDuration: "PT30S",
            MaxDeliveryCount: 7,
            RequiresDuplicateDetection: true,
            DuplicateDetectionHistoryTimeWindow: "PT5M",
            DefaultMessageTimeToLive: "P14D",
            DeadLetteringOnMessageExpiration: true,
          }),
        ],
      }),
    );

    expect(onlyQueue(settings)).toEqual({
      name: "orders",
      lockDurationMs: 30_000,
      maxDeliveryCount: 7,
      requiresDuplicateDetection: true,
      duplicateDetectionWindowMs: 300_000,
      defaultTimeToLiveMs: 14 * 24 * 3_600_000,
      deadLetteringOnMessageExpiration: true,
    });
    expect(settings.warnings).toEqual([]);
  });

  it("when a queue gives only its name, then the Service Bus defaults apply", () => {
    const settings = parseEmulatorConfig(emulatorConfig({ Queues: [{ Name: "bare" }] }));

    expect(onlyQueue(settings)).toEqual({
      name: "bare",
      lockDurationMs: 60_000,
      maxDeliveryCount: 10,
      requiresDuplicateDetection: false,
      duplicateDetectionWindowMs: 600_000,
      defaultTimeToLiveMs: FOREVER_MS,
      deadLetteringOnMessageExpiration: false,
    });
  });

  it("when the namespace has no name or queues, then the default name and no queues are used", () => {
    const settings = parseEmulatorConfig({ UserConfig: { Namespaces: [{}] } });

    expect(settings).toEqual({ namespace: "sbemulatorns", queues: [], warnings: [] });
  });

  it.each([
    ["PT1H30M", 5_400_000],
    ["PT0.5S", 500],
    ["P1D", 86_400_000],
    ["P1DT1S", 86_401_000],
    ["PT0S", 0],
  ])("when a duration is %s, then it is %i ms", (duration, ms) => {
    const settings = parseEmulatorConfig(
      emulatorConfig({ Queues: [queueDefinition("q", { LockDuration: duration })] }),
    );

    expect(onlyQueue(settings).lockDurationMs).toBe(ms);
  });

  it("when several properties are invalid, then one ConfigError lists every problem with its path", () => {
    const input = emulatorConfig({
      Queues: [
        queueDefinition("good-name", { LockDuration: "one minute", MaxDeliveryCount: 0 }),
        queueDefinition("bad name", { RequiresDuplicateDetection: "yes", DefaultMessageTimeToLive: "P" }),
      ],
    });

    const error = configErrorOf(input);

    expect(error.name).toBe("ConfigError");
    expect(error.message).toContain("UserConfig.Namespaces.0.Queues.0.Properties.LockDuration");
    expect(error.message).toContain('"one minute" is not an ISO-8601 duration');
    expect(error.message).toContain("UserConfig.Namespaces.0.Queues.0.Properties.MaxDeliveryCount");
    expect(error.message).toContain("UserConfig.Namespaces.0.Queues.1.Name");
    expect(error.message).toContain("UserConfig.Namespaces.0.Queues.1.Properties.RequiresDuplicateDetection");
    expect(error.message).toContain("UserConfig.Namespaces.0.Queues.1.Properties.DefaultMessageTimeToLive");
  });

  it.each([
    ["MaxDeliveryCount below 1", { MaxDeliveryCount: 0 }, "MaxDeliveryCount"],
    ["MaxDeliveryCount above 2000", { MaxDeliveryCount: 2001 }, "MaxDeliveryCount"],
    ["a fractional MaxDeliveryCount", { MaxDeliveryCount: 1.5 }, "MaxDeliveryCount"],
    ["a LockDuration that is a number", { LockDuration: 60 }, "LockDuration"],
    [
      "a duration without any unit",
      { DuplicateDetectionHistoryTimeWindow: "PT" },
      "DuplicateDetectionHistoryTimeWindow",
    ],
    ["a duration in lower case", { DefaultMessageTimeToLive: "pt1m" }, "DefaultMessageTimeToLive"],
    ["a fraction on a unit that is not the smallest", { LockDuration: "PT1.5M30S" }, "LockDuration"],
  ])("when a queue has %s, then a ConfigError names that property", (_name, properties, property) => {
    const error = configErrorOf(emulatorConfig({ Queues: [queueDefinition("q", properties)] }));

    expect(error.message).toContain(`Queues.0.Properties.${property}`);
  });

  it.each([
    ["a null document", null, "(root)"],
    ["a document without UserConfig", {}, "UserConfig"],
    ["no namespaces", { UserConfig: { Namespaces: [] } }, "UserConfig.Namespaces"],
    [
      "a queue without a name",
      { UserConfig: { Namespaces: [{ Queues: [{}] }] } },
      "UserConfig.Namespaces.0.Queues.0.Name",
    ],
  ])("when the config has %s, then a ConfigError points at it", (_name, input, path) => {
    expect(configErrorOf(input).message).toContain(path);
  });

  it("when two queues share a name up to case, then a ConfigError says the queue is defined twice", () => {
    const error = configErrorOf(emulatorConfig({ Queues: [queueDefinition("Orders"), queueDefinition("orders")] }));

    expect(error.message).toContain('queue "orders" is defined twice');
  });

  it("when a queue asks for sessions or forwarding, then it is served with a warning for each", () => {
    const settings = parseEmulatorConfig(
      emulatorConfig({
        Queues: [
          queueDefinition("q", { RequiresSession: true, ForwardTo: "other", ForwardDeadLetteredMessagesTo: "dlq" }),
        ],
      }),
    );

    expect(onlyQueue(settings).name).toBe("q");
    expect(settings.warnings).toEqual([
      'queue "q": sessions are not supported; it is served without them',
      'queue "q": ForwardTo is not supported',
      'queue "q": ForwardDeadLetteredMessagesTo is not supported',
    ]);
  });

  it("when there are several namespaces, then only the first is served, with a warning", () => {
    const settings = parseEmulatorConfig({
      UserConfig: {
        Namespaces: [
          { Name: "first", Queues: [queueDefinition("a")] },
          { Name: "second", Queues: [queueDefinition("b")] },
        ],
      },
    });

    expect(settings.namespace).toBe("first");
    expect(settings.queues.map((q) => q.name)).toEqual(["a"]);
    expect(settings.warnings).toEqual(["only the first namespace is served"]);
  });
});

describe("loadEmulatorConfigFile", () => {
  function withConfigFile(content: string, test: (path: string) => Promise<void>): Promise<void> {
    const directory = mkdtempSync(join(tmpdir(), "sb-config-"));
    const path = join(directory, "Config.json");
    writeFileSync(path, content);
    return test(path).finally(() => {
      rmSync(directory, { recursive: true, force: true });
    });
  }

  it("when the file holds a valid config, then its settings are returned", async () => {
    await withConfigFile(JSON.stringify(MICROSOFT_SAMPLE), async (path) => {
      const settings = await loadEmulatorConfigFile(path);

      expect(settings.queues.map((q) => q.name)).toEqual(["queue.1"]);
    });
  });

  it("when the file is not JSON, then a ConfigError names the file", async () => {
    await withConfigFile("{ not json", async (path) => {
      await expect(loadEmulatorConfigFile(path)).rejects.toThrow(ConfigError);
      await expect(loadEmulatorConfigFile(path)).rejects.toThrow(`${path} is not valid JSON`);
    });
  });
});
