// App settings, parsed once by one schema: every invalid or missing setting is reported at once.
// `loadConfig` takes the environment as an object so tests never touch process.env.
import { z } from "zod";

const nonEmpty = z.string().trim().min(1);

const Settings = z
  .object({
    ServiceBusConnection: nonEmpty.optional(),
    ServiceBusConnection__fullyQualifiedNamespace: nonEmpty.optional(),
    EscalationsStorage: nonEmpty.optional(),
    EscalationsStorage__tableServiceUri: z.url({ protocol: /^https?$/ }).optional(),
    ESCALATIONS_QUEUE_NAME: nonEmpty.default("escalations"),
    HEALTH_CHECK_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(3_000),
  })
  .superRefine((settings, ctx) => {
    if (settings.ServiceBusConnection === undefined && settings.ServiceBusConnection__fullyQualifiedNamespace === undefined) {
      ctx.addIssue({ code: "custom", path: ["ServiceBusConnection"], message: "set ServiceBusConnection (a connection string) or ServiceBusConnection__fullyQualifiedNamespace (managed identity)" });
    }
    if (settings.EscalationsStorage === undefined && settings.EscalationsStorage__tableServiceUri === undefined) {
      ctx.addIssue({ code: "custom", path: ["EscalationsStorage"], message: "set EscalationsStorage (a connection string) or EscalationsStorage__tableServiceUri (managed identity)" });
    }
  });

export type ServiceBusConnection = { kind: "connectionString"; connectionString: string } | { kind: "identity"; fullyQualifiedNamespace: string };
export type StorageConnection = { kind: "connectionString"; connectionString: string } | { kind: "identity"; tableServiceUri: string };

export interface AppConfig {
  serviceBus: ServiceBusConnection;
  escalationsQueueName: string;
  storage: StorageConnection;
  healthCheckTimeoutMs: number;
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
  };
}
