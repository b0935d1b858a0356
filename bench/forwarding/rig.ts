// The processes the forwarding benchmark measures: the app's stack (Azurite, the emulator, a host
// child per measurement) with the Partner Center sandbox in this process, its creates traced, and
// the version of the app the hosts run.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import type { TableClient } from "@azure/data-tables";
import { ServiceBusClient, type ServiceBusSender } from "@azure/service-bus";
import { appSettingsFor, start as startSandbox, type RunningSandbox } from "../../local/vianet-sandbox/index.js";
import type { AppConfig } from "../../shared/settings/app-settings.js";
import type { PartnerCenterConfig } from "../../shared/settings/forwarding-settings.js";
import {
  DIST_DIR,
  REPO_ROOT,
  appHostEnvironment,
  azuriteTable,
  loadAppConfig,
  startAppHost,
  startAppStack,
  type AppStack,
  type ServerProcess,
  type Stoppable,
} from "../kit/index.js";
import { traceSandboxCreates, type SandboxTracer } from "./sandbox-trace.js";
import { HOST_DEFAULT_MAX_CONCURRENT_CALLS, QUEUE, REMOVED_SETTINGS } from "./settings.js";

/** host.json extensions.serviceBus.maxConcurrentCalls, as the local host reads it. */
function readMaxConcurrentCalls(): number {
  const hostJson = JSON.parse(readFileSync(join(REPO_ROOT, "host.json"), "utf8")) as {
    extensions?: { serviceBus?: { maxConcurrentCalls?: unknown } };
  };
  const value = hostJson.extensions?.serviceBus?.maxConcurrentCalls;
  return typeof value === "number" && Number.isSafeInteger(value) && value > 0
    ? value
    : HOST_DEFAULT_MAX_CONCURRENT_CALLS;
}

/**
 * The app's version the run measured: the commit, and the uncommitted files of the code the host
 * serves (shared/ changes while benchmarks run). Undefined without git.
 */
export function appVersion(): { commit: string; uncommitted: string[] } | undefined {
  try {
    const git = (...args: string[]) =>
      execFileSync("git", ["-C", REPO_ROOT, ...args], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
    const commit = git("rev-parse", "--short", "HEAD").trim();
    const uncommitted = git("status", "--porcelain", "--", "shared", "functions", "host.json", "package.json")
      .split("\n")
      .map((line) => line.slice(3).trim())
      .filter((path) => path !== "");
    return { commit, uncommitted };
  } catch {
    return undefined;
  }
}

export function describeVersion(version: ReturnType<typeof appVersion>): string {
  if (version === undefined) return "unknown (no git)";
  return `commit ${version.commit}${version.uncommitted.length === 0 ? ", no uncommitted changes to the app" : ` with uncommitted changes to ${version.uncommitted.join(", ")}`}`;
}

/** A digest of the compiled app the host children load (dist/shared, dist/functions): a rebuild during the run changes it. */
export function compiledAppDigest(): string {
  const hash = createHash("sha256");
  for (const folder of ["shared", "functions"]) {
    const base = join(DIST_DIR, folder);
    let files: string[];
    try {
      files = readdirSync(base, { recursive: true, encoding: "utf8" })
        .filter((file) => file.endsWith(".js"))
        .sort();
    } catch {
      continue;
    }
    for (const file of files) hash.update(file).update(readFileSync(join(base, file)));
  }
  return hash.digest("hex").slice(0, 12);
}

export interface Rig extends AppStack {
  sandbox: RunningSandbox;
  tracer: SandboxTracer;
  /** For the preloads and the verification; kept for the whole run. */
  serviceBus: ServiceBusClient;
  sender: ServiceBusSender;
  maxConcurrentCalls: number;
}

/** The host's environment: the inherited one less the removed settings, plus the bench's. */
function hostEnvironment(rig: Rig, tableName: string): NodeJS.ProcessEnv {
  return appHostEnvironment(rig, tableName, {
    ...appSettingsFor(rig.sandbox),
    // The defaults, said explicitly so a local.settings.json cannot change them.
    ESCALATION_ROUTING: JSON.stringify([{ channel: "partner-center" }]),
    PARTNER_CENTER_AUTH: "app+user",
    "AzureWebJobs.dispatch-sweep.Disabled": "true",
  });
}

/** The app's settings as the host parses them from the same environment. */
export function appConfig(rig: Rig, tableName: string): AppConfig {
  const config = loadAppConfig(hostEnvironment(rig, tableName));
  if (config.forwarding.partnerCenter === undefined)
    throw new Error("the bench's settings route nothing to Partner Center");
  return config;
}

export async function startRig(tempDir: string, started: Stoppable[], latencyMs: number): Promise<Rig> {
  const [stack, sandbox] = await Promise.all([
    startAppStack(tempDir, started, QUEUE, REMOVED_SETTINGS),
    startSandbox({ port: 0, latencyMs }).then((running) => {
      started.push({ stop: () => running.close() });
      return running;
    }),
  ]);
  const tracer = traceSandboxCreates(Number(new URL(sandbox.url).port));
  started.push({
    stop: () => {
      tracer.close();
      return Promise.resolve();
    },
  });
  const serviceBus = new ServiceBusClient(stack.emulator.connectionString);
  const sender = serviceBus.createSender(QUEUE);
  started.push({ stop: () => serviceBus.close().catch(() => undefined) });
  return { ...stack, sandbox, tracer, serviceBus, sender, maxConcurrentCalls: readMaxConcurrentCalls() };
}

export function startHost(rig: Rig, tableName: string, index: number): Promise<ServerProcess> {
  return startAppHost(rig, hostEnvironment(rig, tableName), index);
}

/** `tableName` in Azurite, created empty. */
export async function freshTable(rig: Rig, tableName: string): Promise<TableClient> {
  const table = azuriteTable(rig.azurite.connectionString, tableName);
  await table.createTable();
  return table;
}

export function channelSettings(config: AppConfig): PartnerCenterConfig {
  const settings = config.forwarding.partnerCenter;
  if (settings === undefined) throw new Error("no Partner Center settings");
  return settings;
}

/** A sandbox with nothing created and nothing armed. */
export function resetSandbox(rig: Rig): void {
  rig.sandbox.reset();
  if (rig.sandbox.faults.list().length > 0 || rig.sandbox.requests().length > 0)
    throw new Error("the sandbox did not reset");
}
