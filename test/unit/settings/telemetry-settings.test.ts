// The telemetry settings: the Application Insights connection string must name its ingestion
// endpoint (the China cloud's, for this app), and the other settings choose local exporters.
import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../../../shared/settings/app-settings.js";
import { CHINA_MONITOR_AUDIENCE, loadTelemetryConfig } from "../../../shared/settings/telemetry-settings.js";

const CHINA =
  "InstrumentationKey=0b8a3b5e-5c2e-4a3b-9a52-2b6f2f0c1d11;IngestionEndpoint=https://chinanorth3-0.in.applicationinsights.azure.cn/;LiveEndpoint=https://chinanorth3.livediagnostics.monitor.azure.cn/";
const BASE = {
  ServiceBusConnection: "Endpoint=sb://127.0.0.1/",
  EscalationsStorage: "UseDevelopmentStorage=true",
  ESCALATION_ROUTING: JSON.stringify([{ channel: "portal" }]),
};

function problemsOf(environment: Record<string, string>): string[] {
  try {
    loadConfig({ ...BASE, ...environment });
    return [];
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
}

describe("telemetry settings", () => {
  it("when nothing is set, then no exporter is configured and the service is named after the app", () => {
    expect(loadConfig(BASE).telemetry).toEqual({ serviceName: "vianet-escalation-bridge", consoleSpans: false });
  });

  it("when the China connection string is set, then its ingestion endpoint is used and the China Entra audience added", () => {
    const telemetry = loadTelemetryConfig({ APPLICATIONINSIGHTS_CONNECTION_STRING: CHINA });
    expect(telemetry?.azureMonitor?.ingestionEndpoint).toBe("https://chinanorth3-0.in.applicationinsights.azure.cn/");
    expect(telemetry?.azureMonitor?.connectionString).toBe(`${CHINA};AADAudience=${CHINA_MONITOR_AUDIENCE}`);
  });

  it("when a global connection string is set, then it is used as it is", () => {
    const global =
      "InstrumentationKey=0b8a3b5e-5c2e-4a3b-9a52-2b6f2f0c1d11;IngestionEndpoint=https://westeurope-5.in.applicationinsights.azure.com/";
    expect(loadTelemetryConfig({ APPLICATIONINSIGHTS_CONNECTION_STRING: global })?.azureMonitor?.connectionString).toBe(
      global,
    );
  });

  it("when the connection string names no ingestion endpoint or no key, then the app refuses it, saying why", () => {
    expect(
      problemsOf({ APPLICATIONINSIGHTS_CONNECTION_STRING: "InstrumentationKey=0b8a3b5e-5c2e-4a3b-9a52-2b6f2f0c1d11" }),
    ).toEqual([
      expect.stringMatching(/^APPLICATIONINSIGHTS_CONNECTION_STRING: needs IngestionEndpoint=https:.*azure\.cn/),
    ]);
    expect(
      problemsOf({
        APPLICATIONINSIGHTS_CONNECTION_STRING:
          "IngestionEndpoint=https://chinanorth3-0.in.applicationinsights.azure.cn/",
      }),
    ).toEqual([expect.stringMatching(/^APPLICATIONINSIGHTS_CONNECTION_STRING: needs InstrumentationKey/)]);
    expect(loadTelemetryConfig({ APPLICATIONINSIGHTS_CONNECTION_STRING: "garbage" })).toBeUndefined();
  });

  it("when Entra authentication is asked for, then the identity's client id is kept, and anything else is refused", () => {
    const telemetry = loadTelemetryConfig({
      APPLICATIONINSIGHTS_CONNECTION_STRING: CHINA,
      APPLICATIONINSIGHTS_AUTHENTICATION_STRING: "Authorization=AAD;ClientId=4f6d3b9b-027b-4f4c-9142-0e5a2a2247e0",
    });
    expect(telemetry?.azureMonitor?.entra).toEqual({ clientId: "4f6d3b9b-027b-4f4c-9142-0e5a2a2247e0" });
    expect(problemsOf({ APPLICATIONINSIGHTS_AUTHENTICATION_STRING: "Authorization=Key" })).toEqual([
      expect.stringMatching(/^APPLICATIONINSIGHTS_AUTHENTICATION_STRING: Authorization=AAD/),
    ]);
  });

  it("when an OTLP endpoint and console spans are set, then both are configured", () => {
    expect(
      loadTelemetryConfig({
        OTEL_EXPORTER_OTLP_ENDPOINT: "http://127.0.0.1:4318/",
        TELEMETRY_CONSOLE_SPANS: "true",
        OTEL_SERVICE_NAME: "bridge-local",
      }),
    ).toEqual({ serviceName: "bridge-local", otlpEndpoint: "http://127.0.0.1:4318", consoleSpans: true });
    expect(problemsOf({ TELEMETRY_CONSOLE_SPANS: "yes", OTEL_EXPORTER_OTLP_ENDPOINT: "ftp://x" })).toHaveLength(2);
  });
});
