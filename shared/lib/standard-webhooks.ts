// Standard Webhooks (standardwebhooks.com) signing and verification, hand-written on node:crypto:
// the whole scheme is ~80 lines, so it is not worth a dependency. Bad input gives a result; only caller bugs throw.
import { createHmac, timingSafeEqual } from "node:crypto";

export interface WebhookSecret {
  /** The HMAC-SHA256 key: the base64-decoded part of `whsec_<base64>`. */
  readonly key: Uint8Array;
}

export type WebhookSecretError = "missing-prefix" | "invalid-base64" | "empty-key";
export type WebhookSecretResult =
  { ok: true; secret: WebhookSecret } | { ok: false; error: WebhookSecretError; message: string };

export type WebhookVerificationError =
  | "missing-headers"
  | "invalid-timestamp"
  | "timestamp-out-of-tolerance"
  | "no-supported-signature"
  | "no-matching-signature";
export type WebhookVerificationResult =
  { ok: true; webhookId: string; timestamp: number } | { ok: false; error: WebhookVerificationError; message: string };

/** What fetch's and @azure/functions' `Headers` offer; lookups use lower-case names. */
export interface HeaderLookup {
  get(name: string): string | null;
}

export interface VerifyWebhookInput {
  headers: HeaderLookup;
  /** The raw request body bytes, exactly as received: never a re-serialised parsed object. */
  body: Uint8Array;
  /** Every secret currently accepted (more than one during rotation); a match with any verifies. */
  secrets: readonly WebhookSecret[];
  now: Date;
  /** How far `webhook-timestamp` may be from `now`, in either direction; 300 s when not given. */
  toleranceSeconds?: number;
}

const SECRET_PREFIX = "whsec_";
const SIGNATURE_BYTES = 32; // HMAC-SHA256
const DEFAULT_TOLERANCE_SECONDS = 300;

/** Decodes standard base64 (padded or not) only when `text` is its canonical form: Buffer.from alone skips junk. */
function decodeBase64(text: string): Buffer | undefined {
  const decoded = Buffer.from(text, "base64");
  const canonical = decoded.toString("base64");
  return canonical === text || canonical.replace(/=+$/, "") === text ? decoded : undefined;
}

export function parseWebhookSecret(text: string): WebhookSecretResult {
  if (!text.startsWith(SECRET_PREFIX))
    return { ok: false, error: "missing-prefix", message: `a webhook secret must start with "${SECRET_PREFIX}"` };
  const key = decodeBase64(text.slice(SECRET_PREFIX.length));
  if (key === undefined)
    return {
      ok: false,
      error: "invalid-base64",
      message: `the part after "${SECRET_PREFIX}" must be standard base64 (no spaces or line breaks)`,
    };
  if (key.length === 0) return { ok: false, error: "empty-key", message: `the part after "${SECRET_PREFIX}" is empty` };
  return { ok: true, secret: { key } };
}

function hmac(id: string, timestamp: string, body: Uint8Array, secret: WebhookSecret): Buffer {
  return createHmac("sha256", secret.key).update(`${id}.${timestamp}.`, "utf8").update(body).digest();
}

/** The `webhook-signature` header value for a delivery; the caller also sends `webhook-id` and `webhook-timestamp`. */
export function signWebhook({
  id,
  timestamp,
  body,
  secret,
}: {
  id: string;
  timestamp: number;
  body: Uint8Array;
  secret: WebhookSecret;
}): string {
  if (id === "") throw new Error("signWebhook: id must not be empty");
  if (!Number.isSafeInteger(timestamp) || timestamp < 0)
    throw new Error(`signWebhook: timestamp must be whole unix seconds, got ${timestamp}`);
  return `v1,${hmac(id, String(timestamp), body, secret).toString("base64")}`;
}

export function verifyWebhook({
  headers,
  body,
  secrets,
  now,
  toleranceSeconds = DEFAULT_TOLERANCE_SECONDS,
}: VerifyWebhookInput): WebhookVerificationResult {
  if (secrets.length === 0) throw new Error("verifyWebhook: no secrets configured");
  if (!Number.isFinite(toleranceSeconds) || toleranceSeconds < 0)
    throw new Error(`verifyWebhook: toleranceSeconds must be >= 0, got ${toleranceSeconds}`);
  // An invalid Date would make every skew NaN and so pass the tolerance check.
  if (Number.isNaN(now.getTime())) throw new Error("verifyWebhook: now is an invalid Date");

  const received = {
    "webhook-id": headers.get("webhook-id") ?? "",
    "webhook-timestamp": headers.get("webhook-timestamp") ?? "",
    "webhook-signature": headers.get("webhook-signature") ?? "",
  };
  const missing = Object.entries(received)
    .filter(([, value]) => value.trim() === "")
    .map(([name]) => name);
  if (missing.length > 0)
    return { ok: false, error: "missing-headers", message: `missing or empty header(s): ${missing.join(", ")}` };
  const { "webhook-id": id, "webhook-timestamp": timestampText, "webhook-signature": signatureHeader } = received;

  const timestamp = /^[0-9]+$/.test(timestampText) ? Number(timestampText) : Number.NaN;
  if (!Number.isSafeInteger(timestamp))
    return { ok: false, error: "invalid-timestamp", message: "webhook-timestamp must be whole unix seconds" };
  const skewSeconds = now.getTime() / 1000 - timestamp;
  if (Math.abs(skewSeconds) > toleranceSeconds) {
    const direction = skewSeconds > 0 ? "old" : "far in the future";
    return {
      ok: false,
      error: "timestamp-out-of-tolerance",
      message: `webhook-timestamp is too ${direction} (${Math.round(Math.abs(skewSeconds))} s from now, tolerance ${toleranceSeconds} s)`,
    };
  }

  const candidates = signatureHeader
    .split(/\s+/)
    .filter((entry) => entry.startsWith("v1,"))
    .map((entry) => decodeBase64(entry.slice(3)));
  if (candidates.length === 0)
    return { ok: false, error: "no-supported-signature", message: "webhook-signature has no v1 entries" };
  const expected = secrets.map((secret) => hmac(id, timestampText, body, secret));
  const matches = candidates.some(
    (candidate) =>
      candidate?.length === SIGNATURE_BYTES && expected.some((digest) => timingSafeEqual(candidate, digest)),
  );
  return matches
    ? { ok: true, webhookId: id, timestamp }
    : { ok: false, error: "no-matching-signature", message: "no v1 signature matches any configured secret" };
}
