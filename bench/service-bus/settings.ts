// The Service Bus benchmark's command line, its queues and the brokers it compares.
import { parseBenchArgs, positiveInteger, rerunCommand, type BrokerProcess } from "../kit/index.js";
import { REFERENCE_MESSAGES } from "./reference.js";

const DEFAULT_MESSAGES = 5_000;
export const QUEUE_COUNT = 20;
export const WARM_UP_QUEUE = "bench-warmup";
/** Each workload runs once untimed with this many messages first, on each broker, to warm up the JIT. */
export const WARM_UP_MESSAGES = 500;
/** A workload that makes no progress for this long has stalled. */
export const STALL_TIMEOUT_MS = 20_000;

export const BROKERS = ["emulator", "baseline"] as const;
export type BrokerName = (typeof BROKERS)[number];
export type Brokers = Record<BrokerName, BrokerProcess>;

export const usage = `usage: npm run bench:servicebus -- [--messages N] [--json <file>]
  --messages N   messages per workload (default ${DEFAULT_MESSAGES}; the reference figures are for ${REFERENCE_MESSAGES})
  --json <file>  also write the results as JSON`;

export interface Options {
  messages: number;
  jsonPath: string | undefined;
}

export function parseOptions(): Options | undefined {
  const parsed = parseBenchArgs(
    {
      messages: { type: "string", default: String(DEFAULT_MESSAGES) },
    },
    usage,
  );
  if (parsed === undefined) return undefined;
  const { values, jsonPath } = parsed;
  return { messages: positiveInteger("messages", values.messages), jsonPath };
}

export function rerun(options: Options): string {
  return rerunCommand("bench:servicebus", [["messages", options.messages]]);
}

export function queueName(index: number): string {
  return `bench-${index}`;
}

/** A Config.json in the format of Microsoft's emulator: bench-1..bench-20 and a warm-up queue. */
export function benchConfig(): unknown {
  const names = [...Array.from({ length: QUEUE_COUNT }, (_unused, i) => queueName(i + 1)), WARM_UP_QUEUE];
  return {
    UserConfig: {
      Namespaces: [
        {
          Name: "sbemulatorns",
          Queues: names.map((name) => ({
            Name: name,
            Properties: {
              LockDuration: "PT1M",
              MaxDeliveryCount: 10,
              DeadLetteringOnMessageExpiration: false,
              RequiresDuplicateDetection: false,
              RequiresSession: false,
            },
          })),
          Topics: [],
        },
      ],
    },
  };
}
