// What the app benchmarks (intake, forwarding) start the same way: Azurite's Table service and
// the Service Bus emulator with the app's queue for the whole run, a local Functions host child
// serving this repository's app per measurement, and the four processes' CPU time.
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { startAzuriteTable, type RunningAzurite } from "../local/azurite.js";
import { appQueueEmulatorConfig } from "./app-queue.js";
import { startEmulatorProcess, type BrokerProcess } from "./broker-process.js";
import { cpus } from "node:os";
import type { MachineTicks } from "./machine-cpu.js";
import { readCpuSeconds, startServerProcess, type ServerProcess } from "./server-process.js";

const root = fileURLToPath(new URL("../..", import.meta.url));
const distDir = fileURLToPath(new URL("..", import.meta.url));

export interface Stoppable {
  stop(): Promise<void>;
}

export interface AppBackends {
  azurite: RunningAzurite;
  emulator: BrokerProcess;
}

/** Azurite (in memory, a free port) and the emulator with `queue` as the app's queue; both added to `started`. */
export async function startAppBackends(tempDir: string, started: Stoppable[], queue: string): Promise<AppBackends> {
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
  return { azurite, emulator };
}

/** A local Functions host child serving this repository's app, its output in `host-<index>.log`. */
export function startAppHost(tempDir: string, index: number, env: NodeJS.ProcessEnv): Promise<ServerProcess> {
  return startServerProcess({
    name: "local Functions host",
    args: [join(distDir, "local", "functions-host", "cli.js"), "--app", root, "--port", "0", "--host", "127.0.0.1"],
    readyPattern: /Host listening on (http:\/\/\S+)/,
    logPath: join(tempDir, `host-${index}.log`),
    env,
    startTimeoutMs: 30_000,
  });
}

export const APP_PROCESSES = ["host", "bench", "azurite", "emulator"] as const;
export type AppProcess = (typeof APP_PROCESSES)[number];

export type AppCpu = Record<AppProcess, number | undefined>;

/** CPU seconds so far of each process (the host 0 when none runs); undefined where unreadable. */
export function appProcessesCpu(backends: AppBackends, host: ServerProcess | undefined): AppCpu {
  const own = process.cpuUsage();
  return {
    host: host === undefined ? 0 : readCpuSeconds(host.pid),
    bench: (own.user + own.system) / 1e6,
    azurite: backends.azurite.pid === undefined ? undefined : readCpuSeconds(backends.azurite.pid),
    emulator: readCpuSeconds(backends.emulator.pid),
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
export function printAppOutputs(
  rig: { lastHost: ServerProcess | undefined; emulator: BrokerProcess } | undefined,
): void {
  const recent = rig?.lastHost?.recentOutput(40) ?? [];
  if (recent.length > 0)
    console.error(
      `host output (last ${recent.length} lines of ${rig?.lastHost?.logPath ?? "?"}):\n  ${recent.join("\n  ")}`,
    );
  const emulatorOutput = rig?.emulator.recentOutput() ?? [];
  if (emulatorOutput.length > 0)
    console.error(`emulator output (last lines):\n  ${emulatorOutput.slice(-20).join("\n  ")}`);
}
