// Who is calling: every function key identifies a caller (by the key's SHA-256, so no key is kept
// in settings), and a caller may be limited to some customer tenants.
import { createHash, timingSafeEqual } from "node:crypto";
import type { Caller } from "./submit-escalation.js";

/** A registered caller: the SHA-256 of its function key (hex) and the customers it may act for. */
export interface CallerConfig {
  id: string;
  keySha256: string;
  tenants: "all" | string[];
}

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
