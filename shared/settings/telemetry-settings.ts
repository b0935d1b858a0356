// Where the app's OpenTelemetry data goes: Application Insights (its connection string names the
// cloud's ingestion endpoint, the China one in Azure operated by 21Vianet), an OTLP endpoint,
// spans printed to the console, or nowhere. Parsed on its own too, because telemetry starts
// before the functions load, earlier than the start-up check of every other setting.
import { z } from "zod";

export const DEFAULT_SERVICE_NAME = "vianet-escalation-bridge";

/** The parts of an Application Insights connection string the exporter needs. */
export interface AzureMonitorConnection {
  connectionString: string;
  /** The ingestion host the connection string names, e.g. `https://chinanorth3-0.in.applicationinsights.azure.cn/`. */
  ingestionEndpoint: string;
}

/** Application Insights with local authentication disabled: the app signs in with its managed identity. */
export interface AzureMonitorEntraAuthentication {
  /** A user-assigned identity's client id; undefined for the system-assigned one. */
  clientId?: string;
}

export interface TelemetryConfig {
  /** `service.name` of every span, metric and log record (the Application Insights role name). */
  serviceName: string;
  azureMonitor?: AzureMonitorConnection & { entra?: AzureMonitorEntraAuthentication };
  /** OTLP/HTTP base URL: traces go to `{url}/v1/traces`, metrics and logs likewise. */
  otlpEndpoint?: string;
  /** Print each finished span on standard output (local runs). */
  consoleSpans: boolean;
}

/** `Key=Value;Key=Value` as Application Insights writes it; names are case-insensitive. */
function connectionStringParts(value: string): Map<string, string> {
  const parts = new Map<string, string>();
  for (const part of value.split(";")) {
    const separator = part.indexOf("=");
    if (separator > 0) parts.set(part.slice(0, separator).trim().toLowerCase(), part.slice(separator + 1).trim());
  }
  return parts;
}

const ApplicationInsightsConnectionString = z.string().transform((value, context): AzureMonitorConnection => {
  const parts = connectionStringParts(value);
  if (!z.uuid().safeParse(parts.get("instrumentationkey")).success)
    context.addIssue({ code: "custom", message: "needs InstrumentationKey=<guid>, as the portal shows it" });
  // Without IngestionEndpoint the exporter falls back to the global cloud's ingestion host, where
  // a resource in Azure operated by 21Vianet does not exist: the telemetry would be lost.
  const ingestion = z.url({ protocol: /^https$/ }).safeParse(parts.get("ingestionendpoint"));
  if (!ingestion.success)
    context.addIssue({
      code: "custom",
      message:
        "needs IngestionEndpoint=https://... (the China cloud's connection string carries https://<region>.in.applicationinsights.azure.cn/)",
    });
  const ingestionEndpoint = ingestion.data ?? "";
  return { connectionString: withAudience(value, parts, ingestionEndpoint), ingestionEndpoint };
});

/** The Entra audience of Azure Monitor in Azure operated by 21Vianet (the exporter defaults to the global one). */
export const CHINA_MONITOR_AUDIENCE = "https://monitor.azure.cn//.default";

/**
 * The exporter asks Entra for a token for the connection string's AADAudience, or for the global
 * cloud's audience when it names none, which a China tenant cannot issue: a China ingestion
 * endpoint gets the China audience added.
 */
function withAudience(value: string, parts: Map<string, string>, ingestionEndpoint: string): string {
  if (parts.has("aadaudience") || !/\.azure\.cn$/i.test(hostOf(ingestionEndpoint))) return value;
  return `${value.replace(/;\s*$/, "")};AADAudience=${CHINA_MONITOR_AUDIENCE}`;
}

function hostOf(url: string): string {
  return URL.canParse(url) ? new URL(url).hostname : "";
}

/** `Authorization=AAD` or `Authorization=AAD;ClientId=<guid>`, the setting the Functions host reads too. */
const AuthenticationString = z.string().transform((value, context): AzureMonitorEntraAuthentication => {
  const parts = connectionStringParts(value);
  if (parts.get("authorization")?.toLowerCase() !== "aad")
    context.addIssue({
      code: "custom",
      message: "Authorization=AAD, optionally ;ClientId=<user-assigned identity's client id>",
    });
  const clientId = parts.get("clientid");
  if (clientId !== undefined && !z.uuid().safeParse(clientId).success)
    context.addIssue({ code: "custom", message: "ClientId must be the identity's client id (a guid)" });
  return clientId === undefined ? {} : { clientId };
});

export const telemetrySettingsShape = {
  APPLICATIONINSIGHTS_CONNECTION_STRING: ApplicationInsightsConnectionString.optional(),
  APPLICATIONINSIGHTS_AUTHENTICATION_STRING: AuthenticationString.optional(),
  OTEL_EXPORTER_OTLP_ENDPOINT: z.url({ protocol: /^https?$/ }).optional(),
  OTEL_SERVICE_NAME: z.string().trim().min(1).max(256).optional(),
  TELEMETRY_CONSOLE_SPANS: z.enum(["true", "false"], "true or false").optional(),
};

const TelemetrySettings = z.object(telemetrySettingsShape);

export function telemetryConfig(settings: z.output<typeof TelemetrySettings>): TelemetryConfig {
  return {
    serviceName: settings.OTEL_SERVICE_NAME ?? DEFAULT_SERVICE_NAME,
    ...(settings.APPLICATIONINSIGHTS_CONNECTION_STRING === undefined
      ? {}
      : {
          azureMonitor: {
            ...settings.APPLICATIONINSIGHTS_CONNECTION_STRING,
            ...(settings.APPLICATIONINSIGHTS_AUTHENTICATION_STRING === undefined
              ? {}
              : { entra: settings.APPLICATIONINSIGHTS_AUTHENTICATION_STRING }),
          },
        }),
    ...(settings.OTEL_EXPORTER_OTLP_ENDPOINT === undefined
      ? {}
      : { otlpEndpoint: settings.OTEL_EXPORTER_OTLP_ENDPOINT.replace(/\/+$/, "") }),
    consoleSpans: settings.TELEMETRY_CONSOLE_SPANS === "true",
  };
}

/**
 * The telemetry settings alone, for the start before the functions load; undefined when any of
 * them is invalid (the start-up check then refuses the app and names the problem with the rest).
 */
export function loadTelemetryConfig(environment: Record<string, string | undefined>): TelemetryConfig | undefined {
  const present = Object.fromEntries(
    Object.entries(environment).filter(([, value]) => value !== undefined && value.trim() !== ""),
  );
  const parsed = TelemetrySettings.safeParse(present);
  return parsed.success ? telemetryConfig(parsed.data) : undefined;
}
