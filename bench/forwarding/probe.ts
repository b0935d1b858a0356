// The forwarding benchmark's probe, in this process: escalations submitted, forwarded by
// forwardEscalation itself, moved by 21Vianet and closed, through a TableClient whose pipeline
// records and times every Table Storage request (test/builders/table-operations.ts), with the store
// wired as the composition root wires it (the immediate event fan-out included) and a channel that
// times its create calls; no host and no Service Bus.
import { randomUUID } from "node:crypto";
import type { TableClient } from "@azure/data-tables";
import { TableEventOutbox } from "../../shared/adapters/table-storage/table-event-outbox.js";
import { TableSubscriptionStore } from "../../shared/adapters/table-storage/table-subscription-store.js";
import { changeEscalation } from "../../shared/domain/escalations/change-escalation.js";
import { recordVianetUpdate, type VianetStatus } from "../../shared/domain/escalations/vianet-updates.js";
import { publishRecorded } from "../../shared/domain/events/publish-events.js";
import {
  partitionKind,
  recordTableOperations,
  type TimedTableOperation,
} from "../../test/builders/table-operations.js";
import { buildPartnerCenterChannel } from "../../shared/adapters/partner-center/build-partner-center-channel.js";
import { sandboxChannelOptions } from "../../shared/sandbox/loopback-msal-network.js";
import { TableEscalationStore } from "../../shared/adapters/table-storage/table-escalation-store.js";
import type { EscalationMessage } from "../../shared/domain/escalations/escalation.js";
import { randomIds } from "../../shared/domain/escalations/ids.js";
import type { EscalationQueue } from "../../shared/domain/escalations/ports.js";
import type { VianetChannel } from "../../shared/domain/forwarding/channel.js";
import { forwardEscalation, type ForwardDependencies } from "../../shared/domain/forwarding/forward-escalation.js";
import {
  appCpuBetween,
  appProcessesCpu,
  azuriteTable,
  inPool,
  summarizeLatencies,
  systemClock,
  VerificationError,
  type LatencySummary,
} from "../kit/index.js";
import { preload } from "./measure.js";
import { appConfig, channelSettings, freshTable, resetSandbox, type Rig } from "./rig.js";
import { DEFAULT_CUSTOMERS, PROBE_ESCALATIONS } from "./settings.js";
import { failIfProblems, verifyForwardingStoreOnly, type Check } from "./verify.js";

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

/** What one step of an escalation's life cost in Table Storage requests, per escalation. */
export interface StepCost {
  step: ProbeStep;
  perEscalation: number;
  /** Per kind of request and partition (`upsert status`), with its mean latency. */
  operations: { name: string; perEscalation: number; meanMs: number }[];
}

export const PROBE_STEPS = ["submission", "forwarding", "status change", "closing"] as const;
export type ProbeStep = (typeof PROBE_STEPS)[number];

export interface Probe {
  escalations: number;
  inFlight: number;
  seconds: number;
  perSec: number;
  forwardMs: LatencySummary;
  channelMs: LatencySummary;
  /** The forwarding step's requests: calls per forwarding and mean latency. */
  operations: { name: string; perForwarding: number; meanMs: number }[];
  operationsPerForwarding: number;
  /** Every step, forwarding included, counted the same way. */
  steps: StepCost[];
  /** CPU ms per forwarding: this process (the forwarder, the channel and the sandbox) and Azurite. */
  cpuMs: { bench: number | undefined; azurite: number | undefined };
  check: Check;
}

function costOf(step: ProbeStep, recorded: readonly TimedTableOperation[], count: number): StepCost {
  const byName = new Map<string, { calls: number; totalMs: number }>();
  for (const operation of recorded) {
    const name = `${operation.kind} ${partitionKind(operation.partition) || "-"}`;
    const entry = byName.get(name) ?? { calls: 0, totalMs: 0 };
    entry.calls++;
    entry.totalMs += operation.ms;
    byName.set(name, entry);
  }
  const operations = [...byName]
    .map(([name, entry]) => ({ name, perEscalation: entry.calls / count, meanMs: entry.totalMs / entry.calls }))
    .sort((a, b) => b.perEscalation - a.perEscalation || a.name.localeCompare(b.name));
  return { step, perEscalation: recorded.length / count, operations };
}

/** A store over a client that records every request into `into`, publishing events as the composition root does. */
function recordedStore(connectionString: string, tableName: string, into: TimedTableOperation[]): TableEscalationStore {
  const table: TableClient = recordTableOperations(azuriteTable(connectionString, tableName), into);
  const publishing = {
    outbox: new TableEventOutbox(table),
    subscriptions: new TableSubscriptionStore(table, { remembersAll: true }),
    deliveries: { send: () => Promise.resolve() },
  };
  return new TableEscalationStore(table, {
    onEventsRecorded: async (_escalationId, recorded) => {
      await publishRecorded(recorded, publishing);
    },
  });
}

/** 21Vianet's answer recorded as its updates route records it. */
async function reportStatus(store: TableEscalationStore, id: string, status: VianetStatus): Promise<void> {
  const change = await changeEscalation(store, id, ({ value }) => {
    const now = new Date();
    const result = recordVianetUpdate(value, { status, at: now, source: "email" }, now);
    return result.ok && result.changed ? { write: result.escalation, answer: true } : { stop: false };
  });
  if (!change.ok || !change.answer) throw new VerificationError(`probe: ${id} did not move to ${status}`);
}

export async function runProbe(rig: Rig, runTag: string, index: number): Promise<Probe> {
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
  const recorded: TimedTableOperation[] = [];
  const store = recordedStore(rig.azurite.connectionString, tableName, recorded);
  await preload(
    { store, queue, clock: systemClock, ids: randomIds, rules: config.criteria, services: config.services },
    PROBE_ESCALATIONS,
    DEFAULT_CUSTOMERS,
    label,
  );
  const count = messages.length;
  const steps = [costOf("submission", recorded.splice(0), count)];

  const channelDurations: number[] = [];
  const forwardDurations: number[] = [];
  const settings = channelSettings(config);
  const channel = timedChannel(buildPartnerCenterChannel(settings, sandboxChannelOptions(settings)), channelDurations);
  const deps: ForwardDependencies = {
    store: recordedStore(rig.azurite.connectionString, tableName, recorded),
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
  const forwarding = costOf("forwarding", recorded.splice(0), count);
  steps.push(forwarding);
  const ids = messages.map((message) => message.escalationId);
  const check = await verifyForwardingStoreOnly(rig, new TableEscalationStore(table), ids);
  failIfProblems("probe", check);

  // 21Vianet's answers, as its updates route records them: one status change, then closing.
  const answering = recordedStore(rig.azurite.connectionString, tableName, recorded);
  await inPool(ids.length, rig.maxConcurrentCalls, (n) => reportStatus(answering, ids[n] ?? "", "attention_needed"));
  steps.push(costOf("status change", recorded.splice(0), count));
  await inPool(ids.length, rig.maxConcurrentCalls, (n) => reportStatus(answering, ids[n] ?? "", "closed"));
  steps.push(costOf("closing", recorded.splice(0), count));
  await table.deleteTable();

  const perEscalation = (value: number | undefined) => (value === undefined ? undefined : (value * 1000) / count);
  return {
    escalations: count,
    inFlight: rig.maxConcurrentCalls,
    seconds,
    perSec: count / seconds,
    forwardMs: summarizeLatencies(Float64Array.from(forwardDurations)),
    channelMs: summarizeLatencies(Float64Array.from(channelDurations)),
    operations: forwarding.operations.map(({ name, perEscalation: perForwarding, meanMs }) => ({
      name,
      perForwarding,
      meanMs,
    })),
    operationsPerForwarding: forwarding.perEscalation,
    steps,
    cpuMs: { bench: perEscalation(cpu.bench), azurite: perEscalation(cpu.azurite) },
    check,
  };
}
