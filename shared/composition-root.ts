// The one place that reads the environment and builds SDK clients: once per worker, on first
// use, so a cold start pays only for what the first invocation needs.
import { TableServiceClient } from "@azure/data-tables";
import { DefaultAzureCredential } from "@azure/identity";
import { ServiceBusClient, type ServiceBusSender } from "@azure/service-bus";
import type { HttpRequest, HttpResponseInit, InvocationContext } from "@azure/functions";
import { loadConfig, type AppConfig } from "./config.js";
import { makeServiceBusProbe } from "./adapters/service-bus-probe.js";
import { makeTableStorageProbe } from "./adapters/table-storage-probe.js";
import { makeHealthHandler } from "./health/make-health-handler.js";

interface Clients {
  config: AppConfig;
  tables: TableServiceClient;
  serviceBus: ServiceBusClient;
  escalationsSender: ServiceBusSender;
}

let clients: Clients | undefined;
let credential: DefaultAzureCredential | undefined;

function azureCredential(): DefaultAzureCredential {
  credential ??= new DefaultAzureCredential();
  return credential;
}

function buildClients(config: AppConfig): Clients {
  const tables =
    config.storage.kind === "connectionString"
      ? TableServiceClient.fromConnectionString(config.storage.connectionString, {
          // Azurite speaks plain HTTP; Azure endpoints are HTTPS and never need this.
          allowInsecureConnection: /TableEndpoint=http:|DefaultEndpointsProtocol=http;/i.test(config.storage.connectionString),
        })
      : new TableServiceClient(config.storage.tableServiceUri, azureCredential());
  const serviceBus =
    config.serviceBus.kind === "connectionString"
      ? new ServiceBusClient(config.serviceBus.connectionString)
      : new ServiceBusClient(config.serviceBus.fullyQualifiedNamespace, azureCredential());
  return { config, tables, serviceBus, escalationsSender: serviceBus.createSender(config.escalationsQueueName) };
}

function dependencies(): Clients {
  clients ??= buildClients(loadConfig(process.env));
  return clients;
}

/** Fails start-up with every settings problem listed, instead of failing the first invocation. */
export function validateSettings(): void {
  loadConfig(process.env);
}

type HttpHandler = (request: HttpRequest, context: InvocationContext) => Promise<HttpResponseInit>;

function lazy(build: () => HttpHandler): HttpHandler {
  let handler: HttpHandler | undefined;
  return (request, context) => {
    handler ??= build();
    return handler(request, context);
  };
}

export const handlers = {
  health: lazy(() => {
    const { config, tables, escalationsSender } = dependencies();
    return makeHealthHandler({
      probes: () => [makeTableStorageProbe(tables), makeServiceBusProbe(escalationsSender)],
      timeoutMs: config.healthCheckTimeoutMs,
    });
  }),
};
