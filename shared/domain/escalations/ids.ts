// Escalation ids: time-ordered (so logs and keys sort by arrival), random enough never to clash,
// and made of characters safe in URLs and Table keys.
import { randomBytes, randomUUID } from "node:crypto";
import type { IdGenerator } from "./ports.js";

export const randomIds: IdGenerator = {
  escalationId: () => `esc_${Date.now().toString(36).padStart(9, "0")}${randomBytes(8).toString("hex")}`,
  correlationId: () => randomUUID(),
};
