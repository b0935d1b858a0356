// The local Functions host: loads the app through `@azure/functions-core`, then serves its HTTP
// triggers, Service Bus queue triggers and timers until stopped. See README.md beside this file
// for what behaves as in Azure and what does not.
import type { AddressInfo } from "node:net";
import { ServiceBusClient } from "@azure/service-bus";
import { AppConfigError, disabledFunctions, readAppSettings, readHostConfig, type HostConfig } from "./app-config.js";
import { entryPointFiles, loadEntryPoints } from "./app-loader.js";
import { installCoreModule } from "./core-module.js";
import { createHttpServer, type HttpRoute, type Keys } from "./http-server.js";
import { InvocationError, invoke } from "./invoke.js";
import { HostLogger, consoleSink, type LogSink } from "./logger.js";
import { FunctionRegistry, type RegisteredFunction } from "./registry.js";
import {
  ServiceBusListener,
  resolveServiceBusTrigger,
  toTriggerInput,
  type ServiceBusTriggerTarget,
} from "./service-bus-trigger.js";
import { TimerRunner, resolveTimerSchedule, type TimerSchedule } from "./timer-trigger.js";

export const DEFAULT_PORT = 7071;
export const DEFAULT_FUNCTION_KEY = "local-dev-key";
export const DEFAULT_MASTER_KEY = "local-master-key";
/** Azure's default limit on a request body (FUNCTIONS_REQUEST_BODY_SIZE_LIMIT). */
export const DEFAULT_MAX_REQUEST_BODY_BYTES = 100 * 1024 * 1024;
const DEFAULT_SHUTDOWN_GRACE_MS = 30_000;

export interface HostOptions {
  appRoot: string;
  port?: number;
  host?: string;
  /** Environment to read settings from; local.settings.json `Values` fill what it lacks. */
  environment?: NodeJS.ProcessEnv;
  logSink?: LogSink;
  shutdownGraceMs?: number;
  /**
   * Awaited once the app is loaded and its functions are valid, before the appStart hooks run, the
   * port is bound and the triggers start: `npm start` starts the emulators meanwhile.
   */
  beforeListening?: () => Promise<void>;
}

export interface FunctionDescription {
  name: string;
  trigger: string;
  methods?: string[];
  url?: string;
  authLevel?: string;
  detail?: string;
}

export interface RunningHost {
  readonly url: string;
  readonly port: number;
  readonly functions: FunctionDescription[];
  readonly keys: Keys;
  /** Stops taking work, finishes in-flight invocations (bounded), closes receivers. */
  stop(): Promise<void>;
}

export class HostStartError extends Error {
  override readonly name = "HostStartError";
}

let started = false;

export async function startHost(options: HostOptions): Promise<RunningHost> {
  if (started) throw new HostStartError("one Functions host per process: @azure/functions-core is process-wide");
  started = true;
  const appRoot = options.appRoot;
  const hostConfig = readHostConfig(appRoot);
  const settings = readAppSettings(appRoot, options.environment ?? process.env);
  // The app reads its settings from the environment, as on Azure.
  for (const [name, value] of Object.entries(settings)) process.env[name] ??= value;
  const logger = new HostLogger(hostConfig.logLevel, options.logSink ?? consoleSink());
  const keys: Keys = {
    functionKeys: (settings.LOCAL_FUNCTIONS_KEY ?? DEFAULT_FUNCTION_KEY)
      .split(",")
      .map((key) => key.trim())
      .filter((key) => key !== ""),
    masterKey: settings.LOCAL_FUNCTIONS_MASTER_KEY ?? DEFAULT_MASTER_KEY,
  };

  const registry = new FunctionRegistry();
  installCoreModule(registry, (level, category, message) => {
    logger.log(level, category === "user" ? "Host.Function.Console" : "Host.Worker", message);
  });
  logger.host("information", `Loading the app in ${appRoot}`);
  await loadEntryPoints(await entryPointFiles(appRoot));
  registry.seal();
  if (registry.functions().length === 0) {
    logger.host("warning", "No job functions found. The app's entry points registered no function.");
  }

  const inFlight = new Set<Promise<unknown>>();
  let accepting = true;
  const track = <T>(work: Promise<T>): Promise<T> => {
    inFlight.add(work);
    void work.then(
      () => inFlight.delete(work),
      () => inFlight.delete(work),
    );
    return work;
  };

  const disabled = disabledFunctions(settings);
  for (const name of disabled)
    logger.host("information", `Function '${name}' is disabled by its AzureWebJobs.${name}.Disabled setting`);
  const problems: string[] = [];
  const serviceBusTargets: ServiceBusTriggerTarget[] = [];
  const timers: TimerSchedule[] = [];
  const others: RegisteredFunction[] = [];
  for (const fn of registry.functions()) {
    const type = fn.trigger.type.toLowerCase();
    if (disabled.has(fn.name.toLowerCase()) && type !== "httptrigger") continue;
    try {
      if (type === "servicebustrigger") serviceBusTargets.push(resolveServiceBusTrigger(fn, settings));
      else if (type === "timertrigger") timers.push(resolveTimerSchedule(fn, settings));
      else if (type !== "httptrigger") others.push(fn);
    } catch (error) {
      problems.push(error instanceof Error ? error.message : String(error));
    }
  }
  let http: ReturnType<typeof createHttpServer> | undefined;
  const maxRequestBodyBytes = Number(settings.FUNCTIONS_REQUEST_BODY_SIZE_LIMIT ?? DEFAULT_MAX_REQUEST_BODY_BYTES);
  const timerRunners = new Map<string, TimerRunner>();
  try {
    http = createHttpServer({
      registry,
      logger,
      routePrefix: hostConfig.routePrefix,
      keys,
      disabled,
      maxRequestBodyBytes:
        Number.isFinite(maxRequestBodyBytes) && maxRequestBodyBytes > 0
          ? maxRequestBodyBytes
          : DEFAULT_MAX_REQUEST_BODY_BYTES,
      track,
      runNow: async (fn, input) => {
        if (!accepting) throw new Error("the host is stopping");
        const timer = timerRunners.get(fn.name.toLowerCase());
        if (timer) {
          void timer.runNow("This function was programmatically called via the host APIs.", false);
          return Promise.resolve();
        }
        void track(
          invoke({
            registry,
            logger,
            fn,
            reason: "This function was programmatically called via the host APIs.",
            request: { inputData: [{ name: fn.trigger.name, data: toTriggerInput(input ?? "") }], triggerMetadata: {} },
          }).catch((error: unknown) => {
            if (!(error instanceof InvocationError)) throw error;
          }),
        );
        return Promise.resolve();
      },
    });
  } catch (error) {
    problems.push(error instanceof Error ? error.message : String(error));
  }
  for (const fn of others)
    logger.host(
      "warning",
      `${fn.name}: ${fn.trigger.type} is not served by the local host; run it with POST /admin/functions/${fn.name}`,
    );
  if (problems.length > 0 || http === undefined) {
    throw new HostStartError(`The app cannot start:\n  ${problems.join("\n  ")}`);
  }

  await options.beforeListening?.();
  await runAppHooks(registry, "appStart", { functionAppDirectory: appRoot });

  const server = http.server;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? DEFAULT_PORT, options.host ?? "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const url = `http://${options.host ?? "127.0.0.1"}:${address.port}`;

  const clients = new Map<string, ServiceBusClient>();
  const listeners: ServiceBusListener[] = [];
  for (const target of serviceBusTargets) {
    let client = clients.get(target.connectionString);
    if (client === undefined) {
      client = new ServiceBusClient(target.connectionString);
      clients.set(target.connectionString, client);
    }
    const listener = new ServiceBusListener({
      target,
      client,
      options: hostConfig.serviceBus,
      registry,
      logger,
      track,
    });
    listener.start();
    listeners.push(listener);
  }
  for (const schedule of timers) {
    const runner = new TimerRunner({ schedule, registry, logger, track });
    timerRunners.set(schedule.fn.name.toLowerCase(), runner);
    runner.start();
  }

  const functions = describeFunctions(http.routes, serviceBusTargets, timers, others, url, hostConfig);
  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      accepting = false;
      logger.host("information", "Stopping the host: no new work, finishing what is in flight");
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      for (const runner of timerRunners.values()) runner.stop();
      await Promise.all(listeners.map((listener) => listener.stopReceiving().catch(() => undefined)));
      const grace = options.shutdownGraceMs ?? hostConfig.functionTimeoutMs ?? DEFAULT_SHUTDOWN_GRACE_MS;
      const drained = await Promise.race([
        Promise.allSettled([...inFlight]).then(() => true),
        new Promise<false>((resolve) => setTimeout(() => resolve(false), grace).unref()),
      ]);
      if (!drained)
        logger.host("warning", `${inFlight.size} invocation(s) still running after ${grace} ms; stopping anyway`);
      server.closeAllConnections();
      await Promise.all(listeners.map((listener) => listener.close().catch(() => undefined)));
      await Promise.all([...clients.values()].map((client) => client.close().catch(() => undefined)));
      await runAppHooks(registry, "appTerminate", {}).catch((error: unknown) => {
        logger.host("error", `appTerminate hook failed: ${String(error)}`);
      });
      await closed;
      logger.host("information", "Host stopped");
    })();
    return stopping;
  };
  return { url, port: address.port, functions, keys, stop };
}

async function runAppHooks(
  registry: FunctionRegistry,
  name: "appStart" | "appTerminate",
  extra: Record<string, unknown>,
): Promise<void> {
  const context = Object.defineProperties(
    { ...extra },
    {
      hookData: { get: () => registry.appLevelOnlyHookData, enumerable: true },
      appHookData: { get: () => registry.appHookData, enumerable: true },
    },
  );
  for (const hook of registry.hooks(name)) await (hook as (context: object) => unknown)(context);
}

function describeFunctions(
  routes: HttpRoute[],
  serviceBus: ServiceBusTriggerTarget[],
  timers: TimerSchedule[],
  others: RegisteredFunction[],
  url: string,
  config: HostConfig,
): FunctionDescription[] {
  const prefix = config.routePrefix === "" ? "" : `/${config.routePrefix}`;
  const described: FunctionDescription[] = [
    ...routes.map((route) => ({
      name: route.fn.name,
      trigger: "httpTrigger",
      methods: route.methods ? [...route.methods] : ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"],
      url: `${url}${prefix}/${route.route.template}`,
      authLevel: route.authLevel,
    })),
    ...serviceBus.map((target) => ({
      name: target.fn.name,
      trigger: "serviceBusTrigger",
      detail: `queue '${target.queueName}'`,
    })),
    ...timers.map((timer) => ({
      name: timer.fn.name,
      trigger: "timerTrigger",
      detail: `schedule '${timer.expression}'`,
    })),
    ...others.map((fn) => ({ name: fn.name, trigger: fn.trigger.type, detail: "not served locally" })),
  ];
  return described.sort((a, b) => a.name.localeCompare(b.name));
}

/** The function list `func start` prints. */
export function formatFunctionList(functions: FunctionDescription[]): string {
  const lines = ["Functions:", ""];
  for (const fn of functions) {
    if (fn.url !== undefined) lines.push(`        ${fn.name}: [${(fn.methods ?? []).join(",")}] ${fn.url}`);
    else lines.push(`        ${fn.name}: ${fn.trigger}${fn.detail ? ` (${fn.detail})` : ""}`);
    lines.push("");
  }
  return lines.join("\n");
}

export { AppConfigError };
