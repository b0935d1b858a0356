// The forwarding benchmark's probe, in this process: escalations forwarded by forwardEscalation
// itself through a TableClient that counts and times every Table Storage operation and a channel
// that times its create calls, with no host and no Service Bus; its store publishes events as the
// app's does.
import { randomUUID } from "node:crypto";
import type { TableClient } from "@azure/data-tables";
import { buildPartnerCenterChannel } from "../../shared/adapters/partner-center/build-partner-center-channel.js";
import { sandboxChannelOptions } from "../../shared/sandbox/loopback-msal-network.js";
import { TableEscalationStore } from "../../shared/adapters/table-storage/table-escalation-store.js";
import { TableEventOutbox } from "../../shared/adapters/table-storage/table-event-outbox.js";
import { TableSubscriptionStore } from "../../shared/adapters/table-storage/table-subscription-store.js";
import { publishEvents, type PublishEventsDependencies } from "../../shared/domain/events/publish-events.js";
import { publishingQuietly } from "../../shared/domain/events/publishing-store.js";
import type { EscalationMessage } from "../../shared/domain/escalations/escalation.js";
import { randomIds } from "../../shared/domain/escalations/ids.js";
import type { EscalationQueue } from "../../shared/domain/escalations/ports.js";
import type { VianetChannel } from "../../shared/domain/forwarding/channel.js";
import { forwardEscalation, type ForwardDependencies } from "../../shared/domain/forwarding/forward-escalation.js";
import {
  appCpuBetween,
  appProcessesCpu,
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

/**
 * The store as the app's composition root builds it: every change that records events is followed
 * by their fan-out (outbox rows read and removed, the subscriptions listed), so the probe does the
 * work the host's forwarder does. The bench has no subscriptions: nothing is to be delivered.
 */
function publishingStore(table: TableClient, label: string): { store: TableEscalationStore; failures: unknown[] } {
  const failures: unknown[] = [];
  const store: TableEscalationStore = new TableEscalationStore(table, {
    onEventsRecorded: publishingQuietly(
      (escalationId) => publishEvents(escalationId, events),
      (_escalationId, error) => failures.push(error),
    ),
  });
  const events: PublishEventsDependencies = {
    store,
    outbox: new TableEventOutbox(table),
    subscriptions: new TableSubscriptionStore(table),
    deliveries: {
      send: (messages) => {
        if (messages.length > 0)
          throw new VerificationError(`${label}: ${messages.length} event deliveries with no subscription`);
        return Promise.resolve();
      },
    },
    clock: systemClock,
  };
  return { store, failures };
}

export interface Probe {
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
  const settings = channelSettings(config);
  const channel = timedChannel(buildPartnerCenterChannel(settings, sandboxChannelOptions(settings)), channelDurations);
  const publishing = publishingStore(countingTable(table, stats), label);
  const deps: ForwardDependencies = {
    store: publishing.store,
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
  if (publishing.failures.length > 0)
    throw new VerificationError(`${label}: publishing events failed: ${String(publishing.failures[0])}`);
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
