// App settings, parsed once by one schema: every invalid or missing setting is reported at once.
// `loadConfig` takes the environment as an object so tests never touch process.env.
import { z } from "zod";
import { CallersSetting, type CallerConfig } from "./escalations/callers.js";
import { CriteriaRules } from "./escalations/criteria.js";
import { WebhookSendersSetting, type WebhookSender } from "./escalations/webhook-senders.js";
import { forwardingConfig, forwardingProblems, forwardingSettingsShape, type ForwardingConfig } from "./forwarding/forwarding-settings.js";
import { hostingProblems, hostingSettingsShape } from "./hosting-settings.js";
import { PublicHost } from "./http/public-host.js";
import { jsonSetting } from "./json-setting.js";
import { metricsConfig, metricsProblems, metricsSettingsShape, type MetricsConfig } from "./metrics/metrics-settings.js";

/** Services offered by 21Vianet that partners escalate about; a setting can replace the list. */
export const DEFAULT_SERVICES = ["office365", "azure", "dynamics365", "powerbi", "intune", "teams", "partner-center"] as const;

const nonEmpty = z.string().trim().min(1);

const Settings = z
  .object({
    ServiceBusConnection: nonEmpty.optional(),
    ServiceBusConnection__fullyQualifiedNamespace: nonEmpty.optional(),
    EscalationsStorage: nonEmpty.optional(),
    EscalationsStorage__tableServiceUri: z.url({ protocol: /^https?$/ }).optional(),
    ESCALATIONS_QUEUE_NAME: nonEmpty.default("escalations"),
    HEALTH_CHECK_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(3_000),
    ESCALATIONS_TABLE_NAME: z.string().regex(/^[A-Za-z][A-Za-z0-9]{2,62}$/, "3-63 letters and digits, starting with a letter").default("escalations"),
    ESCALATION_CALLERS: jsonSetting(CallersSetting).optional(),
    ESCALATION_WEBHOOK_SENDERS: jsonSetting(WebhookSendersSetting).optional(),
    ESCALATION_SERVICES: jsonSetting(z.array(z.string().trim().toLowerCase().min(1).max(64)).min(1)).optional(),
    ESCALATION_CRITERIA: jsonSetting(CriteriaRules).optional(),
    PUBLIC_HOST: PublicHost.optional(),
    ...forwardingSettingsShape,
    ...metricsSettingsShape,
    ...hostingSettingsShape,
  })
  .superRefine((settings, ctx) => {
    if (settings.ServiceBusConnection === undefined && settings.ServiceBusConnection__fullyQualifiedNamespace === undefined) {
      ctx.addIssue({ code: "custom", path: ["ServiceBusConnection"], message: "set ServiceBusConnection (a connection string) or ServiceBusConnection__fullyQualifiedNamespace (managed identity)" });
    }
    if (settings.EscalationsStorage === undefined && settings.EscalationsStorage__tableServiceUri === undefined) {
      ctx.addIssue({ code: "custom", path: ["EscalationsStorage"], message: "set EscalationsStorage (a connection string) or EscalationsStorage__tableServiceUri (managed identity)" });
    }
    const outboundExemptions = (["WEBHOOK_ALLOWED_PRIVATE_HOSTS", "METRICS_WEBHOOK_ALLOWED_PRIVATE_HOSTS"] as const).filter((name) => settings[name] !== undefined);
    for (const problem of [...forwardingProblems(settings), ...metricsProblems(settings), ...hostingProblems({ ...settings, outboundExemptions })]) ctx.addIssue({ code: "custom", ...problem });
  });

export type ServiceBusConnection = { kind: "connectionString"; connectionString: string } | { kind: "identity"; fullyQualifiedNamespace: string };
export type StorageConnection = { kind: "connectionString"; connectionString: string } | { kind: "identity"; tableServiceUri: string };

export interface AppConfig {
  serviceBus: ServiceBusConnection;
  escalationsQueueName: string;
  storage: StorageConnection;
  healthCheckTimeoutMs: number;
  escalationsTableName: string;
  /** Empty: any key the Functions host accepted is one caller for all tenants (local use). */
  callers: CallerConfig[];
  webhookSenders: WebhookSender[];
  services: string[];
  criteria: CriteriaRules;
  forwarding: ForwardingConfig;
  metrics: MetricsConfig;
  /** The host (and port) the OpenAPI document names; unset: the document names none, and clients use the host serving it. */
  publicHost: string | undefined;
}

export class ConfigError extends Error {
  override readonly name = "ConfigError";
  readonly problems: string[];

  constructor(problems: string[]) {
    super(`invalid app settings:\n  ${problems.join("\n  ")}`);
    this.problems = problems;
  }
}

/** Azurite's development account, which `UseDevelopmentStorage=true` stands for. */
const DEVELOPMENT_STORAGE =
  "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;TableEndpoint=http://127.0.0.1:10002/devstoreaccount1;";

export function loadConfig(environment: Record<string, string | undefined>): AppConfig {
  // An app setting that exists but is empty is treated as not set.
  const present = Object.fromEntries(Object.entries(environment).filter(([, value]) => value !== undefined && value.trim() !== ""));
  const parsed = Settings.safeParse(present);
  if (!parsed.success) {
    throw new ConfigError(parsed.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`));
  }
  const settings = parsed.data;
  const storageConnectionString = settings.EscalationsStorage === "UseDevelopmentStorage=true" ? DEVELOPMENT_STORAGE : settings.EscalationsStorage;
  return {
    serviceBus:
      settings.ServiceBusConnection !== undefined
        ? { kind: "connectionString", connectionString: settings.ServiceBusConnection }
        : { kind: "identity", fullyQualifiedNamespace: settings.ServiceBusConnection__fullyQualifiedNamespace ?? "" },
    escalationsQueueName: settings.ESCALATIONS_QUEUE_NAME,
    storage:
      storageConnectionString !== undefined
        ? { kind: "connectionString", connectionString: storageConnectionString }
        : { kind: "identity", tableServiceUri: settings.EscalationsStorage__tableServiceUri ?? "" },
    healthCheckTimeoutMs: settings.HEALTH_CHECK_TIMEOUT_MS,
    escalationsTableName: settings.ESCALATIONS_TABLE_NAME,
    callers: settings.ESCALATION_CALLERS ?? [],
    webhookSenders: settings.ESCALATION_WEBHOOK_SENDERS ?? [],
    services: settings.ESCALATION_SERVICES ?? [...DEFAULT_SERVICES],
    criteria: settings.ESCALATION_CRITERIA ?? CriteriaRules.parse({}),
    forwarding: forwardingConfig(settings),
    metrics: metricsConfig(settings),
    publicHost: settings.PUBLIC_HOST,
  };
}
