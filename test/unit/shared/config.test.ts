// App settings: one schema, every problem at once, and the two ways to connect to each service.
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../../shared/config.js";

const validEnvironment = {
  ServiceBusConnection: "Endpoint=sb://127.0.0.1:5672;SharedAccessKeyName=Root;SharedAccessKey=k;UseDevelopmentEmulator=true",
  EscalationsStorage: "UseDevelopmentStorage=true",
};

function problemsOf(environment: Record<string, string | undefined>): string[] {
  try {
    loadConfig(environment);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  throw new Error("expected a ConfigError");
}

describe("loadConfig", () => {
  it("when connection strings are set, then both services use them and defaults fill the rest", () => {
    const config = loadConfig(validEnvironment);
    expect(config.serviceBus).toEqual({ kind: "connectionString", connectionString: validEnvironment.ServiceBusConnection });
    expect(config.storage.kind).toBe("connectionString");
    expect(config.escalationsQueueName).toBe("escalations");
    expect(config.healthCheckTimeoutMs).toBe(3_000);
  });

  it("when storage is UseDevelopmentStorage=true, then it means Azurite's development account on 10002", () => {
    const config = loadConfig(validEnvironment);
    expect(config.storage.kind === "connectionString" && config.storage.connectionString).toContain("TableEndpoint=http://127.0.0.1:10002/devstoreaccount1");
  });

  it("when only identity-based settings are given, then managed identity is used for both", () => {
    const config = loadConfig({
      ServiceBusConnection__fullyQualifiedNamespace: "contoso.servicebus.chinacloudapi.cn",
      EscalationsStorage__tableServiceUri: "https://contoso.table.core.chinacloudapi.cn",
    });
    expect(config.serviceBus).toEqual({ kind: "identity", fullyQualifiedNamespace: "contoso.servicebus.chinacloudapi.cn" });
    expect(config.storage).toEqual({ kind: "identity", tableServiceUri: "https://contoso.table.core.chinacloudapi.cn" });
  });

  it("when several settings are wrong, then every problem is listed at once", () => {
    const problems = problemsOf({ EscalationsStorage__tableServiceUri: "ftp://nope", HEALTH_CHECK_TIMEOUT_MS: "5" });
    expect(problems).toHaveLength(3);
    expect(problems.join("\n")).toContain("ServiceBusConnection: set ServiceBusConnection");
    expect(problems.join("\n")).toContain("EscalationsStorage__tableServiceUri");
    expect(problems.join("\n")).toContain("HEALTH_CHECK_TIMEOUT_MS");
  });

  it("when a setting exists but is empty, then it counts as not set", () => {
    const problems = problemsOf({ ServiceBusConnection: "  ", EscalationsStorage: "" });
    expect(problems).toEqual([
      "ServiceBusConnection: set ServiceBusConnection (a connection string) or ServiceBusConnection__fullyQualifiedNamespace (managed identity)",
      "EscalationsStorage: set EscalationsStorage (a connection string) or EscalationsStorage__tableServiceUri (managed identity)",
    ]);
  });

  it("when the queue name and timeout are set, then they are used", () => {
    const config = loadConfig({ ...validEnvironment, ESCALATIONS_QUEUE_NAME: "escalations-test", HEALTH_CHECK_TIMEOUT_MS: "1500" });
    expect(config.escalationsQueueName).toBe("escalations-test");
    expect(config.healthCheckTimeoutMs).toBe(1_500);
  });

  it("when JSON settings are given, then callers, services and criteria come from them", () => {
    const config = loadConfig({
      ...validEnvironment,
      ESCALATION_CALLERS: JSON.stringify([{ id: "power-automate", keySha256: "a".repeat(64), tenants: ["6f1e2d3c-4b5a-4978-8a6b-5c4d3e2f1a0b"] }]),
      ESCALATION_SERVICES: '["Office365", "azure"]',
      ESCALATION_CRITERIA: JSON.stringify({ minimumStepsTaken: 2 }),
    });
    expect(config.callers).toEqual([{ id: "power-automate", keySha256: "a".repeat(64), tenants: ["6f1e2d3c-4b5a-4978-8a6b-5c4d3e2f1a0b"] }]);
    expect(config.services).toEqual(["office365", "azure"]);
    expect(config.criteria.minimumStepsTaken).toBe(2);
    expect(config.criteria.requireServiceHealthChecked).toBe(true);
  });

  it("when JSON settings are absent, then there are no callers or senders and the default catalogue applies", () => {
    const config = loadConfig(validEnvironment);
    expect(config.callers).toEqual([]);
    expect(config.webhookSenders).toEqual([]);
    expect(config.services).toContain("office365");
    expect(config.escalationsTableName).toBe("escalations");
  });

  it("when JSON settings are malformed or invalid, then each is named with the others", () => {
    const problems = problemsOf({
      ...validEnvironment,
      ESCALATION_CALLERS: "[{",
      ESCALATION_WEBHOOK_SENDERS: JSON.stringify([{ id: "psa", secrets: ["not-a-secret"], tenants: "all" }]),
      ESCALATIONS_TABLE_NAME: "1bad",
    });
    expect(problems.join("\n")).toContain("ESCALATION_CALLERS: must be JSON");
    expect(problems.join("\n")).toContain("ESCALATION_WEBHOOK_SENDERS.0.secrets.0");
    expect(problems.join("\n")).toContain("ESCALATIONS_TABLE_NAME");
  });
});
