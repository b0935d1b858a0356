// One status change as the metrics keep it: what happened when, and what a report groups by.
import { z } from "zod";
import { EscalationStatus } from "../escalations/escalation.js";
import { Severity } from "../escalations/escalation-request.js";

export const StatusEvent = z.object({
  escalationId: z.string(),
  at: z.iso.datetime(),
  from: EscalationStatus.nullable(),
  to: EscalationStatus,
  submittedAt: z.iso.datetime(),
  tenantId: z.string(),
  customerName: z.string(),
  service: z.string(),
  severity: Severity,
  channel: z.enum(["partner-center", "portal"]).optional(),
  vianetCode: z.string().optional(),
});
export type StatusEvent = z.infer<typeof StatusEvent>;
