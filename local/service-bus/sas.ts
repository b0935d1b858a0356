// Shared Access Signature checks for CBS put-token, as Service Bus validates them.
import { createHmac, timingSafeEqual } from "node:crypto";

export type TokenCheck = { ok: true; audiencePath: string; expiresAtMs: number } | { ok: false; reason: string };

/** The entity path an audience or `sr` names: `sb://host:port/q1/$management` -> `q1/$management`. */
export function audiencePath(audience: string): string {
  const withoutScheme = audience.replace(/^[a-z]+:\/\//i, "");
  const slash = withoutScheme.indexOf("/");
  const path = slash < 0 ? "" : withoutScheme.slice(slash + 1);
  return path.replace(/\/+$/, "").toLowerCase();
}

/** True when a token for `granted` covers `requested` (the namespace root covers everything). */
export function audienceCovers(granted: string, requested: string): boolean {
  return granted === "" || requested === granted || requested.startsWith(`${granted}/`);
}

export function checkSasToken(
  token: string,
  keyName: string,
  key: string,
  requestedAudience: string,
  nowMs: number,
): TokenCheck {
  const prefix = "SharedAccessSignature ";
  if (!token.startsWith(prefix)) return { ok: false, reason: "not a SharedAccessSignature token" };
  const fields = new Map<string, string>();
  for (const pair of token.slice(prefix.length).split("&")) {
    const equals = pair.indexOf("=");
    if (equals > 0) fields.set(pair.slice(0, equals), pair.slice(equals + 1));
  }
  const sr = fields.get("sr");
  const sig = fields.get("sig");
  const se = fields.get("se");
  const skn = fields.get("skn");
  if (sr === undefined || sig === undefined || se === undefined || skn === undefined) {
    return { ok: false, reason: "token is missing sr, sig, se or skn" };
  }
  if (skn !== keyName) return { ok: false, reason: `unknown key name '${skn}'` };
  const expiresAtSeconds = Number(se);
  if (!Number.isFinite(expiresAtSeconds) || expiresAtSeconds * 1000 <= nowMs)
    return { ok: false, reason: "token has expired" };
  const expected = createHmac("sha256", key).update(`${sr}\n${se}`).digest();
  let presented: Buffer;
  try {
    presented = Buffer.from(decodeURIComponent(sig), "base64");
  } catch {
    return { ok: false, reason: "signature is not valid base64" };
  }
  if (presented.length !== expected.length || !timingSafeEqual(presented, expected)) {
    return { ok: false, reason: "signature does not match" };
  }
  let resource: string;
  try {
    resource = decodeURIComponent(sr);
  } catch {
    return { ok: false, reason: "sr is not URL-encoded" };
  }
  const granted = audiencePath(resource);
  if (!audienceCovers(granted, audiencePath(requestedAudience))) {
    return { ok: false, reason: `token for '${resource}' does not cover '${requestedAudience}'` };
  }
  return { ok: true, audiencePath: audiencePath(requestedAudience), expiresAtMs: expiresAtSeconds * 1000 };
}
