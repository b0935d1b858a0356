// The forwarding benchmark's measurements: escalations preloaded with the real adapters and
// forwarded by a host child, and the same creates through the Partner Center channel alone, each
// timed from the sandbox's answers and verified.
import { randomUUID } from "node:crypto";
import { setTimeout as sleep } from "node:timers/promises";
import { buildPartnerCenterChannel } from "../../shared/adapters/partner-center/build-partner-center-channel.js";
import { sandboxChannelOptions } from "../../shared/sandbox/loopback-msal-network.js";
import { ServiceBusEscalationQueue } from "../../shared/adapters/service-bus/service-bus-escalation-queue.js";
import { TableEscalationStore } from "../../shared/adapters/table-storage/table-escalation-store.js";
import type { Escalation } from "../../shared/domain/escalations/escalation.js";
import { EscalationRequest } from "../../shared/domain/escalations/escalation-request.js";
import { randomIds } from "../../shared/domain/escalations/ids.js";
import { submitEscalation, type SubmitDependencies } from "../../shared/domain/escalations/submit-escalation.js";
import { buildEscalationRequest } from "../../test/builders/escalation-request.js";
import {
  appProcessesCpu,
  formatInteger,
  formatMs,
  formatRate,
  inAlternatingOrder,
  inPool,
  machineCpu,
  numberedTitle,
  summarizeLatencies,
  systemClock,
  VerificationError,
  type LatencySummary,
  type ServerProcess,
} from "../kit/index.js";
import { appConfig, channelSettings, freshTable, resetSandbox, startHost, type Rig } from "./rig.js";
import { startSampler, steadyWindow, waitForCreates, windowOf, type Sample, type Window } from "./sampling.js";
import {
  CALLER,
  PATH_LABELS,
  PATHS,
  PRELOAD_IN_FLIGHT,
  SETTLE_TIMEOUT_MS,
  type Options,
  type PathName,
} from "./settings.js";
import { checkSandbox, failIfProblems, verifyForwarding, type Check } from "./verify.js";

export interface Measurement {
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

/** Escalation `n` of a run, from customer `n mod customers`: each its own tenant, name and domain. */
function benchRequest(label: string, n: number, customers: number) {
  const customer = n % customers;
  return buildEscalationRequest({
    title: numberedTitle(label, n),
    customer: {
      tenantId: `6f1e2d3c-4b5a-4978-8a6b-${customer.toString(16).padStart(12, "0")}`,
      name: `Customer ${String(customer)}`,
      domain: `customer${String(customer)}.partner.onmschina.cn`,
    },
  });
}

/** `count` escalations stored and queued with the real adapters; returns their ids. */
export async function preload(
  deps: SubmitDependencies,
  count: number,
  customers: number,
  label: string,
): Promise<string[]> {
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
  const settings = channelSettings(appConfig(rig, "unused"));
  const channel = buildPartnerCenterChannel(settings, sandboxChannelOptions(settings));
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

export async function runAll(rig: Rig, options: Options, runTag: string): Promise<Measurement[]> {
  const measurements: Measurement[] = [];
  let index = 0;
  for (let round = 1; round <= options.rounds; round++) {
    // Alternate which goes first, so a drift over the run (Azurite's memory, the emulator's
    // duplicate detection history, the machine's other load) weighs on both alike.
    const order = inAlternatingOrder(PATHS, round);
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
