// Systems that deliver escalations as signed webhooks: each has its own secrets (several at once
// during rotation) and, like any caller, may be limited to some customer tenants.
import { z } from "zod";
import { parseWebhookSecret, type WebhookSecret } from "../webhooks/standard-webhooks.js";

const SecretText = z.string().transform((text, ctx) => {
  const parsed = parseWebhookSecret(text);
  if (!parsed.ok) {
    ctx.addIssue({ code: "custom", message: parsed.message });
    return z.NEVER;
  }
  return parsed.secret;
});

export const WebhookSenderConfig = z.strictObject({
  id: z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, "lower-case letters, digits and dashes"),
  secrets: z.array(SecretText).min(1),
  tenants: z.union([z.literal("all"), z.array(z.uuid()).min(1)]),
});

export interface WebhookSender {
  id: string;
  secrets: WebhookSecret[];
  tenants: readonly string[] | "all";
}

export const WebhookSendersSetting = z.array(WebhookSenderConfig).refine((senders) => new Set(senders.map((sender) => sender.id)).size === senders.length, "sender ids must be unique");
