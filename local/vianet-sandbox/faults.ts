// Fault injection: queued faults, consumed one request at a time per operation.
import { z } from "zod";

export const OPERATIONS = ["create", "get", "update", "list", "token", "any"] as const;
export const FAULT_KINDS = ["latency", "status-429", "status-503", "timeout", "created-response-lost", "created-then-hang", "permanent-400", "unsupported-900127", "status", "connection-reset"] as const;
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

export class FaultQueue {
  private armed: ArmedFault[] = [];

  add(spec: FaultSpec): ArmedFault {
    const fault = faultSpecSchema.parse(spec);
    const armed = { ...fault, remaining: fault.count };
    this.armed.push(armed);
    return armed;
  }

  /** The next fault for this operation, counted as used. */
  take(operation: Exclude<Operation, "any">): Fault | undefined {
    const index = this.armed.findIndex((f) => f.operation === operation || f.operation === "any");
    const fault = this.armed[index];
    if (fault === undefined) return undefined;
    fault.remaining -= 1;
    if (fault.remaining <= 0) this.armed.splice(index, 1);
    return fault;
  }

  list(): ArmedFault[] {
    return this.armed.map((f) => ({ ...f }));
  }

  clear(): void {
    this.armed = [];
  }
}
