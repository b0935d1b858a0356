// App settings: one schema, every problem at once, and the two ways to connect to each service.
import { describe, expect, it } from "vitest";
import { loadConfig, SETTING_NAMES, settingProblems } from "../../../shared/settings/app-settings.js";
import { settingsProblems } from "./settings-problems.js";

/** What a deployment routing to Partner Center must set (placeholders, not secrets). */
const partnerCenter = {
  PARTNER_CENTER_TENANT_ID: "partner.partner.onmschina.cn",
  PARTNER_CENTER_CLIENT_ID: "00000000-0000-4000-8000-000000000001",
  PARTNER_CENTER_CLIENT_SECRET: "client-secret-placeholder",
  PARTNER_CENTER_REFRESH_TOKEN: "refresh-token-placeholder",
  PARTNER_CENTER_SUPPORT_TOPIC_ID: "32444671",
};

const validEnvironment = {
  ...partnerCenter,
  ServiceBusConnection:
    "Endpoint=sb://127.0.0.1:5672;SharedAccessKeyName=Root;SharedAccessKey=k;UseDevelopmentEmulator=true",
  EscalationsStorage: "UseDevelopmentStorage=true",
};

function problemsOf(environment: Record<string, string | undefined>): string[] {
  const problems = settingsProblems(environment);
  if (problems.length === 0) throw new Error("expected a ConfigError");
  return problems;
}

describe("loadConfig", () => {
  it("when connection strings are set, then both services use them and defaults fill the rest", () => {
    const config = loadConfig(validEnvironment);
    expect(config.serviceBus).toEqual({
      kind: "connectionString",
      connectionString: validEnvironment.ServiceBusConnection,
    });
    expect(config.storage.kind).toBe("connectionString");
    expect(config.escalationsQueueName).toBe("escalations");
    expect(config.healthCheckTimeoutMs).toBe(3_000);
  });

  it("when storage is UseDevelopmentStorage=true, then it means Azurite's development account on 10002", () => {
    const config = loadConfig(validEnvironment);
    expect(config.storage.kind === "connectionString" && config.storage.connectionString).toContain(
      "TableEndpoint=http://127.0.0.1:10002/devstoreaccount1",
    );
  });

  it("when only identity-based settings are given, then managed identity is used for both", () => {
    const config = loadConfig({
      ...partnerCenter,
      ServiceBusConnection__fullyQualifiedNamespace: "contoso.servicebus.chinacloudapi.cn",
      EscalationsStorage__tableServiceUri: "https://contoso.table.core.chinacloudapi.cn",
    });
    expect(config.serviceBus).toEqual({
      kind: "identity",
      fullyQualifiedNamespace: "contoso.servicebus.chinacloudapi.cn",
    });
    expect(config.storage).toEqual({
      kind: "identity",
      tableServiceUri: "https://contoso.table.core.chinacloudapi.cn",
    });
  });

  it("when several settings are wrong, then every problem is listed at once", () => {
    const problems = problemsOf({
      ...partnerCenter,
      EscalationsStorage__tableServiceUri: "ftp://nope",
      HEALTH_CHECK_TIMEOUT_MS: "5",
    });
    expect(problems).toHaveLength(3);
    expect(problems.join("\n")).toContain("ServiceBusConnection: set ServiceBusConnection");
    expect(problems.join("\n")).toContain("EscalationsStorage__tableServiceUri");
    expect(problems.join("\n")).toContain("HEALTH_CHECK_TIMEOUT_MS");
  });

  it("when a setting exists but is empty, then it counts as not set", () => {
    const problems = problemsOf({ ...partnerCenter, ServiceBusConnection: "  ", EscalationsStorage: "" });
    expect(problems).toEqual([
      "ServiceBusConnection: set ServiceBusConnection (a connection string) or ServiceBusConnection__fullyQualifiedNamespace (managed identity)",
      "EscalationsStorage: set EscalationsStorage (a connection string) or EscalationsStorage__tableServiceUri (managed identity)",
    ]);
  });

  it("when the queue name and timeout are set, then they are used", () => {
    const config = loadConfig({
      ...validEnvironment,
      ESCALATIONS_QUEUE_NAME: "escalations-test",
      HEALTH_CHECK_TIMEOUT_MS: "1500",
    });
    expect(config.escalationsQueueName).toBe("escalations-test");
    expect(config.healthCheckTimeoutMs).toBe(1_500);
  });

  it("when JSON settings are given, then callers, services and criteria come from them", () => {
    const config = loadConfig({
      ...validEnvironment,
      ESCALATION_CALLERS: JSON.stringify([
        { id: "power-automate", keySha256: "a".repeat(64), tenants: ["6f1e2d3c-4b5a-4978-8a6b-5c4d3e2f1a0b"] },
      ]),
      ESCALATION_SERVICES: '["Office365", "azure"]',
      ESCALATION_CRITERIA: JSON.stringify({ minimumStepsTaken: 2 }),
    });
    expect(config.callers).toEqual([
      { id: "power-automate", keySha256: "a".repeat(64), tenants: ["6f1e2d3c-4b5a-4978-8a6b-5c4d3e2f1a0b"] },
    ]);
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

describe("loadConfig: PUBLIC_HOST", () => {
  it("when unset, then the OpenAPI document names no host", () => {
    expect(loadConfig(validEnvironment).publicHost).toBeUndefined();
  });

  it("when a host name with or without a port, then it is used as given", () => {
    expect(loadConfig({ ...validEnvironment, PUBLIC_HOST: "escalations.chinacloudsites.cn" }).publicHost).toBe(
      "escalations.chinacloudsites.cn",
    );
    expect(loadConfig({ ...validEnvironment, PUBLIC_HOST: "127.0.0.1:7071" }).publicHost).toBe("127.0.0.1:7071");
  });

  it("when it has a scheme, a path or a bad port, then it is named with the other problems", () => {
    for (const host of [
      "https://escalations.chinacloudsites.cn",
      "escalations.chinacloudsites.cn/api",
      "escalations.chinacloudsites.cn:99999",
      "a b",
    ]) {
      const problems = problemsOf({ ...validEnvironment, PUBLIC_HOST: host, HEALTH_CHECK_TIMEOUT_MS: "5" });
      expect(problems, host).toHaveLength(2);
      expect(problems.join("\n"), host).toContain("PUBLIC_HOST: must be a host name with an optional port");
    }
  });
});

describe("loadConfig: every problem at once", () => {
  it("when a JSON setting is malformed, a schedule and a duration are invalid and a cross-setting rule breaks, then one ConfigError lists all four", () => {
    const problems = problemsOf({
      ...validEnvironment,
      ESCALATION_CALLERS: "[{",
      METRICS_SCHEDULE: "0 0 * * *",
      FORWARD_RETRY_BUDGET: "PT1M garbage",
      METRICS_WEBHOOK_RETRY_BASE_DELAY: "PT1H",
      METRICS_WEBHOOK_RETRY_MAX_DELAY: "PT1M",
    });

    expect(problems.map((problem) => problem.split(":")[0])).toEqual([
      "ESCALATION_CALLERS",
      "FORWARD_RETRY_BUDGET",
      "METRICS_SCHEDULE",
      "METRICS_WEBHOOK_RETRY_MAX_DELAY",
    ]);
    expect(problems[0]).toContain("must be JSON");
    expect(problems[2]).toContain("6-field NCRONTAB");
  });

  it("when the routing setting is malformed, then the Partner Center credentials it would require are not reported as missing", () => {
    const problems = problemsOf({
      ServiceBusConnection: validEnvironment.ServiceBusConnection,
      EscalationsStorage: validEnvironment.EscalationsStorage,
      ESCALATION_ROUTING: '[{"channel": "portal"',
    });

    expect(problems).toEqual(["ESCALATION_ROUTING: must be JSON"]);
  });

  it("when one retry delay is invalid, then its order against the other is not checked against a default", () => {
    const problems = problemsOf({
      ...validEnvironment,
      FORWARD_RETRY_BASE_DELAY: "-PT1M",
      FORWARD_RETRY_MAX_DELAY: "PT10S",
    });

    expect(problems).toEqual(["FORWARD_RETRY_BASE_DELAY: must be a positive ISO 8601 duration such as PT30S or P1D"]);
  });

  it("when a connection setting is the only problem besides a malformed JSON setting, then both are named", () => {
    const problems = problemsOf({
      ...partnerCenter,
      EscalationsStorage: "UseDevelopmentStorage=true",
      ESCALATION_SERVICES: "office365",
    });

    expect(problems.map((problem) => problem.split(":")[0])).toEqual(["ESCALATION_SERVICES", "ServiceBusConnection"]);
  });
});

describe("loadConfig: metrics schedule", () => {
  it("when METRICS_SCHEDULE is unset, then the hourly default applies; when set to a valid schedule, it is accepted", () => {
    expect(() => loadConfig(validEnvironment)).not.toThrow();
    expect(() => loadConfig({ ...validEnvironment, METRICS_SCHEDULE: "0 */15 8-18 * JAN-DEC MON-FRI" })).not.toThrow();
  });

  it.each([
    ["0 0 * * *", "has 5 fields, not 6"],
    ["0 0 * * * * 2030", "has 7 fields, not 6"],
    ["0 60 * * * *", "minute"],
    ["0 0 25 * * *", "hour"],
    ["0 0 0 L * *", '"L"'],
    ["0 0 0 * * 5#2", "characters NCRONTAB does not know"],
    ["0 0 0 ? * *", "characters NCRONTAB does not know"],
    ["0 0 0 * * 7", "days of the week are 0-6"],
    ["@hourly", "has 1 fields, not 6"],
  ])("when METRICS_SCHEDULE is %j, then the setting is named with why (%s)", (schedule, why) => {
    const problems = problemsOf({ ...validEnvironment, METRICS_SCHEDULE: schedule });

    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/^METRICS_SCHEDULE: must be a 6-field NCRONTAB schedule/);
    expect(problems[0]).toContain(why);
  });
});

describe("loadConfig: status sync", () => {
  it("when STATUS_SYNC_SCHEDULE and STATUS_SYNC_MAX_REQUESTS are unset, then every 10 minutes and 100 calls a run", () => {
    expect(loadConfig(validEnvironment).statusSync).toEqual({ schedule: "0 */10 * * * *", maxRequests: 100 });
    expect(
      loadConfig({ ...validEnvironment, STATUS_SYNC_SCHEDULE: "0 */5 * * * *", STATUS_SYNC_MAX_REQUESTS: "500" })
        .statusSync,
    ).toEqual({ schedule: "0 */5 * * * *", maxRequests: 500 });
  });

  it("when both are invalid, then each is named at once", () => {
    const problems = problemsOf({
      ...validEnvironment,
      STATUS_SYNC_SCHEDULE: "*/10 * * * *",
      STATUS_SYNC_MAX_REQUESTS: "0",
    });
    expect(problems.map((problem) => problem.split(":")[0]).sort()).toEqual([
      "STATUS_SYNC_MAX_REQUESTS",
      "STATUS_SYNC_SCHEDULE",
    ]);
  });
});

describe("loadConfig: forwarding", () => {
  const base = {
    ServiceBusConnection: validEnvironment.ServiceBusConnection,
    EscalationsStorage: "UseDevelopmentStorage=true",
  };

  it("when nothing is routed elsewhere, then everything goes to Partner Center operated by 21Vianet with App+User tokens", () => {
    const { forwarding } = loadConfig(validEnvironment);
    expect(forwarding.routing).toEqual([{ channel: "partner-center" }]);
    expect(forwarding.partnerCenter).toEqual({
      apiUrl: "https://partner.partnercenterapi.microsoftonline.cn",
      authority: "https://login.partner.microsoftonline.cn/partner.partner.onmschina.cn",
      clientId: partnerCenter.PARTNER_CENTER_CLIENT_ID,
      clientSecret: partnerCenter.PARTNER_CENTER_CLIENT_SECRET,
      grant: { kind: "refresh-token", refreshToken: partnerCenter.PARTNER_CENTER_REFRESH_TOKEN },
      refreshTokenStore: { kind: "table" },
      supportTopicId: "32444671",
      locale: "en-US",
      timeoutMs: 30_000,
    });
    expect(forwarding.backoff).toEqual({ baseDelayMs: 30_000, maxDelayMs: 1_800_000, budgetMs: 86_400_000 });
  });

  it("when Partner Center is routed but its credentials are missing, then each missing setting is named", () => {
    const problems = problemsOf(base);
    expect(problems.map((problem) => problem.split(":")[0])).toEqual([
      "PARTNER_CENTER_REFRESH_TOKEN",
      "PARTNER_CENTER_TENANT_ID",
      "PARTNER_CENTER_CLIENT_ID",
      "PARTNER_CENTER_CLIENT_SECRET",
      "PARTNER_CENTER_SUPPORT_TOPIC_ID",
    ]);
    expect(problems[0]).toContain("route everything to portal");
  });

  it("when everything is routed to the portal, then no Partner Center setting is needed", () => {
    const { forwarding } = loadConfig({ ...base, ESCALATION_ROUTING: '[{"channel":"portal"}]' });
    expect(forwarding.routing).toEqual([{ channel: "portal" }]);
    expect(forwarding.partnerCenter).toBeUndefined();
  });

  it("when app-only is chosen, then no refresh token is needed and client credentials are used", () => {
    const { forwarding } = loadConfig({
      ...validEnvironment,
      PARTNER_CENTER_REFRESH_TOKEN: undefined,
      PARTNER_CENTER_AUTH: "app-only",
    });
    expect(forwarding.partnerCenter?.grant).toEqual({ kind: "client-credentials" });
  });

  it("when endpoints are plain http, then only loopback (the local sandbox) is accepted", () => {
    const local = loadConfig({
      ...validEnvironment,
      PARTNER_CENTER_API_URL: "http://127.0.0.1:7300/",
      PARTNER_CENTER_AUTHORITY: "http://localhost:7300",
    });
    expect(local.forwarding.partnerCenter).toMatchObject({
      apiUrl: "http://127.0.0.1:7300",
      authority: "http://localhost:7300/partner.partner.onmschina.cn",
    });
    const problems = problemsOf({
      ...validEnvironment,
      PARTNER_CENTER_API_URL: "http://partner.example.cn",
      PARTNER_CENTER_AUTHORITY: "ftp://login.example.cn",
    });
    expect(problems).toHaveLength(2);
    expect(problems[0]).toContain("PARTNER_CENTER_API_URL: must be https (plain http only for 127.0.0.1 or localhost)");
    expect(problems[1]).toContain("PARTNER_CENTER_AUTHORITY");
  });

  it("when a refresh token vault is named, then the newest refresh token is kept there under the default or the set secret name", () => {
    const chinaVault = loadConfig({
      ...validEnvironment,
      PARTNER_CENTER_REFRESH_TOKEN_VAULT_URL: "https://escalations-kv.vault.azure.cn/",
    });
    expect(chinaVault.forwarding.partnerCenter?.refreshTokenStore).toEqual({
      kind: "key-vault",
      vaultUrl: "https://escalations-kv.vault.azure.cn",
      secretName: "partner-center-refresh-token",
    });
    const named = loadConfig({
      ...validEnvironment,
      PARTNER_CENTER_REFRESH_TOKEN_VAULT_URL: "https://other.vault.example",
      PARTNER_CENTER_REFRESH_TOKEN_SECRET_NAME: "pc-Refresh-2",
    });
    expect(named.forwarding.partnerCenter?.refreshTokenStore).toEqual({
      kind: "key-vault",
      vaultUrl: "https://other.vault.example",
      secretName: "pc-Refresh-2",
    });
    const local = loadConfig({ ...validEnvironment, PARTNER_CENTER_REFRESH_TOKEN_VAULT_URL: "http://127.0.0.1:8443" });
    expect(local.forwarding.partnerCenter?.refreshTokenStore).toMatchObject({
      kind: "key-vault",
      vaultUrl: "http://127.0.0.1:8443",
    });
  });

  it("when the refresh token vault URL or secret name is invalid, then each is named together with the other problems", () => {
    const problems = problemsOf({
      ...validEnvironment,
      PARTNER_CENTER_REFRESH_TOKEN_VAULT_URL: "http://escalations-kv.vault.azure.cn/",
      PARTNER_CENTER_REFRESH_TOKEN_SECRET_NAME: "partner_center.token",
      PARTNER_CENTER_TENANT_ID: undefined,
    });
    expect(problems).toEqual([
      "PARTNER_CENTER_REFRESH_TOKEN_VAULT_URL: must be https (plain http only for 127.0.0.1 or localhost)",
      "PARTNER_CENTER_REFRESH_TOKEN_SECRET_NAME: 1-127 letters, digits and dashes (Key Vault secret name)",
      expect.stringContaining("PARTNER_CENTER_TENANT_ID: required"),
    ]);
    for (const notAVault of [
      "https://escalations-kv.vault.azure.cn/secrets/partner-center-refresh-token",
      "https://escalations-kv.vault.azure.cn/?x=1",
      "https://user:pass@escalations-kv.vault.azure.cn",
      "escalations-kv",
    ]) {
      expect(problemsOf({ ...validEnvironment, PARTNER_CENTER_REFRESH_TOKEN_VAULT_URL: notAVault })).toEqual([
        expect.stringContaining("PARTNER_CENTER_REFRESH_TOKEN_VAULT_URL: "),
      ]);
    }
    expect(problemsOf({ ...validEnvironment, PARTNER_CENTER_REFRESH_TOKEN_SECRET_NAME: "a".repeat(128) })).toEqual([
      expect.stringContaining("PARTNER_CENTER_REFRESH_TOKEN_SECRET_NAME: "),
    ]);
  });

  it("when retry durations are set, then they are ISO 8601 and the ceiling is not below the base", () => {
    const { forwarding } = loadConfig({
      ...validEnvironment,
      FORWARD_RETRY_BASE_DELAY: "PT10S",
      FORWARD_RETRY_MAX_DELAY: "PT5M",
      FORWARD_RETRY_BUDGET: "P2D",
    });
    expect(forwarding.backoff).toEqual({ baseDelayMs: 10_000, maxDelayMs: 300_000, budgetMs: 172_800_000 });
    const problems = problemsOf({
      ...validEnvironment,
      FORWARD_RETRY_BASE_DELAY: "PT10M",
      FORWARD_RETRY_MAX_DELAY: "PT1M",
      FORWARD_RETRY_BUDGET: "24 hours",
    });
    expect(problems).toEqual([
      "FORWARD_RETRY_BUDGET: must be a positive ISO 8601 duration such as PT30S or P1D",
      "FORWARD_RETRY_MAX_DELAY: must not be shorter than FORWARD_RETRY_BASE_DELAY",
    ]);
  });

  it("when routing rules are invalid, then the rule and field are named", () => {
    const problems = problemsOf({
      ...validEnvironment,
      ESCALATION_ROUTING: '[{"channel":"email"}]',
      PARTNER_CENTER_LOCALE: "chinese",
    });
    expect(problems.join("\n")).toContain("ESCALATION_ROUTING.0.channel");
    expect(problems.join("\n")).toContain("PARTNER_CENTER_LOCALE");
  });
});

describe("loadConfig: metrics", () => {
  it("when nothing is set, then the default targets and a top 10 apply", () => {
    const { metrics } = loadConfig(validEnvironment);
    expect(metrics).toEqual({
      targets: {
        forwardMs: { critical: 900_000, moderate: 3_600_000, minimal: 14_400_000 },
        vianetResponseMs: { critical: 7_200_000, moderate: 14_400_000, minimal: 28_800_000 },
      },
      topCustomers: 10,
      delivery: expect.objectContaining({ webhooks: [] }) as unknown,
    });
  });

  it("when some targets are set, then those severities change and the others keep their default", () => {
    const { metrics } = loadConfig({
      ...validEnvironment,
      METRICS_FORWARD_TARGETS: '{"critical": "PT5M"}',
      METRICS_VIANET_RESPONSE_TARGETS: '{"minimal": "P1D"}',
      METRICS_TOP_CUSTOMERS: "25",
    });
    expect(metrics.targets.forwardMs).toEqual({ critical: 300_000, moderate: 3_600_000, minimal: 14_400_000 });
    expect(metrics.targets.vianetResponseMs.minimal).toBe(86_400_000);
    expect(metrics.topCustomers).toBe(25);
  });

  it("when a target is not a duration, a severity is unknown or the top list is out of range, then each is named", () => {
    const problems = problemsOf({
      ...validEnvironment,
      METRICS_FORWARD_TARGETS: '{"critical": "15 minutes", "urgent": "PT1M"}',
      METRICS_TOP_CUSTOMERS: "0",
    });
    expect(problems.join("\n")).toContain("METRICS_FORWARD_TARGETS.critical: must be a positive ISO 8601 duration");
    expect(problems.join("\n")).toContain("urgent");
    expect(problems.join("\n")).toContain("METRICS_TOP_CUSTOMERS");
  });

  it("when report webhooks are set, then each is parsed with its secret, format and windows; by default none, the queue report-deliveries and hours of retries", () => {
    expect(loadConfig(validEnvironment).metrics.delivery).toMatchObject({
      webhooks: [],
      queueName: "report-deliveries",
      backoff: { baseDelayMs: 30_000, maxDelayMs: 1_800_000, budgetMs: 21_600_000 },
    });
    const { delivery } = loadConfig({
      ...validEnvironment,
      METRICS_WEBHOOKS: JSON.stringify([
        {
          id: "ops-teams",
          url: "https://contoso.webhook.office.com/webhookb2/abc",
          format: "teams",
          secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
          windows: ["24h"],
        },
        { id: "local-flow", url: "http://127.0.0.1:9000/hook", secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw" },
      ]),
      METRICS_WEBHOOK_ALLOWED_PRIVATE_HOSTS: " 127.0.0.1 , ",
      METRICS_DELIVERY_QUEUE_NAME: "reports-out",
      METRICS_WEBHOOK_RETRY_BUDGET: "PT2H",
    }).metrics;
    expect(
      delivery.webhooks.map((webhook) => [
        webhook.id,
        webhook.url.href,
        webhook.format,
        webhook.windows,
        webhook.secret.key.length,
      ]),
    ).toEqual([
      ["ops-teams", "https://contoso.webhook.office.com/webhookb2/abc", "teams", ["24h"], 24],
      ["local-flow", "http://127.0.0.1:9000/hook", "json", ["1h", "24h", "7d", "30d"], 24],
    ]);
    expect([...delivery.policy.exemptHosts]).toEqual(["127.0.0.1"]);
    expect(delivery.queueName).toBe("reports-out");
    expect(delivery.backoff.budgetMs).toBe(7_200_000);
  });

  it("when a report webhook is http, private, localhost, unsigned or repeated, then each problem is named with its index", () => {
    const hook = (id: string, url: string, extra: Record<string, unknown> = {}) => ({
      id,
      url,
      secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
      ...extra,
    });
    const problems = problemsOf({
      ...validEnvironment,
      METRICS_WEBHOOKS: JSON.stringify([
        hook("a", "http://flows.example.cn/x"),
        hook("b", "https://10.0.0.4/x"),
        hook("c", "https://localhost:8443/x"),
        hook("d", "https://169.254.169.254/metadata"),
      ]),
      METRICS_WEBHOOK_RETRY_BASE_DELAY: "PT10M",
      METRICS_WEBHOOK_RETRY_MAX_DELAY: "PT1M",
    }).join("\n");
    expect(problems).toContain("METRICS_WEBHOOKS.0.url: must be an https URL");
    expect(problems).toContain(
      "METRICS_WEBHOOKS.1.url: must not point at a private, loopback or reserved address (10.0.0.4)",
    );
    expect(problems).toContain("METRICS_WEBHOOKS.2.url: must not point at localhost");
    expect(problems).toContain(
      "METRICS_WEBHOOKS.3.url: must not point at a private, loopback or reserved address (169.254.169.254)",
    );
    expect(problems).toContain(
      "METRICS_WEBHOOK_RETRY_MAX_DELAY: must not be shorter than METRICS_WEBHOOK_RETRY_BASE_DELAY",
    );

    const shape = problemsOf({
      ...validEnvironment,
      METRICS_WEBHOOKS: JSON.stringify([
        hook("a", "https://x.example.cn/", { secret: "not-a-secret", format: "slack" }),
        hook("a", "https://y.example.cn/"),
      ]),
    }).join("\n");
    expect(shape).toContain("METRICS_WEBHOOKS.0.secret");
    expect(shape).toContain("METRICS_WEBHOOKS.0.format");
    const repeated = problemsOf({
      ...validEnvironment,
      METRICS_WEBHOOKS: JSON.stringify([hook("a", "https://x.example.cn/"), hook("a", "https://y.example.cn/")]),
    }).join("\n");
    expect(repeated).toContain("webhook ids must be unique");
  });
});

describe("settingProblems", () => {
  it("when the app is hosted with nothing set, then each setting it cannot start without is named first in its path", () => {
    const names = settingProblems({ WEBSITE_SITE_NAME: "escalations", WEBSITE_INSTANCE_ID: "instance" }).map(
      (problem) => problem.path[0],
    );

    expect(new Set(names)).toEqual(
      new Set(["ServiceBusConnection", "EscalationsStorage", "ESCALATION_CALLERS", ...Object.keys(partnerCenter)]),
    );
  });

  it("when the environment loads, then there is no problem, as loadConfig agrees", () => {
    expect(settingProblems(validEnvironment)).toEqual([]);
    expect(() => loadConfig(validEnvironment)).not.toThrow();
  });
});

describe("SETTING_NAMES", () => {
  it("names every setting of the schema, those merged from the forwarding, metrics and hosting shapes included", () => {
    expect(SETTING_NAMES).toEqual(
      expect.arrayContaining([
        "ServiceBusConnection__fullyQualifiedNamespace",
        "EscalationsStorage__tableServiceUri",
        "PARTNER_CENTER_REFRESH_TOKEN_VAULT_URL",
        "METRICS_DELIVERY_QUEUE_NAME",
        "WEBSITE_SITE_NAME",
      ]),
    );
    expect(SETTING_NAMES).not.toContain("AzureWebJobsStorage");
  });
});
