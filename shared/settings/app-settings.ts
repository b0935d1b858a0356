// App settings, parsed once by one schema: every invalid or missing setting is reported at once.
// `loadConfig` takes the environment as an object so tests never touch process.env.
import { z } from "zod";
import { BridgeError } from "../lib/errors.js";
import type { CallerConfig } from "../domain/escalations/callers.js";
import { CallersSetting, WebhookSendersSetting } from "./caller-settings.js";
import { CriteriaRules } from "../domain/escalations/criteria.js";
import type { WebhookSender } from "../domain/escalations/webhook-senders.js";
import {
  forwardingConfig,
  forwardingRules,
  forwardingSettingsShape,
  type ForwardingConfig,
} from "./forwarding-settings.js";
import { hostingProblems, hostingSettingsShape } from "./hosting-settings.js";
import { PublicHost } from "./public-host.js";
import { jsonSetting } from "./json-setting.js";
import { metricsConfig, metricsRules, metricsSettingsShape, type MetricsConfig } from "./metrics-settings.js";
import { eventConfig, eventRules, eventSettingsShape, type EventConfig } from "./event-settings.js";
import { telemetryConfig, telemetrySettingsShape, type TelemetryConfig } from "./telemetry-settings.js";
import type { CrossSettingRule, SettingProblem } from "./setting-rules.js";
import { statusSyncConfig, statusSyncSettingsShape, type StatusSyncConfig } from "./status-sync-settings.js";
import {
  dataRetentionConfig,
  dataRetentionSettingsShape,
  type DataRetentionConfig,
} from "./data-retention-settings.js";

/** Services offered by 21Vianet that partners escalate about; a setting can replace the list. */
export const DEFAULT_SERVICES = [
  "office365",
  "azure",
  "dynamics365",
  "powerbi",
  "intune",
  "teams",
  "partner-center",
] as const;

const nonEmpty = z.string().trim().min(1);

/**
 * Each setting on its own. Checks across settings are `CROSS_SETTING_RULES`, not a superRefine:
 * zod skips an object's refinements as soon as one field fails, which would hide their problems
 * behind, say, one malformed JSON setting.
 */
const Settings = z.object({
  ServiceBusConnection: nonEmpty.optional(),
  ServiceBusConnection__fullyQualifiedNamespace: nonEmpty.optional(),
  EscalationsStorage: nonEmpty.optional(),
  EscalationsStorage__tableServiceUri: z.url({ protocol: /^https?$/ }).optional(),
  ESCALATIONS_QUEUE_NAME: nonEmpty.default("escalations"),
  HEALTH_CHECK_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(3_000),
  ESCALATIONS_TABLE_NAME: z
    .string()
    .regex(/^[A-Za-z][A-Za-z0-9]{2,62}$/, "3-63 letters and digits, starting with a letter")
    .default("escalations"),
  ESCALATION_CALLERS: jsonSetting(CallersSetting).optional(),
  ESCALATION_WEBHOOK_SENDERS: jsonSetting(WebhookSendersSetting).optional(),
  ESCALATION_SERVICES: jsonSetting(z.array(z.string().trim().toLowerCase().min(1).max(64)).min(1)).optional(),
  ESCALATION_CRITERIA: jsonSetting(CriteriaRules).optional(),
  PUBLIC_HOST: PublicHost.optional(),
  ...forwardingSettingsShape,
  ...metricsSettingsShape,
  ...eventSettingsShape,
  ...statusSyncSettingsShape,
  ...dataRetentionSettingsShape,
  ...hostingSettingsShape,
  ...telemetrySettingsShape,
});

type Settings = z.output<typeof Settings>;

const CROSS_SETTING_RULES: readonly CrossSettingRule<Settings>[] = [
  {
    reads: ["ServiceBusConnection", "ServiceBusConnection__fullyQualifiedNamespace"],
    check: (settings) =>
      settings.ServiceBusConnection === undefined &&
      settings.ServiceBusConnection__fullyQualifiedNamespace === undefined
        ? [
            {
              path: ["ServiceBusConnection"],
              message:
                "set ServiceBusConnection (a connection string) or ServiceBusConnection__fullyQualifiedNamespace (managed identity)",
            },
          ]
        : [],
  },
  {
    reads: ["EscalationsStorage", "EscalationsStorage__tableServiceUri"],
    check: (settings) =>
      settings.EscalationsStorage === undefined && settings.EscalationsStorage__tableServiceUri === undefined
        ? [
            {
              path: ["EscalationsStorage"],
              message:
                "set EscalationsStorage (a connection string) or EscalationsStorage__tableServiceUri (managed identity)",
            },
          ]
        : [],
  },
  {
    reads: [
      "WEBSITE_INSTANCE_ID",
      "WEBSITE_SITE_NAME",
      "ESCALATION_CALLERS",
      "WEBHOOK_ALLOWED_PRIVATE_HOSTS",
      "METRICS_WEBHOOK_ALLOWED_PRIVATE_HOSTS",
    ],
    check: (settings) => {
      const outboundExemptions = (
        ["WEBHOOK_ALLOWED_PRIVATE_HOSTS", "METRICS_WEBHOOK_ALLOWED_PRIVATE_HOSTS"] as const
      ).filter((name) => settings[name] !== undefined);
      return hostingProblems({ ...settings, outboundExemptions });
    },
  },
  ...forwardingRules,
  ...metricsRules,
  ...eventRules,
];

export type ServiceBusConnection =
  { kind: "connectionString"; connectionString: string } | { kind: "identity"; fullyQualifiedNamespace: string };
export type StorageConnection =
  { kind: "connectionString"; connectionString: string } | { kind: "identity"; tableServiceUri: string };

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
  events: EventConfig;
  statusSync: StatusSyncConfig;
  dataRetention: DataRetentionConfig;
  /** The host name (and port) the OpenAPI document names; undefined leaves `host` out. */
  publicHost: string | undefined;
  telemetry: TelemetryConfig;
}

export class ConfigError extends BridgeError {
  override readonly name = "ConfigError";
  readonly problems: string[];

  constructor(problems: string[]) {
    super("invalid-settings", `invalid app settings:\n  ${problems.join("\n  ")}`);
    this.problems = problems;
  }
}

/** Azurite's development account, which `UseDevelopmentStorage=true` stands for. */
const DEVELOPMENT_STORAGE =
  "DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==;TableEndpoint=http://127.0.0.1:10002/devstoreaccount1;";

/** Every setting the schema reads, by name: what a deployment may set for the app. */
export const SETTING_NAMES: readonly string[] = Object.keys(Settings.shape);

function checkSettings(environment: Record<string, string | undefined>): {
  settings: Settings;
  problems: SettingProblem[];
} {
  // An app setting that exists but is empty is treated as not set.
  const present = Object.fromEntries(
    Object.entries(environment).filter(([, value]) => value !== undefined && value.trim() !== ""),
  );
  const parsed = Settings.safeParse(present);
  const problems: SettingProblem[] = parsed.success
    ? []
    : parsed.error.issues.map((issue) => ({ path: issue.path.map(String), message: issue.message }));
  const invalid = new Set(problems.map((problem) => problem.path[0]));
  // The settings that are valid on their own still go through every rule that reads only them.
  const settings = parsed.success
    ? parsed.data
    : Settings.parse(Object.fromEntries(Object.entries(present).filter(([name]) => !invalid.has(name))));
  for (const rule of CROSS_SETTING_RULES) {
    if (!rule.reads.some((name) => invalid.has(name))) problems.push(...rule.check(settings));
  }
  return { settings, problems };
}

/**
 * What `loadConfig` would refuse in this environment, each problem with its setting's name first
 * in `path`; none when the app would start. A deployment's checks ask it which settings a hosted
 * app cannot start without, so the schema stays the one list of them.
 */
export function settingProblems(environment: Record<string, string | undefined>): SettingProblem[] {
  return checkSettings(environment).problems;
}

export function loadConfig(environment: Record<string, string | undefined>): AppConfig {
  const { settings, problems } = checkSettings(environment);
  if (problems.length > 0)
    throw new ConfigError(problems.map((problem) => `${problem.path.join(".")}: ${problem.message}`));
  const storageConnectionString =
    settings.EscalationsStorage === "UseDevelopmentStorage=true" ? DEVELOPMENT_STORAGE : settings.EscalationsStorage;
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
    events: eventConfig(settings),
    statusSync: statusSyncConfig(settings),
    dataRetention: dataRetentionConfig(settings),
    publicHost: settings.PUBLIC_HOST,
    telemetry: telemetryConfig(settings),
  };
}
