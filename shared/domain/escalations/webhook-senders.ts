// Systems that deliver escalations as signed webhooks: each has its own secrets (several at once
// during rotation) and, like any caller, may be limited to some customer tenants.
import type { WebhookSecret } from "../../lib/standard-webhooks.js";

export interface WebhookSender {
  id: string;
  secrets: WebhookSecret[];
  tenants: readonly string[] | "all";
}
