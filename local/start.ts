// `npm start`: the whole app on one machine. Starts Azurite's Table service, the Service Bus
// emulator with the app's queues, the Partner Center (21Vianet) sandbox and the local Functions
// host serving the real functions/ code, all at once; a host that dies is started again (see
// host-supervisor.ts) and Ctrl-C stops everything. Settings that point at real resources (in the
// environment or local.settings.json) are used instead of the matching local stand-in. Started
// with an IPC channel (by the chaos soak), it also takes disruptions as messages: see control.ts.
import { spawn } from "node:child_process";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { readAppSettings } from "./functions-host/app-config.js";
import { startAzuriteTable, type RunningAzurite } from "./azurite.js";
import { listenForControl } from "./control.js";
import { findFreePort } from "./free-port.js";
import { superviseHost, type SupervisedHost } from "./host-supervisor.js";
import { start as startServiceBus, type RunningEmulator } from "./service-bus/index.js";
import { appSettingsFor, start as startSandbox, type RunningSandbox } from "./vianet-sandbox/index.js";

const root = fileURLToPath(new URL("../..", import.meta.url));
const { values } = parseArgs({
  options: {
    "in-memory": { type: "boolean", default: false },
    "data-dir": { type: "string" },
    port: { type: "string", default: "7071" },
    "service-bus-port": { type: "string", default: "5672" },
    "storage-port": { type: "string", default: "10002" },
    "sandbox-port": { type: "string", default: "7300" },
    // 21Vianet's side over time in the sandbox: a note and attention_needed, then closed (0: never).
    "sandbox-attention-after-ms": { type: "string", default: process.env.SANDBOX_ATTENTION_AFTER_MS ?? "120000" },
    "sandbox-close-after-ms": { type: "string", default: process.env.SANDBOX_CLOSE_AFTER_MS ?? "900000" },
  },
});

/** A delay flag in milliseconds; 0 turns that step off. */
function delayOption(name: string, value: string): number | undefined {
  const ms = Number(value);
  if (!Number.isInteger(ms) || ms < 0)
    throw new Error(`--${name} must be a whole number of milliseconds, got '${value}'`);
  return ms === 0 ? undefined : ms;
}

async function portOption(name: string, value: string): Promise<number> {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65_535)
    throw new Error(`--${name} must be a port number, got '${value}'`);
  return port === 0 ? findFreePort() : port;
}

const settings = readAppSettings(root, process.env);
const useLocalStorage =
  settings.EscalationsStorage === undefined
    ? settings.EscalationsStorage__tableServiceUri === undefined
    : settings.EscalationsStorage === "UseDevelopmentStorage=true";
const useLocalServiceBus =
  settings.ServiceBusConnection === undefined && settings.ServiceBusConnection__fullyQualifiedNamespace === undefined;
const useSandbox = settings.PARTNER_CENTER_API_URL === undefined && settings.PARTNER_CENTER_AUTHORITY === undefined;
const dataDir = resolve(values["data-dir"] ?? join(root, ".local-data"));
const log = (message: string) => console.log(`[start] ${message}`);

let azurite: RunningAzurite | undefined;
let serviceBus: RunningEmulator | undefined;
let sandbox: RunningSandbox | undefined;

function sandboxLifecycle(): { attentionAfterMs?: number; closeAfterMs?: number } {
  const attentionAfterMs = delayOption("sandbox-attention-after-ms", values["sandbox-attention-after-ms"]);
  const closeAfterMs = delayOption("sandbox-close-after-ms", values["sandbox-close-after-ms"]);
  return {
    ...(attentionAfterMs === undefined ? {} : { attentionAfterMs }),
    ...(closeAfterMs === undefined ? {} : { closeAfterMs }),
  };
}

async function stopEmulators(): Promise<void> {
  await Promise.all([serviceBus?.close(), azurite?.close(), sandbox?.close()]);
}

try {
  const [hostPort, serviceBusPort, storagePort, sandboxPort] = await Promise.all([
    portOption("port", values.port),
    portOption("service-bus-port", values["service-bus-port"]),
    portOption("storage-port", values["storage-port"]),
    portOption("sandbox-port", values["sandbox-port"]),
  ]);
  // The queue triggers name their queue through this setting, as they do in Azure.
  const hostEnvironment: Record<string, string> = {
    ...(settings.ESCALATIONS_QUEUE_NAME === undefined ? { ESCALATIONS_QUEUE_NAME: "escalations" } : {}),
    ...(settings.METRICS_DELIVERY_QUEUE_NAME === undefined ? { METRICS_DELIVERY_QUEUE_NAME: "report-deliveries" } : {}),
    ...(settings.EVENT_DELIVERY_QUEUE_NAME === undefined ? { EVENT_DELIVERY_QUEUE_NAME: "event-deliveries" } : {}),
    // Locally, report and event webhooks may reach a receiver on this machine; refused when hosted.
    ...(settings.WEBHOOK_ALLOWED_PRIVATE_HOSTS === undefined
      ? { WEBHOOK_ALLOWED_PRIVATE_HOSTS: "127.0.0.1,localhost" }
      : {}),
  };
  [azurite, serviceBus, sandbox] = await Promise.all([
    useLocalStorage
      ? startAzuriteTable({ port: storagePort, ...(values["in-memory"] ? {} : { location: join(dataDir, "azurite") }) })
      : undefined,
    useLocalServiceBus
      ? startServiceBus({
          port: serviceBusPort,
          config: join(root, "local", "service-bus", "escalations.config.json"),
          logger: {
            info: () => undefined,
            warn: (message) => log(`service bus: ${message}`),
            error: (message) => log(`service bus: ${message}`),
          },
          ...(values["in-memory"] ? {} : { dataDir: join(dataDir, "service-bus") }),
        })
      : undefined,
    useSandbox ? startSandbox({ port: sandboxPort, lifecycle: sandboxLifecycle() }) : undefined,
  ]);
  if (azurite) {
    hostEnvironment.EscalationsStorage = azurite.connectionString;
    log(`Azurite Table service on 127.0.0.1:${azurite.port}`);
  } else {
    log("Table Storage: using EscalationsStorage from your settings");
  }
  if (serviceBus) {
    hostEnvironment.ServiceBusConnection = serviceBus.connectionString;
    log(
      `Service Bus emulator on 127.0.0.1:${serviceBus.port} (queue ${serviceBus.settings.queues.map((queue) => queue.name).join(", ")})`,
    );
  } else {
    log("Service Bus: using ServiceBusConnection from your settings");
  }
  if (sandbox) {
    // Only what the settings leave unset: a partner may keep its own routing or topic locally.
    for (const [name, value] of Object.entries(appSettingsFor(sandbox)))
      if (settings[name] === undefined) hostEnvironment[name] = value;
    log(`Partner Center (21Vianet) sandbox on ${sandbox.url} (requests: ${sandbox.url}/_sandbox/requests)`);
  } else {
    log(
      `Partner Center: using ${settings.PARTNER_CENTER_API_URL ?? "the default 21Vianet endpoint"} from your settings`,
    );
  }
  log(values["in-memory"] ? "data: in memory" : `data: ${dataDir}`);

  let stopping = false;
  const host: SupervisedHost = superviseHost({
    spawnHost: () =>
      spawn(
        process.execPath,
        [join(root, "dist", "local", "functions-host", "cli.js"), "--app", root, "--port", String(hostPort)],
        {
          env: { ...process.env, ...hostEnvironment },
          stdio: ["ignore", "inherit", "inherit", "ipc"],
        },
      ),
    log,
    onStartFailure: (code) => {
      if (stopping) return;
      stopping = true;
      log(`the Functions host exited with ${String(code)} before it started; stopping`);
      void stopEmulators().then(() => process.exit(code ?? 1));
    },
  });
  const stop = async (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    log(`${signal}: stopping the host and the emulators`);
    // The host drains first, so what it writes while finishing still reaches the emulators.
    await host.stop();
    await stopEmulators();
    log("stopped");
    process.exit(0);
  };
  process.once("SIGINT", () => void stop("SIGINT"));
  process.once("SIGTERM", () => void stop("SIGTERM"));
  listenForControl({
    log,
    restartAzurite: async () => {
      const running = azurite;
      if (running === undefined) throw new Error("Table Storage is not the local Azurite");
      // In memory, a restart would lose every table: only a data folder survives it.
      if (values["in-memory"])
        throw new Error("Azurite keeps its tables in memory (--in-memory); restarting it would lose them");
      log(`restarting Azurite on 127.0.0.1:${running.port} (asked over IPC)`);
      azurite = undefined;
      await running.close();
      azurite = await startAzuriteTable({ port: running.port, location: join(dataDir, "azurite") });
      log(`Azurite Table service on 127.0.0.1:${azurite.port} again`);
    },
    dropServiceBusConnections: () => {
      if (serviceBus === undefined) throw new Error("Service Bus is not the local emulator");
      log(`dropping the Service Bus emulator's ${serviceBus.connectionCount()} connections (asked over IPC)`);
      serviceBus.dropConnections();
    },
  });
} catch (error) {
  console.error(`[start] ${error instanceof Error ? error.message : String(error)}`);
  await stopEmulators();
  process.exit(1);
}
