// One status change (or note) as the metrics keep it: what happened when, and what a report groups by.
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
  /** When the escalation was first forwarded, on the events from then on: a response or closing measures from it even when the forwarding fell before the window. */
  forwardedAt: z.iso.datetime().optional(),
  /** 21Vianet's first answer after forwarding, on the events from then on. */
  vianetRespondedAt: z.iso.datetime().optional(),
});
export type StatusEvent = z.infer<typeof StatusEvent>;
