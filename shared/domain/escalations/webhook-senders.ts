// Systems that deliver escalations as signed webhooks: each has its own secrets (several at once
// during rotation) and, like any caller, may be limited to some customer tenants.
import { z } from "zod";
import { CallerId, TenantScope, uniqueIds } from "./callers.js";
import { parseWebhookSecret, type WebhookSecret } from "../../lib/standard-webhooks.js";

export const SecretText = z.string().transform((text, ctx) => {
  const parsed = parseWebhookSecret(text);
  if (!parsed.ok) {
    ctx.addIssue({ code: "custom", message: parsed.message });
    return z.NEVER;
  }
  return parsed.secret;
});

export const WebhookSenderConfig = z.strictObject({
  id: CallerId,
  secrets: z.array(SecretText).min(1),
  tenants: TenantScope,
});

export interface WebhookSender {
  id: string;
  secrets: WebhookSecret[];
  tenants: readonly string[] | "all";
}

export const WebhookSendersSetting = uniqueIds(WebhookSenderConfig, "sender");
