// `npm run bench:status-sync`: status-sync runs over 10,000 open Partner Center escalations, with
// the sandbox answering every call after 50 ms. The real sync loop (runStatusSync) and the real
// PartnerCenterChannel with its MSAL token source talk to the sandbox over loopback HTTP; the
// escalations and the sync line are in memory, so the figures are Partner Center's side of a run.
// Reports the calls made and the time of a run over the whole backlog, then runs with a budget of
// half the backlog and checks that no escalation waits more than two runs to be visited.
// Flags: --escalations 10000 --latency-ms 50 --concurrency 32.
import { parseArgs } from "node:util";
import { randomUUID } from "node:crypto";
import { buildPartnerCenterChannel } from "../shared/adapters/partner-center/build-partner-center-channel.js";
import { Escalation } from "../shared/domain/escalations/escalation.js";
import type { EscalationStore, Versioned } from "../shared/domain/escalations/ports.js";
import {
  isSyncable,
  runStatusSync,
  syncOrder,
  type SyncEntry,
  type SyncSchedule,
} from "../shared/domain/forwarding/status-sync.js";
import type { VianetServiceRequests } from "../shared/domain/forwarding/service-requests.js";
import { sandboxChannelOptions } from "../shared/sandbox/loopback-msal-network.js";
import { loadConfig } from "../shared/settings/app-settings.js";
import { appSettingsFor, start as startSandbox } from "../local/vianet-sandbox/index.js";
import { buildEscalationRequest } from "../test/builders/escalation-request.js";
import { formatInteger, formatTable, positiveInteger } from "./kit/index.js";

const { values } = parseArgs({
  options: {
    escalations: { type: "string", default: "10000" },
    "latency-ms": { type: "string", default: "50" },
    concurrency: { type: "string", default: "32" },
  },
});
const COUNT = positiveInteger("escalations", values.escalations);
const LATENCY_MS = positiveInteger("latency-ms", values["latency-ms"]);
const CONCURRENCY = positiveInteger("concurrency", values.concurrency);

/** The store and the sync line in memory, as the Table store keeps them: the line ordered by last sync. */
class MemoryEscalations implements Pick<EscalationStore, "get" | "replace">, SyncSchedule {
  readonly escalations = new Map<string, Versioned<Escalation>>();
  #version = 0;

  put(escalation: Escalation): void {
    this.escalations.set(escalation.id, { value: escalation, etag: String(++this.#version) });
  }

  get(id: string): Promise<Versioned<Escalation> | undefined> {
    return Promise.resolve(this.escalations.get(id));
  }

  replace(
    escalation: Escalation,
    etag: string,
  ): Promise<{ ok: true; etag: string } | { ok: false; error: "conflict" }> {
    if (this.escalations.get(escalation.id)?.etag !== etag) return Promise.resolve({ ok: false, error: "conflict" });
    this.put(escalation);
    return Promise.resolve({ ok: true, etag: String(this.#version) });
  }

  oldestSynced(limit: number): Promise<SyncEntry[]> {
    const line = [...this.escalations.values()]
      .map((stored) => stored.value)
      .filter(isSyncable)
      .map((escalation) => ({ escalationId: escalation.id, orderedBy: syncOrder(escalation) }))
      .sort((a, b) => a.orderedBy.localeCompare(b.orderedBy) || a.escalationId.localeCompare(b.escalationId));
    return Promise.resolve(line.slice(0, limit));
  }

  drop(): Promise<void> {
    return Promise.resolve();
  }
}

/** The channel, counting which escalations' requests each run read. */
function counted(requests: VianetServiceRequests, reads: string[]): VianetServiceRequests {
  return {
    read: (id, correlationId) => {
      reads.push(id);
      return requests.read(id, correlationId);
    },
    addNote: (id, text, correlationId) => requests.addNote(id, text, correlationId),
  };
}

async function main(): Promise<void> {
  const sandbox = await startSandbox({ port: 0, latencyMs: LATENCY_MS });
  try {
    const config = loadConfig({
      ServiceBusConnection: "Endpoint=sb://127.0.0.1;SharedAccessKeyName=k;SharedAccessKey=v",
      EscalationsStorage: "UseDevelopmentStorage=true",
      ...appSettingsFor(sandbox),
    });
    const settings = config.forwarding.partnerCenter;
    if (settings === undefined) throw new Error("partner-center is not routed");
    const channel = buildPartnerCenterChannel(settings, sandboxChannelOptions(settings));
    const store = new MemoryEscalations();

    // 10,000 escalations forwarded to the sandbox, through the channel's own create.
    const seedStart = performance.now();
    const created = Date.parse("2026-12-01T00:00:00.000Z");
    let seeded = 0;
    await Promise.all(
      Array.from({ length: 100 }, async () => {
        while (seeded < COUNT) {
          const index = seeded++;
          const at = new Date(created + index * 1_000).toISOString();
          const escalation = Escalation.parse({
            id: `bench-${String(index).padStart(6, "0")}`,
            status: "forwarded",
            request: buildEscalationRequest(),
            callerId: "bench",
            correlationId: randomUUID(),
            createdAt: at,
            updatedAt: at,
            dispatch: "sent",
            criteria: [],
            history: [],
          });
          const outcome = await channel.submit(escalation, {
            requestId: randomUUID(),
            correlationId: escalation.correlationId,
          });
          if (outcome.kind !== "created") throw new Error(`seed ${String(index)}: ${outcome.kind}`);
          store.put({
            ...escalation,
            vianet: { channel: "partner-center", serviceRequestId: outcome.serviceRequestId, status: outcome.status },
          });
        }
      }),
    );
    const seedSeconds = (performance.now() - seedStart) / 1_000;

    async function run(
      maxRequests: number,
    ): Promise<{ reads: string[]; seconds: number; requests: number; visited: number }> {
      const reads: string[] = [];
      const before = sandbox.callsSeen().reads;
      const start = performance.now();
      const summary = await runStatusSync({
        store,
        schedule: store,
        requests: counted(channel, reads),
        clock: { now: () => new Date() },
        maxRequests,
        concurrency: CONCURRENCY,
      });
      const seconds = (performance.now() - start) / 1_000;
      if (sandbox.callsSeen().reads - before !== summary.requests)
        throw new Error("the sandbox saw another number of reads than the run counted");
      return { reads, seconds, requests: summary.requests, visited: summary.visited };
    }

    // A run over the whole backlog.
    const full = await run(COUNT);
    // Budget smaller than the backlog: half of it, three runs.
    const budget = Math.ceil(COUNT / 2);
    const runs = [await run(budget), await run(budget), await run(budget)];
    const [first, second, third] = runs;
    if (first === undefined || second === undefined || third === undefined) throw new Error("runs missing");
    const firstTwo = new Set([...first.reads, ...second.reads]);
    const allSeen = firstTwo.size === COUNT && first.reads.length + second.reads.length === COUNT;
    // The third run starts again with those the first run visited: the longest unsynced.
    const thirdRepeatsFirst = third.reads.every((id) => first.reads.includes(id));

    const rows = [
      [
        "whole backlog",
        formatInteger(COUNT),
        formatInteger(full.requests),
        formatInteger(full.visited),
        full.seconds.toFixed(1),
        formatInteger(Math.round(full.requests / full.seconds)),
      ],
      ...runs.map((each, index) => [
        `budget ${formatInteger(budget)}, run ${String(index + 1)}`,
        formatInteger(COUNT),
        formatInteger(each.requests),
        formatInteger(each.visited),
        each.seconds.toFixed(1),
        formatInteger(Math.round(each.requests / each.seconds)),
      ]),
    ];
    console.log(
      `status sync over ${formatInteger(COUNT)} open escalations, sandbox latency ${String(LATENCY_MS)} ms, ${String(CONCURRENCY)} calls in flight`,
    );
    console.log(`(seeded through the channel's create in ${seedSeconds.toFixed(1)} s)`);
    console.log(formatTable(["run", "open", "requests", "visited", "seconds", "requests/s"], rows));
    console.log(
      `budget ${formatInteger(budget)} < backlog ${formatInteger(COUNT)}: every escalation visited within two runs: ${allSeen ? "yes" : "NO"}; the third run starts again with the first run's: ${thirdRepeatsFirst ? "yes" : "NO"}`,
    );
    console.log(
      `rerun: npm run bench:status-sync -- --escalations ${String(COUNT)} --latency-ms ${String(LATENCY_MS)} --concurrency ${String(CONCURRENCY)}`,
    );
    if (!allSeen || !thirdRepeatsFirst || full.requests !== COUNT) process.exitCode = 1;
  } finally {
    await sandbox.close();
  }
}

await main();
