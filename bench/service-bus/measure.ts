// The Service Bus benchmark's measurements: every workload on both brokers, the order alternating,
// after an untimed warm-up of each.
import { formatInteger, inAlternatingOrder, ratioOf, type BrokerProcess, type MemoryStatus } from "../kit/index.js";
import {
  BODY_SIZES,
  REFERENCE_MSG_PER_SEC,
  WORKLOAD_KINDS,
  WORKLOAD_LABELS,
  type BodySize,
  type WorkloadKind,
} from "./reference.js";
import {
  BROKERS,
  QUEUE_COUNT,
  queueName,
  STALL_TIMEOUT_MS,
  WARM_UP_QUEUE,
  type BrokerName,
  type Brokers,
  type Options,
} from "./settings.js";
import { runWorkload } from "./workloads.js";

export interface Measurement {
  messages: number;
  elapsedMs: number;
  msgPerSec: number;
  /** The broker's VmRSS right after this workload. */
  rssAfterBytes: number | undefined;
  details: Record<string, number>;
}

export interface WorkloadRecord {
  kind: WorkloadKind;
  label: string;
  bodyBytes: BodySize;
  queue: string;
  messages: number;
  /** Which broker ran this workload first (it alternates). */
  firstRun: BrokerName;
  emulator: Measurement;
  baseline: Measurement;
  /** Emulator msg/s over baseline msg/s, both measured in this run. */
  baselineRatio: number;
  referenceMsgPerSec: number | undefined;
  /** Emulator msg/s over the fixed figure. */
  referenceRatio: number | undefined;
}

export interface MemoryRecord {
  pid: number;
  idle: MemoryStatus | undefined;
  end: MemoryStatus | undefined;
}

export function describeSize(bytes: number): string {
  return bytes === 1024 ? "1 KB" : `${bytes} B`;
}

export async function warmUp(broker: BrokerProcess, messages: number): Promise<void> {
  for (const kind of WORKLOAD_KINDS) {
    await runWorkload(kind, `warm-up on the ${broker.name}: ${WORKLOAD_LABELS[kind]}`, {
      connectionString: broker.connectionString,
      queue: WARM_UP_QUEUE,
      messages,
      bodyBytes: BODY_SIZES[0],
      stallTimeoutMs: STALL_TIMEOUT_MS,
      died: broker.died,
    });
  }
}

export async function measure(
  broker: BrokerProcess,
  kind: WorkloadKind,
  label: string,
  queue: string,
  options: Options,
  bodyBytes: BodySize,
): Promise<Measurement> {
  const result = await runWorkload(kind, `${label} (${broker.name})`, {
    connectionString: broker.connectionString,
    queue,
    messages: options.messages,
    bodyBytes,
    stallTimeoutMs: STALL_TIMEOUT_MS,
    died: broker.died,
  });
  return {
    messages: result.messages,
    elapsedMs: result.elapsedMs,
    msgPerSec: (result.messages * 1000) / result.elapsedMs,
    rssAfterBytes: broker.memory()?.rssBytes,
    details: result.details,
  };
}

export async function runAll(options: Options, brokers: Brokers): Promise<WorkloadRecord[]> {
  const records: WorkloadRecord[] = [];
  const total = BODY_SIZES.length * WORKLOAD_KINDS.length;
  if (total > QUEUE_COUNT) throw new Error(`${total} workloads need more than the ${QUEUE_COUNT} queues configured`);
  let index = 0;
  for (const bodyBytes of BODY_SIZES) {
    for (const kind of WORKLOAD_KINDS) {
      index++;
      const queue = queueName(index);
      const label = `${WORKLOAD_LABELS[kind]}, ${describeSize(bodyBytes)}`;
      // Alternate the order so neither broker always runs right after the other.
      const order = inAlternatingOrder(BROKERS, index);
      const measured: Partial<Record<BrokerName, Measurement>> = {};
      for (const name of order) {
        const measurement = await measure(brokers[name], kind, label, queue, options, bodyBytes);
        measured[name] = measurement;
        const position = `[${String(index).padStart(2)}/${total}]`;
        console.log(
          `${position} ${label.padEnd(44)} ${name.padEnd(8)} ${formatInteger(measurement.msgPerSec).padStart(7)} msg/s  ` +
            `${(measurement.elapsedMs / 1000).toFixed(2).padStart(6)} s  (${queue}, ${measurement.messages} received = sent)`,
        );
      }
      const { emulator, baseline } = measured;
      if (emulator === undefined || baseline === undefined) throw new Error(`${label}: a broker was not measured`);
      const referenceMsgPerSec = REFERENCE_MSG_PER_SEC[bodyBytes][kind];
      records.push({
        kind,
        label: WORKLOAD_LABELS[kind],
        bodyBytes,
        queue,
        messages: options.messages,
        firstRun: order[0] ?? "emulator",
        emulator,
        baseline,
        baselineRatio: emulator.msgPerSec / baseline.msgPerSec,
        referenceMsgPerSec,
        referenceRatio: ratioOf(emulator.msgPerSec, referenceMsgPerSec),
      });
    }
  }
  return records;
}
