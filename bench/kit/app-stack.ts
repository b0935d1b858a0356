// What the app benchmarks (intake, forwarding) start the same way: Azurite's Table service and
// the Service Bus emulator with the app's queue for the whole run, a local Functions host child
// serving this repository's app per measurement with the benchmark's settings, the app's own
// adapters on those emulators, and the four processes' CPU time.
import { readFileSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { cpus } from "node:os";
import { join } from "node:path";
import { TableClient } from "@azure/data-tables";
import type { PipelinePolicy } from "@azure/core-rest-pipeline";
import { startAzuriteTable, type RunningAzurite } from "../../local/azurite.js";
import { loadConfig, type AppConfig } from "../../shared/settings/app-settings.js";
import type { Clock } from "../../shared/domain/escalations/ports.js";
import { startEmulatorProcess, type BrokerProcess } from "./broker-process.js";
import { inheritedEnvironment } from "./children.js";
import { readCpuSeconds, type MachineTicks } from "./proc.js";
import { DIST_DIR, REPO_ROOT } from "./run.js";
import { startServerProcess, type ServerProcess } from "./server-process.js";

/** Settings that would point the host at real resources: never inherited. */
const REMOTE_SETTINGS = ["EscalationsStorage", "ServiceBusConnection"] as const;
/** local/service-bus/escalations.config.json: the emulator config `npm start` runs the app's queue with. */
const APP_QUEUE_CONFIG = join(REPO_ROOT, "local", "service-bus", "escalations.config.json");

export const systemClock: Clock = { now: () => new Date() };

export interface Stoppable {
  stop(): Promise<void>;
}

export interface AppStack {
  azurite: RunningAzurite;
  emulator: BrokerProcess;
  /** The app's queue, as the emulator configures "escalations". */
  queue: string;
  tempDir: string;
  /** The environment the hosts inherit, and the names removed from it. */
  inherited: NodeJS.ProcessEnv;
  removedSettings: string[];
  /** Everything started, to stop at the end whatever happened, newest first; stop() is safe twice. */
  started: Stoppable[];
  /** The host started last, for the failure report. */
  lastHost: ServerProcess | undefined;
}

interface QueueEntry {
  Name: string;
  Properties?: Record<string, unknown>;
}

/**
 * The app's emulator config with its escalations queue renamed to `queueName` and its other
 * queues as they are, so a benchmark never measures a queue set up otherwise.
 */
function appQueueEmulatorConfig(queueName: string): unknown {
  const config = JSON.parse(readFileSync(APP_QUEUE_CONFIG, "utf8")) as {
    UserConfig: { Namespaces: { Queues: QueueEntry[] }[] };
  };
  const queues = config.UserConfig.Namespaces.flatMap((namespace) => namespace.Queues);
  const queue = queues.find((entry) => entry.Name === "escalations");
  if (queue === undefined) throw new Error(`${APP_QUEUE_CONFIG}: expected the "escalations" queue`);
  queue.Name = queueName;
  return config;
}

/**
 * Azurite (in memory, a free port) and the emulator with `queue` as the app's queue, both added
 * to `started`; the hosts will inherit this process's environment less `removedSettings` (and
 * the remote storage and Service Bus settings).
 */
export async function startAppStack(
  tempDir: string,
  started: Stoppable[],
  queue: string,
  removedSettings: readonly string[] = [],
): Promise<AppStack> {
  const configPath = join(tempDir, "service-bus-config.json");
  await writeFile(configPath, JSON.stringify(appQueueEmulatorConfig(queue), null, 2));
  const [azurite, emulator] = await Promise.all([
    startAzuriteTable({ port: 0 }).then((running) => {
      started.push({ stop: () => running.close() });
      return running;
    }),
    startEmulatorProcess({ configPath }).then((running) => {
      started.push(running);
      return running;
    }),
  ]);
  const { env, removed } = inheritedEnvironment([...REMOTE_SETTINGS, ...removedSettings]);
  return { azurite, emulator, queue, tempDir, inherited: env, removedSettings: removed, started, lastHost: undefined };
}

/** The hosts' environment: the inherited one, the emulators, the queue, `tableName`, and the benchmark's own settings. */
export function appHostEnvironment(stack: AppStack, tableName: string, own: Record<string, string>): NodeJS.ProcessEnv {
  return {
    ...stack.inherited,
    EscalationsStorage: stack.azurite.connectionString,
    ServiceBusConnection: stack.emulator.connectionString,
    ESCALATIONS_QUEUE_NAME: stack.queue,
    METRICS_DELIVERY_QUEUE_NAME: "report-deliveries",
    EVENT_DELIVERY_QUEUE_NAME: "event-deliveries",
    ESCALATIONS_TABLE_NAME: tableName,
    ...own,
  };
}

/** The app's settings as the host parses them from the same environment. */
export function loadAppConfig(env: NodeJS.ProcessEnv): AppConfig {
  const config = loadConfig(env);
  if (config.storage.kind !== "connectionString" || config.serviceBus.kind !== "connectionString")
    throw new Error("the benchmark needs the emulators' connection strings");
  return config;
}

/** A local Functions host child serving this repository's app, its output in `host-<index>.log`; added to `started`. */
export async function startAppHost(stack: AppStack, env: NodeJS.ProcessEnv, index: number): Promise<ServerProcess> {
  const host = await startServerProcess({
    name: "local Functions host",
    args: [appHostCli(), "--app", REPO_ROOT, "--port", "0", "--host", "127.0.0.1"],
    readyPattern: /Host listening on (http:\/\/\S+)/,
    logPath: join(stack.tempDir, `host-${index}.log`),
    env,
    startTimeoutMs: 30_000,
  });
  stack.started.push(host);
  stack.lastHost = host;
  return host;
}

/** The compiled local Functions host CLI the hosts run. */
export function appHostCli(): string {
  return join(DIST_DIR, "local", "functions-host", "cli.js");
}

/** `tableName` in an Azurite, through an SDK client as the composition root builds one (plus `policy`). */
export function azuriteTable(connectionString: string, tableName: string, policy?: PipelinePolicy): TableClient {
  // Azurite speaks plain HTTP: the composition root sets this for such a connection string too.
  return TableClient.fromConnectionString(connectionString, tableName, {
    allowInsecureConnection: true,
    ...(policy === undefined ? {} : { additionalPolicies: [{ policy, position: "perCall" as const }] }),
  });
}

/** The title of a benchmark's escalation `n`: every body its own, so none is an idempotent replay. */
export function numberedTitle(label: string, n: number): string {
  return `Exchange Online mail flow stopped for all users (${label} #${n})`;
}

export const APP_PROCESSES = ["host", "bench", "azurite", "emulator"] as const;
export type AppProcess = (typeof APP_PROCESSES)[number];

export type AppCpu = Record<AppProcess, number | undefined>;

/** CPU seconds so far of each process (the host 0 when none runs); undefined where unreadable. */
export function appProcessesCpu(
  stack: Pick<AppStack, "azurite" | "emulator">,
  host: ServerProcess | undefined,
): AppCpu {
  const own = process.cpuUsage();
  return {
    host: host === undefined ? 0 : readCpuSeconds(host.pid),
    bench: (own.user + own.system) / 1e6,
    azurite: stack.azurite.pid === undefined ? undefined : readCpuSeconds(stack.azurite.pid),
    emulator: readCpuSeconds(stack.emulator.pid),
  };
}

/** CPU seconds each process spent from `before` to `after`; undefined where either is. */
export function appCpuBetween(before: AppCpu, after: AppCpu): AppCpu {
  const result = {} as AppCpu;
  for (const name of APP_PROCESSES) {
    const a = before[name];
    const b = after[name];
    result[name] = a === undefined || b === undefined ? undefined : b - a;
  }
  return result;
}

export interface CpuShare {
  /** CPU ms per item (submission, forwarding) of each process and of all four; undefined where unreadable. */
  msPerItem: Record<AppProcess | "total", number | undefined>;
  /** The four processes' CPU per wall second over all CPUs, in %. */
  busyPercent: number | undefined;
  /** All CPUs busy, other processes included, in %. */
  machineBusyPercent: number | undefined;
}

/** CPU per item over several measured parts of `items` items in `seconds` of wall time. */
export function cpuShare(
  parts: readonly { cpuSeconds: AppCpu; machineTicks: MachineTicks | undefined }[],
  items: number,
  seconds: number,
): CpuShare {
  const msPerItem = {} as CpuShare["msPerItem"];
  let total: number | undefined = 0;
  for (const name of APP_PROCESSES) {
    const known = parts.every((part) => part.cpuSeconds[name] !== undefined);
    const cpu = known ? parts.reduce((sum, part) => sum + (part.cpuSeconds[name] ?? 0), 0) : undefined;
    msPerItem[name] = cpu === undefined ? undefined : (cpu * 1000) / items;
    total = total === undefined || cpu === undefined ? undefined : total + cpu;
  }
  msPerItem.total = total === undefined ? undefined : (total * 1000) / items;
  const machineKnown = parts.every((part) => part.machineTicks !== undefined);
  const machineBusy = parts.reduce((sum, part) => sum + (part.machineTicks?.busy ?? 0), 0);
  const machineTotal = parts.reduce((sum, part) => sum + (part.machineTicks?.total ?? 0), 0);
  return {
    msPerItem,
    busyPercent: total === undefined ? undefined : (total / seconds / cpus().length) * 100,
    machineBusyPercent: machineKnown && machineTotal > 0 ? (machineBusy / machineTotal) * 100 : undefined,
  };
}

/** Stops everything started, newest first: a host before the emulators it holds connections to. */
export async function stopNewestFirst(started: Stoppable[]): Promise<void> {
  for (const child of started.splice(0).reverse()) await child.stop();
}

/** Prints the last lines of the latest host's and the emulator's output, to diagnose a failed run. */
export function printAppOutputs(stack: Pick<AppStack, "lastHost" | "emulator"> | undefined): void {
  const recent = stack?.lastHost?.recentOutput(40) ?? [];
  if (recent.length > 0)
    console.error(
      `host output (last ${recent.length} lines of ${stack?.lastHost?.logPath ?? "?"}):\n  ${recent.join("\n  ")}`,
    );
  const emulatorOutput = stack?.emulator.recentOutput() ?? [];
  if (emulatorOutput.length > 0)
    console.error(`emulator output (last lines):\n  ${emulatorOutput.slice(-20).join("\n  ")}`);
}
