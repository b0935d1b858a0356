// Benchmark of the escalation intake, POST /api/escalations: submissions per second and latency
// through the local Functions host, against the floor measured in the same run, the same storage
// writes and queue send done directly with the SDKs in this process.
//
//   npm run bench:intake -- [--seconds 5] [--rounds 2] [--connections 8] [--skip-idempotency] [--json <file>]
//
// Everything runs on 127.0.0.1 and is started by this run, each in a process of its own: Azurite's
// Table service (in memory, a free port) and the Service Bus emulator (dist/local/service-bus/
// cli.js, a free port, one queue with duplicate detection as the app's "escalations" queue has),
// for the whole run; and the local Functions host (dist/local/functions-host/cli.js) serving this
// repository's app with that queue, one function key and one caller. Every measurement, host or
// floor, gets a table of its own (so the host a child of its own): Azurite's in-memory table slows
// down as it fills (one table, 8 in flight: ~150 submissions/s at first, ~105/s after 2,700), which
// would otherwise favour whichever path ran first.
//
// 1. Host: autocannon in this process POSTs to /api/escalations over `--connections` keep-alive
//    connections (pipelining 1). Every request has a body of its own (the title carries a
//    counter), so none is an idempotent replay. A host run is a fixed number of requests, what
//    `--seconds` takes at the rate the previous host run of the same mode reached (its warm-up's
//    at first), not a fixed time: autocannon stopped by a timer abandons the requests in flight,
//    whose escalations the host still accepts and queues, and the queue could then not be
//    reconciled with the answers. Every response must be 202 with { id, status: "queued" } and
//    every id distinct, or the benchmark fails.
// 2. Floor: the same submissions without HTTP or the host. `submitEscalation`
//    (shared/domain/escalations/submit-escalation.ts) with the real adapters (TableEscalationStore,
//    ServiceBusEscalationQueue) on SDK clients built as shared/composition-root.ts builds them,
//    with the app's settings parsed from the host's environment by the same loadConfig and the
//    caller identified from the same key by the same identifyCaller; `--connections` submissions
//    in flight for `--seconds`, after which none starts and those in flight finish. That is the
//    intake's I/O and nothing else: the gate decision row; the outbox, escalation and two index
//    rows; the queue send; the replace that marks it sent, with its two reads, two index writes
//    and the outbox delete. Each submission must come back accepted and sent.
// Both paths run in two modes: without an Idempotency-Key, and with a fresh one per request (the
// floor then wraps the same call in runIdempotently with TableIdempotencyStore, as the handler
// does: one more insert and one merge per submission); --skip-idempotency leaves the second out.
// Every measurement follows an untimed warm-up of 50 submissions per connection on its own table
// (verified like the rest), which for a new host child is also its JIT's warm-up (after 25 per
// connection it still spent ~0.5 ms more CPU per submission than after 75); per mode, `--rounds`
// rounds of one host and one floor measurement, the order alternating (ABBA with 2 rounds).
// 3. Verification after the run, with a fresh Service Bus client: every message in the queue is
//    peeked. For each batch of submissions (warm-ups included) the queue must hold exactly the
//    escalations accepted, one message each, MessageId = escalation id = the body's escalationId;
//    no MessageId twice and no message that no batch accounts for. Anything else fails the run.
//
// Reported: submissions/s and latency percentiles of both paths, the host/floor ratios against
// the 0.8 aim, and each process's CPU time per submission from /proc/<pid>/stat (the host child;
// this process, which is autocannon in host runs and the app's code plus the SDKs in floor runs;
// Azurite; the emulator) with the whole machine's from /proc/stat, which tell where the host's
// extra time goes on this machine and how much other processes took.
import { createHash, randomBytes } from "node:crypto";
import { cpus } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { TableClient } from "@azure/data-tables";
import { ServiceBusClient, type ServiceBusSender } from "@azure/service-bus";
import autocannon from "autocannon";
import type { RunningAzurite } from "../local/azurite.js";
import { ServiceBusEscalationQueue } from "../shared/adapters/service-bus/service-bus-escalation-queue.js";
import { TableEscalationStore } from "../shared/adapters/table-storage/table-escalation-store.js";
import { TableIdempotencyStore } from "../shared/adapters/table-storage/table-idempotency-store.js";
import { loadConfig, type AppConfig } from "../shared/settings/app-settings.js";
import { identifyCaller } from "../shared/domain/escalations/callers.js";
import type { Escalation } from "../shared/domain/escalations/escalation.js";
import type { EscalationRequest } from "../shared/domain/escalations/escalation-request.js";
import { fingerprintOf, runIdempotently, type StoredResponse } from "../shared/domain/escalations/idempotency.js";
import { randomIds } from "../shared/domain/escalations/ids.js";
import type { Clock } from "../shared/domain/escalations/ports.js";
import {
  submitEscalation,
  type Caller,
  type Reservation,
  type SubmitDependencies,
} from "../shared/domain/escalations/submit-escalation.js";
import { toSubmitResponse } from "../shared/handlers/submit-escalation-handler.js";
import type { BrokerProcess } from "./broker-process.js";
import { BUILT_TENANT_ID, buildEscalationRequest } from "../test/builders/escalation-request.js";
import { summarizeLatencies, type LatencySummary } from "./http-load.js";
import {
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
import type { ServerProcess } from "./server-process.js";
import { machineCpu } from "./machine-cpu.js";
import { parseBenchArgs, runBenchmark, withBenchProcesses, writeJsonReport } from "./harness.js";
import {
  APP_PROCESSES,
  appCpuBetween,
  appProcessesCpu,
  startAppBackends,
  startAppHost,
  type AppProcess,
  cpuShare,
  printAppOutputs,
  stopNewestFirst,
} from "./app-rig.js";

const DEFAULT_SECONDS = 5;
const DEFAULT_ROUNDS = 2;
const DEFAULT_CONNECTIONS = 8;
/** Warm-up before every measurement, both paths: this many submissions per connection, untimed. */
const WARM_UP_SUBMISSIONS_PER_CONNECTION = 50;
/** The machine's CPUs this busy (%) in both runs: the throughput is bound by CPU, not by waiting. */
const CPU_BOUND_PERCENT = 80;
/** host submissions/s over floor submissions/s, both from this run. */
const AIM_RATIO = 0.8;
const QUEUE = "bench-intake";
const FUNCTION_KEY = "bench-intake-key";
const CALLER_ID = "bench-desk";
const PATH = "/api/escalations";
/** Messages per peek: a few hundred bytes each, well inside one 64 KiB frame. */
const PEEK_BATCH = 100;
/** App settings that would point the host at real resources; removed from its environment. */
const REMOTE_SETTINGS = ["EscalationsStorage", "ServiceBusConnection"] as const;

const root = fileURLToPath(new URL("../..", import.meta.url));
const distDir = fileURLToPath(new URL("..", import.meta.url));

const MODES = ["plain", "keyed"] as const;
type Mode = (typeof MODES)[number];
const MODE_LABELS: Record<Mode, string> = { plain: "no Idempotency-Key", keyed: "Idempotency-Key per request" };
const PATHS = ["host", "floor"] as const;
type PathName = (typeof PATHS)[number];
const PROCESSES = APP_PROCESSES;
type ProcessName = AppProcess;

const usage = `usage: npm run bench:intake -- [--seconds N] [--rounds N] [--connections N] [--skip-idempotency] [--json <file>]
  --seconds N          seconds per measurement (default ${DEFAULT_SECONDS})
  --rounds N           host + floor measurements per mode, the order alternating (default ${DEFAULT_ROUNDS})
  --connections N      HTTP connections, and floor submissions in flight (default ${DEFAULT_CONNECTIONS})
  --skip-idempotency   measure only without an Idempotency-Key
  --json <file>        also write the results as JSON`;

interface Options {
  seconds: number;
  rounds: number;
  connections: number;
  modes: readonly Mode[];
  jsonPath: string | undefined;
}

/** A wrong answer, a lost or duplicated message: the figures would mean nothing. */
class VerificationError extends Error {
  override readonly name = "VerificationError";
}

function parseOptions(): Options | undefined {
  const parsed = parseBenchArgs(
    {
      seconds: { type: "string", default: String(DEFAULT_SECONDS) },
      rounds: { type: "string", default: String(DEFAULT_ROUNDS) },
      connections: { type: "string", default: String(DEFAULT_CONNECTIONS) },
      "skip-idempotency": { type: "boolean", default: false },
    },
    usage,
  );
  if (parsed === undefined) return undefined;
  const { values, jsonPath } = parsed;
  return {
    seconds: positiveInteger("seconds", values.seconds),
    rounds: positiveInteger("rounds", values.rounds),
    connections: positiveInteger("connections", values.connections),
    modes: values["skip-idempotency"] ? ["plain"] : MODES,
    jsonPath,
  };
}

function rerunCommand(options: Options): string {
  const extra: string[] = [];
  if (options.seconds !== DEFAULT_SECONDS) extra.push(`--seconds ${options.seconds}`);
  if (options.rounds !== DEFAULT_ROUNDS) extra.push(`--rounds ${options.rounds}`);
  if (options.connections !== DEFAULT_CONNECTIONS) extra.push(`--connections ${options.connections}`);
  if (options.modes.length === 1) extra.push("--skip-idempotency");
  return `npm run bench:intake${extra.length > 0 ? ` -- ${extra.join(" ")}` : ""}`;
}

const sha256 = (text: string) => createHash("sha256").update(text).digest("hex");

// ---------------------------------------------------------------------------------------------
// The processes under test

interface Rig {
  azurite: RunningAzurite;
  emulator: BrokerProcess;
  tempDir: string;
  removedSettings: string[];
  /** Everything started, to stop at the end whatever happened; stop() is safe twice. */
  started: { stop(): Promise<void> }[];
  /** The host started last, for the failure report. */
  lastHost: ServerProcess | undefined;
}

function hostEnvironment(
  storage: string,
  serviceBus: string,
  tableName: string,
): { env: NodeJS.ProcessEnv; removed: string[] } {
  const env: NodeJS.ProcessEnv = {};
  const removed: string[] = [];
  for (const [name, value] of Object.entries(process.env)) {
    if (REMOTE_SETTINGS.some((setting) => name === setting || name.startsWith(`${setting}__`))) removed.push(name);
    else env[name] = value;
  }
  Object.assign(env, {
    EscalationsStorage: storage,
    ServiceBusConnection: serviceBus,
    ESCALATIONS_QUEUE_NAME: QUEUE,
    METRICS_DELIVERY_QUEUE_NAME: "report-deliveries",
    ESCALATIONS_TABLE_NAME: tableName,
    LOCAL_FUNCTIONS_KEY: FUNCTION_KEY,
    ESCALATION_CALLERS: JSON.stringify([
      { id: CALLER_ID, keySha256: sha256(FUNCTION_KEY), tenants: [BUILT_TENANT_ID] },
    ]),
    // The intake alone: the forwarder stays off the queue the verification reads, and with no
    // forwarding no Partner Center settings are needed.
    ESCALATION_ROUTING: JSON.stringify([{ channel: "portal" }]),
    "AzureWebJobs.forward-escalation.Disabled": "true",
    "AzureWebJobs.escalations-dead-letter.Disabled": "true",
  });
  return { env, removed };
}

async function startRig(tempDir: string, started: { stop(): Promise<void> }[]): Promise<Rig> {
  const { azurite, emulator } = await startAppBackends(tempDir, started, QUEUE);
  const { removed } = hostEnvironment(azurite.connectionString, emulator.connectionString, "unused");
  return { azurite, emulator, tempDir, removedSettings: removed, started, lastHost: undefined };
}

function environmentFor(rig: Rig, tableName: string): NodeJS.ProcessEnv {
  return hostEnvironment(rig.azurite.connectionString, rig.emulator.connectionString, tableName).env;
}

async function startHost(rig: Rig, tableName: string, index: number): Promise<ServerProcess> {
  const host = await startAppHost(rig.tempDir, index, environmentFor(rig, tableName));
  rig.started.push(host);
  rig.lastHost = host;
  return host;
}

// ---------------------------------------------------------------------------------------------
// One run of submissions on one path

interface PathRun {
  submissions: number;
  /** From the first request to the last answer. */
  seconds: number;
  perSec: number;
  latencyMs: LatencySummary;
  latencies: Float64Array;
  /** The accepted escalations' ids, in the order the answers came. */
  ids: string[];
  /** Submissions/s over the second half of the answers: the rate once warm. */
  steadyPerSec: number;
}

function titleFor(label: string, n: number): string {
  return `Exchange Online mail flow stopped for all users (${label} #${n})`;
}

/** `answeredAt`: performance.now() of each answer, in order. */
function finishRun(ids: string[], latencies: number[], answeredAt: number[], seconds: number): PathRun {
  const all = Float64Array.from(latencies);
  const middle = Math.floor(answeredAt.length / 2);
  const span = ((answeredAt[answeredAt.length - 1] ?? 0) - (answeredAt[middle] ?? 0)) / 1000;
  const steadyPerSec = span > 0 ? (answeredAt.length - 1 - middle) / span : ids.length / seconds;
  return {
    submissions: ids.length,
    seconds,
    perSec: ids.length / seconds,
    latencyMs: summarizeLatencies(all),
    latencies: all,
    ids,
    steadyPerSec,
  };
}

/** The id of a 202's body { id, status: "queued" }, or undefined. */
function acceptedId(body: string): string | undefined {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return undefined;
  }
  if (typeof parsed !== "object" || parsed === null) return undefined;
  const { id, status } = parsed as { id?: unknown; status?: unknown };
  return typeof id === "string" && id !== "" && status === "queued" ? id : undefined;
}

/** `amount` POSTs over `connections` connections; throws unless every answer is a 202 with a distinct id. */
function hostRun(
  baseUrl: string,
  settings: { connections: number; amount: number; keyed: boolean; label: string },
): Promise<PathRun> {
  return new Promise((resolvePromise, reject) => {
    let counter = 0;
    const ids: string[] = [];
    const latencies: number[] = [];
    const answeredAt: number[] = [];
    const statuses = new Map<number, number>();
    const wrongSamples: string[] = [];
    const errorSamples = new Set<string>();
    let lastAnswerAt = 0;
    const startedAt = performance.now();
    const instance = autocannon(
      {
        url: `${baseUrl}${PATH}`,
        connections: settings.connections,
        pipelining: 1,
        amount: settings.amount,
        // autocannon reports at its next sample tick after the last answer: keep that wait short.
        sampleInt: 50,
        requests: [
          {
            method: "POST",
            path: PATH,
            headers: { "content-type": "application/json", "x-functions-key": FUNCTION_KEY },
            setupRequest: (request) => {
              const n = counter++;
              const headers = settings.keyed
                ? { ...request.headers, "idempotency-key": `${settings.label}-${n}` }
                : request.headers;
              return {
                ...request,
                headers,
                body: JSON.stringify(buildEscalationRequest({ title: titleFor(settings.label, n) })),
              };
            },
            onResponse: (status, body) => {
              statuses.set(status, (statuses.get(status) ?? 0) + 1);
              const id = status === 202 ? acceptedId(body) : undefined;
              if (id !== undefined) ids.push(id);
              else if (wrongSamples.length < 3) wrongSamples.push(`${status} ${body.slice(0, 300)}`);
            },
          },
        ],
      },
      (error: unknown, result) => {
        if (error !== null && error !== undefined) {
          reject(error instanceof Error ? error : new Error(`autocannon failed: ${JSON.stringify(error)}`));
          return;
        }
        const problems: string[] = [];
        const answers = latencies.length;
        if (answers !== settings.amount) problems.push(`${answers} answers to ${settings.amount} requests`);
        const others = [...statuses].filter(([status]) => status !== 202);
        if (others.length > 0)
          problems.push(
            `status codes other than 202: ${others.map(([status, count]) => `${status} x${count}`).join(", ")}`,
          );
        if (ids.length !== answers)
          problems.push(`${answers - ids.length} answers without a 202 { id, status: "queued" } body`);
        if (wrongSamples.length > 0) problems.push(`for example: ${wrongSamples.join(" | ")}`);
        const distinct = new Set(ids).size;
        if (distinct !== ids.length)
          problems.push(`${ids.length - distinct} ids answered twice (an idempotent replay?)`);
        if (result.errors > 0 || result.timeouts > 0)
          problems.push(
            `${result.errors} request errors, ${result.timeouts} timeouts${errorSamples.size > 0 ? `: ${[...errorSamples].join("; ")}` : ""}`,
          );
        if (result.resets > 0) problems.push(`${result.resets} request pipeline resets`);
        if (problems.length > 0) {
          reject(
            new VerificationError(
              `${settings.label}: wrong answers from POST ${baseUrl}${PATH}:\n  ${problems.join("\n  ")}`,
            ),
          );
          return;
        }
        resolvePromise(finishRun(ids, latencies, answeredAt, (lastAnswerAt - startedAt) / 1000));
      },
    );
    instance.on("response", (_client, _statusCode, _bytes, responseTime) => {
      latencies.push(responseTime);
      lastAnswerAt = performance.now();
      answeredAt.push(lastAnswerAt);
    });
    instance.on("reqError", (error: unknown) => {
      if (errorSamples.size < 5) errorSamples.add(error instanceof Error ? error.message : String(error));
    });
  });
}

interface Floor {
  caller: Caller;
  serviceBus: ServiceBusClient;
  sender: ServiceBusSender;
}

/** The floor's adapters on one table. */
interface FloorTable {
  deps: SubmitDependencies;
  idempotency: TableIdempotencyStore;
}

const systemClock: Clock = { now: () => new Date() };

/** The app's settings as the host parses them from the same environment. */
function floorConfig(rig: Rig, tableName: string): AppConfig {
  const config = loadConfig(environmentFor(rig, tableName));
  if (config.storage.kind !== "connectionString" || config.serviceBus.kind !== "connectionString")
    throw new Error("the floor needs the emulators' connection strings");
  return config;
}

/** The Service Bus client and sender, built as shared/composition-root.ts builds them, kept for the whole run as the host keeps its own. */
function createFloor(rig: Rig): Floor {
  const config = floorConfig(rig, "unused");
  const caller = identifyCaller(FUNCTION_KEY, config.callers);
  if (caller === undefined) throw new Error("the bench's function key identifies no caller in ESCALATION_CALLERS");
  const serviceBus = new ServiceBusClient(
    config.serviceBus.kind === "connectionString" ? config.serviceBus.connectionString : "",
  );
  return { caller, serviceBus, sender: serviceBus.createSender(config.escalationsQueueName) };
}

/** The adapters on `tableName`, created first as the host's first request creates its table. */
async function floorTable(rig: Rig, floor: Floor, tableName: string): Promise<FloorTable> {
  const config = floorConfig(rig, tableName);
  if (config.storage.kind !== "connectionString") throw new Error("the floor needs Azurite's connection string");
  // Azurite speaks plain HTTP: the composition root sets this for such a connection string too.
  const table = TableClient.fromConnectionString(config.storage.connectionString, config.escalationsTableName, {
    allowInsecureConnection: true,
  });
  await table.createTable();
  return {
    deps: {
      store: new TableEscalationStore(table),
      queue: new ServiceBusEscalationQueue(floor.sender),
      clock: systemClock,
      ids: randomIds,
      rules: config.criteria,
      services: config.services,
    },
    idempotency: new TableIdempotencyStore(table),
  };
}

/** One submission as the handler makes it after parsing the request; returns the accepted id. */
async function floorSubmit(
  floor: Floor,
  on: FloorTable,
  body: EscalationRequest,
  idempotencyKey: string | undefined,
): Promise<string> {
  let accepted: Escalation | undefined;
  const run = async (reservation?: Reservation): Promise<StoredResponse> => {
    const outcome = await submitEscalation(body, floor.caller, on.deps, reservation);
    if (outcome.ok) accepted = outcome.escalation;
    return toSubmitResponse(outcome);
  };
  let response: StoredResponse;
  if (idempotencyKey === undefined) response = await run();
  else {
    const result = await runIdempotently(
      on.idempotency,
      {
        scope: floor.caller.id,
        key: idempotencyKey,
        fingerprint: fingerprintOf(body),
        now: () => on.deps.clock.now(),
        reservation: () => on.deps.ids.escalationId(),
      },
      ({ reservation, resumed }) => run({ id: reservation, resumed }),
    );
    if (result.kind !== "fresh")
      throw new VerificationError(`floor: Idempotency-Key ${idempotencyKey} was not fresh: ${result.kind}`);
    response = result.response;
  }
  if (response.status !== 202 || accepted === undefined)
    throw new VerificationError(`floor: submission refused: ${response.status} ${response.body.slice(0, 300)}`);
  if (accepted.dispatch !== "sent")
    throw new VerificationError(`floor: escalation ${accepted.id} was stored but its queue send failed`);
  return accepted.id;
}

/**
 * `connections` submissions in flight until `seconds` have passed (those in flight then finish)
 * or, with `count`, until that many have started.
 */
async function floorRun(
  floor: Floor,
  on: FloorTable,
  settings: { connections: number; seconds?: number; count?: number; keyed: boolean; label: string },
): Promise<PathRun> {
  let counter = 0;
  const ids: string[] = [];
  const latencies: number[] = [];
  const answeredAt: number[] = [];
  const startedAt = performance.now();
  const deadline = settings.seconds === undefined ? Number.POSITIVE_INFINITY : startedAt + settings.seconds * 1000;
  const count = settings.count ?? Number.POSITIVE_INFINITY;
  const worker = async () => {
    while (performance.now() < deadline && counter < count) {
      const n = counter++;
      const body = buildEscalationRequest({ title: titleFor(settings.label, n) });
      const began = performance.now();
      const id = await floorSubmit(floor, on, body, settings.keyed ? `${settings.label}-${n}` : undefined);
      const ended = performance.now();
      latencies.push(ended - began);
      answeredAt.push(ended);
      ids.push(id);
    }
  };
  await Promise.all(Array.from({ length: settings.connections }, worker));
  const run = finishRun(ids, latencies, answeredAt, (performance.now() - startedAt) / 1000);
  if (new Set(ids).size !== ids.length)
    throw new VerificationError(`${settings.label}: the same escalation id came back twice`);
  return run;
}

// ---------------------------------------------------------------------------------------------
// The measurements

/** Submissions whose messages the queue must hold: every run, warm-ups included. */
interface Batch {
  label: string;
  ids: string[];
}

interface Measurement {
  mode: Mode;
  path: PathName;
  round: number;
  run: PathRun;
  /** Each process's user + system CPU seconds during the run. */
  cpuSeconds: Record<ProcessName, number | undefined>;
  /** The whole machine's busy and total CPU ticks during the run, other processes included. */
  machineTicks: { busy: number; total: number } | undefined;
  /** Wall time between the CPU readings before and after the run. */
  cpuWindowSeconds: number;
}

interface Summary {
  mode: Mode;
  path: PathName;
  submissions: number;
  seconds: number;
  perSec: number;
  latencyMs: LatencySummary;
  /** CPU ms per submission, per process, and their sum. */
  cpuMsPerSubmission: Record<ProcessName | "total", number | undefined>;
  /** CPU seconds of the four processes per wall second over the machine's cores, in %. */
  busyPercent: number | undefined;
  /** The whole machine's CPUs busy, in %: the rest of busyPercent is other processes. */
  machineBusyPercent: number | undefined;
}

async function runAll(
  options: Options,
  rig: Rig,
  floor: Floor,
  runTag: string,
  batches: Batch[],
): Promise<Measurement[]> {
  const measurements: Measurement[] = [];
  const warmUpCount = options.connections * WARM_UP_SUBMISSIONS_PER_CONNECTION;
  let index = 0;
  let pair = 0;
  for (const mode of options.modes) {
    const keyed = mode === "keyed";
    let hostRate: number | undefined;
    for (let round = 1; round <= options.rounds; round++) {
      // ABBA: alternate which path goes first, so a drift over the run (the emulator's duplicate
      // detection history grows, the machine's other load changes) weighs on both alike.
      const order: readonly PathName[] = pair++ % 2 === 0 ? PATHS : [...PATHS].reverse();
      for (const path of order) {
        index++;
        // A fresh table for every measurement: Azurite's in-memory table gets slower as it fills.
        const tableName = `intake${runTag}n${index}`;
        const label = `${runTag}-${mode}-${path}-r${round}`;
        let host: ServerProcess | undefined;
        let on: FloorTable | undefined;
        let guard: <T>(work: Promise<T>) => Promise<T>;
        const setupBegan = performance.now();
        let warmUp: PathRun;
        if (path === "host") {
          host = await startHost(rig, tableName, index);
          const died = Promise.race([host.died, rig.emulator.died]);
          guard = (work) => Promise.race([work, died]);
          warmUp = await guard(
            hostRun(host.url, {
              connections: options.connections,
              amount: warmUpCount,
              keyed,
              label: `${label}-warm-up`,
            }),
          );
        } else {
          const died = rig.emulator.died;
          guard = (work) => Promise.race([work, died]);
          on = await floorTable(rig, floor, tableName);
          warmUp = await guard(
            floorRun(floor, on, {
              connections: options.connections,
              count: warmUpCount,
              keyed,
              label: `${label}-warm-up`,
            }),
          );
        }
        batches.push({ label: `${mode} ${path} round ${round}, warm-up`, ids: warmUp.ids });
        const setupSeconds = (performance.now() - setupBegan) / 1000;

        const before = appProcessesCpu(rig, host);
        const machineBefore = machineCpu();
        const windowBegan = performance.now();
        let run: PathRun;
        if (host !== undefined) {
          // The warm-up's first answers wait for connections, the table and the JIT: its second half tells the rate.
          const amount = Math.max(
            options.connections * 10,
            Math.round((hostRate ?? warmUp.steadyPerSec) * options.seconds),
          );
          run = await guard(hostRun(host.url, { connections: options.connections, amount, keyed, label }));
          hostRate = run.perSec;
        } else {
          if (on === undefined) throw new Error("unreachable: the floor has no table");
          run = await guard(
            floorRun(floor, on, { connections: options.connections, seconds: options.seconds, keyed, label }),
          );
        }
        const cpuSeconds = appCpuBetween(before, appProcessesCpu(rig, host));
        const machineAfter = machineCpu();
        const cpuWindowSeconds = (performance.now() - windowBegan) / 1000;
        const machineTicks =
          machineBefore === undefined || machineAfter === undefined
            ? undefined
            : { busy: machineAfter.busy - machineBefore.busy, total: machineAfter.total - machineBefore.total };
        await host?.stop();
        batches.push({ label: `${mode} ${path} round ${round}`, ids: run.ids });
        measurements.push({ mode, path, round, run, cpuSeconds, machineTicks, cpuWindowSeconds });
        console.log(
          `round ${round}  ${MODE_LABELS[mode].padEnd(27)} ${path.padEnd(5)}  ${run.perSec.toFixed(1).padStart(6)} submissions/s  ` +
            `p50 ${formatMs(run.latencyMs.p50).padStart(6)} ms  p99 ${formatMs(run.latencyMs.p99).padStart(6)} ms  (${formatInteger(run.submissions)} in ${run.seconds.toFixed(2)} s, all accepted; ` +
            `${path === "host" ? "host started and " : ""}${formatInteger(warmUp.submissions)} warm-up submissions in ${setupSeconds.toFixed(1)} s before)`,
        );
      }
    }
  }
  return measurements;
}

function summarize(mode: Mode, path: PathName, measurements: readonly Measurement[]): Summary {
  const mine = measurements.filter((measurement) => measurement.mode === mode && measurement.path === path);
  const submissions = mine.reduce((sum, measurement) => sum + measurement.run.submissions, 0);
  const seconds = mine.reduce((sum, measurement) => sum + measurement.run.seconds, 0);
  const merged = new Float64Array(mine.reduce((sum, measurement) => sum + measurement.run.latencies.length, 0));
  let offset = 0;
  for (const measurement of mine) {
    merged.set(measurement.run.latencies, offset);
    offset += measurement.run.latencies.length;
  }
  const share = cpuShare(
    mine.map((measurement) => ({ cpuSeconds: measurement.cpuSeconds, machineTicks: measurement.machineTicks })),
    submissions,
    mine.reduce((sum, measurement) => sum + measurement.cpuWindowSeconds, 0),
  );
  return {
    mode,
    path,
    submissions,
    seconds,
    perSec: submissions / seconds,
    latencyMs: summarizeLatencies(merged),
    cpuMsPerSubmission: share.msPerItem,
    busyPercent: share.busyPercent,
    machineBusyPercent: share.machineBusyPercent,
  };
}

// ---------------------------------------------------------------------------------------------
// Verification

interface VerificationRow {
  label: string;
  accepted: number;
  messages: number;
  missing: number;
  duplicated: number;
}

interface Verification {
  rows: VerificationRow[];
  totalMessages: number;
  totalAccepted: number;
  /** Messages whose id no batch accepted. */
  unaccounted: number;
  /** MessageIds seen more than once. */
  duplicateIds: number;
  /** Messages whose body's escalationId is not their MessageId. */
  bodyMismatches: number;
  peekMs: number;
}

async function verifyQueue(connectionString: string, batches: readonly Batch[]): Promise<Verification> {
  const began = performance.now();
  const counts = new Map<string, number>();
  let totalMessages = 0;
  let bodyMismatches = 0;
  // A fresh client: nothing the floor's client holds or caches takes part.
  const client = new ServiceBusClient(connectionString, {
    retryOptions: { timeoutInMs: 20_000, maxRetries: 2, retryDelayInMs: 200 },
  });
  try {
    const receiver = client.createReceiver(QUEUE);
    // A receiver's peek carries on after the last message it peeked.
    for (;;) {
      const messages = await receiver.peekMessages(PEEK_BATCH);
      if (messages.length === 0) break;
      for (const message of messages) {
        const id = String(message.messageId);
        counts.set(id, (counts.get(id) ?? 0) + 1);
        totalMessages++;
        const body = message.body as { escalationId?: unknown } | undefined;
        if (body?.escalationId !== id) bodyMismatches++;
      }
    }
    await receiver.close();
  } finally {
    await client.close();
  }
  const owners = new Set<string>();
  const rows = batches.map((batch): VerificationRow => {
    let messages = 0;
    let missing = 0;
    let duplicated = 0;
    for (const id of batch.ids) {
      owners.add(id);
      const count = counts.get(id) ?? 0;
      messages += count;
      if (count === 0) missing++;
      if (count > 1) duplicated++;
    }
    return { label: batch.label, accepted: batch.ids.length, messages, missing, duplicated };
  });
  const unaccounted = [...counts.keys()].filter((id) => !owners.has(id)).length;
  const duplicateIds = [...counts.values()].filter((count) => count > 1).length;
  const totalAccepted = batches.reduce((sum, batch) => sum + batch.ids.length, 0);
  return {
    rows,
    totalMessages,
    totalAccepted,
    unaccounted,
    duplicateIds,
    bodyMismatches,
    peekMs: performance.now() - began,
  };
}

function verificationProblems(verification: Verification): string[] {
  const problems: string[] = [];
  for (const row of verification.rows) {
    if (row.messages !== row.accepted || row.missing > 0 || row.duplicated > 0) {
      problems.push(
        `${row.label}: ${row.accepted} accepted, ${row.messages} messages (${row.missing} missing, ${row.duplicated} queued more than once)`,
      );
    }
  }
  if (verification.totalMessages !== verification.totalAccepted)
    problems.push(
      `${verification.totalMessages} messages in the queue for ${verification.totalAccepted} accepted escalations`,
    );
  if (verification.unaccounted > 0)
    problems.push(`${verification.unaccounted} messages for escalations no batch accepted`);
  if (verification.duplicateIds > 0) problems.push(`${verification.duplicateIds} MessageIds queued more than once`);
  if (verification.bodyMismatches > 0)
    problems.push(`${verification.bodyMismatches} messages whose body's escalationId is not their MessageId`);
  return problems;
}

// ---------------------------------------------------------------------------------------------
// The report

function printReport(options: Options, measurements: readonly Measurement[], summaries: Summary[]): void {
  const cores = cpus().length;
  console.log("");
  console.log(
    `Intake: POST ${PATH} through the local Functions host against the floor (submitEscalation with the real adapters and SDK clients, in this process); ` +
      `${options.connections} connections / submissions in flight, ~${options.seconds} s per measurement, ${options.rounds} round${options.rounds === 1 ? "" : "s"} per mode`,
  );
  console.log("");
  const latencyCells = (latency: LatencySummary) => [
    formatMs(latency.p50),
    formatMs(latency.p90),
    formatMs(latency.p99),
    formatMs(latency.max),
  ];
  const rows: string[][] = [];
  for (const mode of options.modes) {
    for (const path of PATHS) {
      for (const measurement of measurements.filter((item) => item.mode === mode && item.path === path)) {
        const { run } = measurement;
        rows.push([
          MODE_LABELS[mode],
          path,
          String(measurement.round),
          formatInteger(run.submissions),
          run.seconds.toFixed(2),
          run.perSec.toFixed(1),
          ...latencyCells(run.latencyMs),
        ]);
      }
      const summary = summaries.find((item) => item.mode === mode && item.path === path);
      if (summary !== undefined)
        rows.push([
          MODE_LABELS[mode],
          path,
          "all",
          formatInteger(summary.submissions),
          summary.seconds.toFixed(2),
          summary.perSec.toFixed(1),
          ...latencyCells(summary.latencyMs),
        ]);
    }
  }
  console.log(
    formatTable(
      ["Mode", "Path", "Round", "Accepted", "Seconds", "subm/s", "p50 ms", "p90 ms", "p99 ms", "max ms"],
      rows,
      2,
    ),
  );
  console.log("");
  const ratioRows = options.modes.map((mode) => {
    const host = summaries.find((item) => item.mode === mode && item.path === "host");
    const floor = summaries.find((item) => item.mode === mode && item.path === "floor");
    if (host === undefined || floor === undefined) return [MODE_LABELS[mode], "n/a", "n/a", "n/a", "n/a"];
    const ratio = host.perSec / floor.perSec;
    return [
      MODE_LABELS[mode],
      formatRatio(ratio),
      formatRatio(host.latencyMs.p50 / floor.latencyMs.p50),
      formatRatio(host.latencyMs.p99 / floor.latencyMs.p99),
      `${verdict(ratio >= AIM_RATIO)} (aim >= ${AIM_RATIO.toFixed(2)}x)`,
    ];
  });
  console.log(formatTable(["host / floor, all rounds", "subm/s", "p50", "p99", "subm/s aim"], ratioRows));
  console.log("(submissions/s: higher is better; latency: lower is better)");
  console.log("");
  console.log(
    `CPU per accepted submission, ms (user + system from /proc/<pid>/stat over each run; ${cores} CPUs; busy = the four processes' CPU per wall second over all CPUs; ` +
      "machine busy = all CPUs from /proc/stat, other processes included)",
  );
  console.log("");
  const cpuRows: string[][] = [];
  for (const mode of options.modes) {
    for (const path of PATHS) {
      const summary = summaries.find((item) => item.mode === mode && item.path === path);
      if (summary === undefined) continue;
      cpuRows.push([
        MODE_LABELS[mode],
        path,
        ...PROCESSES.map((name) => formatMs(summary.cpuMsPerSubmission[name])),
        formatMs(summary.cpuMsPerSubmission.total),
        formatPercent(summary.busyPercent),
        formatPercent(summary.machineBusyPercent),
      ]);
    }
  }
  console.log(
    formatTable(
      ["Mode", "Path", "host child", "this process", "Azurite", "SB emulator", "total", "busy", "machine busy"],
      cpuRows,
      2,
    ),
  );
  console.log(
    "(this process: autocannon in host runs; the app's code and the SDKs in floor runs. host child: not running during floor runs)",
  );
  console.log(
    "Latency: host, autocannon's per-response time (process.hrtime); floor, each submitEscalation call (performance.now). 'all' merges the rounds.",
  );
}

function printWhereTimeGoes(options: Options, summaries: Summary[]): void {
  for (const mode of options.modes) {
    const host = summaries.find((item) => item.mode === mode && item.path === "host");
    const floor = summaries.find((item) => item.mode === mode && item.path === "floor");
    if (host === undefined || floor === undefined) continue;
    const h = host.cpuMsPerSubmission;
    const f = floor.cpuMsPerSubmission;
    if (
      h.host === undefined ||
      h.bench === undefined ||
      f.bench === undefined ||
      h.total === undefined ||
      f.total === undefined
    )
      continue;
    const storage = (h.azurite ?? 0) + (h.emulator ?? 0) - ((f.azurite ?? 0) + (f.emulator ?? 0));
    console.log("");
    console.log(`Where the time goes, ${MODE_LABELS[mode]} (CPU ms per submission):`);
    console.log(
      `  the host child spends ${formatMs(h.host)} where this process spends ${formatMs(f.bench)} on the same app code and SDK calls in the floor: ` +
        `${formatMs(h.host - f.bench)} ms (${formatPercent(((h.host - f.bench) / h.total) * 100)} of the host run's total) is HTTP, the host, the @azure/functions model, the handler's own work and the invocation logs;`,
    );
    console.log(
      `  autocannon costs ${formatMs(h.bench)} (${formatPercent((h.bench / h.total) * 100)}); Azurite and the emulator together ${storage >= 0 ? "+" : ""}${formatMs(storage)} against the floor run; ` +
        `total ${formatMs(h.total)} against ${formatMs(f.total)}.`,
    );
    const others = (summary: Summary) =>
      summary.machineBusyPercent === undefined || summary.busyPercent === undefined
        ? undefined
        : Math.max(0, summary.machineBusyPercent - summary.busyPercent);
    const othersNote = `other processes on this machine took ${formatPercent(others(host))} (host run) and ${formatPercent(others(floor))} (floor run) of the CPUs`;
    const busy = Math.min(
      host.machineBusyPercent ?? host.busyPercent ?? 0,
      floor.machineBusyPercent ?? floor.busyPercent ?? 0,
    );
    const estimate = `floor total / host total = ${formatRatio(f.total / h.total)}, measured ${formatRatio(host.perSec / floor.perSec)}`;
    console.log(
      busy >= CPU_BOUND_PERCENT
        ? `  The CPUs were ${formatPercent(host.machineBusyPercent)} (host run) and ${formatPercent(floor.machineBusyPercent)} (floor run) busy, ${othersNote}: near saturation, so the throughput ratio follows the CPU per submission (${estimate}).`
        : `  The CPUs were ${formatPercent(host.machineBusyPercent)} (host run) and ${formatPercent(floor.machineBusyPercent)} (floor run) busy, ${othersNote}: not saturated, so much of each submission's latency is waiting between the processes, not CPU (${estimate}).`,
    );
  }
}

function printVerification(verification: Verification): void {
  console.log("");
  console.log(
    `Verification: every message in ${QUEUE} peeked with a fresh client (${formatInteger(verification.totalMessages)} messages in ${(verification.peekMs / 1000).toFixed(2)} s)`,
  );
  console.log("");
  console.log(
    formatTable(
      ["Batch", "Accepted (202 / ok)", "Messages", "Missing", "Queued twice"],
      verification.rows.map((row) => [
        row.label,
        formatInteger(row.accepted),
        formatInteger(row.messages),
        String(row.missing),
        String(row.duplicated),
      ]),
    ),
  );
  console.log(
    `Total: ${formatInteger(verification.totalAccepted)} accepted, ${formatInteger(verification.totalMessages)} messages, ${verification.unaccounted} unaccounted for, ` +
      `${verification.duplicateIds} duplicate MessageIds, ${verification.bodyMismatches} bodies not matching their MessageId`,
  );
}

async function writeJson(
  path: string,
  options: Options,
  rig: Rig,
  runTag: string,
  measurements: readonly Measurement[],
  summaries: Summary[],
  verification: Verification,
  totalMs: number,
): Promise<void> {
  const ratios = Object.fromEntries(
    options.modes.map((mode) => {
      const host = summaries.find((item) => item.mode === mode && item.path === "host");
      const floor = summaries.find((item) => item.mode === mode && item.path === "floor");
      const ratio = host === undefined || floor === undefined ? undefined : host.perSec / floor.perSec;
      return [mode, { hostFloorRatio: ratio, aimAtLeast: AIM_RATIO, met: ratio !== undefined && ratio >= AIM_RATIO }];
    }),
  );
  const json = {
    date: new Date().toISOString(),
    command: rerunCommand(options),
    environment: machineJson(),
    settings: {
      path: PATH,
      connections: options.connections,
      seconds: options.seconds,
      rounds: options.rounds,
      modes: options.modes,
      queue: QUEUE,
      tables: `intake${runTag}n<1..>`,
      removedSettings: rig.removedSettings,
    },
    measurements: measurements.map(({ run, ...rest }) => ({
      ...rest,
      run: { submissions: run.submissions, seconds: run.seconds, perSec: run.perSec, latencyMs: run.latencyMs },
    })),
    summaries,
    ratios,
    verification,
    totalMs,
  };
  await writeJsonReport(path, json);
}

async function main(options: Options, began: number): Promise<void> {
  const runTag = randomBytes(5).toString("hex");
  const started: { stop(): Promise<void> }[] = [];
  let floor: Floor | undefined;
  let rig: Rig | undefined;
  const stopAll = async () => {
    if (floor !== undefined) {
      const closing = floor;
      floor = undefined;
      await closing.sender.close().catch(() => undefined);
      await closing.serviceBus.close().catch(() => undefined);
    }
    await stopNewestFirst(started);
  };
  await withBenchProcesses(
    {
      tempPrefix: "intake-bench-",
      stopAll,
      onFailure: () => {
        printAppOutputs(rig);
      },
    },
    async ({ tempDir }) => {
      rig = await startRig(tempDir, started);
      if (rig.removedSettings.length > 0)
        console.log(`Removed from the hosts' environment: ${rig.removedSettings.join(", ")}`);
      console.log(
        `Azurite (Table)       pid ${rig.azurite.pid ?? "?"}: port ${rig.azurite.port}, in memory; a table per measurement, intake${runTag}n<1..>`,
      );
      console.log(`Service Bus emulator  pid ${rig.emulator.pid}: queue ${QUEUE}, duplicate detection on`);
      console.log(
        `local Functions host  a child per host measurement: ${join(distDir, "local", "functions-host", "cli.js")} --app ${root}; output in ${join(tempDir, "host-<n>.log")}`,
      );
      floor = createFloor(rig);

      const batches: Batch[] = [];
      const measurements = await runAll(options, rig, floor, runTag, batches);
      const summaries = options.modes.flatMap((mode) => PATHS.map((path) => summarize(mode, path, measurements)));

      const verification = await verifyQueue(rig.emulator.connectionString, batches);
      const totalMs = performance.now() - began;
      printReport(options, measurements, summaries);
      printWhereTimeGoes(options, summaries);
      printVerification(verification);
      const problems = verificationProblems(verification);
      if (problems.length > 0)
        throw new VerificationError(
          `the queue does not hold exactly the accepted escalations:\n  ${problems.join("\n  ")}`,
        );
      console.log("Verification passed: the queue holds exactly one message per accepted submission, in every batch.");

      console.log("");
      console.log("Aims:");
      for (const mode of options.modes) {
        const host = summaries.find((item) => item.mode === mode && item.path === "host");
        const floorSummary = summaries.find((item) => item.mode === mode && item.path === "floor");
        if (host === undefined || floorSummary === undefined) continue;
        const ratio = host.perSec / floorSummary.perSec;
        console.log(
          `  host/floor submissions/s >= ${AIM_RATIO.toFixed(2)}x, ${MODE_LABELS[mode]}: ${host.perSec.toFixed(1)} / ${floorSummary.perSec.toFixed(1)} = ${formatRatio(ratio)}, ${verdict(ratio >= AIM_RATIO)}`,
        );
      }
      console.log("");
      console.log(
        `Total wall time ${(totalMs / 1000).toFixed(1)} s; load average now ${formatLoad()} (other busy processes skew the figures)`,
      );
      console.log(`Rerun: ${rerunCommand(options)}`);
      if (options.jsonPath !== undefined)
        await writeJson(options.jsonPath, options, rig, runTag, measurements, summaries, verification, totalMs);
    },
  );
}

runBenchmark(parseOptions, main, usage);
