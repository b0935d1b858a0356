// Who is calling: every function key identifies a caller (by the key's SHA-256, so no key is kept
// in settings), and a caller may be limited to some customer tenants.
import { createHash, timingSafeEqual } from "node:crypto";
import { z } from "zod";
import type { Caller } from "./submit-escalation.js";

export const CallerId = z.string().regex(/^[a-z0-9][a-z0-9-]{0,63}$/, "lower-case letters, digits and dashes");
/** The customers a caller may act for. */
export const TenantScope = z.union([z.literal("all"), z.array(z.uuid()).min(1)]);

/** A list of configured callers or senders, each id used once. */
export function uniqueIds<T extends z.ZodType<{ id: string }>>(entry: T, what: string) {
  return z
    .array(entry)
    .refine((entries) => new Set(entries.map((item) => item.id)).size === entries.length, `${what} ids must be unique`);
}

export const CallerConfig = z.strictObject({
  id: CallerId,
  keySha256: z.string().regex(/^[0-9a-f]{64}$/, "the SHA-256 of the function key, as hex"),
  tenants: TenantScope,
});
export type CallerConfig = z.infer<typeof CallerConfig>;

export const CallersSetting = uniqueIds(CallerConfig, "caller");

/** Local development with no callers configured: any key the host accepted is one caller. */
export const DEFAULT_CALLER: Caller = { id: "default", tenants: "all" };

export function identifyCaller(key: string | undefined, callers: readonly CallerConfig[]): Caller | undefined {
  if (key === undefined || key === "") return undefined;
  if (callers.length === 0) return DEFAULT_CALLER;
  const digest = createHash("sha256").update(key).digest();
  // Every registered digest is compared, each in constant time, so the answer's timing tells
  // nothing about how close a guessed key came to any of them.
  let match: CallerConfig | undefined;
  for (const caller of callers) {
    if (timingSafeEqual(digest, Buffer.from(caller.keySha256, "hex")) && match === undefined) match = caller;
  }
  return match === undefined ? undefined : { id: match.id, tenants: match.tenants };
}
