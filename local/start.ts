// `npm start`: the whole app on one machine. Starts Azurite's Table service, the Service Bus
// emulator with the app's queues, the Partner Center (21Vianet) sandbox and the local Functions
// host serving the real functions/ code, all at the same time: their ports are chosen first, so
// the host's settings are known before any of them listens, and the host loads the app while the
// emulators start, then listens once they are up (see host-supervisor.ts). A host that dies is
// started again, Ctrl-C stops everything, and when one part cannot start the others are stopped.
// Settings that point at real resources (in the environment or local.settings.json) are used
// instead of the matching local stand-in. Started with an IPC channel (by the chaos soak), it
// also takes disruptions as messages: see control.ts.
import { spawn } from "node:child_process";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { readAppSettings } from "./functions-host/app-config.js";
import { startAzuriteTable, tableConnectionString, type RunningAzurite } from "./azurite.js";
import { listenForControl } from "./control.js";
import { findFreePort, isPortTaken } from "./free-port.js";
import { superviseHost, type SupervisedHost } from "./host-supervisor.js";
import { connectionStringFor, start as startServiceBus, type RunningEmulator } from "./service-bus/index.js";
import { startTogether } from "./start-together.js";
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
let host: SupervisedHost | undefined;
/** Settles once every emulator has started (and is one of the three above) or failed (and none runs). */
let emulatorsSettled: Promise<unknown> = Promise.resolve();
let stopping = false;

function sandboxLifecycle(): { attentionAfterMs?: number; closeAfterMs?: number } {
  const attentionAfterMs = delayOption("sandbox-attention-after-ms", values["sandbox-attention-after-ms"]);
  const closeAfterMs = delayOption("sandbox-close-after-ms", values["sandbox-close-after-ms"]);
  return {
    ...(attentionAfterMs === undefined ? {} : { attentionAfterMs }),
    ...(closeAfterMs === undefined ? {} : { closeAfterMs }),
  };
}

/** The host first, so what it writes while finishing still reaches the emulators; emulators still starting are waited for. */
async function stopEverything(): Promise<void> {
  await host?.stop();
  await emulatorsSettled;
  await Promise.all([serviceBus?.close(), azurite?.close(), sandbox?.close()]);
}

const describe = (error: unknown) => (error instanceof Error ? error.message : String(error));

async function stopAndExit(code: number): Promise<never> {
  await stopEverything().catch((error: unknown) => {
    log(`stopping failed: ${describe(error)}`);
  });
  process.exit(code);
}

/** Start-up failed: says why, stops whatever started and exits 1, unless a stop is under way already. */
async function failStart(...lines: string[]): Promise<void> {
  if (stopping) return;
  stopping = true;
  for (const line of lines) console.error(`[start] ${line}`);
  await stopAndExit(1);
}

// From the first moment: a Ctrl-C during start-up also stops whatever has started by then.
const stopOnSignal = (signal: NodeJS.Signals) => {
  if (stopping) return;
  stopping = true;
  log(`${signal}: stopping the host and the emulators`);
  void stopEverything().then(
    () => {
      log("stopped");
      process.exit(0);
    },
    (error: unknown) => {
      log(`stopping failed: ${describe(error)}`);
      process.exit(1);
    },
  );
};
process.once("SIGINT", () => stopOnSignal("SIGINT"));
process.once("SIGTERM", () => stopOnSignal("SIGTERM"));

/** What listens on each port, for a message that says which flag changes it. */
interface PortUse {
  port: number;
  flag: string;
  what: string;
}

/** Fails before anything starts when a port is taken, naming each one and the flag that moves it. */
async function checkPortsFree(uses: readonly PortUse[]): Promise<void> {
  const taken = (await Promise.all(uses.map(async (use) => ((await isPortTaken(use.port)) ? use : undefined)))).filter(
    (use) => use !== undefined,
  );
  if (taken.length > 0)
    throw new Error(
      taken.map((use) => `port ${use.port} (${use.what}, --${use.flag}) is already in use`).join("; ") +
        ". Stop what listens there, or choose another port with that flag (0 picks a free one).",
    );
}

try {
  const [hostPort, serviceBusPort, storagePort, sandboxPort] = await Promise.all([
    portOption("port", values.port),
    portOption("service-bus-port", values["service-bus-port"]),
    portOption("storage-port", values["storage-port"]),
    portOption("sandbox-port", values["sandbox-port"]),
  ]);
  await checkPortsFree([
    { port: hostPort, flag: "port", what: "the Functions host" },
    ...(useLocalStorage ? [{ port: storagePort, flag: "storage-port", what: "Azurite" }] : []),
    ...(useLocalServiceBus
      ? [{ port: serviceBusPort, flag: "service-bus-port", what: "the Service Bus emulator" }]
      : []),
    ...(useSandbox ? [{ port: sandboxPort, flag: "sandbox-port", what: "the 21Vianet sandbox" }] : []),
  ]);
  // Every emulator's address follows from its port, so the host's settings are complete now.
  const sandboxUrl = `http://127.0.0.1:${sandboxPort}`;
  const hostEnvironment: Record<string, string> = {
    // The queue triggers name their queue through this setting, as they do in Azure.
    ...(settings.ESCALATIONS_QUEUE_NAME === undefined ? { ESCALATIONS_QUEUE_NAME: "escalations" } : {}),
    ...(settings.METRICS_DELIVERY_QUEUE_NAME === undefined ? { METRICS_DELIVERY_QUEUE_NAME: "report-deliveries" } : {}),
    ...(settings.EVENT_DELIVERY_QUEUE_NAME === undefined ? { EVENT_DELIVERY_QUEUE_NAME: "event-deliveries" } : {}),
    // Locally, report and event webhooks may reach a receiver on this machine; refused when hosted.
    ...(settings.WEBHOOK_ALLOWED_PRIVATE_HOSTS === undefined
      ? { WEBHOOK_ALLOWED_PRIVATE_HOSTS: "127.0.0.1,localhost" }
      : {}),
    ...(useLocalStorage ? { EscalationsStorage: tableConnectionString(storagePort) } : {}),
    ...(useLocalServiceBus ? { ServiceBusConnection: connectionStringFor("127.0.0.1", serviceBusPort) } : {}),
  };
  // Only what the settings leave unset: a partner may keep its own routing or topic locally.
  if (useSandbox)
    for (const [name, value] of Object.entries(appSettingsFor({ url: sandboxUrl })))
      if (settings[name] === undefined) hostEnvironment[name] = value;

  // Each line as its emulator comes up, so the log shows what took how long.
  const announced = <T>(starting: Promise<T>, line: (running: T) => string): Promise<T> =>
    starting.then((running) => {
      if (!stopping) log(line(running));
      return running;
    });
  const starting = startTogether({
    // Azurite first: a process of its own, the slowest to start.
    Azurite: useLocalStorage
      ? announced(
          startAzuriteTable({
            port: storagePort,
            ...(values["in-memory"] ? {} : { location: join(dataDir, "azurite") }),
          }),
          (running) => `Azurite Table service on 127.0.0.1:${running.port}`,
        )
      : Promise.resolve(undefined),
    "the Service Bus emulator": useLocalServiceBus
      ? announced(
          startServiceBus({
            port: serviceBusPort,
            config: join(root, "local", "service-bus", "escalations.config.json"),
            logger: {
              info: () => undefined,
              warn: (message) => log(`service bus: ${message}`),
              error: (message) => log(`service bus: ${message}`),
            },
            ...(values["in-memory"] ? {} : { dataDir: join(dataDir, "service-bus") }),
          }),
          (running) =>
            `Service Bus emulator on 127.0.0.1:${running.port} (queue ${running.settings.queues.map((queue) => queue.name).join(", ")})`,
        )
      : Promise.resolve(undefined),
    "the 21Vianet sandbox": useSandbox
      ? announced(
          startSandbox({ port: sandboxPort, lifecycle: sandboxLifecycle() }),
          (running) =>
            `Partner Center (21Vianet) sandbox on ${running.url} (requests: ${running.url}/_sandbox/requests)`,
        )
      : Promise.resolve(undefined),
  }).then((started) => {
    azurite = started.Azurite;
    serviceBus = started["the Service Bus emulator"];
    sandbox = started["the 21Vianet sandbox"];
    if (!stopping) log(values["in-memory"] ? "data: in memory" : `data: ${dataDir}`);
  });
  emulatorsSettled = starting.catch(() => undefined);
  host = superviseHost({
    spawnHost: () =>
      spawn(
        process.execPath,
        [
          join(root, "dist", "local", "functions-host", "cli.js"),
          "--app",
          root,
          "--port",
          String(hostPort),
          "--await-dependencies",
        ],
        {
          env: { ...process.env, ...hostEnvironment },
          stdio: ["ignore", "inherit", "inherit", "ipc"],
        },
      ),
    dependenciesReady: starting,
    log,
    onStartFailure: (code) => {
      if (stopping) return;
      stopping = true;
      log(`the Functions host exited with ${String(code)} before it started; stopping`);
      void stopAndExit(code ?? 1);
    },
  });
  if (!useLocalStorage) log("Table Storage: using EscalationsStorage from your settings");
  if (!useLocalServiceBus) log("Service Bus: using ServiceBusConnection from your settings");
  if (!useSandbox)
    log(
      `Partner Center: using ${settings.PARTNER_CENTER_API_URL ?? "the default 21Vianet endpoint"} from your settings`,
    );

  try {
    await starting;
  } catch (error) {
    await failStart(describe(error), "stopping the Functions host and the emulators that started");
    throw error;
  }

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
  await failStart(describe(error));
}
