import { describe, it, expect, afterEach } from "vitest";
import {
  disabledFunctions,
  parseTimeSpan,
  readAppSettings,
  readHostConfig,
  resolveSettingExpression,
  type HostConfig,
} from "../../../../local/functions-host/app-config.js";
import { appConfigErrorOf, tempAppDir } from "./builders.js";

const cleanups: (() => void)[] = [];

afterEach(() => {
  for (const cleanup of cleanups.splice(0)) cleanup();
});

/** An app folder with these files, removed after the test. */
function appWith(files: Record<string, string>): string {
  const app = tempAppDir(files);
  cleanups.push(app.remove);
  return app.root;
}

function hostJson(content: Record<string, unknown>): Record<string, string> {
  return { "host.json": JSON.stringify({ version: "2.0", ...content }) };
}

function hostConfigOf(content: Record<string, unknown>): HostConfig {
  return readHostConfig(appWith(hostJson(content)));
}

describe("parseTimeSpan", () => {
  it.each([
    ["00:05:00", 300_000],
    ["00:00:00", 0],
    ["01:00:00", 3_600_000],
    ["1.02:03:04", ((24 + 2) * 3600 + 3 * 60 + 4) * 1000],
    ["00:00:01.5", 1_500],
    ["00:00:00.250", 250],
    ["0:00:30", 30_000],
  ])("when given %j, then it is %d ms", (text, ms) => {
    expect(parseTimeSpan(text)).toBe(ms);
  });

  it.each(["", "5", "00:05", "PT5M", "00:5:00", "00:05:00 ", "-00:05:00", "00:05:00.", "a.00:05:00", "five minutes"])(
    "when given %j, then it is undefined",
    (text) => {
      expect(parseTimeSpan(text)).toBeUndefined();
    },
  );
});

describe("readHostConfig", () => {
  it("when host.json sets only the version, then every setting has the Functions host default", () => {
    const config = hostConfigOf({});

    expect(config).toEqual({
      routePrefix: "api",
      logLevel: { default: "Information" },
      functionTimeoutMs: undefined,
      serviceBus: {
        maxConcurrentCalls: 16,
        autoCompleteMessages: true,
        maxAutoLockRenewalDurationMs: 300_000,
        prefetchCount: 0,
      },
    });
  });

  it("when extensions are present but empty, then their settings have the defaults", () => {
    const config = hostConfigOf({ extensions: { http: {}, serviceBus: {} } });

    expect(config.routePrefix).toBe("api");
    expect(config.serviceBus).toEqual({
      maxConcurrentCalls: 16,
      autoCompleteMessages: true,
      maxAutoLockRenewalDurationMs: 300_000,
      prefetchCount: 0,
    });
  });

  it("when host.json sets every setting, then the values are read", () => {
    const config = hostConfigOf({
      functionTimeout: "00:10:00",
      logging: { logLevel: { default: "Warning", "Function.tick": "Debug" } },
      extensions: {
        http: { routePrefix: "services" },
        serviceBus: {
          maxConcurrentCalls: 4,
          autoCompleteMessages: false,
          maxAutoLockRenewalDuration: "00:01:30",
          prefetchCount: 20,
        },
      },
    });

    expect(config).toEqual({
      routePrefix: "services",
      logLevel: { default: "Warning", "Function.tick": "Debug" },
      functionTimeoutMs: 600_000,
      serviceBus: {
        maxConcurrentCalls: 4,
        autoCompleteMessages: false,
        maxAutoLockRenewalDurationMs: 90_000,
        prefetchCount: 20,
      },
    });
  });

  it("when logLevel has no default, then Information is the default", () => {
    expect(hostConfigOf({ logging: { logLevel: { "Function.tick": "Debug" } } }).logLevel).toEqual({
      default: "Information",
      "Function.tick": "Debug",
    });
  });

  it("when routePrefix is empty, then functions are served at the root", () => {
    expect(hostConfigOf({ extensions: { http: { routePrefix: "" } } }).routePrefix).toBe("");
  });

  it("when routePrefix has slashes around it, then they are trimmed", () => {
    expect(hostConfigOf({ extensions: { http: { routePrefix: "/v1/" } } }).routePrefix).toBe("v1");
  });

  it("when routePrefix is only a slash, then functions are served at the root", () => {
    expect(hostConfigOf({ extensions: { http: { routePrefix: "/" } } }).routePrefix).toBe("");
  });

  it.each([{ version: "1.0" }, { version: 2 }, {}])(
    "when host.json is %j, then an AppConfigError names the version",
    (content) => {
      const error = appConfigErrorOf(() => readHostConfig(appWith({ "host.json": JSON.stringify(content) })));

      expect(error.message).toContain("version");
      expect(error.message).toContain('must be "2.0"');
    },
  );

  it("when maxAutoLockRenewalDuration is not a TimeSpan, then an AppConfigError gives its path and value", () => {
    const error = appConfigErrorOf(() =>
      hostConfigOf({ extensions: { serviceBus: { maxAutoLockRenewalDuration: "5 minutes" } } }),
    );

    expect(error.message).toContain("extensions.serviceBus.maxAutoLockRenewalDuration");
    expect(error.message).toContain('"5 minutes" is not a TimeSpan');
  });

  it("when functionTimeout is not a TimeSpan, then an AppConfigError gives its path", () => {
    expect(appConfigErrorOf(() => hostConfigOf({ functionTimeout: "PT5M" })).message).toContain("functionTimeout");
  });

  it("when several settings are invalid, then one AppConfigError lists every path", () => {
    const error = appConfigErrorOf(() =>
      readHostConfig(
        appWith({
          "host.json": JSON.stringify({
            version: "3.0",
            extensions: { serviceBus: { maxConcurrentCalls: 0, prefetchCount: -1 } },
          }),
        }),
      ),
    );

    expect(error.message).toContain("version");
    expect(error.message).toContain("extensions.serviceBus.maxConcurrentCalls");
    expect(error.message).toContain("extensions.serviceBus.prefetchCount");
  });

  it("when host.json is not JSON, then an AppConfigError says so", () => {
    expect(appConfigErrorOf(() => readHostConfig(appWith({ "host.json": "{ version: 2.0" }))).message).toContain(
      "host.json is not valid JSON",
    );
  });

  it("when there is no host.json, then an AppConfigError names the folder", () => {
    const root = appWith({});

    expect(appConfigErrorOf(() => readHostConfig(root)).message).toBe(`no host.json in ${root}`);
  });
});

describe("readAppSettings", () => {
  function localSettings(content: unknown): Record<string, string> {
    return { "local.settings.json": JSON.stringify(content) };
  }

  it("when local.settings.json has Values, then they are the app settings", () => {
    const root = appWith(
      localSettings({ IsEncrypted: false, Values: { WorkQueueName: "work", FUNCTIONS_WORKER_RUNTIME: "node" } }),
    );

    expect(readAppSettings(root, {})).toEqual({ WorkQueueName: "work", FUNCTIONS_WORKER_RUNTIME: "node" });
  });

  it("when the environment and the file set the same name, then the environment wins", () => {
    const root = appWith(localSettings({ Values: { WorkQueueName: "from-file", OnlyInFile: "file" } }));

    const settings = readAppSettings(root, { WorkQueueName: "from-env", OnlyInEnv: "env" });

    expect(settings).toEqual({ WorkQueueName: "from-env", OnlyInFile: "file", OnlyInEnv: "env" });
  });

  it("when Values holds numbers and booleans, then they become strings", () => {
    const root = appWith(localSettings({ Values: { Port: 7071, Ratio: 0.5, Enabled: true, Disabled: false } }));

    expect(readAppSettings(root, {})).toEqual({ Port: "7071", Ratio: "0.5", Enabled: "true", Disabled: "false" });
  });

  it("when an environment variable is undefined, then it is left out", () => {
    const root = appWith(localSettings({ Values: { Name: "file" } }));

    expect(readAppSettings(root, { Name: undefined, Other: "x" })).toEqual({ Name: "file", Other: "x" });
  });

  it("when the file has no Values, then only the environment is read", () => {
    const root = appWith(localSettings({ IsEncrypted: false }));

    expect(readAppSettings(root, { A: "1" })).toEqual({ A: "1" });
  });

  it("when IsEncrypted is true, then an AppConfigError says the file is encrypted", () => {
    const root = appWith(localSettings({ IsEncrypted: true, Values: { A: "ZW5jcnlwdGVk" } }));

    expect(appConfigErrorOf(() => readAppSettings(root, {})).message).toContain("local.settings.json is encrypted");
  });

  it("when the file is not JSON, then an AppConfigError says so", () => {
    const root = appWith({ "local.settings.json": '{ "Values": { "A": "1", } }' });

    expect(appConfigErrorOf(() => readAppSettings(root, {})).message).toContain(
      "local.settings.json is not valid JSON",
    );
  });

  it("when a value is neither text, number nor boolean, then an AppConfigError says the file is invalid", () => {
    const root = appWith(localSettings({ Values: { Nested: { a: 1 } } }));

    expect(appConfigErrorOf(() => readAppSettings(root, {})).message).toContain("local.settings.json is invalid");
  });

  it("when there is no local.settings.json, then the settings are the environment", () => {
    const root = appWith({});

    expect(readAppSettings(root, { A: "1", B: "2" })).toEqual({ A: "1", B: "2" });
  });
});

describe("resolveSettingExpression", () => {
  it("when a value holds several %SETTING% expressions, then each is replaced", () => {
    expect(resolveSettingExpression("%Env%-%Queue%-%Env%", { Env: "dev", Queue: "work" }, "onWork")).toBe(
      "dev-work-dev",
    );
  });

  it("when a value holds no expression, then it is returned unchanged", () => {
    expect(resolveSettingExpression("plain-queue", {}, "onWork")).toBe("plain-queue");
  });

  it("when a setting resolves to an empty string, then it is replaced by the empty string", () => {
    expect(resolveSettingExpression("queue%Suffix%", { Suffix: "" }, "onWork")).toBe("queue");
  });

  it("when one of several settings is missing, then an AppConfigError names it and what asked for it", () => {
    const error = appConfigErrorOf(() => resolveSettingExpression("%Env%-%QueueName%", { Env: "dev" }, "onWork"));

    expect(error.message).toBe("onWork: app setting 'QueueName' is not set");
  });
});

describe("disabledFunctions", () => {
  it("when AzureWebJobs.<name>.Disabled is true or 1 (any case), then that function is disabled by its lower-case name", () => {
    const disabled = disabledFunctions({
      "AzureWebJobs.forward-escalation.Disabled": "true",
      "azurewebjobs.Tick.disabled": "1",
      "AzureWebJobs.onWork.Disabled": "false",
      "AzureWebJobs.Other.Enabled": "true",
      "AzureWebJobs.padded.Disabled": " TRUE ",
    });
    expect([...disabled].sort()).toEqual(["forward-escalation", "padded", "tick"]);
  });
});
