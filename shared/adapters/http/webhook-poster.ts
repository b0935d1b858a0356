// POSTs a signed report to a webhook under the outbound policy, and classifies the answer:
// 2xx delivered; 408, 429, 5xx, timeouts and lost connections transient (Retry-After kept);
// anything else refused. Redirects are not followed: a 3xx could lead past the policy.
import { outboundUrlProblem, type OutboundPolicy } from "../../lib/outbound-url.js";
import { BlockedAddressError, publicOnlyLookup } from "./outbound-policy.js";
import type { PostOutcome, SignedPost } from "../../domain/metrics/deliver-report.js";
import { nodeHttpTransport, parseRetryAfter, type HttpTransport } from "./http-transport.js";

export interface WebhookPosterOptions {
  policy: OutboundPolicy;
  /** The whole exchange; a receiver slower than this is retried later. */
  timeoutMs?: number;
  transport?: HttpTransport;
}

const DEFAULT_TIMEOUT_MS = 10_000;
const TRANSIENT_STATUSES = new Set([408, 429]);

export function makeWebhookPoster({
  policy,
  timeoutMs = DEFAULT_TIMEOUT_MS,
  transport,
}: WebhookPosterOptions): (request: SignedPost) => Promise<PostOutcome> {
  const send = transport ?? nodeHttpTransport({ lookup: publicOnlyLookup(policy) });
  return async ({ url, body, headers }) => {
    const problem = outboundUrlProblem(url, policy);
    if (problem !== undefined) return { kind: "refused", reason: `the URL ${problem}` };
    let answer;
    try {
      answer = await send({
        method: "POST",
        url: url.href,
        headers: { ...headers, "user-agent": "vianet-escalation-bridge" },
        body,
        timeoutMs,
      });
    } catch (error) {
      if (error instanceof BlockedAddressError) return { kind: "refused", reason: error.message };
      return { kind: "transient", reason: error instanceof Error ? `${error.name}: ${error.message}` : String(error) };
    }
    const { status } = answer;
    if (status >= 200 && status < 300) return { kind: "delivered", status };
    if (status >= 500 || TRANSIENT_STATUSES.has(status)) {
      const retryAfterMs = parseRetryAfter(answer.header("retry-after"));
      return {
        kind: "transient",
        reason: `HTTP ${String(status)}`,
        ...(retryAfterMs === undefined ? {} : { retryAfterMs }),
      };
    }
    return {
      kind: "refused",
      status,
      reason:
        status >= 300 && status < 400
          ? `HTTP ${String(status)} (redirects are not followed)`
          : `HTTP ${String(status)}`,
    };
  };
}
