// The OpenTelemetry SDK of the worker, set up the way Microsoft documents for Azure Functions on
// Node (host.json `telemetryMode: "OpenTelemetry"`): the Functions instrumentation tells the host
// that the worker exports its own logs and puts each invocation in the host's trace context, and
// Azure Monitor's exporters send traces, metrics and logs to the ingestion endpoint the connection
// string names (the China one for Azure operated by 21Vianet). An OTLP endpoint and the console
// serve local runs. Nothing is started when nothing would receive the data.
import type * as AzureFunctions from "@azure/functions";
// A webpack bundle whose names Node cannot detect from an ES module: only its default export is there.
import functionsInstrumentation from "@azure/functions-opentelemetry-instrumentation";
import type { TokenCredential } from "@azure/identity";
import {
  AzureMonitorLogExporter,
  AzureMonitorMetricExporter,
  AzureMonitorTraceExporter,
} from "@azure/monitor-opentelemetry-exporter";
import { metrics } from "@opentelemetry/api";
import { OTLPLogExporter } from "@opentelemetry/exporter-logs-otlp-http";
import { OTLPMetricExporter } from "@opentelemetry/exporter-metrics-otlp-http";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { BatchLogRecordProcessor, LoggerProvider, type LogRecordProcessor } from "@opentelemetry/sdk-logs";
import { MeterProvider, PeriodicExportingMetricReader, type IMetricReader } from "@opentelemetry/sdk-metrics";
import {
  BatchSpanProcessor,
  ConsoleSpanExporter,
  SimpleSpanProcessor,
  type SpanProcessor,
} from "@opentelemetry/sdk-trace-base";
import { NodeTracerProvider } from "@opentelemetry/sdk-trace-node";
import type { TelemetryConfig } from "../../settings/telemetry-settings.js";
import { INSTRUMENTATION_SCOPE } from "../../lib/telemetry-names.js";
import { captureStructuredLogs } from "./structured-logs.js";

/** Where each signal goes. */
export interface TelemetryPipelines {
  spanProcessors: SpanProcessor[];
  metricReaders: IMetricReader[];
  logProcessors: LogRecordProcessor[];
}

/** Azure Monitor's and OpenTelemetry's default: one export a minute keeps the ingestion cost flat. */
const METRIC_EXPORT_INTERVAL_MS = 60_000;

/** The exporters the settings ask for; `credential` is for Application Insights with local authentication disabled. */
export function pipelinesFor(config: TelemetryConfig, credential?: TokenCredential): TelemetryPipelines {
  const pipelines: TelemetryPipelines = { spanProcessors: [], metricReaders: [], logProcessors: [] };
  if (config.azureMonitor !== undefined) {
    const options = {
      connectionString: config.azureMonitor.connectionString,
      ...(credential === undefined ? {} : { credential }),
    };
    pipelines.spanProcessors.push(new BatchSpanProcessor(new AzureMonitorTraceExporter(options)));
    pipelines.metricReaders.push(
      new PeriodicExportingMetricReader({
        exporter: new AzureMonitorMetricExporter(options),
        exportIntervalMillis: METRIC_EXPORT_INTERVAL_MS,
      }),
    );
    pipelines.logProcessors.push(new BatchLogRecordProcessor(new AzureMonitorLogExporter(options)));
  }
  if (config.otlpEndpoint !== undefined) {
    const base = config.otlpEndpoint;
    pipelines.spanProcessors.push(new BatchSpanProcessor(new OTLPTraceExporter({ url: `${base}/v1/traces` })));
    pipelines.metricReaders.push(
      new PeriodicExportingMetricReader({
        exporter: new OTLPMetricExporter({ url: `${base}/v1/metrics` }),
        exportIntervalMillis: METRIC_EXPORT_INTERVAL_MS,
      }),
    );
    pipelines.logProcessors.push(new BatchLogRecordProcessor(new OTLPLogExporter({ url: `${base}/v1/logs` })));
  }
  // Synchronous on purpose: a span shows the moment it ends, between the host's own log lines.
  if (config.consoleSpans) pipelines.spanProcessors.push(new SimpleSpanProcessor(new ConsoleSpanExporter()));
  return pipelines;
}

export interface RunningTelemetry {
  tracerProvider: NodeTracerProvider;
  meterProvider: MeterProvider;
  /** Not registered globally: see startTelemetry. */
  loggerProvider: LoggerProvider;
  /** Exports what is buffered and stops; for the app's terminate hook and tests. */
  shutdown(): Promise<void>;
}

/**
 * Registers the tracer and meter providers as the process's global ones (with W3C trace-context
 * propagation and an AsyncLocalStorage context), so the @opentelemetry/api calls in handlers and
 * adapters record. The logger provider stays private: the Functions instrumentation would send
 * every log line again as one formatted string through a global one.
 */
export function startTelemetry(serviceName: string, pipelines: TelemetryPipelines): RunningTelemetry {
  const resource = resourceFromAttributes({ "service.name": serviceName });
  const tracerProvider = new NodeTracerProvider({ resource, spanProcessors: pipelines.spanProcessors });
  tracerProvider.register();
  const meterProvider = new MeterProvider({ resource, readers: pipelines.metricReaders });
  metrics.setGlobalMeterProvider(meterProvider);
  const loggerProvider = new LoggerProvider({ resource, processors: pipelines.logProcessors });
  return {
    tracerProvider,
    meterProvider,
    loggerProvider,
    shutdown: async () => {
      await Promise.allSettled([tracerProvider.shutdown(), meterProvider.shutdown(), loggerProvider.shutdown()]);
    },
  };
}

/**
 * Hooks the running telemetry into the Functions programming model: Microsoft's instrumentation
 * (host capability, trace context per invocation; patched by hand, as an ES module app must),
 * structured log records for every invocation, and a flush when the app stops.
 */
export function instrumentFunctions(functions: typeof AzureFunctions, telemetry: RunningTelemetry): void {
  // Not enabled through its module hooks: @azure/functions is already loaded by an ES module.
  new functionsInstrumentation.AzureFunctionsInstrumentationESM({ enabled: false }).registerAzFunc(functions);
  const logger = telemetry.loggerProvider.getLogger(INSTRUMENTATION_SCOPE);
  functions.app.hook.preInvocation((context) => {
    captureStructuredLogs(context.invocationContext, logger);
  });
  functions.app.hook.appTerminate(() => telemetry.shutdown());
}

/** Starts telemetry for the settings, or nothing when no exporter is configured. */
export function startConfiguredTelemetry(
  config: TelemetryConfig,
  functions: typeof AzureFunctions,
  credential?: TokenCredential,
): RunningTelemetry | undefined {
  const pipelines = pipelinesFor(config, credential);
  if (pipelines.spanProcessors.length === 0 && pipelines.logProcessors.length === 0) return undefined;
  const telemetry = startTelemetry(config.serviceName, pipelines);
  instrumentFunctions(functions, telemetry);
  return telemetry;
}
