// Fault injection: queued faults, consumed one request at a time per operation, and random
// faults drawn at set rates from a seeded generator (for soak runs: "5% of creates answer 503").
import { z } from "zod";
import { seededRandom } from "../seeded-random.js";

export const OPERATIONS = ["create", "get", "update", "list", "token", "any"] as const;
export const FAULT_KINDS = [
  "latency",
  "status-429",
  "status-503",
  "timeout",
  "created-response-lost",
  "created-then-hang",
  "permanent-400",
  "unsupported-900127",
  "status",
  "connection-reset",
] as const;
export type Operation = (typeof OPERATIONS)[number];
export type FaultKind = (typeof FAULT_KINDS)[number];

export const faultSpecSchema = z.object({
  operation: z.enum(OPERATIONS).default("any"),
  kind: z.enum(FAULT_KINDS),
  /** How many matching requests get the fault; default 1. */
  count: z.number().int().positive().default(1),
  retryAfterSeconds: z.number().int().nonnegative().optional(),
  latencyMs: z.number().int().nonnegative().optional(),
  /** For kind "status": the HTTP status answered, before anything is created. */
  status: z.number().int().min(400).max(599).optional(),
  /** For kind "status": the error code in the body; default the status. */
  code: z.string().optional(),
});
export type FaultSpec = z.input<typeof faultSpecSchema>;
export type Fault = z.output<typeof faultSpecSchema>;

export interface ArmedFault extends Fault {
  remaining: number;
}

/** Faults drawn at random for one operation: each request gets kind K with probability rates[K]. */
export const randomFaultsSchema = z.object({
  operation: z.enum(OPERATIONS).default("any"),
  rates: z
    .partialRecord(z.enum(FAULT_KINDS), z.number().min(0).max(1))
    .refine(
      (rates) => Object.values(rates).reduce((sum, rate) => sum + rate, 0) <= 1,
      "the rates must add up to at most 1",
    ),
  /** The same seed and the same sequence of requests draw the same faults. */
  seed: z.number().int().default(1),
  retryAfterSeconds: z.number().int().nonnegative().optional(),
  latencyMs: z.number().int().nonnegative().optional(),
  status: z.number().int().min(400).max(599).optional(),
});
export type RandomFaultsSpec = z.input<typeof randomFaultsSchema>;
export type RandomFaults = z.output<typeof randomFaultsSchema>;

export { seededRandom };

interface RandomSource {
  readonly spec: RandomFaults;
  readonly next: () => number;
}

export class FaultQueue {
  private armed: ArmedFault[] = [];
  private random = new Map<Operation, RandomSource>();
  private injected = new Map<FaultKind, number>();

  add(spec: FaultSpec): ArmedFault {
    const fault = faultSpecSchema.parse(spec);
    const armed = { ...fault, remaining: fault.count };
    this.armed.push(armed);
    return armed;
  }

  /** Random faults for the spec's operation from now on, replacing any set before for it. */
  setRandom(spec: RandomFaultsSpec): RandomFaults {
    const parsed = randomFaultsSchema.parse(spec);
    this.random.set(parsed.operation, { spec: parsed, next: seededRandom(parsed.seed) });
    return parsed;
  }

  /** The next fault for this operation, counted as used: a queued one first, else one drawn at random. */
  take(operation: Exclude<Operation, "any">): Fault | undefined {
    const fault = this.takeQueued(operation) ?? this.draw(operation);
    if (fault !== undefined) this.injected.set(fault.kind, (this.injected.get(fault.kind) ?? 0) + 1);
    return fault;
  }

  private takeQueued(operation: Exclude<Operation, "any">): Fault | undefined {
    const index = this.armed.findIndex((f) => f.operation === operation || f.operation === "any");
    const fault = this.armed[index];
    if (fault === undefined) return undefined;
    fault.remaining -= 1;
    if (fault.remaining <= 0) this.armed.splice(index, 1);
    return fault;
  }

  private draw(operation: Exclude<Operation, "any">): Fault | undefined {
    const source = this.random.get(operation) ?? this.random.get("any");
    if (source === undefined) return undefined;
    const { spec } = source;
    const roll = source.next();
    let threshold = 0;
    // In FAULT_KINDS order, so a seed draws the same kinds whatever order the rates were written in.
    for (const kind of FAULT_KINDS) {
      threshold += spec.rates[kind] ?? 0;
      if (roll < threshold) {
        return {
          operation: spec.operation,
          kind,
          count: 1,
          retryAfterSeconds: spec.retryAfterSeconds,
          latencyMs: spec.latencyMs,
          status: spec.status,
          code: undefined,
        };
      }
    }
    return undefined;
  }

  list(): ArmedFault[] {
    return this.armed.map((f) => ({ ...f }));
  }

  randomFaults(): RandomFaults[] {
    return [...this.random.values()].map((source) => source.spec);
  }

  /** How many requests got each kind of fault, queued or random, since the last reset. */
  injectedCounts(): Partial<Record<FaultKind, number>> {
    return Object.fromEntries(this.injected);
  }

  /** Forgets queued and random faults; the counts stay (a soak reads them at its end). */
  clear(): void {
    this.armed = [];
    this.random.clear();
  }

  reset(): void {
    this.clear();
    this.injected.clear();
  }
}
