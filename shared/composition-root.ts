// The one place that reads the environment and builds SDK clients: once per worker, on first
// use, so a cold start pays only for what the first invocation needs.
import { DEFAULT_METRICS_SCHEDULE } from "./settings/metrics-settings.js";
import { DEFAULT_STATUS_SYNC_SCHEDULE } from "./settings/status-sync-settings.js";
import { DEFAULT_DATA_RETENTION_SCHEDULE } from "./settings/data-retention-settings.js";
import { TableClient, TableServiceClient } from "@azure/data-tables";
import { DefaultAzureCredential, ManagedIdentityCredential, type TokenCredential } from "@azure/identity";
import { ServiceBusClient, type ServiceBusSender } from "@azure/service-bus";
import type * as AzureFunctions from "@azure/functions";
import type { HttpRequest, HttpResponseInit, InvocationContext } from "@azure/functions";
import { loadTelemetryConfig, type TelemetryConfig } from "./settings/telemetry-settings.js";
import { startConfiguredTelemetry } from "./adapters/telemetry/open-telemetry.js";
import { meteredEscalationTelemetry } from "./adapters/telemetry/metered-escalation-telemetry.js";
import { loadConfig, type AppConfig } from "./settings/app-settings.js";
import { BridgeError } from "./lib/errors.js";
import { makeServiceBusProbe } from "./adapters/service-bus/service-bus-probe.js";
import { makeTableStorageProbe } from "./adapters/table-storage/table-storage-probe.js";
import { makeHealthDetailsHandler, makeHealthHandler, type HealthDependencies } from "./handlers/health-handler.js";
import { ServiceBusEscalationQueue } from "./adapters/service-bus/service-bus-escalation-queue.js";
import { TableEscalationStore } from "./adapters/table-storage/table-escalation-store.js";
import { TableIdempotencyStore } from "./adapters/table-storage/table-idempotency-store.js";
import { randomIds } from "./domain/escalations/ids.js";
import type { Clock } from "./domain/escalations/ports.js";
import { dispatchPending } from "./domain/escalations/submit-escalation.js";
import { makeGetEscalationHandler } from "./handlers/get-escalation-handler.js";
import { makeListEscalationsHandler } from "./handlers/list-escalations-handler.js";
import { makeRecordVianetCaseHandler } from "./handlers/record-vianet-case-handler.js";
import { makeReplayEscalationHandler } from "./handlers/replay-escalation-handler.js";
import { makeRecordVianetCaseUpdateHandler, makeRecordVianetUpdateHandler } from "./handlers/vianet-update-handler.js";
import { makeAddPartnerNoteHandler } from "./handlers/partner-note-handler.js";
import { makeSubmitEscalationHandler } from "./handlers/submit-escalation-handler.js";
import { makeWebhookEscalationHandler } from "./handlers/webhook-escalation-handler.js";
import { buildOpenApiDocument } from "./http/openapi.js";
import { withErrorBoundary, type HttpHandler } from "./http/error-boundary.js";
import { buildPartnerCenterChannel } from "./adapters/partner-center/build-partner-center-channel.js";
import { sandboxChannelOptions } from "./sandbox/loopback-msal-network.js";
import { CredentialState } from "./adapters/partner-center/partner-center-tokens.js";
import { buildRefreshTokenStore } from "./adapters/partner-center/build-refresh-token-store.js";
import { makeCredentialProbe } from "./domain/health/credential-probe.js";
import { TableMetricsSource } from "./adapters/table-storage/table-metrics-source.js";
import { TableReportStore } from "./adapters/table-storage/table-report-store.js";
import { runScheduledReports, type StoredReport } from "./domain/metrics/scheduled-reports.js";
import { computeReport } from "./domain/metrics/compute-report.js";
import { windowEndingAt, type ReportWindow } from "./domain/metrics/windows.js";
import { makeMetricsHandler } from "./handlers/metrics-handler.js";
import { makeDashboardHandler } from "./handlers/dashboard-handler.js";
import { dashboardAssetUrls, serveDashboardAsset } from "./http/dashboard/dashboard-assets.js";
import { TableDeadLetterLog } from "./adapters/table-storage/table-dead-letter-log.js";
import { TableSyncSchedule } from "./adapters/table-storage/table-sync-schedule.js";
import { runStatusSync, type SyncRunSummary } from "./domain/forwarding/status-sync.js";
import type { VianetServiceRequests } from "./domain/forwarding/service-requests.js";
import type { PartnerCenterChannel } from "./adapters/partner-center/partner-center-channel.js";
import type { ChannelName, VianetChannel } from "./domain/forwarding/channel.js";
import { PortalChannel } from "./domain/forwarding/portal-channel.js";
import { makeDeadLetterHandler, makeForwardMessageHandler } from "./handlers/forward-message-handler.js";
import { makeEscalationMessageHandler, makePartnerNoteHandler } from "./handlers/escalation-message-handler.js";
import { randomUUID } from "node:crypto";
import { ServiceBusReportDeliveries } from "./adapters/service-bus/service-bus-report-deliveries.js";
import { makeWebhookPoster } from "./adapters/http/webhook-poster.js";
import { deliveriesOf } from "./domain/metrics/deliver-report.js";
import { makeDeliveryDeadLetterHandler, makeReportDeliveryHandler } from "./handlers/report-delivery-handler.js";
import { ServiceBusEventDeliveries } from "./adapters/service-bus/service-bus-event-deliveries.js";
import { TableEventOutbox } from "./adapters/table-storage/table-event-outbox.js";
import { publishRecorded, sweepEvents, type PublishEventsDependencies } from "./domain/events/publish-events.js";
import { publishingQuietly } from "./domain/events/publishing-store.js";
import type { SubscriptionStore } from "./domain/events/subscription.js";
import { makeEventDeliveryHandler } from "./handlers/event-delivery-handler.js";
import { toEscalationView } from "./handlers/get-escalation-handler.js";
import { TableSubscriptionStore } from "./adapters/table-storage/table-subscription-store.js";
import { newSubscriptionId, newSubscriptionSecret } from "./domain/events/manage-subscriptions.js";
// Personal data: erasure and access on request.
import { TableErasureAudit } from "./adapters/table-storage/table-erasure-audit.js";
import { TablePersonalDataCopies } from "./adapters/table-storage/table-personal-data-copies.js";
import {
  makeErasePersonalDataHandler,
  makeGetPersonalDataHandler,
  type CustomerPersonalDataHandlerDependencies,
} from "./handlers/customer-personal-data-handlers.js";
import { TableDataRetention } from "./adapters/table-storage/table-data-retention.js";
import { countRequests } from "./adapters/table-storage/table-request-counter.js";
import { runDataRetention as runRetention, type DataRetentionSummary } from "./domain/escalations/data-retention.js";
import {
  makeCreateSubscriptionHandler,
  makeDeleteSubscriptionHandler,
  makeGetSubscriptionHandler,
  makeListSubscriptionsHandler,
} from "./handlers/subscription-handlers.js";

interface Clients {
  config: AppConfig;
  tables: TableServiceClient;
  escalationsTable: TableClient;
  serviceBus: ServiceBusClient;
  escalationsSender: ServiceBusSender;
}

const systemClock: Clock = { now: () => new Date() };

/** What the worker last learnt of its Partner Center credentials: shown by /api/health. */
const credentialState = new CredentialState();

let clients: Clients | undefined;
let config: AppConfig | undefined;

/** The settings, parsed once per worker; building clients waits until a handler needs them. */
function appConfig(): AppConfig {
  config ??= loadConfig(process.env);
  return config;
}
let credential: DefaultAzureCredential | undefined;

function azureCredential(): DefaultAzureCredential {
  credential ??= new DefaultAzureCredential();
  return credential;
}

/** Azurite speaks plain HTTP; Azure endpoints are HTTPS and never need this. */
function insecureStorage(config: AppConfig): boolean {
  return (
    config.storage.kind === "connectionString" &&
    /TableEndpoint=http:|DefaultEndpointsProtocol=http;/i.test(config.storage.connectionString)
  );
}

/** A client of the escalations table; each has its own pipeline. */
function escalationsTableClient(config: AppConfig): TableClient {
  return config.storage.kind === "connectionString"
    ? TableClient.fromConnectionString(config.storage.connectionString, config.escalationsTableName, {
        allowInsecureConnection: insecureStorage(config),
      })
    : new TableClient(config.storage.tableServiceUri, config.escalationsTableName, azureCredential());
}

function buildClients(config: AppConfig): Clients {
  const tables =
    config.storage.kind === "connectionString"
      ? TableServiceClient.fromConnectionString(config.storage.connectionString, {
          allowInsecureConnection: insecureStorage(config),
        })
      : new TableServiceClient(config.storage.tableServiceUri, azureCredential());
  const escalationsTable = escalationsTableClient(config);
  const serviceBus =
    config.serviceBus.kind === "connectionString"
      ? new ServiceBusClient(config.serviceBus.connectionString)
      : new ServiceBusClient(config.serviceBus.fullyQualifiedNamespace, azureCredential());
  return {
    config,
    tables,
    escalationsTable,
    serviceBus,
    escalationsSender: serviceBus.createSender(config.escalationsQueueName),
  };
}

function dependencies(): Clients {
  clients ??= buildClients(appConfig());
  return clients;
}

let tableReady: Promise<void> | undefined;

/** The escalations table, created on first use (createTable is a no-op when it exists). */
function ensureTable(table: TableClient): Promise<void> {
  tableReady ??= table.createTable().catch((error: unknown) => {
    tableReady = undefined;
    throw error;
  });
  return tableReady;
}

/**
 * Starts OpenTelemetry as the app loads, before any invocation, from the telemetry settings alone;
 * with an invalid one it starts nothing and the start-up check refuses the app, naming it.
 */
export function startTelemetry(functions: typeof AzureFunctions): void {
  const telemetry = loadTelemetryConfig(process.env);
  if (telemetry !== undefined) startConfiguredTelemetry(telemetry, functions, monitorCredential(telemetry));
}

function monitorCredential(telemetry: TelemetryConfig): TokenCredential | undefined {
  const entra = telemetry.azureMonitor?.entra;
  if (entra === undefined) return undefined;
  return entra.clientId === undefined ? azureCredential() : new ManagedIdentityCredential({ clientId: entra.clientId });
}

function buildEscalationServices() {
  const { config, escalationsTable, escalationsSender } = dependencies();
  // Built on first use, after startTelemetry registered the meter provider.
  const telemetry = meteredEscalationTelemetry();
  // Every change that records events is followed by their immediate fan-out; the sweep finishes what fails.
  const store: TableEscalationStore = new TableEscalationStore(escalationsTable, {
    onEventsRecorded: publishingQuietly(
      (_escalationId, recorded) => publishRecorded(recorded, events),
      (escalationId, error) => {
        eventPublishFailures.push({ escalationId, error: error instanceof Error ? error.message : String(error) });
      },
    ),
  });
  const events = eventPublishing(escalationsTable, store);
  const queue = new ServiceBusEscalationQueue(escalationsSender);
  const channels: Partial<Record<ChannelName, VianetChannel>> = { portal: new PortalChannel() };
  let partnerCenter: PartnerCenterChannel | undefined;
  if (config.forwarding.partnerCenter !== undefined) {
    const refreshTokens = buildRefreshTokenStore(config.forwarding.partnerCenter.refreshTokenStore, {
      table: escalationsTable,
      credential: azureCredential,
    });
    partnerCenter = buildPartnerCenterChannel(config.forwarding.partnerCenter, {
      ...sandboxChannelOptions(config.forwarding.partnerCenter),
      refreshTokens,
      credentialState,
    });
    channels["partner-center"] = partnerCenter;
  }
  /** The way back from 21Vianet: present only while a routing rule names partner-center. */
  const serviceRequests: VianetServiceRequests | undefined = partnerCenter;
  const deadLetters = {
    store,
    log: new TableDeadLetterLog(escalationsTable),
    clock: systemClock,
    queue: config.escalationsQueueName,
  };
  return {
    config,
    table: escalationsTable,
    store,
    events,
    serviceRequests,
    /** The hook the notes route calls once a partner note is recorded `queued` (Partner Center channel). */
    noteQueue: serviceRequests === undefined ? undefined : queue,
    notes:
      serviceRequests === undefined
        ? undefined
        : {
            send: { store, requests: serviceRequests, clock: systemClock, backoff: config.forwarding.backoff },
            retries: queue,
          },
    forwarding: {
      forward: {
        store,
        channels,
        routing: config.forwarding.routing,
        clock: systemClock,
        backoff: config.forwarding.backoff,
        newRequestId: randomUUID,
        telemetry,
      },
      retries: queue,
      deadLetters,
      telemetry,
    },
    submit: {
      store,
      queue,
      clock: systemClock,
      ids: randomIds,
      rules: config.criteria,
      services: config.services,
      idempotency: new TableIdempotencyStore(escalationsTable),
      telemetry,
    },
  };
}

/** The subscriptions events are fanned out to (the store the subscriptions API writes). */
function subscriptionStore(): SubscriptionStore {
  return new TableSubscriptionStore(dependencies().escalationsTable);
}

let eventDeliveries: ServiceBusEventDeliveries | undefined;

/** The event-deliveries queue, opened on first use. */
function eventDeliveryQueue(): ServiceBusEventDeliveries {
  const { config, serviceBus } = dependencies();
  eventDeliveries ??= new ServiceBusEventDeliveries(serviceBus.createSender(config.events.queueName));
  return eventDeliveries;
}

/** Immediate fan-outs that failed since the last sweep: the sweep logs them (no invocation context here). */
const eventPublishFailures: { escalationId: string; error: string }[] = [];

function eventPublishing(table: TableClient, store: TableEscalationStore): PublishEventsDependencies {
  return {
    store,
    outbox: new TableEventOutbox(table),
    // Read for every change's fan-out: the set is read again only when a subscription came or went.
    subscriptions: new TableSubscriptionStore(table, { remembersAll: true }),
    deliveries: { send: (messages) => eventDeliveryQueue().send(messages) },
    clock: systemClock,
  };
}

let escalationAdapters: ReturnType<typeof buildEscalationServices> | undefined;

/** The escalation adapters, built once per worker and shared by every handler and the sweep. */
function escalationServices(): ReturnType<typeof buildEscalationServices> {
  escalationAdapters ??= buildEscalationServices();
  return escalationAdapters;
}

/** Waits for the table before the handler runs; built once per worker. */
function withTable(build: () => { table: TableClient; handler: HttpHandler }): HttpHandler {
  return lazy(() => {
    const { table, handler } = build();
    return async (request, context) => {
      await ensureTable(table);
      return handler(request, context);
    };
  });
}

/**
 * When the metrics timer runs. Read at registration, not as %METRICS_SCHEDULE%, so the default
 * applies when the setting is unset; the app-start hook refuses an invalid one with every other
 * settings problem.
 */
export function metricsSchedule(): string {
  return process.env.METRICS_SCHEDULE ?? DEFAULT_METRICS_SCHEDULE;
}

/** Fails start-up with every settings problem listed, instead of failing the first invocation. */
export function validateSettings(): void {
  appConfig();
}

function healthDependencies(): HealthDependencies {
  const { config, tables, escalationsSender } = dependencies();
  return {
    probes: () => [
      makeTableStorageProbe(tables),
      makeServiceBusProbe(escalationsSender),
      ...(config.forwarding.partnerCenter === undefined ? [] : [makeCredentialProbe(credentialState)]),
    ],
    timeoutMs: config.healthCheckTimeoutMs,
  };
}

/** Built on first use, once per worker; any error, building included, answers 500 problem+json. */
function lazy(build: () => HttpHandler): HttpHandler {
  let handler: HttpHandler | undefined;
  return withErrorBoundary((request, context) => {
    handler ??= build();
    return handler(request, context);
  });
}

/** The customer personal-data routes: the escalations, their copies and the erasure audit. */
function personalDataHandler(make: (deps: CustomerPersonalDataHandlerDependencies) => HttpHandler): HttpHandler {
  return withTable(() => {
    const services = escalationServices();
    return {
      table: services.table,
      handler: make({
        store: services.store,
        lister: services.store,
        copies: new TablePersonalDataCopies(services.table),
        audit: new TableErasureAudit(services.table),
        clock: systemClock,
        callers: services.config.callers,
      }),
    };
  });
}

export const handlers = {
  submitEscalation: withTable(() => {
    const services = escalationServices();
    return {
      table: services.table,
      handler: makeSubmitEscalationHandler({ ...services.submit, callers: services.config.callers }),
    };
  }),
  webhookEscalation: withTable(() => {
    const services = escalationServices();
    return {
      table: services.table,
      handler: makeWebhookEscalationHandler({ ...services.submit, senders: services.config.webhookSenders }),
    };
  }),
  getEscalation: withTable(() => {
    const services = escalationServices();
    return {
      table: services.table,
      handler: makeGetEscalationHandler({ store: services.store, callers: services.config.callers }),
    };
  }),
  listEscalations: withTable(() => {
    const services = escalationServices();
    return {
      table: services.table,
      handler: makeListEscalationsHandler({ lister: services.store, callers: services.config.callers }),
    };
  }),
  replayEscalation: withTable(() => {
    const services = escalationServices();
    return {
      table: services.table,
      handler: makeReplayEscalationHandler({
        store: services.store,
        retries: services.forwarding.retries,
        clock: systemClock,
        callers: services.config.callers,
      }),
    };
  }),
  recordVianetCase: withTable(() => {
    const services = escalationServices();
    return {
      table: services.table,
      handler: makeRecordVianetCaseHandler({
        store: services.store,
        callers: services.config.callers,
        clock: systemClock,
      }),
    };
  }),
  recordVianetUpdate: withTable(() => {
    const services = escalationServices();
    return {
      table: services.table,
      handler: makeRecordVianetUpdateHandler({
        store: services.store,
        idempotency: services.submit.idempotency,
        callers: services.config.callers,
        clock: systemClock,
      }),
    };
  }),
  recordVianetCaseUpdate: withTable(() => {
    const services = escalationServices();
    return {
      table: services.table,
      handler: makeRecordVianetCaseUpdateHandler({
        store: services.store,
        idempotency: services.submit.idempotency,
        callers: services.config.callers,
        clock: systemClock,
      }),
    };
  }),
  addPartnerNote: withTable(() => {
    const services = escalationServices();
    return {
      table: services.table,
      handler: makeAddPartnerNoteHandler({
        store: services.store,
        idempotency: services.submit.idempotency,
        callers: services.config.callers,
        clock: systemClock,
        // Partner Center routed: a queued note is sent to 21Vianet through the escalations queue.
        ...(services.noteQueue === undefined ? {} : { noteQueue: services.noteQueue }),
      }),
    };
  }),
  erasePersonalData: personalDataHandler(makeErasePersonalDataHandler),
  getPersonalData: personalDataHandler(makeGetPersonalDataHandler),
  openApi: withErrorBoundary((request: HttpRequest): Promise<HttpResponseInit> => {
    // The host comes from PUBLIC_HOST only: a Host header is whatever the client sent. The scheme
    // is one of two words, so the request may choose it (plain http in local runs).
    const forwardedProto = request.headers.get("x-forwarded-proto");
    const scheme =
      forwardedProto === "http" || forwardedProto === "https"
        ? forwardedProto
        : request.url.startsWith("http:")
          ? "http"
          : "https";
    const document = buildOpenApiDocument({ host: appConfig().publicHost, basePath: "/api", schemes: [scheme] });
    return Promise.resolve({ status: 200, headers: { "cache-control": "no-store" }, jsonBody: document });
  }),
  health: lazy(() => makeHealthHandler(healthDependencies())),
  healthDetails: lazy(() => makeHealthDetailsHandler(healthDependencies())),
};

type MessageHandler = (message: unknown, context: InvocationContext) => Promise<void>;

/** Builds a queue handler once per worker, after the table exists. */
function queueHandler(build: (services: ReturnType<typeof escalationServices>) => MessageHandler): MessageHandler {
  let handler: MessageHandler | undefined;
  return async (message, context) => {
    const services = escalationServices();
    await ensureTable(services.table);
    handler ??= build(services);
    return handler(message, context);
  };
}

let reportDeliveries: ServiceBusReportDeliveries | undefined;

/** The report-deliveries queue, opened on first use: only apps with report webhooks send to it. */
function reportDeliveryQueue(): ServiceBusReportDeliveries {
  const { config, serviceBus } = dependencies();
  reportDeliveries ??= new ServiceBusReportDeliveries(serviceBus.createSender(config.metrics.delivery.queueName));
  return reportDeliveries;
}

export const messageHandlers = {
  forwardEscalation: queueHandler((services) =>
    makeEscalationMessageHandler(
      makeForwardMessageHandler(services.forwarding),
      services.notes === undefined ? undefined : makePartnerNoteHandler(services.notes),
    ),
  ),
  recordDeadLetter: queueHandler((services) =>
    makeDeadLetterHandler({ ...services.forwarding.deadLetters, telemetry: services.forwarding.telemetry }),
  ),
  deliverReport: queueHandler((services) => {
    const reports = new TableReportStore(services.table);
    const { delivery } = services.config.metrics;
    return makeReportDeliveryHandler({
      delivery: {
        config: delivery,
        report: (window, to) => reports.get(window, to),
        post: makeWebhookPoster({ policy: delivery.policy }),
        clock: systemClock,
      },
      retries: reportDeliveryQueue(),
    });
  }),
  deliverEvent: queueHandler((services) =>
    makeEventDeliveryHandler({
      delivery: {
        backoff: services.config.events.backoff,
        subscriptions: subscriptionStore(),
        store: services.store,
        view: toEscalationView,
        post: makeWebhookPoster({ policy: services.config.metrics.delivery.policy }),
        clock: systemClock,
      },
      retries: eventDeliveryQueue(),
    }),
  ),
  recordDeliveryDeadLetter: queueHandler((services) =>
    makeDeliveryDeadLetterHandler({
      ...services.forwarding.deadLetters,
      queue: services.config.metrics.delivery.queueName,
    }),
  ),
};

/** How long a queue message may live before it is dead-lettered: the app's queue's P14D. */
const MESSAGE_TIME_TO_LIVE_MS = 14 * 24 * 60 * 60_000;

function metricsServices() {
  const services = escalationServices();
  const source = new TableMetricsSource({
    table: services.table,
    store: services.store,
    deadLetters: services.forwarding.deadLetters.log,
    messageTimeToLiveMs: MESSAGE_TIME_TO_LIVE_MS,
  });
  return { services, source, reports: new TableReportStore(services.table) };
}

/** What the metrics API and the dashboard read: the latest stored report of a window, or one computed now. */
function reportReaders({ services, source, reports }: ReturnType<typeof metricsServices>) {
  return {
    callers: services.config.callers,
    latest: async (window: ReportWindow) => (await reports.recent(window, 1))[0],
    computeNow: async (window: ReportWindow) => {
      const now = systemClock.now();
      return {
        generatedAt: now.toISOString(),
        report: await computeReport(source, { ...windowEndingAt(window, now), ...services.config.metrics }),
      };
    },
  };
}

function metricsHandler(format: "json" | "csv"): HttpHandler {
  return withTable(() => {
    const metrics = metricsServices();
    return { table: metrics.services.table, handler: makeMetricsHandler(reportReaders(metrics), format) };
  });
}

/** What the subscriptions API needs: the store, the callers, and the outbound rule report webhooks follow too. */
function subscriptionServices() {
  const services = escalationServices();
  return {
    table: services.table,
    deps: {
      store: new TableSubscriptionStore(services.table),
      callers: services.config.callers,
      policy: services.config.metrics.delivery.policy,
      clock: systemClock,
      newId: newSubscriptionId,
      newSecret: newSubscriptionSecret,
    },
  };
}

function subscriptionHandler(
  make: (deps: ReturnType<typeof subscriptionServices>["deps"]) => HttpHandler,
): HttpHandler {
  return withTable(() => {
    const { table, deps } = subscriptionServices();
    return { table, handler: make(deps) };
  });
}

export const subscriptionHandlers = {
  create: subscriptionHandler(makeCreateSubscriptionHandler),
  list: subscriptionHandler(makeListSubscriptionsHandler),
  get: subscriptionHandler(makeGetSubscriptionHandler),
  delete: subscriptionHandler(makeDeleteSubscriptionHandler),
};

export const metricsHandlers = { json: metricsHandler("json"), csv: metricsHandler("csv") };

export const dashboardHandlers = {
  page: withTable(() => {
    const metrics = metricsServices();
    const handler = makeDashboardHandler({
      ...reportReaders(metrics),
      hourlyFigures: (after, upTo) => metrics.reports.hourlyFigures(after, upTo),
      assets: dashboardAssetUrls,
    });
    return { table: metrics.services.table, handler };
  }),
  assets: withErrorBoundary((request) => serveDashboardAsset(request)),
};

/** The metrics timer: a report per window, stored in the reports' partitions of the table. */
export async function runMetricsReports(
  log: (message: string, detail: Record<string, unknown>) => void,
): Promise<void> {
  const { services, source, reports } = metricsServices();
  await ensureTable(services.table);
  const { webhooks } = services.config.metrics.delivery;
  const deliver =
    webhooks.length === 0
      ? undefined
      : (stored: StoredReport) => reportDeliveryQueue().send(deliveriesOf(stored, webhooks));
  const run = await runScheduledReports(systemClock.now(), {
    source,
    save: (report) => reports.save(report),
    ...(deliver === undefined ? {} : { deliver }),
    ...services.config.metrics,
  });
  log("metrics reports stored", { to: run.to, stored: run.stored, failed: run.failed, undelivered: run.undelivered });
  if (run.failed.length > 0)
    throw new BridgeError(
      "reports-failed",
      `metrics reports failed for ${run.failed.map((failure) => `${failure.window} (${failure.error})`).join(", ")}`,
    );
}

/**
 * When the status-sync timer runs. Read at registration, as metricsSchedule is, so the default
 * applies when the setting is unset; start-up refuses an invalid one with the other problems.
 */
export function statusSyncSchedule(): string {
  return process.env.STATUS_SYNC_SCHEDULE ?? DEFAULT_STATUS_SYNC_SCHEDULE;
}

/**
 * The status-sync timer: reads the service requests of open Partner Center escalations and records
 * what 21Vianet changed. Does nothing while no routing rule names partner-center (Partner Center
 * does not document service requests for 21Vianet; see the README).
 */
export async function syncVianetStatus(
  log: (message: string, detail: Record<string, unknown>) => void,
): Promise<SyncRunSummary | undefined> {
  const services = escalationServices();
  if (services.serviceRequests === undefined) {
    log("status sync skipped: no routing rule sends escalations to partner-center", {});
    return undefined;
  }
  await ensureTable(services.table);
  const summary = await runStatusSync({
    store: services.store,
    schedule: new TableSyncSchedule(services.table),
    requests: services.serviceRequests,
    clock: systemClock,
    maxRequests: services.config.statusSync.maxRequests,
    log,
    ...(services.noteQueue === undefined ? {} : { noteQueue: services.noteQueue }),
  });
  log("status sync run", { ...summary });
  return summary;
}

/** Re-sends escalations stored but never confirmed queued; run by a timer. */
export async function sweepPendingDispatch(
  log: (message: string, detail: Record<string, unknown>) => void,
): Promise<number> {
  const services = escalationServices();
  await ensureTable(services.table);
  const sent = await dispatchPending(
    {
      ...services.submit,
      onDispatchFailure: (escalationId, error) => {
        log("dispatch still failing", { escalationId, error: error instanceof Error ? error.message : String(error) });
      },
    },
    DISPATCH_GRACE_MS,
  );
  if (sent > 0) log("queued escalations that had not been", { sent });
  for (const failure of eventPublishFailures.splice(0)) log("event fan-out failed, the sweep retries it", failure);
  const published = await sweepEvents(services.events);
  if (published > 0) log("fanned out events that had not been", { deliveries: published });
  return sent;
}

/** How old a pending dispatch must be before the sweep takes it over from the request that made it. */
const DISPATCH_GRACE_MS = 60_000;

// --- data retention -------------------------------------------------------------------------

/**
 * When the data-retention timer runs. Read at registration, as statusSyncSchedule is, so the
 * default applies when the setting is unset; start-up refuses an invalid one with the other problems.
 */
export function dataRetentionSchedule(): string {
  return process.env.DATA_RETENTION_SCHEDULE ?? DEFAULT_DATA_RETENTION_SCHEDULE;
}

/**
 * The data-retention timer: erases personal data past PERSONAL_DATA_RETENTION, deletes what is
 * past RECORD_RETENTION and spent idempotency records, within DATA_RETENTION_RUN_BUDGET. The run
 * has a table client of its own, so the Table requests it logs are its own. `clock` is for tests.
 */
export async function runDataRetention(
  log: (message: string, detail: Record<string, unknown>) => void,
  clock: Clock = systemClock,
): Promise<DataRetentionSummary & { tableRequests: number }> {
  const config = appConfig();
  const table = escalationsTableClient(config);
  const counted = countRequests(table);
  await ensureTable(dependencies().escalationsTable);
  // No event fan-out: erasing adds no history entry, so it records no event.
  const store = new TableEscalationStore(table);
  const summary = await runRetention({
    store,
    retention: new TableDataRetention(table, store),
    audit: new TableErasureAudit(table),
    clock,
    personalDataRetentionMs: config.dataRetention.personalDataRetentionMs,
    recordRetentionMs: config.dataRetention.recordRetentionMs,
    budgetMs: config.dataRetention.runBudgetMs,
    log,
  });
  const figures = { ...summary, tableRequests: counted.requests };
  // Counts and times only: no id, no personal data.
  log(
    summary.stoppedEarly ? "data retention run stopped at its budget; the next run carries on" : "data retention run",
    figures,
  );
  return figures;
}
