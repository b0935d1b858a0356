// The feasibility figures the Service Bus emulator has to beat, as given in the issue. They were
// measured with 5,000 messages per workload; they are fixed numbers, not re-measured here.

export const WORKLOAD_KINDS = [
  "send-sequential",
  "send-concurrent-50",
  "send-batch",
  "receive-complete",
  "subscribe-16",
  "subscribe-100",
] as const;
export type WorkloadKind = (typeof WORKLOAD_KINDS)[number];

export const BODY_SIZES = [200, 1024] as const;
export type BodySize = (typeof BODY_SIZES)[number];

export const WORKLOAD_LABELS: Record<WorkloadKind, string> = {
  "send-sequential": "send, sequential (await each)",
  "send-concurrent-50": "send, 50 in flight",
  "send-batch": "send, batches (tryAddMessage)",
  "receive-complete": "receiveMessages(500) + complete",
  "subscribe-16": "subscribe, maxConcurrentCalls 16",
  "subscribe-100": "subscribe, maxConcurrentCalls 100",
};

/** msg/s for 5,000 messages; a missing entry has no reference figure. */
export const REFERENCE_MSG_PER_SEC: Record<BodySize, Partial<Record<WorkloadKind, number>>> = {
  200: {
    "send-sequential": 1_500,
    "send-concurrent-50": 7_500,
    "send-batch": 15_000,
    // The issue gives 5.5-6.3k/s; the upper end is the bar.
    "receive-complete": 6_300,
    "subscribe-100": 5_900,
  },
  1024: {
    "send-sequential": 1_328,
    "send-concurrent-50": 6_046,
    "send-batch": 10_531,
    "receive-complete": 5_437,
    "subscribe-100": 5_211,
  },
};

/** Resident memory of the idle reference emulator, in MiB. */
export const REFERENCE_IDLE_RSS_MIB = 80;

/** The message count the reference figures were measured with. */
export const REFERENCE_MESSAGES = 5_000;
