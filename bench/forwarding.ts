// Benchmark of the forwarder, the queue trigger that takes each escalation to 21Vianet:
// forwarded escalations per second through the local Functions host with the Partner Center
// sandbox answering every call after `--latency-ms` (50), as a ratio to the bound that latency
// and host.json's extensions.serviceBus.maxConcurrentCalls (16) set, 16 / 0.05 s = 320/s (aim
// >= 0.8), and to the Partner Center channel alone measured in the same run.
//
//   npm run bench:forwarding -- [--escalations 2000] [--rounds 2] [--latency-ms 50] [--skip-probe] [--json <file>]
//
// Everything runs on 127.0.0.1 and is started by this run: Azurite's Table service (in memory, a
// free port) and the Service Bus emulator (dist/local/service-bus/cli.js, a free port, one queue
// configured as local/service-bus/escalations.config.json configures the app's, duplicate
// detection included), each a child process, for the whole run; the Partner Center sandbox
// (local/vianet-sandbox) in this process, so its creates can be timed from Node's http server
// diagnostics channels (bench/sandbox-trace.ts) and its records read directly; and per
// forwarding measurement a local Functions host child (dist/local/functions-host/cli.js) serving
// this repository's app with that queue, a table of its own, appSettingsFor(sandbox) and the
// dispatch sweep disabled.
//
// Per round (`--rounds`, the order alternating: forwarding first in odd rounds, the channel first
// in even ones), each on a freshly reset sandbox with no faults armed:
// 1. Forwarding. With no host running, `--escalations` escalations are stored and queued with
//    the real adapters (submitEscalation with TableEscalationStore and ServiceBusEscalationQueue,
//    as bench/intake.ts builds them; 16 in flight, untimed; spread over `--customers` tenants as a
//    partner's desk's would be) on a fresh table, so the queue holds that many real messages. Then
//    the host starts and forwards them. Every create the sandbox answers is timestamped; reported
//    are the throughput over the steady middle (from the 25% to the 90% create: the first quarter
//    also warms the fresh host's JIT) and over the whole run (from spawning the host to the last create, start-up
//    and the first token included), and the time from the last create until no escalation is
//    left `queued` (the last status writes). Each process's CPU time is sampled from /proc every
//    100 ms and interpolated at the window's ends.
// 2. Channel alone. The same number of creates through PartnerCenterChannel with MsalTokenSource,
//    built by the app's own buildPartnerCenterChannel (shared/adapters/partner-center/) from the same settings
//    parsed by the same loadConfig, so MSAL reaches the loopback sandbox as in the host;
//    maxConcurrentCalls in flight, in this process: no queue, no storage, no host. The same
//    windows, from the same timestamps.
// After every measurement, verified (or the benchmark fails): the sandbox holds exactly one
// request carrying each escalation's marker (shared/domain/forwarding/channel.ts requestMarker) and no
// other, and exactly one create call reached it per escalation (no retry, no replay); for
// forwarding also that every escalation is `forwarded` in the store (TableEscalationStore.get)
// with that request's id and no open attempt, and that the queue and its dead-letter queue are
// empty once the host has stopped.
// 3. Probe (diagnostic, once, after the rounds; --skip-probe leaves it out): a few hundred
//    escalations forwarded by forwardEscalation itself in this process, with the real store and
//    channel and maxConcurrentCalls in flight but no host and no Service Bus, through a TableClient
//    that counts and times every Table Storage operation: how many one forwarding costs, how
//    long they take, and how much of a forwarding is spent outside the channel call.
//
// Reported: forwarded/s and creates/s per measurement and over all rounds, the ratios, CPU ms per
// escalation of the host child, this process (the sandbox; plus the channel in channel runs),
// Azurite and the emulator, with the machine's busy share from /proc/stat, and where a
// forwarding's time goes. The app's commit (with any uncommitted files of shared/ and functions/)
// and a digest of the compiled app the hosts load are printed first; a rebuild of dist/ during
// the run is reported, since the figures would then mix two versions.
import { execFileSync } from "node:child_process";
import { createHash, randomBytes, randomUUID } from "node:crypto";
import { readFileSync, readdirSync } from "node:fs";
import { cpus } from "node:os";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { TableClient } from "@azure/data-tables";
import { ServiceBusClient, type ServiceBusSender } from "@azure/service-bus";
import type { RunningAzurite } from "../local/azurite.js";
import {
  appSettingsFor,
  start as startSandbox,
  type CreatedRecord,
  type RunningSandbox,
} from "../local/vianet-sandbox/index.js";
import { buildPartnerCenterChannel } from "../shared/adapters/partner-center/build-partner-center-channel.js";
import { ServiceBusEscalationQueue } from "../shared/adapters/service-bus/service-bus-escalation-queue.js";
import { TableEscalationStore } from "../shared/adapters/table-storage/table-escalation-store.js";
import { loadConfig, type AppConfig } from "../shared/settings/app-settings.js";
import type { Escalation, EscalationMessage } from "../shared/domain/escalations/escalation.js";
import { EscalationRequest } from "../shared/domain/escalations/escalation-request.js";
import { randomIds } from "../shared/domain/escalations/ids.js";
import type { Clock, EscalationQueue } from "../shared/domain/escalations/ports.js";
import {
  submitEscalation,
  type Caller,
  type SubmitDependencies,
} from "../shared/domain/escalations/submit-escalation.js";
import { requestMarker, type VianetChannel } from "../shared/domain/forwarding/channel.js";
import { forwardEscalation, type ForwardDependencies } from "../shared/domain/forwarding/forward-escalation.js";
import type { PartnerCenterConfig } from "../shared/settings/forwarding-settings.js";
import type { BrokerProcess } from "./broker-process.js";
import { buildEscalationRequest } from "../test/builders/escalation-request.js";
import { summarizeLatencies, type LatencySummary } from "./http-load.js";
import { machineCpu, ticksBetween, type MachineTicks } from "./machine-cpu.js";
import {
  UsageError,
  formatInteger,
  formatLoad,
  formatMs,
  formatPercent,
  formatRatio,
  formatTable,
  machineJson,
  positiveInteger,
  verdict,
} from "./report.js";
import { traceSandboxCreates, type CreateTrace, type SandboxTracer } from "./sandbox-trace.js";
import type { ServerProcess } from "./server-process.js";
import { inPool, parseBenchArgs, runBenchmark, withBenchProcesses, writeJsonReport } from "./harness.js";
import {
  APP_PROCESSES,
  appCpuBetween,
  appProcessesCpu,
  startAppBackends,
  startAppHost,
  type AppCpu,
  type AppProcess,
  cpuShare,
  printAppOutputs,
  stopNewestFirst,
} from "./app-rig.js";

const DEFAULT_ESCALATIONS = 2_000;
const DEFAULT_ROUNDS = 2;
const DEFAULT_LATENCY_MS = 50;
/** A partner's customers: escalations are spread over this many tenants, as a desk's would be. */
const DEFAULT_CUSTOMERS = 200;
/** Forwarded/s over maxConcurrentCalls / latency. */
const AIM_RATIO = 0.8;
/** The steady middle of a run: from the create at this share of all to the one at the next. */
// From the 25% create: the first quarter (500 of the default 2,000) also warms a fresh host's JIT,
// which a profile showed costing ~1 ms more CPU per forwarding in its first seconds.
const STEADY_FROM = 0.25;
const STEADY_TO = 0.9;
/** Escalations stored and queued at once before a forwarding run (untimed). */
const PRELOAD_IN_FLIGHT = 16;
/** Store reads at once when verifying. */
const VERIFY_IN_FLIGHT = 16;
const SAMPLE_INTERVAL_MS = 100;
/** No create for this long while escalations are left: the run has stalled. */
const STALL_MS = 30_000;
/** After the last create, how long the last status writes may take. */
const SETTLE_TIMEOUT_MS = 30_000;
const PROBE_ESCALATIONS = 320;
/** The machine's CPUs this busy (%): the throughput is bound by CPU, not by waiting. */
const CPU_BOUND_PERCENT = 80;
/** The host's default when host.json does not say (local/functions-host/app-config.ts). */
const HOST_DEFAULT_MAX_CONCURRENT_CALLS = 16;
const QUEUE = "bench-forwarding";
const CALLER: Caller = { id: "bench-forwarding", tenants: "all" };
/** Inherited settings that would point the host elsewhere or change forwarding: removed, the bench sets its own. */
const REMOVED_SETTINGS = [
  "EscalationsStorage",
  "ServiceBusConnection",
  "ESCALATION_ROUTING",
  "PARTNER_CENTER_",
  "FORWARD_RETRY_",
] as const;

const root = fileURLToPath(new URL("../..", import.meta.url));
const distDir = fileURLToPath(new URL("..", import.meta.url));

const PATHS = ["forwarding", "channel"] as const;
type PathName = (typeof PATHS)[number];
const PATH_LABELS: Record<PathName, string> = { forwarding: "host forwarding", channel: "channel alone" };
const PROCESSES = APP_PROCESSES;
type ProcessName = AppProcess;
type Cpu = AppCpu;

const usage = `usage: npm run bench:forwarding -- [--escalations N] [--rounds N] [--latency-ms N] [--skip-probe] [--json <file>]
  --escalations N  escalations per forwarding measurement, and creates per channel measurement (default ${DEFAULT_ESCALATIONS})
  --rounds N       forwarding + channel measurements, the order alternating (default ${DEFAULT_ROUNDS})
  --latency-ms N   the sandbox's delay before every answer (default ${DEFAULT_LATENCY_MS})
  --customers N    customer tenants the escalations are spread over (default ${DEFAULT_CUSTOMERS})
  --skip-probe     leave out the in-process forwarder probe (Table Storage operations per forwarding)
  --json <file>    also write the results as JSON`;

interface Options {
  escalations: number;
  customers: number;
  rounds: number;
  latencyMs: number;
  probe: boolean;
  jsonPath: string | undefined;
}

/** A lost, duplicated or unforwarded escalation, or a wrong answer: the figures would mean nothing. */
class VerificationError extends Error {
  override readonly name = "VerificationError";
}

function parseOptions(): Options | undefined {
  const parsed = parseBenchArgs(
    {
      escalations: { type: "string", default: String(DEFAULT_ESCALATIONS) },
      rounds: { type: "string", default: String(DEFAULT_ROUNDS) },
      "latency-ms": { type: "string", default: String(DEFAULT_LATENCY_MS) },
      customers: { type: "string", default: String(DEFAULT_CUSTOMERS) },
      "skip-probe": { type: "boolean", default: false },
    },
    usage,
  );
  if (parsed === undefined) return undefined;
  const { values, jsonPath } = parsed;
  const escalations = positiveInteger("escalations", values.escalations);
  if (escalations < 20)
    throw new UsageError(`--escalations must be at least 20 for a steady middle, got ${escalations}`);
  return {
    escalations,
    customers: positiveInteger("customers", values.customers),
    rounds: positiveInteger("rounds", values.rounds),
    latencyMs: positiveInteger("latency-ms", values["latency-ms"]),
    probe: !values["skip-probe"],
    jsonPath,
  };
}

function rerunCommand(options: Options): string {
  const extra: string[] = [];
  if (options.escalations !== DEFAULT_ESCALATIONS) extra.push(`--escalations ${options.escalations}`);
  if (options.rounds !== DEFAULT_ROUNDS) extra.push(`--rounds ${options.rounds}`);
  if (options.latencyMs !== DEFAULT_LATENCY_MS) extra.push(`--latency-ms ${options.latencyMs}`);
  if (options.customers !== DEFAULT_CUSTOMERS) extra.push(`--customers ${options.customers}`);
  if (!options.probe) extra.push("--skip-probe");
  return `npm run bench:forwarding${extra.length > 0 ? ` -- ${extra.join(" ")}` : ""}`;
}

function formatRate(value: number | undefined): string {
  return value === undefined || Number.isNaN(value) ? "n/a" : value.toFixed(1);
}

/** host.json extensions.serviceBus.maxConcurrentCalls, as the local host reads it. */
function readMaxConcurrentCalls(): number {
  const hostJson = JSON.parse(readFileSync(join(root, "host.json"), "utf8")) as {
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
function appVersion(): { commit: string; uncommitted: string[] } | undefined {
  try {
    const git = (...args: string[]) =>
      execFileSync("git", ["-C", root, ...args], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
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

function describeVersion(version: ReturnType<typeof appVersion>): string {
  if (version === undefined) return "unknown (no git)";
  return `commit ${version.commit}${version.uncommitted.length === 0 ? ", no uncommitted changes to the app" : ` with uncommitted changes to ${version.uncommitted.join(", ")}`}`;
}

/** A digest of the compiled app the host children load (dist/shared, dist/functions): a rebuild during the run changes it. */
function compiledAppDigest(): string {
  const hash = createHash("sha256");
  for (const folder of ["shared", "functions"]) {
    const base = join(distDir, folder);
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

const systemClock: Clock = { now: () => new Date() };

// ---------------------------------------------------------------------------------------------
// The processes under test

interface Rig {
  azurite: RunningAzurite;
  emulator: BrokerProcess;
  sandbox: RunningSandbox;
  tracer: SandboxTracer;
  /** For the preloads and the verification; kept for the whole run. */
  serviceBus: ServiceBusClient;
  sender: ServiceBusSender;
  maxConcurrentCalls: number;
  tempDir: string;
  removedSettings: string[];
  /** Everything started, to stop at the end whatever happened, in reverse; stop() is safe twice. */
  started: { stop(): Promise<void> }[];
  /** The host started last, for the failure report. */
  lastHost: ServerProcess | undefined;
}

function isRemovedSetting(name: string): boolean {
  return REMOVED_SETTINGS.some(
    (setting) => name === setting || name.startsWith(setting.endsWith("_") ? setting : `${setting}__`),
  );
}

/** The host's environment: this process's, less the removed settings, plus the bench's. */
function hostEnvironment(rig: Pick<Rig, "azurite" | "emulator" | "sandbox">, tableName: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) if (!isRemovedSetting(name)) env[name] = value;
  Object.assign(env, {
    EscalationsStorage: rig.azurite.connectionString,
    ServiceBusConnection: rig.emulator.connectionString,
    ESCALATIONS_QUEUE_NAME: QUEUE,
    METRICS_DELIVERY_QUEUE_NAME: "report-deliveries",
    ESCALATIONS_TABLE_NAME: tableName,
    ...appSettingsFor(rig.sandbox),
    // The defaults, said explicitly so a local.settings.json cannot change them.
    ESCALATION_ROUTING: JSON.stringify([{ channel: "partner-center" }]),
    PARTNER_CENTER_AUTH: "app+user",
    "AzureWebJobs.dispatch-sweep.Disabled": "true",
  });
  return env;
}

/** The app's settings as the host parses them from the same environment. */
function appConfig(rig: Rig, tableName: string): AppConfig {
  const config = loadConfig(hostEnvironment(rig, tableName));
  if (config.storage.kind !== "connectionString" || config.serviceBus.kind !== "connectionString")
    throw new Error("the bench needs the emulators' connection strings");
  if (config.forwarding.partnerCenter === undefined)
    throw new Error("the bench's settings route nothing to Partner Center");
  return config;
}

async function startRig(tempDir: string, started: { stop(): Promise<void> }[], latencyMs: number): Promise<Rig> {
  const [{ azurite, emulator }, sandbox] = await Promise.all([
    startAppBackends(tempDir, started, QUEUE),
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
  const serviceBus = new ServiceBusClient(emulator.connectionString);
  const sender = serviceBus.createSender(QUEUE);
  started.push({ stop: () => serviceBus.close().catch(() => undefined) });
  const removedSettings = Object.keys(process.env).filter(isRemovedSetting);
  return {
    azurite,
    emulator,
    sandbox,
    tracer,
    serviceBus,
    sender,
    maxConcurrentCalls: readMaxConcurrentCalls(),
    tempDir,
    removedSettings,
    started,
    lastHost: undefined,
  };
}

async function startHost(rig: Rig, tableName: string, index: number): Promise<ServerProcess> {
  const host = await startAppHost(rig.tempDir, index, hostEnvironment(rig, tableName));
  rig.started.push(host);
  rig.lastHost = host;
  return host;
}

/** `tableName` in Azurite, created empty. */
async function freshTable(rig: Rig, tableName: string): Promise<TableClient> {
  // Azurite speaks plain HTTP: the composition root sets this for such a connection string too.
  const table = TableClient.fromConnectionString(rig.azurite.connectionString, tableName, {
    allowInsecureConnection: true,
  });
  await table.createTable();
  return table;
}

function channelSettings(config: AppConfig): PartnerCenterConfig {
  const settings = config.forwarding.partnerCenter;
  if (settings === undefined) throw new Error("no Partner Center settings");
  return settings;
}

/** A sandbox with nothing created and nothing armed. */
function resetSandbox(rig: Rig): void {
  rig.sandbox.reset();
  if (rig.sandbox.faults.list().length > 0 || rig.sandbox.requests().length > 0)
    throw new Error("the sandbox did not reset");
}

// ---------------------------------------------------------------------------------------------
// Sampling and windows

interface Sample {
  at: number;
  cpu: Cpu;
  machine: MachineTicks | undefined;
}

/** Samples every SAMPLE_INTERVAL_MS until stop(), which takes a last one. */
function startSampler(take: () => Sample): { stop(): Sample[] } {
  const samples = [take()];
  const timer = setInterval(() => samples.push(take()), SAMPLE_INTERVAL_MS);
  return {
    stop() {
      clearInterval(timer);
      samples.push(take());
      return samples;
    },
  };
}

const interpolate = (a: number | undefined, b: number | undefined, fraction: number) =>
  a === undefined || b === undefined ? undefined : a + (b - a) * fraction;

/** The readings at `at`, interpolated between the samples around it. */
function sampleAt(samples: readonly Sample[], at: number): Sample {
  const first = samples[0];
  if (first === undefined) throw new Error("no samples");
  let before = first;
  let after = first;
  for (const sample of samples) {
    after = sample;
    if (sample.at >= at) break;
    before = sample;
  }
  const span = after.at - before.at;
  const fraction = span <= 0 ? 1 : Math.min(1, Math.max(0, (at - before.at) / span));
  const cpu = {} as Cpu;
  for (const name of PROCESSES) cpu[name] = interpolate(before.cpu[name], after.cpu[name], fraction);
  const busy = interpolate(before.machine?.busy, after.machine?.busy, fraction);
  const total = interpolate(before.machine?.total, after.machine?.total, fraction);
  return { at, cpu, machine: busy === undefined || total === undefined ? undefined : { busy, total } };
}

interface Window {
  /** Creates in the window. */
  count: number;
  seconds: number;
  perSec: number;
  cpuSeconds: Cpu;
  machineTicks: MachineTicks | undefined;
}

function windowOf(samples: readonly Sample[], from: number, to: number, count: number): Window {
  const start = sampleAt(samples, from);
  const end = sampleAt(samples, to);
  const seconds = (to - from) / 1000;
  return {
    count,
    seconds,
    perSec: count / seconds,
    cpuSeconds: appCpuBetween(start.cpu, end.cpu),
    machineTicks: ticksBetween(start.machine, end.machine),
  };
}

/** From the create at STEADY_FROM of all to the one at STEADY_TO: the creates after the first. */
function steadyWindow(samples: readonly Sample[], answeredAt: readonly number[]): Window {
  const total = answeredAt.length;
  const fromIndex = Math.max(0, Math.ceil(STEADY_FROM * total) - 1);
  const toIndex = Math.max(fromIndex + 1, Math.ceil(STEADY_TO * total) - 1);
  const from = answeredAt[fromIndex];
  const to = answeredAt[toIndex];
  if (from === undefined || to === undefined) throw new Error(`too few creates (${total}) for a steady window`);
  return windowOf(samples, from, to, toIndex - fromIndex);
}

/** Waits until the trace holds `target` creates; fails on a stall, a non-201 answer or a dead child. */
async function waitForCreates(trace: CreateTrace, target: number, died: Promise<never>, what: string): Promise<void> {
  let seen = trace.answeredAt.length;
  let progressAt = performance.now();
  while (trace.answeredAt.length < target) {
    await Promise.race([sleep(20), died]);
    if (trace.otherStatuses > 0)
      throw new VerificationError(
        `${what}: the sandbox answered ${trace.otherStatuses} create call(s) with a status other than 201 in a run without faults`,
      );
    const now = trace.answeredAt.length;
    if (now !== seen) {
      seen = now;
      progressAt = performance.now();
    } else if (performance.now() - progressAt > STALL_MS) {
      throw new VerificationError(
        `${what}: ${now} of ${target} escalations reached the sandbox, and none in the last ${STALL_MS / 1000} s`,
      );
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Verification

interface Check {
  escalations: number;
  sandboxRequests: number;
  createCalls: number;
  /** Escalations read back from the store (forwarding only). */
  storeChecked: number;
  problems: string[];
}

/** The escalation id in a request's title, by the shape requestMarker gives it. */
function markedId(record: CreatedRecord): string | undefined {
  const [prefix = "", suffix = ""] = requestMarker("\u0000").split("\u0000");
  const title = record.serviceRequest.title;
  const start = title.lastIndexOf(prefix);
  if (start < 0) return undefined;
  const end = title.indexOf(suffix, start + prefix.length);
  if (end < 0) return undefined;
  const id = title.slice(start + prefix.length, end);
  return title.includes(requestMarker(id)) ? id : undefined;
}

const sample = (items: readonly string[], count = 3) =>
  `${items.slice(0, count).join(", ")}${items.length > count ? ", ..." : ""}`;

/** The sandbox holds exactly one request per id, and nothing else; one create call reached it per id. */
function checkSandbox(rig: Rig, ids: readonly string[]): { check: Check; requestOf: Map<string, CreatedRecord> } {
  const records = rig.sandbox.requests();
  const problems: string[] = [];
  const byId = new Map<string, CreatedRecord[]>();
  const expected = new Set(ids);
  const foreign: string[] = [];
  for (const record of records) {
    const id = markedId(record);
    if (id === undefined || !expected.has(id)) {
      foreign.push(record.serviceRequest.id);
      continue;
    }
    byId.set(id, [...(byId.get(id) ?? []), record]);
  }
  const missing = ids.filter((id) => !byId.has(id));
  const duplicated = ids.filter((id) => (byId.get(id)?.length ?? 0) > 1);
  if (missing.length > 0)
    problems.push(
      `${missing.length} escalation(s) without a sandbox request carrying their marker: ${sample(missing)}`,
    );
  if (duplicated.length > 0)
    problems.push(`${duplicated.length} escalation(s) with more than one sandbox request: ${sample(duplicated)}`);
  if (foreign.length > 0)
    problems.push(
      `${foreign.length} sandbox request(s) carrying no marker of this measurement's escalations: ${sample(foreign)}`,
    );
  const createCalls = Object.values(rig.sandbox.requestIdsSeen()).reduce((sum, times) => sum + times, 0);
  if (createCalls !== ids.length)
    problems.push(
      `${createCalls} create calls reached the sandbox for ${ids.length} escalations (retries or replays in a run without faults)`,
    );
  const requestOf = new Map<string, CreatedRecord>();
  for (const [id, found] of byId) if (found.length === 1 && found[0] !== undefined) requestOf.set(id, found[0]);
  return {
    check: { escalations: ids.length, sandboxRequests: records.length, createCalls, storeChecked: 0, problems },
    requestOf,
  };
}

/** checkSandbox, then every escalation forwarded in the store with its request's id, and the queue empty. */
async function verifyForwarding(rig: Rig, store: TableEscalationStore, ids: readonly string[]): Promise<Check> {
  const { check, requestOf } = checkSandbox(rig, ids);
  const notForwarded: string[] = [];
  const wrongReference: string[] = [];
  const openAttempt: string[] = [];
  await inPool(ids.length, VERIFY_IN_FLIGHT, async (n) => {
    const id = ids[n] ?? "";
    const stored = (await store.get(id))?.value;
    check.storeChecked++;
    if (stored?.status !== "forwarded") {
      notForwarded.push(`${id} ${stored?.status ?? "missing"}`);
      return;
    }
    const request = requestOf.get(id);
    if (request !== undefined && stored.vianet?.serviceRequestId !== request.serviceRequest.id) wrongReference.push(id);
    if (stored.forwarding?.openAttempt !== undefined) openAttempt.push(id);
  });
  if (notForwarded.length > 0)
    check.problems.push(`${notForwarded.length} escalation(s) not forwarded in the store: ${sample(notForwarded)}`);
  if (wrongReference.length > 0)
    check.problems.push(
      `${wrongReference.length} escalation(s) whose stored service request id is not the sandbox's: ${sample(wrongReference)}`,
    );
  if (openAttempt.length > 0)
    check.problems.push(
      `${openAttempt.length} forwarded escalation(s) still holding an open attempt: ${sample(openAttempt)}`,
    );
  for (const subQueueType of [undefined, "deadLetter"] as const) {
    const receiver = rig.serviceBus.createReceiver(QUEUE, subQueueType === undefined ? {} : { subQueueType });
    try {
      const left = await receiver.peekMessages(10);
      if (left.length > 0)
        check.problems.push(
          `${left.length}${left.length === 10 ? "+" : ""} message(s) left in ${QUEUE}${subQueueType === undefined ? "" : "/$DeadLetterQueue"} after the host stopped: ${sample(left.map((message) => String(message.messageId)))}`,
        );
    } finally {
      await receiver.close();
    }
  }
  return check;
}

function failIfProblems(what: string, check: Check): void {
  if (check.problems.length > 0)
    throw new VerificationError(`${what}: verification failed:\n  ${check.problems.join("\n  ")}`);
}

// ---------------------------------------------------------------------------------------------
// The measurements

interface Measurement {
  path: PathName;
  round: number;
  escalations: number;
  /** Storing and queueing the escalations before the host started (forwarding), untimed. */
  preloadSeconds: number | undefined;
  /** From the start (spawning the host; the first channel call) to the first create answered. */
  firstCreateSeconds: number;
  /** From the start to the last create answered. */
  whole: Window;
  /** From the STEADY_FROM create to the STEADY_TO one. */
  steady: Window;
  /** After the last create, until no escalation was left queued in the store (forwarding). */
  settleMs: number | undefined;
  /** Each create's time in the sandbox, from its request's start to its answer's last byte. */
  inSandboxMs: LatencySummary;
  inSandbox: Float64Array;
  check: Check;
}

function titleFor(label: string, n: number): string {
  return `Exchange Online mail flow stopped for all users (${label} #${n})`;
}

/** Escalation `n` of a run, from customer `n mod customers`: each its own tenant, name and domain. */
function benchRequest(label: string, n: number, customers: number) {
  const customer = n % customers;
  return buildEscalationRequest({
    title: titleFor(label, n),
    customer: {
      tenantId: `6f1e2d3c-4b5a-4978-8a6b-${customer.toString(16).padStart(12, "0")}`,
      name: `Customer ${String(customer)}`,
      domain: `customer${String(customer)}.partner.onmschina.cn`,
    },
  });
}

/** `count` escalations stored and queued with the real adapters; returns their ids. */
async function preload(deps: SubmitDependencies, count: number, customers: number, label: string): Promise<string[]> {
  const ids: string[] = [];
  await inPool(count, PRELOAD_IN_FLIGHT, async (n) => {
    const outcome = await submitEscalation(benchRequest(label, n, customers), CALLER, deps);
    if (!outcome.ok) throw new VerificationError(`${label}: preload submission ${n} refused: ${outcome.error}`);
    if (outcome.escalation.dispatch !== "sent")
      throw new VerificationError(`${label}: escalation ${outcome.escalation.id} was stored but its queue send failed`);
    ids.push(outcome.escalation.id);
  });
  return ids;
}

/** Waits until no escalation is left queued in the store; undefined after SETTLE_TIMEOUT_MS. */
async function settle(store: TableEscalationStore, lastCreateAt: number): Promise<number | undefined> {
  const deadline = performance.now() + SETTLE_TIMEOUT_MS;
  while (performance.now() < deadline) {
    const page = await store.listByStatus("queued", { pageSize: 1 });
    if (page.ok && page.items.length === 0) return performance.now() - lastCreateAt;
    await sleep(20);
  }
  return undefined;
}

async function measureForwarding(
  rig: Rig,
  options: Options,
  runTag: string,
  round: number,
  index: number,
): Promise<Measurement> {
  const label = `${runTag}-forwarding-r${round}`;
  const tableName = `fwd${runTag}n${index}`;
  resetSandbox(rig);
  const config = appConfig(rig, tableName);
  const table = await freshTable(rig, tableName);
  const store = new TableEscalationStore(table);
  const preloadBegan = performance.now();
  const ids = await preload(
    {
      store,
      queue: new ServiceBusEscalationQueue(rig.sender),
      clock: systemClock,
      ids: randomIds,
      rules: config.criteria,
      services: config.services,
    },
    options.escalations,
    options.customers,
    label,
  );
  const preloadSeconds = (performance.now() - preloadBegan) / 1000;

  const trace = rig.tracer.restart();
  let host: ServerProcess | undefined;
  const sampler = startSampler(() => ({
    at: performance.now(),
    cpu: appProcessesCpu(rig, host),
    machine: machineCpu(),
  }));
  const began = performance.now();
  let samples: Sample[];
  try {
    host = await startHost(rig, tableName, index);
    await waitForCreates(trace, ids.length, Promise.race([host.died, rig.emulator.died]), label);
  } finally {
    samples = sampler.stop();
  }
  const lastCreateAt = trace.answeredAt[ids.length - 1] ?? performance.now();
  const settleMs = await settle(store, lastCreateAt);
  await host.stop();

  const check = await verifyForwarding(rig, store, ids);
  failIfProblems(`${PATH_LABELS.forwarding}, round ${round}`, check);
  await table.deleteTable();
  const inSandbox = Float64Array.from(trace.inSandboxMs);
  return {
    path: "forwarding",
    round,
    escalations: ids.length,
    preloadSeconds,
    firstCreateSeconds: ((trace.answeredAt[0] ?? began) - began) / 1000,
    whole: windowOf(samples, began, lastCreateAt, ids.length),
    steady: steadyWindow(samples, trace.answeredAt),
    settleMs,
    inSandboxMs: summarizeLatencies(inSandbox),
    inSandbox,
    check,
  };
}

/** An escalation as the intake stores it, only in memory: what the channel needs to build a create. */
function inMemoryEscalation(label: string, n: number, customers: number): Escalation {
  const now = new Date().toISOString();
  return {
    id: randomIds.escalationId(),
    status: "queued",
    request: EscalationRequest.parse(benchRequest(label, n, customers)),
    callerId: CALLER.id,
    correlationId: randomIds.correlationId(),
    createdAt: now,
    updatedAt: now,
    dispatch: "sent",
    criteria: [],
    history: [
      { at: now, from: null, to: "queued", actor: CALLER.id, detail: "accepted: every escalation criterion met" },
    ],
  };
}

async function measureChannel(rig: Rig, options: Options, runTag: string, round: number): Promise<Measurement> {
  const label = `${runTag}-channel-r${round}`;
  resetSandbox(rig);
  // A new token source too: the reset forgot every token the sandbox issued.
  const channel = buildPartnerCenterChannel(channelSettings(appConfig(rig, "unused")));
  const escalations = Array.from({ length: options.escalations }, (_, n) =>
    inMemoryEscalation(label, n, options.customers),
  );
  const trace = rig.tracer.restart();
  const sampler = startSampler(() => ({
    at: performance.now(),
    cpu: appProcessesCpu(rig, undefined),
    machine: machineCpu(),
  }));
  const began = performance.now();
  let samples: Sample[];
  try {
    await inPool(escalations.length, rig.maxConcurrentCalls, async (n) => {
      const escalation = escalations[n];
      if (escalation === undefined) return;
      const outcome = await channel.submit(escalation, {
        requestId: randomUUID(),
        correlationId: escalation.correlationId,
      });
      if (outcome.kind !== "created")
        throw new VerificationError(`${label}: create ${n} came back ${JSON.stringify(outcome)}`);
    });
  } finally {
    samples = sampler.stop();
  }
  const ids = escalations.map((escalation) => escalation.id);
  const lastCreateAt = trace.answeredAt[ids.length - 1] ?? performance.now();
  const { check } = checkSandbox(rig, ids);
  if (trace.answeredAt.length !== ids.length)
    check.problems.push(`${trace.answeredAt.length} creates traced for ${ids.length} calls`);
  failIfProblems(`${PATH_LABELS.channel}, round ${round}`, check);
  const inSandbox = Float64Array.from(trace.inSandboxMs);
  return {
    path: "channel",
    round,
    escalations: ids.length,
    preloadSeconds: undefined,
    firstCreateSeconds: ((trace.answeredAt[0] ?? began) - began) / 1000,
    whole: windowOf(samples, began, lastCreateAt, ids.length),
    steady: steadyWindow(samples, trace.answeredAt),
    settleMs: undefined,
    inSandboxMs: summarizeLatencies(inSandbox),
    inSandbox,
    check,
  };
}

async function runAll(rig: Rig, options: Options, runTag: string): Promise<Measurement[]> {
  const measurements: Measurement[] = [];
  let index = 0;
  for (let round = 1; round <= options.rounds; round++) {
    // Alternate which goes first, so a drift over the run (Azurite's memory, the emulator's
    // duplicate detection history, the machine's other load) weighs on both alike.
    const order: readonly PathName[] = round % 2 === 1 ? PATHS : [...PATHS].reverse();
    for (const path of order) {
      index++;
      const measurement =
        path === "forwarding"
          ? await measureForwarding(rig, options, runTag, round, index)
          : await measureChannel(rig, options, runTag, round);
      measurements.push(measurement);
      const { whole, steady } = measurement;
      console.log(
        `round ${round}  ${PATH_LABELS[path].padEnd(15)}  steady ${formatRate(steady.perSec).padStart(6)}/s  whole ${formatRate(whole.perSec).padStart(6)}/s  ` +
          `(${formatInteger(measurement.escalations)} in ${whole.seconds.toFixed(2)} s, first after ${measurement.firstCreateSeconds.toFixed(2)} s` +
          (measurement.preloadSeconds === undefined
            ? ""
            : `; preloaded in ${measurement.preloadSeconds.toFixed(1)} s`) +
          `${measurement.settleMs === undefined ? "" : `; settled ${formatMs(measurement.settleMs, 0)} ms after the last create`}; verified)`,
      );
    }
  }
  return measurements;
}

// ---------------------------------------------------------------------------------------------
// The probe: Table Storage operations per forwarding, in this process

interface OperationStats {
  calls: number;
  totalMs: number;
}

/** A TableClient that counts and times every call of the methods that talk to the service. */
function countingTable(table: TableClient, stats: Map<string, OperationStats>): TableClient {
  const counted = new Set([
    "createTable",
    "deleteTable",
    "createEntity",
    "getEntity",
    "updateEntity",
    "upsertEntity",
    "deleteEntity",
    "submitTransaction",
    "listEntities",
  ]);
  return new Proxy(table, {
    get(target, property, receiver) {
      const value: unknown = Reflect.get(target, property, receiver);
      if (typeof value !== "function") return value;
      const method = value as (...args: unknown[]) => unknown;
      if (typeof property !== "string" || !counted.has(property)) return method.bind(target);
      return (...args: unknown[]) => {
        const entry = stats.get(property) ?? { calls: 0, totalMs: 0 };
        stats.set(property, entry);
        entry.calls++;
        const began = performance.now();
        const result = method.apply(target, args);
        // listEntities answers an iterator, not a promise: counted, not timed.
        if (result instanceof Promise) return result.finally(() => (entry.totalMs += performance.now() - began));
        return result;
      };
    },
  });
}

/** A channel that times its submit calls. */
function timedChannel(channel: VianetChannel, durations: number[]): VianetChannel {
  return {
    name: channel.name,
    submit: async (escalation, attempt) => {
      const began = performance.now();
      try {
        return await channel.submit(escalation, attempt);
      } finally {
        durations.push(performance.now() - began);
      }
    },
    findExisting: (escalation) => channel.findExisting(escalation),
  };
}

interface Probe {
  escalations: number;
  inFlight: number;
  seconds: number;
  perSec: number;
  forwardMs: LatencySummary;
  channelMs: LatencySummary;
  /** Per Table Storage operation: calls per forwarding and mean latency. */
  operations: { name: string; perForwarding: number; meanMs: number }[];
  operationsPerForwarding: number;
  /** CPU ms per forwarding: this process (the forwarder, the channel and the sandbox) and Azurite. */
  cpuMs: { bench: number | undefined; azurite: number | undefined };
  check: Check;
}

async function runProbe(rig: Rig, runTag: string, index: number): Promise<Probe> {
  const label = `${runTag}-probe`;
  const tableName = `fwd${runTag}n${index}`;
  resetSandbox(rig);
  const config = appConfig(rig, tableName);
  const table = await freshTable(rig, tableName);
  const messages: EscalationMessage[] = [];
  // The probe's messages never reach Service Bus: this queue keeps them for the loop below.
  const queue: EscalationQueue = {
    send: (message) => {
      messages.push(message);
      return Promise.resolve();
    },
  };
  await preload(
    {
      store: new TableEscalationStore(table),
      queue,
      clock: systemClock,
      ids: randomIds,
      rules: config.criteria,
      services: config.services,
    },
    PROBE_ESCALATIONS,
    DEFAULT_CUSTOMERS,
    label,
  );

  const stats = new Map<string, OperationStats>();
  const channelDurations: number[] = [];
  const forwardDurations: number[] = [];
  const channel = timedChannel(buildPartnerCenterChannel(channelSettings(config)), channelDurations);
  const deps: ForwardDependencies = {
    store: new TableEscalationStore(countingTable(table, stats)),
    channels: { "partner-center": channel },
    routing: config.forwarding.routing,
    clock: systemClock,
    backoff: config.forwarding.backoff,
    newRequestId: randomUUID,
  };
  const cpuBefore = appProcessesCpu(rig, undefined);
  const began = performance.now();
  await inPool(messages.length, rig.maxConcurrentCalls, async (n) => {
    const started = performance.now();
    const result = await forwardEscalation(messages[n], deps);
    forwardDurations.push(performance.now() - started);
    if (result.kind !== "done" || result.status !== "forwarded")
      throw new VerificationError(`${label}: forwarding ${n} ended ${JSON.stringify(result)}`);
  });
  const seconds = (performance.now() - began) / 1000;
  const cpu = appCpuBetween(cpuBefore, appProcessesCpu(rig, undefined));
  const ids = messages.map((message) => message.escalationId);
  const check = await verifyForwardingStoreOnly(rig, new TableEscalationStore(table), ids);
  failIfProblems("probe", check);
  await table.deleteTable();
  const count = messages.length;
  const operations = [...stats]
    .map(([name, entry]) => ({ name, perForwarding: entry.calls / count, meanMs: entry.totalMs / entry.calls }))
    .sort((a, b) => b.perForwarding - a.perForwarding || a.name.localeCompare(b.name));
  const perEscalation = (value: number | undefined) => (value === undefined ? undefined : (value * 1000) / count);
  return {
    escalations: count,
    inFlight: rig.maxConcurrentCalls,
    seconds,
    perSec: count / seconds,
    forwardMs: summarizeLatencies(Float64Array.from(forwardDurations)),
    channelMs: summarizeLatencies(Float64Array.from(channelDurations)),
    operations,
    operationsPerForwarding: operations.reduce((sum, operation) => sum + operation.perForwarding, 0),
    cpuMs: { bench: perEscalation(cpu.bench), azurite: perEscalation(cpu.azurite) },
    check,
  };
}

/** verifyForwarding without the queue, which the probe does not use. */
async function verifyForwardingStoreOnly(
  rig: Rig,
  store: TableEscalationStore,
  ids: readonly string[],
): Promise<Check> {
  const { check } = checkSandbox(rig, ids);
  const notForwarded: string[] = [];
  await inPool(ids.length, VERIFY_IN_FLIGHT, async (n) => {
    const id = ids[n] ?? "";
    const stored = (await store.get(id))?.value;
    check.storeChecked++;
    if (stored?.status !== "forwarded" || stored.forwarding?.openAttempt !== undefined)
      notForwarded.push(`${id} ${stored?.status ?? "missing"}`);
  });
  if (notForwarded.length > 0)
    check.problems.push(`${notForwarded.length} escalation(s) not forwarded in the store: ${sample(notForwarded)}`);
  return check;
}

// ---------------------------------------------------------------------------------------------
// Summaries and the report

type CpuMs = Record<ProcessName | "total", number | undefined>;

interface WindowSummary {
  count: number;
  seconds: number;
  perSec: number;
  /** CPU ms per create, per process, and their sum. */
  cpuMsPerEscalation: CpuMs;
  /** CPU seconds of the four processes per wall second over the machine's cores, in %. */
  busyPercent: number | undefined;
  /** The whole machine's CPUs busy, in %: the rest of busyPercent is other processes. */
  machineBusyPercent: number | undefined;
}

interface Summary {
  path: PathName;
  escalations: number;
  whole: WindowSummary;
  steady: WindowSummary;
  inSandboxMs: LatencySummary;
  firstCreateSeconds: number;
  settleMs: number | undefined;
}

function summarizeWindows(windows: readonly Window[]): WindowSummary {
  const count = windows.reduce((sum, window) => sum + window.count, 0);
  const seconds = windows.reduce((sum, window) => sum + window.seconds, 0);
  const share = cpuShare(windows, count, seconds);
  return {
    count,
    seconds,
    perSec: count / seconds,
    cpuMsPerEscalation: share.msPerItem,
    busyPercent: share.busyPercent,
    machineBusyPercent: share.machineBusyPercent,
  };
}

function summarize(path: PathName, measurements: readonly Measurement[]): Summary | undefined {
  const mine = measurements.filter((measurement) => measurement.path === path);
  if (mine.length === 0) return undefined;
  const merged = new Float64Array(mine.reduce((sum, measurement) => sum + measurement.inSandbox.length, 0));
  let offset = 0;
  for (const measurement of mine) {
    merged.set(measurement.inSandbox, offset);
    offset += measurement.inSandbox.length;
  }
  const settles = mine.map((measurement) => measurement.settleMs).filter((ms) => ms !== undefined);
  return {
    path,
    escalations: mine.reduce((sum, measurement) => sum + measurement.escalations, 0),
    whole: summarizeWindows(mine.map((measurement) => measurement.whole)),
    steady: summarizeWindows(mine.map((measurement) => measurement.steady)),
    inSandboxMs: summarizeLatencies(merged),
    firstCreateSeconds: mine.reduce((sum, measurement) => sum + measurement.firstCreateSeconds, 0) / mine.length,
    settleMs: settles.length === 0 ? undefined : settles.reduce((sum, ms) => sum + ms, 0) / settles.length,
  };
}

interface Ratios {
  boundPerSec: number;
  /** forwarding steady /s over the bound: the aim. */
  forwardingToBound: number | undefined;
  /** forwarding steady /s over the channel's steady /s. */
  forwardingToChannel: number | undefined;
  channelToBound: number | undefined;
  /** The same over the whole runs. */
  wholeForwardingToBound: number | undefined;
  wholeForwardingToChannel: number | undefined;
  met: boolean;
}

function ratiosOf(boundPerSec: number, forwarding: Summary | undefined, channel: Summary | undefined): Ratios {
  const forwardingToBound = forwarding === undefined ? undefined : forwarding.steady.perSec / boundPerSec;
  return {
    boundPerSec,
    forwardingToBound,
    forwardingToChannel:
      forwarding === undefined || channel === undefined ? undefined : forwarding.steady.perSec / channel.steady.perSec,
    channelToBound: channel === undefined ? undefined : channel.steady.perSec / boundPerSec,
    wholeForwardingToBound: forwarding === undefined ? undefined : forwarding.whole.perSec / boundPerSec,
    wholeForwardingToChannel:
      forwarding === undefined || channel === undefined ? undefined : forwarding.whole.perSec / channel.whole.perSec,
    met: forwardingToBound !== undefined && forwardingToBound >= AIM_RATIO,
  };
}

function printReport(
  options: Options,
  rig: Rig,
  measurements: readonly Measurement[],
  summaries: readonly Summary[],
  ratios: Ratios,
): void {
  const bound = `${rig.maxConcurrentCalls} / ${(options.latencyMs / 1000).toFixed(3)} s = ${formatRate(ratios.boundPerSec)}/s`;
  console.log("");
  console.log(
    `Forwarding: escalations forwarded by the local Functions host (maxConcurrentCalls ${rig.maxConcurrentCalls}) with the sandbox answering in ${options.latencyMs} ms, ` +
      `against the bound ${bound} and the Partner Center channel alone (${rig.maxConcurrentCalls} creates in flight); ` +
      `${formatInteger(options.escalations)} per measurement, ${options.rounds} round${options.rounds === 1 ? "" : "s"}`,
  );
  console.log("");
  const rows = measurements.map((measurement) => [
    PATH_LABELS[measurement.path],
    String(measurement.round),
    formatInteger(measurement.escalations),
    measurement.preloadSeconds === undefined ? "-" : measurement.preloadSeconds.toFixed(1),
    measurement.firstCreateSeconds.toFixed(2),
    measurement.whole.seconds.toFixed(2),
    formatRate(measurement.whole.perSec),
    formatRate(measurement.steady.perSec),
    formatRatio(measurement.steady.perSec / ratios.boundPerSec),
    formatMs(measurement.inSandboxMs.p50, 1),
    formatMs(measurement.inSandboxMs.p99, 1),
    measurement.settleMs === undefined ? "-" : formatMs(measurement.settleMs, 0),
  ]);
  console.log(
    formatTable(
      [
        "Path",
        "Round",
        "Escalations",
        "Preload s",
        "First s",
        "Whole s",
        "Whole /s",
        "Steady /s",
        "Steady/bound",
        "In sandbox p50 ms",
        "p99 ms",
        "Settle ms",
      ],
      rows,
      2,
    ),
  );
  console.log(
    `(First: from spawning the host, or the first channel call, to the first create answered. Whole: from there to the last create. Steady: the ${STEADY_FROM * 100}% to the ${STEADY_TO * 100}% create. ` +
      "In sandbox: each create from its request's start to its answer's last byte, the latency included. Settle: the last create until no escalation was left queued in the store.)",
  );
  console.log("");
  const summaryRows = summaries.map((summary) => [
    PATH_LABELS[summary.path],
    formatRate(summary.whole.perSec),
    formatRate(summary.steady.perSec),
    formatRatio(summary.steady.perSec / ratios.boundPerSec),
    summary.path === "forwarding" ? formatRatio(ratios.forwardingToChannel) : "1.00x",
    formatMs(summary.inSandboxMs.mean, 1),
  ]);
  console.log(
    formatTable(
      [
        "All rounds",
        "Whole /s",
        "Steady /s",
        `÷ bound ${formatRate(ratios.boundPerSec)}/s`,
        "÷ channel alone",
        "In sandbox mean ms",
      ],
      summaryRows,
    ),
  );
  console.log("(escalations/s: higher is better)");
  console.log("");
  console.log(
    `CPU per escalation, ms (user + system from /proc/<pid>/stat, sampled every ${SAMPLE_INTERVAL_MS} ms and interpolated at each window's ends; ${cpus().length} CPUs; ` +
      "busy = the four processes' CPU per wall second over all CPUs; machine busy = all CPUs from /proc/stat, other processes included)",
  );
  console.log("");
  const cpuRows: string[][] = [];
  for (const summary of summaries) {
    for (const [name, window] of [
      ["steady", summary.steady],
      ["whole", summary.whole],
    ] as const) {
      cpuRows.push([
        PATH_LABELS[summary.path],
        name,
        ...PROCESSES.map((process) => formatMs(window.cpuMsPerEscalation[process])),
        formatMs(window.cpuMsPerEscalation.total),
        formatPercent(window.busyPercent),
        formatPercent(window.machineBusyPercent),
      ]);
    }
  }
  console.log(
    formatTable(
      ["Path", "Window", "host child", "this process", "Azurite", "SB emulator", "total", "busy", "machine busy"],
      cpuRows,
      2,
    ),
  );
  console.log(
    "(this process: the sandbox, plus the channel and its token source in channel runs. host child: its whole run includes its start-up; not running in channel runs)",
  );
}

function printProbe(probe: Probe): void {
  console.log("");
  console.log(
    `Probe: ${probe.escalations} escalations forwarded by forwardEscalation in this process, ${probe.inFlight} in flight, real store and channel, no host, no Service Bus: ` +
      `${formatRate(probe.perSec)}/s; a forwarding took ${formatMs(probe.forwardMs.mean, 1)} ms (p50 ${formatMs(probe.forwardMs.p50, 1)}, p99 ${formatMs(probe.forwardMs.p99, 1)}), ` +
      `${formatMs(probe.channelMs.mean, 1)} of them in the channel's create call; CPU per forwarding ${formatMs(probe.cpuMs.bench)} ms in this process, ${formatMs(probe.cpuMs.azurite)} ms in Azurite`,
  );
  console.log("");
  console.log(
    formatTable(
      ["Table Storage operation", "per forwarding", "mean ms"],
      [
        ...probe.operations.map((operation) => [
          operation.name,
          operation.perForwarding.toFixed(2),
          formatMs(operation.meanMs),
        ]),
        ["all", probe.operationsPerForwarding.toFixed(2), ""],
      ],
    ),
  );
}

function printWhereTimeGoes(
  rig: Rig,
  boundPerSec: number,
  summaries: readonly Summary[],
  probe: Probe | undefined,
): void {
  const forwarding = summaries.find((summary) => summary.path === "forwarding");
  const channel = summaries.find((summary) => summary.path === "channel");
  if (forwarding === undefined) return;
  const slotMs = (rig.maxConcurrentCalls / forwarding.steady.perSec) * 1000;
  const inSandbox = forwarding.inSandboxMs.mean;
  console.log("");
  console.log("Where the time goes (steady windows):");
  console.log(
    `  ${rig.maxConcurrentCalls} invocations at a time at ${formatRate(forwarding.steady.perSec)}/s is ${formatMs(slotMs, 1)} ms per forwarding if every slot stays busy; ` +
      `${formatMs(inSandbox, 1)} ms of it is the create call in the sandbox, so about ${formatMs(slotMs - inSandbox, 1)} ms is spent around it: ` +
      "receiving and settling the message, the store's reads and writes, the host and the function's invocation.",
  );
  if (channel !== undefined) {
    const channelSlot = (rig.maxConcurrentCalls / channel.steady.perSec) * 1000;
    console.log(
      `  The channel alone takes ${formatMs(channelSlot, 1)} ms per create with ${rig.maxConcurrentCalls} in flight (${formatMs(channel.inSandboxMs.mean, 1)} ms of it in the sandbox).`,
    );
  }
  const cpu = forwarding.steady.cpuMsPerEscalation;
  const shares = PROCESSES.map((name) => [name, cpu[name]] as const)
    .filter((entry): entry is readonly [ProcessName, number] => entry[1] !== undefined)
    .sort((a, b) => b[1] - a[1]);
  const names: Record<ProcessName, string> = {
    host: "the host child",
    bench: "this process (the sandbox)",
    azurite: "Azurite",
    emulator: "the Service Bus emulator",
  };
  const total = cpu.total;
  if (total !== undefined) {
    console.log(
      `  CPU per forwarding: ${formatMs(total)} ms in all, ${shares.map(([name, ms]) => `${names[name]} ${formatMs(ms)} (${formatPercent((ms / total) * 100)})`).join(", ")}.`,
    );
  }
  if (total !== undefined) {
    const ceiling = (cpus().length * 1000) / total;
    console.log(
      `  At that cost the ${cpus().length} CPUs, all the bench's, would forward at most ${formatRate(ceiling)}/s (${formatRatio(ceiling / boundPerSec)} of the bound); ` +
        `${formatRate(AIM_RATIO * boundPerSec)}/s (the aim) needs at most ${formatMs((cpus().length * 1000) / (AIM_RATIO * boundPerSec))} ms of CPU per forwarding.`,
    );
  }
  if (probe !== undefined && cpu.host !== undefined && cpu.bench !== undefined && probe.cpuMs.bench !== undefined) {
    const appCode = probe.cpuMs.bench - cpu.bench;
    console.log(
      `  The probe ran the same forwarding code and SDK calls in this process for ${formatMs(probe.cpuMs.bench)} ms of CPU with the sandbox, about ${formatMs(appCode)} ms without it; ` +
        `the host child spends ${formatMs(cpu.host)}, so about ${formatMs(cpu.host - appCode)} ms per forwarding is the host's own: receiving and settling the message over AMQP, the invocation and its log lines.`,
    );
  }
  const machine = forwarding.steady.machineBusyPercent ?? forwarding.steady.busyPercent;
  const ours = forwarding.steady.busyPercent;
  if (machine !== undefined) {
    const others =
      ours === undefined
        ? ""
        : `, ${formatPercent(ours)} by the bench's four processes and ${formatPercent(Math.max(0, machine - ours))} by other processes`;
    console.log(
      machine >= CPU_BOUND_PERCENT
        ? `  The CPUs were ${formatPercent(machine)} busy${others}: the forwarder was bound by CPU, so cheaper forwardings (fewer or lighter operations) would raise it; more concurrency would not.`
        : `  The CPUs were ${formatPercent(machine)} busy${others}: not saturated, so the forwardings mostly waited, on the sandbox and on the storage and queue round trips one after another.`,
    );
  }
  if (probe !== undefined) {
    const outside = probe.forwardMs.mean - probe.channelMs.mean;
    console.log(
      `  One forwarding costs ${probe.operationsPerForwarding.toFixed(1)} Table Storage operations (probe): ${probe.operations.map((operation) => `${operation.perForwarding.toFixed(1)} ${operation.name}`).join(", ")}; ` +
        `in this process with ${probe.inFlight} in flight a forwarding spent ${formatMs(outside, 1)} ms outside the create call (the store's round trips, most of them one after another).`,
    );
  }
}

async function writeJson(
  path: string,
  options: Options,
  rig: Rig,
  runTag: string,
  measurements: readonly Measurement[],
  summaries: readonly Summary[],
  ratios: Ratios,
  probe: Probe | undefined,
  totalMs: number,
  app: Record<string, unknown>,
): Promise<void> {
  const json = {
    date: new Date().toISOString(),
    command: rerunCommand(options),
    environment: machineJson(),
    app,
    settings: {
      escalations: options.escalations,
      rounds: options.rounds,
      latencyMs: options.latencyMs,
      maxConcurrentCalls: rig.maxConcurrentCalls,
      steadyWindow: [STEADY_FROM, STEADY_TO],
      queue: QUEUE,
      tables: `fwd${runTag}n<1..>`,
      removedSettings: rig.removedSettings,
    },
    measurements: measurements.map(({ inSandbox: _inSandbox, ...rest }) => rest),
    summaries,
    ratios: { ...ratios, aimAtLeast: AIM_RATIO },
    probe,
    totalMs,
  };
  await writeJsonReport(path, json);
}

async function main(options: Options, began: number): Promise<void> {
  const runTag = randomBytes(5).toString("hex");
  const started: { stop(): Promise<void> }[] = [];
  let rig: Rig | undefined;
  await withBenchProcesses(
    {
      tempPrefix: "forwarding-bench-",
      stopAll: () => stopNewestFirst(started),
      onFailure: () => {
        printAppOutputs(rig);
      },
    },
    async ({ tempDir }) => {
      const version = appVersion();
      const digest = compiledAppDigest();
      console.log(`App under test: ${describeVersion(version)}; compiled app (dist/shared, dist/functions) ${digest}`);
      rig = await startRig(tempDir, started, options.latencyMs);
      if (rig.removedSettings.length > 0)
        console.log(`Removed from the hosts' environment: ${rig.removedSettings.join(", ")}`);
      console.log(
        `Azurite (Table)       pid ${rig.azurite.pid ?? "?"}: port ${rig.azurite.port}, in memory; a table per measurement, fwd${runTag}n<1..>`,
      );
      console.log(`Service Bus emulator  pid ${rig.emulator.pid}: queue ${QUEUE}, duplicate detection on`);
      console.log(
        `Partner Center sandbox in this process (pid ${process.pid}): ${rig.sandbox.url}, ${options.latencyMs} ms before every answer`,
      );
      console.log(
        `local Functions host  a child per forwarding measurement: ${join(distDir, "local", "functions-host", "cli.js")} --app ${root}; output in ${join(tempDir, "host-<n>.log")}`,
      );

      const measurements = await runAll(rig, options, runTag);
      const probe = options.probe ? await runProbe(rig, runTag, options.rounds * PATHS.length + 1) : undefined;
      const summaries = PATHS.map((path) => summarize(path, measurements)).filter((summary) => summary !== undefined);
      const forwarding = summaries.find((summary) => summary.path === "forwarding");
      const channel = summaries.find((summary) => summary.path === "channel");
      const ratios = ratiosOf(rig.maxConcurrentCalls / (options.latencyMs / 1000), forwarding, channel);
      const totalMs = performance.now() - began;
      const digestAfter = compiledAppDigest();
      const versionAfter = appVersion();

      printReport(options, rig, measurements, summaries, ratios);
      if (probe !== undefined) printProbe(probe);
      printWhereTimeGoes(rig, ratios.boundPerSec, summaries, probe);
      console.log("");
      console.log(
        `Verification passed: after every measurement the sandbox held exactly one request per escalation, each carrying its marker, and nothing else, with one create call each; ` +
          `every forwarded escalation is \`forwarded\` in the store with that request's id, and the queue and its dead-letter queue were empty.`,
      );
      console.log("");
      console.log("Aims:");
      console.log(
        `  forwarded/s over the bound >= ${AIM_RATIO.toFixed(2)}x: ${formatRate(forwarding?.steady.perSec)} / ${formatRate(ratios.boundPerSec)} = ${formatRatio(ratios.forwardingToBound)}, ${verdict(ratios.met)} ` +
          `(whole runs ${formatRatio(ratios.wholeForwardingToBound)})`,
      );
      console.log(
        `  forwarded/s over the channel alone: ${formatRate(forwarding?.steady.perSec)} / ${formatRate(channel?.steady.perSec)} = ${formatRatio(ratios.forwardingToChannel)} ` +
          `(whole runs ${formatRatio(ratios.wholeForwardingToChannel)}); the channel alone reaches ${formatRatio(ratios.channelToBound)} of the bound`,
      );
      console.log("");
      if (digestAfter !== digest) {
        console.log(
          `WARNING: the compiled app changed during the run (${digest} -> ${digestAfter}): someone rebuilt dist/, so the measurements may not all be of the same code.`,
        );
      }
      if (versionAfter?.commit !== version?.commit)
        console.log(
          `Note: the repository moved from ${describeVersion(version)} to ${describeVersion(versionAfter)} during the run; the hosts ran what dist/ held.`,
        );
      console.log(
        `Total wall time ${(totalMs / 1000).toFixed(1)} s; load average now ${formatLoad()} (other busy processes skew the figures)`,
      );
      console.log(`Rerun: ${rerunCommand(options)}`);
      if (options.jsonPath !== undefined)
        await writeJson(options.jsonPath, options, rig, runTag, measurements, summaries, ratios, probe, totalMs, {
          ...version,
          compiledApp: digest,
          compiledAppAfter: digestAfter,
        });
    },
  );
}

runBenchmark(parseOptions, main, usage);
