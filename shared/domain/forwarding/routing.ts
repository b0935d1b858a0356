// Which channel takes which escalation: rules as data, first match wins, by service and severity.
import { z } from "zod";
import { Severity } from "../escalations/escalation-request.js";
import type { ChannelName } from "./channel.js";

export const RoutingRule = z.strictObject({
  services: z.array(z.string().toLowerCase()).optional(),
  severities: z.array(Severity).optional(),
  channel: z.enum(["partner-center", "portal"]),
});
export type RoutingRule = z.infer<typeof RoutingRule>;

export const RoutingRules = z.array(RoutingRule);

/** Locally everything goes to Partner Center (the sandbox); production chooses per deployment. */
export const DEFAULT_ROUTING: RoutingRule[] = [{ channel: "partner-center" }];

export function chooseChannel(rules: readonly RoutingRule[], service: string, severity: Severity): ChannelName {
  for (const rule of rules) {
    if (rule.services !== undefined && !rule.services.includes(service)) continue;
    if (rule.severities !== undefined && !rule.severities.includes(severity)) continue;
    return rule.channel;
  }
  return "portal";
}
