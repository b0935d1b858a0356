// Who may call, as the settings list them: API callers by the SHA-256 of their function key, and
// systems that sign webhooks by their secrets; each may be limited to some customer tenants.
import { z } from "zod";
import type { CallerConfig } from "../domain/escalations/callers.js";
import type { WebhookSender } from "../domain/escalations/webhook-senders.js";
import { parseWebhookSecret } from "../lib/standard-webhooks.js";

export const CallerId = z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, "lower-case letters, digits and dashes");
/** The customers a caller may act for. */
const TenantScope = z.union([z.literal("all"), z.array(z.uuid()).min(1)]);

/** A list of configured callers or senders, each id used once. */
export function uniqueIds<T extends z.ZodType<{ id: string }>>(entry: T, what: string) {
  return z
    .array(entry)
    .refine((entries) => new Set(entries.map((item) => item.id)).size === entries.length, `${what} ids must be unique`);
}

const CallerSetting = z.strictObject({
  id: CallerId,
  keySha256: z.string().regex(/^[0-9a-f]{64}$/, "the SHA-256 of the function key, as hex"),
  tenants: TenantScope,
}) satisfies z.ZodType<CallerConfig>;

export const CallersSetting = uniqueIds(CallerSetting, "caller");

/** A Standard Webhooks secret (`whsec_` and base64), checked and decoded. */
export const SecretText = z.string().transform((text, ctx) => {
  const parsed = parseWebhookSecret(text);
  if (!parsed.ok) {
    ctx.addIssue({ code: "custom", message: parsed.message });
    return z.NEVER;
  }
  return parsed.secret;
});

const WebhookSenderSetting = z.strictObject({
  id: CallerId,
  secrets: z.array(SecretText).min(1),
  tenants: TenantScope,
}) satisfies z.ZodType<WebhookSender>;

export const WebhookSendersSetting = uniqueIds(WebhookSenderSetting, "sender");
